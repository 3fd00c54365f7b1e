// Notifications: the records that matched the user's subscriptions, newest first, each saying
// why; new ones arrive live. Looking at the screen marks them seen. The subscriptions are
// managed here too (pause, resume, delete).

import { del, get, patch } from "../api.js";
import { failure, h, replace, section, time } from "../dom.js";
import { markSeen } from "../main.js";

/** How many notifications a page holds. */
const PAGE = 50;

/** A page of the user's notifications, newest first, older than id `before` when given. */
export function newestNotifications({ before, limit = PAGE } = {}) {
  return get("/notifications", { order: "newest", before, limit });
}

/** The user's subscriptions by id. */
export async function subscriptionsById() {
  return new Map((await get("/subscriptions")).map((subscription) => [subscription.id, subscription]));
}

/** Where a reason's parts are, as a reader would name them: `fields.ad_url` is "ad url". */
function partNames(parts) {
  const names = parts.map((part) => (part.startsWith("fields.") ? `the ${part.slice(7).replaceAll("_", " ")} field` : `the ${part}`));
  if (names.length < 2) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** Why a notification's record matched: each term (or entity, filter…) and where it was found. */
function reasons(notification) {
  const list = Array.isArray(notification.reasons) ? notification.reasons : [];
  if (!list.length) return null;
  return h(
    "ul",
    { class: "reasons" },
    list.map((reason) =>
      h(
        "li",
        {},
        "matched ",
        h("mark", { class: "hit-term" }, String(reason.matched ?? "")),
        reason.parts?.length ? ` in ${partNames(reason.parts)}` : null,
      ),
    ),
  );
}

/** One notification: the subscription that matched, why, when, and a link to the record. */
export function notificationItem(notification, subscription, { fresh = false } = {}) {
  const record = `/records/${encodeURIComponent(notification.record_id)}`;
  return h(
    "li",
    { class: fresh ? "notification fresh" : "notification", dataset: { id: String(notification.id) } },
    h(
      "p",
      { class: "notification-head" },
      fresh ? h("span", { class: "chip new" }, "New") : null,
      h("strong", {}, subscription ? subscription.name : "A deleted subscription"),
      " ",
      h("span", { class: "muted" }, time(notification.created)),
    ),
    reasons(notification),
    h(
      "p",
      { class: "notification-record" },
      // The id's tail: its head is a timestamp, alike for records filed together. (The API sends
      // no title with a notification; reading each record here would log reads nobody made.)
      h("a", { href: record, title: notification.record_id }, "Open record ", h("code", {}, `…${notification.record_id.slice(-12)}`)),
      notification.version > 1 ? h("span", { class: "muted" }, ` (changed: version ${notification.version})`) : null,
    ),
  );
}

export async function render(main, app) {
  const list = h("ol", { class: "notifications-list" });
  // Says a live arrival out loud without re-reading the whole list.
  const announce = h("p", { class: "visually-hidden", "aria-live": "polite" });
  const older = h("div", { class: "actions" });
  const matches = section("Matches", list, older);
  matches.setAttribute("aria-label", "Matches");
  const subscriptionPanel = h("div", {});
  main.append(
    h("h1", {}, "Notifications"),
    h("p", { class: "muted" }, "Records that match your subscriptions, newest first. New ones appear here as they arrive."),
    announce,
    h("div", { class: "columns" }, matches, subscriptionPanel),
  );

  let subscriptions = new Map();
  let notifications;
  replace(list, h("li", {}, h("progress", { "aria-label": "Loading notifications" })));
  try {
    [notifications, subscriptions] = await Promise.all([newestNotifications(), subscriptionsById()]);
  } catch (error) {
    replace(list);
    list.replaceWith(failure(error));
    return;
  }
  const known = new Set(notifications.map((notification) => notification.id));
  const item = (notification) => notificationItem(notification, subscriptions.get(notification.subscription_id));
  /** Offers the next page back while the last one was full. */
  function offerOlder(page) {
    replace(older);
    if (page.length < PAGE) return;
    const button = h("button", { type: "button", class: "secondary" }, "Show older");
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const next = (await newestNotifications({ before: notifications.at(-1).id })).filter((one) => !known.has(one.id));
        for (const notification of next) known.add(notification.id);
        notifications.push(...next);
        list.append(...next.map(item));
        offerOlder(next);
      } catch (error) {
        button.disabled = false;
        app.notify(error.message, "error");
      }
    });
    older.append(button);
  }
  replace(list, notifications.map(item));
  offerOlder(notifications);
  const empty = h("p", { class: "muted empty" }, "No notifications yet. Save a search as a subscription to be told of new matches.");
  empty.hidden = notifications.length > 0;
  list.before(empty);
  if (notifications.length) markSeen(notifications[0].id);

  const redrawSubscriptions = showSubscriptions(subscriptionPanel, subscriptions, app);

  // Live ones go on top; being on this screen is seeing them.
  const arrived = async (event) => {
    const notification = event.detail;
    if (!notification || known.has(notification.id)) return;
    known.add(notification.id);
    if (!subscriptions.has(notification.subscription_id)) {
      // Saved since the screen opened (say, in another tab): learn its name.
      try {
        for (const [id, subscription] of await subscriptionsById()) subscriptions.set(id, subscription);
        redrawSubscriptions();
      } catch {
        // Shown as a deleted subscription's; the record link still works.
      }
    }
    notifications.unshift(notification);
    empty.hidden = true;
    const subscription = subscriptions.get(notification.subscription_id);
    list.prepend(notificationItem(notification, subscription, { fresh: true }));
    replace(announce, `New match for ${subscription ? `“${subscription.name}”` : "a subscription"}.`);
    markSeen(notification.id);
  };
  window.addEventListener("humdex:notification", arrived);
  // Many at once come as one digest: read the list again rather than guess what it held.
  const digest = async () => {
    try {
      notifications = await newestNotifications();
      for (const notification of notifications) known.add(notification.id);
      empty.hidden = notifications.length > 0;
      replace(list, notifications.map(item));
      offerOlder(notifications);
      if (notifications.length) markSeen(notifications[0].id);
    } catch (error) {
      app.notify(error.message, "error");
    }
  };
  window.addEventListener("humdex:digest", digest);
  return () => {
    window.removeEventListener("humdex:notification", arrived);
    window.removeEventListener("humdex:digest", digest);
  };
}

/** The user's subscriptions, each with pause/resume, delete, and a link that runs its query. */
function showSubscriptions(panel, subscriptions, app) {
  const rows = h("ul", { class: "subscriptions" });
  function draw() {
    replace(rows, [...subscriptions.values()].map(row));
    if (!subscriptions.size) {
      rows.append(h("li", { class: "muted" }, "None yet. Search, then “Save as subscription”."));
    }
  }
  function row(subscription) {
    const message = h("p", { class: "error", role: "alert", hidden: true });
    const fail = (error) => {
      message.hidden = false;
      replace(message, error.message);
    };
    const toggle = h(
      "button",
      { type: "button", class: "secondary" },
      subscription.paused ? "Resume" : "Pause",
    );
    toggle.setAttribute("aria-label", `${subscription.paused ? "Resume" : "Pause"} ${subscription.name}`);
    toggle.addEventListener("click", async () => {
      toggle.disabled = true;
      try {
        const changed = await patch(`/subscriptions/${encodeURIComponent(subscription.id)}`, { paused: !subscription.paused });
        subscriptions.set(changed.id, changed);
        draw();
        app.notify(`“${changed.name}” ${changed.paused ? "paused" : "resumed"}.`, "ok");
        rows.querySelector(`[data-id="${CSS.escape(changed.id)}"] button`)?.focus();
      } catch (error) {
        toggle.disabled = false;
        fail(error);
      }
    });
    const remove = h("button", { type: "button", class: "danger", "aria-label": `Delete ${subscription.name}` }, "Delete");
    remove.addEventListener("click", async () => {
      if (!confirm(`Delete the subscription “${subscription.name}” and its notifications?`)) return;
      remove.disabled = true;
      try {
        await del(`/subscriptions/${encodeURIComponent(subscription.id)}`);
        subscriptions.delete(subscription.id);
        draw();
        app.notify(`“${subscription.name}” deleted.`, "ok");
      } catch (error) {
        remove.disabled = false;
        fail(error);
      }
    });
    return h(
      "li",
      { class: subscription.paused ? "subscription paused" : "subscription", dataset: { id: subscription.id } },
      h(
        "p",
        { class: "subscription-head" },
        h("strong", {}, subscription.name),
        " ",
        h("span", { class: subscription.paused ? "chip paused" : "chip active" }, subscription.paused ? "Paused" : "Active"),
        subscription.channel === "webhook" ? h("span", { class: "chip" }, "webhook") : null,
      ),
      h("p", {}, h("a", { href: `/search?${new URLSearchParams({ q: subscription.query })}`, title: "Search with this query" }, h("code", {}, subscription.query))),
      h("div", { class: "actions" }, toggle, remove),
      message,
    );
  }
  draw();
  const subscriptionsSection = section("Subscriptions", rows);
  subscriptionsSection.setAttribute("aria-label", "Subscriptions");
  replace(panel, subscriptionsSection);
  return draw;
}

// The dashboard: what the user has to do (their queue and their pools' queues by workflow state,
// overdue work first), what was released to them, what all records they may see number, and
// their latest notifications.

import { get } from "../api.js";
import { count, failure, h, replace, section, time } from "../dom.js";
import { newestNotifications, notificationItem, subscriptionsById } from "./notifications.js";

const STATES = ["intake", "analysis", "dissemination", "archived"];
/** How many open records each queue lists; the rest are counted. */
const LISTED = 8;
/** Pages of 500 read per queue at most: beyond that the counts say "at least". */
const MAX_PAGES = 10;
/** How many notifications the dashboard shows. */
const RECENT = 5;

export async function render(main, app) {
  const me = app.user.username;
  const overview = h("div", {});
  const queues = h("div", { class: "grid queues" });
  const released = h("div", {});
  const recent = h("div", {});
  main.append(
    h(
      "div",
      { class: "dashboard-head" },
      h("h1", {}, "Dashboard"),
      h(
        "nav",
        { class: "actions quick-links", "aria-label": "Quick links" },
        h("a", { class: "button", href: "/intake" }, "New report"),
        h("a", { class: "button secondary", href: "/intake?kind=request" }, "New request for information"),
      ),
    ),
    overview,
    queues,
    h("div", { class: "columns" }, recent, released),
  );
  for (const place of [overview, queues, recent, released]) {
    place.append(h("progress", { "aria-label": "Loading" }));
  }

  let recentShown = [];
  let subscriptions = new Map();
  await Promise.all([
    fill(overview, "All records you may see", async () => totals(await get("/dashboard"))),
    fill(queues, "My queue", () =>
      Promise.all([
        queuePanel("My queue", assigned(`user:${me}`)),
        // A failing pool list must not hide the user's own queue.
        get("/pools").then(
          (pools) =>
            Promise.all(
              pools
                .filter((pool) => pool.members.includes(me))
                .map((pool) => queuePanel(`Pool “${pool.name}”`, assigned(`pool:${pool.name}`))),
            ),
          (error) => unavailable("Pools", error),
        ),
      ]),
    ),
    fill(recent, "Recent notifications", async () => {
      [recentShown, subscriptions] = await Promise.all([newestNotifications({ limit: RECENT }), subscriptionsById()]);
      return recentPanel(recentShown, subscriptions);
    }),
    fill(released, "Released to you", async () => releasedPanel(await get("/queue", { limit: 20 }))),
  ]);

  // New matches join the recent ones as they arrive.
  const arrived = async (event) => {
    const notification = event.detail;
    if (!notification || recentShown.some((shown) => shown.id === notification.id)) return;
    recentShown = [notification, ...recentShown].slice(0, RECENT);
    if (!subscriptions.has(notification.subscription_id)) {
      await fill(recent, "Recent notifications", async () => {
        subscriptions = await subscriptionsById();
        return recentPanel(recentShown, subscriptions);
      });
    } else {
      replace(recent, recentPanel(recentShown, subscriptions));
    }
  };
  window.addEventListener("humdex:notification", arrived);
  return () => window.removeEventListener("humdex:notification", arrived);
}

/** A panel that assistive technology lists as a region named by its heading. */
function panel(title, ...children) {
  const region = section(title, ...children);
  region.setAttribute("aria-label", title);
  return region;
}

/** Fills `place` with what `build` makes, or with the server's message when it fails. */
async function fill(place, title, build) {
  try {
    replace(place, await build());
  } catch (error) {
    replace(place, unavailable(title, error));
  }
}

/**
 * A panel that could not be loaded. A 403 is the role's lot, not a fault (a partner does not
 * work records), so it is said plainly rather than as an error.
 */
function unavailable(title, error) {
  return error.status === 403 ? panel(title, h("p", { class: "muted" }, `Not for your role: ${error.message}.`)) : panel(title, failure(error));
}

/** The records assigned to `assignee` (`user:NAME` or `pool:NAME`), and whether all were read. */
async function assigned(assignee) {
  const records = [];
  let cursor;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await get("/records", { assignee, limit: 500, cursor });
    records.push(...answer.records);
    cursor = answer.next_cursor;
    if (!cursor) return { records, complete: true };
  }
  return { records, complete: false };
}

/** Today's date as `YYYY-MM-DD` in the reader's time zone, to compare with due dates. */
function today() {
  const now = new Date();
  const pad = (number) => String(number).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function overdue(record, day) {
  return Boolean(record.due) && record.due < day && record.state !== "archived";
}

/** A big number with what it counts. */
function tile(label, number, { detail, href } = {}) {
  const value = h("span", { class: "count" }, number);
  return h(
    "div",
    { class: "tile" },
    h("span", { class: "tile-label" }, label),
    href ? h("a", { href }, value) : value,
    detail ? h("span", { class: "tile-detail muted" }, detail) : null,
  );
}

/** All records the user may see, by workflow state, each a search for that state. */
function totals(dashboard) {
  const states = dashboard.states ?? {};
  const all = STATES.reduce((sum, state) => sum + Object.values(states[state] ?? {}).reduce((a, b) => a + b, 0), 0);
  return panel(
    "All records you may see",
    h(
      "div",
      { class: "tiles" },
      tile("All", count(all)),
      STATES.map((state) => {
        const kinds = states[state] ?? {};
        const total = Object.values(kinds).reduce((a, b) => a + b, 0);
        return tile(capital(state), count(total), {
          href: `/search?${new URLSearchParams({ q: `state:${state}`, sort: "newest" })}`,
          detail: `${count(kinds.report)} reports · ${count(kinds.request)} requests`,
        });
      }),
    ),
    dashboard.projection?.lag ? h("p", { class: "muted" }, `Catching up: ${count(dashboard.projection.lag)} changes not yet counted.`) : null,
  );
}

function capital(word) {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** One queue: its records counted by state, then its open records, overdue first. */
async function queuePanel(title, loading) {
  let records;
  let complete;
  try {
    ({ records, complete } = await loading);
  } catch (error) {
    return panel(title, failure(error));
  }
  const day = today();
  const byState = Object.fromEntries(STATES.map((state) => [state, 0]));
  // A pointer record shows no state: the user may only know it exists.
  let restricted = 0;
  for (const record of records) {
    if (record.state in byState) byState[record.state] += 1;
    else restricted += 1;
  }
  const open = records
    .filter((record) => !record.pointer && record.state !== "archived")
    .sort((a, b) => {
      const late = Number(overdue(b, day)) - Number(overdue(a, day));
      if (late) return late;
      if (a.due && b.due && a.due !== b.due) return a.due < b.due ? -1 : 1;
      if (Boolean(a.due) !== Boolean(b.due)) return a.due ? -1 : 1;
      return a.received < b.received ? 1 : -1;
    });
  const late = open.filter((record) => overdue(record, day)).length;
  const atLeast = complete ? "" : "at least ";
  const queue = panel(
    title,
    h(
      "div",
      { class: "tiles small" },
      STATES.map((state) => tile(capital(state), count(byState[state]))),
    ),
    late
      ? h("p", { class: "overdue-line" }, h("strong", { class: "count" }, count(late)), ` overdue: past their due date and not archived`)
      : h("p", { class: "muted" }, "Nothing overdue."),
    restricted ? h("p", { class: "muted" }, `${count(restricted)} restricted (you may only know they exist).`) : null,
    open.length
      ? h("ul", { class: "queue-list" }, open.slice(0, LISTED).map((record) => queueItem(record, day)))
      : h("p", { class: "muted" }, "Nothing open."),
    open.length > LISTED
      ? h("p", { class: "muted" }, `The ${LISTED} most pressing of ${atLeast}${count(open.length)} open.`)
      : null,
  );
  queue.classList.add("queue");
  return queue;
}

function queueItem(record, day) {
  const late = overdue(record, day);
  return h(
    "li",
    { class: late ? "queue-item overdue" : "queue-item" },
    h("a", { href: `/records/${encodeURIComponent(record.id)}` }, record.title),
    h(
      "span",
      { class: "queue-meta" },
      late ? h("span", { class: "chip overdue" }, "Overdue") : null,
      h("span", { class: "chip" }, record.kind),
      h("span", { class: `chip state-${record.state}` }, record.state),
      h("span", { class: "muted" }, `priority ${record.priority}`),
      record.due ? h("span", { class: late ? "due late" : "due muted" }, `due ${record.due}`) : null,
    ),
  );
}

/** What was released to the user, directly or through a pool. */
function releasedPanel(entries) {
  return panel(
    "Released to you",
    entries.length
      ? h(
          "ul",
          { class: "queue-list" },
          entries.map(({ dissemination, record }) =>
            h(
              "li",
              { class: "queue-item" },
              record.pointer
                ? h("a", { href: `/records/${encodeURIComponent(record.id)}` }, `Restricted record: ask ${record.point_of_contact}`)
                : h("a", { href: `/records/${encodeURIComponent(record.id)}` }, record.title),
              h(
                "span",
                { class: "queue-meta" },
                h("span", { class: "chip tlp" }, dissemination.handling_code),
                h("span", {}, dissemination.purpose),
                h("span", { class: "muted" }, "from ", dissemination.by, ", ", time(dissemination.at)),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "Nothing has been released to you."),
  );
}

function recentPanel(notifications, subscriptions) {
  return panel(
    "Recent notifications",
    notifications.length
      ? h(
          "ol",
          { class: "notifications-list" },
          notifications.map((notification) => notificationItem(notification, subscriptions.get(notification.subscription_id))),
        )
      : h("p", { class: "muted" }, "None yet. Save a search as a subscription to be told of new matches."),
    h("p", {}, h("a", { href: "/notifications" }, "All notifications and subscriptions")),
  );
}

// The app: who is signed in, which screen the address names, and the live notification badge.

import { ApiError, api, get, setCsrf, whenSignedOut } from "./api.js";
import { count, failure, h, replace } from "./dom.js";

/** Screens by path pattern; `:name` parts become `params.name`. */
const ROUTES = [
  ["/", "dashboard"],
  ["/login", "login"],
  ["/intake", "intake"],
  ["/records/:id", "record"],
  ["/search", "search"],
  ["/notifications", "notifications"],
  ["/chart", "chart"],
  ["/map", "map"],
  ["/admin", "admin"],
  ["/account", "account"],
  ["/import", "import"],
];

const main = document.getElementById("main");
const bar = document.querySelector("header.bar");
const statusLine = document.querySelector(".status");
const badge = document.querySelector(".notifications .badge");
const catchingUp = document.querySelector(".catching-up");

/** What every screen is given. */
const app = {
  user: null,
  navigate,
  notify,
  /** Notifications that arrived since the page was opened, newest last. */
  live: [],
  /** The node's tile server for maps (`{url, attribution}`), or null for the bundled basemap. */
  tiles: null,
};

let leaveScreen = null;
let events = null;

function match(path) {
  for (const [pattern, screen] of ROUTES) {
    const wanted = pattern.split("/");
    const parts = path.split("/");
    if (wanted.length !== parts.length) continue;
    const params = {};
    if (
      wanted.every((part, index) => {
        if (part.startsWith(":")) {
          params[part.slice(1)] = decodeURIComponent(parts[index]);
          return parts[index] !== "";
        }
        return part === parts[index];
      })
    ) {
      return { screen, params };
    }
  }
  return null;
}

/** Goes to `path` (with its query) without reloading the page. */
export function navigate(path, { replace: replacing = false } = {}) {
  if (replacing) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  return show();
}

/** A short message in the status line, read out by screen readers. */
export function notify(message, kind = "info") {
  replace(statusLine, message ? h("p", { class: `status-${kind}` }, message) : null);
  statusLine.dataset.kind = kind;
  if (message && kind !== "error") setTimeout(() => {
    if (statusLine.textContent === message) replace(statusLine);
  }, 6000);
}

async function show() {
  if (leaveScreen) {
    try {
      leaveScreen();
    } catch {
      // A screen that fails to clean up must not keep the next from showing.
    }
    leaveScreen = null;
  }
  const found = match(location.pathname);
  if (!found) {
    replace(main, h("h1", {}, "Not found"), h("p", {}, "There is no such page."));
    return;
  }
  if (!app.user && found.screen !== "login") {
    const next = location.pathname + location.search;
    history.replaceState(null, "", `/login?next=${encodeURIComponent(next)}`);
    return show();
  }
  if (app.user?.mfa_enrollment_required && found.screen !== "account") {
    history.replaceState(null, "", "/account");
    return show();
  }
  for (const link of bar.querySelectorAll("nav a")) {
    const current = link.getAttribute("href") === location.pathname;
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const query = new URLSearchParams(location.search);
  replace(main, h("p", { class: "loading" }, "Loading…"));
  try {
    const module = await import(`./screens/${found.screen}.js`);
    main.replaceChildren();
    leaveScreen = (await module.render(main, { ...app, params: found.params, query })) ?? null;
    main.focus({ preventScroll: true });
  } catch (error) {
    replace(main, h("h1", {}, "Something went wrong"), failure(error));
  }
}

/** Called with the signed-in user (or null) whenever that changes. */
export async function signedIn(me) {
  app.user = me;
  setCsrf(me?.csrf_token);
  bar.hidden = !me;
  if (events) {
    events.close();
    events = null;
  }
  if (!me) {
    clearTimeout(progressTimer);
    catchingUp.hidden = true;
    return;
  }
  replace(bar.querySelector(".account"), `${me.username} (${me.role})`);
  for (const link of bar.querySelectorAll("[data-role]")) {
    link.hidden = link.dataset.role !== me.role;
  }
  if (!me.mfa_enrollment_required) {
    await followNotifications(me);
    followProgress();
  }
}

/** What the node's background work is called where people read it. */
const WORK = {
  analysis: "text analysis",
  search: "the search index",
  images: "photo fingerprints",
  graph: "the link chart",
  map: "the map",
  state_counts: "the dashboard's counts",
};

let progressTimer = null;

/**
 * Shows how far the node's projections are behind its journal (after a restart, a large import
 * or a reindex), until they have caught up: search, charts and maps are incomplete meanwhile.
 */
async function followProgress() {
  clearTimeout(progressTimer);
  let health;
  try {
    health = await (await fetch("/health")).json();
  } catch {
    health = null;
  }
  const behind = (health?.projections ?? []).filter((projection) => projection.lag > 0);
  catchingUp.hidden = behind.length === 0;
  if (behind.length === 0 || !app.user) {
    catchingUp.replaceChildren();
    return;
  }
  const head = Math.max(health.journal_head, 1);
  const slowest = Math.min(...behind.map((projection) => projection.applied));
  replace(
    catchingUp,
    h("p", {}, `Catching up on ${count(head - slowest)} changes: ${behind.map((one) => WORK[one.name] ?? one.name).join(", ")}. Results may be incomplete until then.`),
    h("progress", { max: String(head), value: String(slowest), "aria-label": "Caught up" }),
  );
  progressTimer = setTimeout(followProgress, 2000);
}

function seenKey(me) {
  return `humdex.seen.${me.username}`;
}

/** The id of the newest notification the user has looked at. */
export function markSeen(id) {
  if (!app.user) return;
  const seen = Number(localStorage.getItem(seenKey(app.user)) ?? 0);
  if (id > seen) localStorage.setItem(seenKey(app.user), String(id));
  if (id >= newestEarlier) unseenEarlier = 0;
  showUnseen();
}

let unseen = 0;

function showUnseen() {
  const seen = Number(localStorage.getItem(seenKey(app.user)) ?? 0);
  unseen = app.live.filter((one) => one.id > seen).length + unseenEarlier;
  badge.dataset.count = String(unseen);
  badge.textContent = unseen ? String(unseen) : "";
  badge.parentElement.setAttribute(
    "aria-label",
    unseen ? `Notifications: ${unseen} new` : "Notifications",
  );
}

/** Unseen notifications from before the page was opened, and the newest of their ids. */
let unseenEarlier = 0;
let newestEarlier = 0;

async function followNotifications(me) {
  const seen = Number(localStorage.getItem(seenKey(me)) ?? 0);
  app.live = [];
  try {
    const earlier = await get("/notifications", { after: seen, limit: 500 });
    unseenEarlier = earlier.length;
    newestEarlier = earlier.at(-1)?.id ?? 0;
  } catch {
    unseenEarlier = 0;
    newestEarlier = 0;
  }
  showUnseen();
  events = new EventSource("/api/v1/notifications/stream");
  events.addEventListener("notification", (event) => {
    const notification = JSON.parse(event.data);
    app.live.push(notification);
    showUnseen();
    window.dispatchEvent(new CustomEvent("humdex:notification", { detail: notification }));
  });
  events.addEventListener("digest", (event) => {
    window.dispatchEvent(new CustomEvent("humdex:digest", { detail: JSON.parse(event.data) }));
    notify("Many new records match your subscriptions: see Notifications.");
  });
}

document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a[href]");
  if (
    !link ||
    event.defaultPrevented ||
    event.button !== 0 ||
    event.metaKey ||
    event.ctrlKey ||
    event.shiftKey ||
    link.hasAttribute("download") ||
    link.target
  ) {
    return;
  }
  const url = new URL(link.href);
  if (url.origin !== location.origin || !match(url.pathname)) return;
  event.preventDefault();
  bar.querySelector("nav").classList.remove("open");
  navigate(url.pathname + url.search);
});

window.addEventListener("popstate", show);

// A file dropped beside a drop zone must not make the browser leave the app to open it.
for (const type of ["dragover", "drop"]) {
  window.addEventListener(type, (event) => {
    if (!event.target.closest?.(".dropzone")) event.preventDefault();
  });
}

bar.querySelector(".menu-toggle").addEventListener("click", (event) => {
  const nav = bar.querySelector("nav");
  const open = nav.classList.toggle("open");
  event.currentTarget.setAttribute("aria-expanded", String(open));
});

bar.querySelector(".sign-out").addEventListener("click", async () => {
  try {
    await api("POST", "/auth/logout");
  } catch {
    // Signed out either way: the session is gone or will expire.
  }
  await signedIn(null);
  navigate("/login", { replace: true });
});

whenSignedOut(async () => {
  if (!app.user) return;
  await signedIn(null);
  notify("Your session has ended. Sign in again.", "error");
  navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, {
    replace: true,
  });
});

async function start() {
  try {
    const response = await fetch("/ui/settings.json");
    if (response.ok) app.tiles = (await response.json()).tiles ?? null;
  } catch {
    // The bundled basemap serves without settings.
  }
  try {
    await signedIn(await api("GET", "/auth/me", { signingIn: true }));
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) notify(error.message, "error");
    await signedIn(null);
  }
  await show();
}

start();

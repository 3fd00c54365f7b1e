// Search, subscriptions, live notifications and the dashboard, as the people who use them do.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertClean, launch, screenshot, signIn, uniqueWord } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The number the results say match. */
async function total(page) {
  return Number((await page.locator(".search-results .total strong").innerText()).replace(/\D/g, ""));
}

test("an analyst searches, sees highlighted hits and facets, narrows by a facet, and is told what is wrong with a bad query", async () => {
  const page = await signIn(browser, "analyst");
  await page.getByRole("link", { name: "Search", exact: true }).click();
  await page.getByRole("searchbox", { name: "Search records" }).fill("massage");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.waitForURL((url) => url.pathname === "/search" && url.searchParams.get("q") === "massage");

  const hits = page.locator("ol.hits > li");
  await hits.first().waitFor();
  const all = await total(page);
  assert.ok(all > 1, `the demo has several massage records, the screen says ${all}`);
  // Highlighted words are <mark> elements, built as elements: the term and nothing else.
  const marks = hits.first().locator("mark.hit-term");
  assert.ok((await marks.count()) > 0, "the first hit highlights the word");
  assert.match(await marks.first().innerText(), /^massage$/i);
  assert.equal(await page.locator("ol.hits b").count(), 0, "the API's <b> tags never reach the page as HTML");
  // Each hit links to its record.
  assert.match(await hits.first().getByRole("link").first().getAttribute("href"), /^\/records\/[0-9a-f-]{36}$/);

  // Facets: pick a workflow state that holds some but not all of the hits.
  const facets = page.getByRole("region", { name: "Narrow by" });
  const states = facets.locator(".facet-group", { has: page.getByRole("heading", { name: "Workflow state" }) }).getByRole("button");
  assert.ok((await states.count()) > 1, "the hits are in more than one workflow state");
  const facet = states.first();
  const state = (await facet.locator(".facet-value").innerText()).trim();
  const expected = Number((await facet.locator(".facet-count").innerText()).replace(/\D/g, ""));
  assert.equal(await facet.getAttribute("aria-pressed"), "false");
  await screenshot(page, "search");
  await facet.click();
  await page.waitForURL((url) => url.searchParams.get("q") === `massage state:${state}`);
  await page.locator(".search-results .total strong").filter({ hasText: String(expected) }).waitFor();
  assert.equal(await total(page), expected);
  assert.ok(expected < all, "the facet narrows the results");
  for (const chip of await page.locator("ol.hits .hit-meta .chip[class*='state-']").allInnerTexts()) {
    assert.equal(chip, state);
  }
  const applied = page.getByRole("region", { name: "Narrow by" }).getByRole("button", { pressed: true });
  assert.match(await applied.innerText(), new RegExp(state));
  // Back returns to the wider search: the query lives in the address.
  await page.goBack();
  await page.waitForURL((url) => url.searchParams.get("q") === "massage");
  await page.locator(".search-results .total strong").filter({ hasText: String(all) }).waitFor();

  // Paging by cursor, in the order chosen.
  await page.goto("/search?q=kind%3Areport&sort=newest");
  await hits.nth(19).waitFor();
  assert.equal(await hits.count(), 20);
  assert.equal(await page.getByLabel("Order").inputValue(), "newest");
  await page.getByRole("button", { name: "More results" }).click();
  await hits.nth(39).waitFor();
  const links = await page.locator("ol.hits h3 a").evaluateAll((all) => all.map((link) => link.getAttribute("href")));
  assert.equal(new Set(links).size, links.length, "the second page follows the first, with no repeats");
  const received = await page.locator("ol.hits .hit-meta time").evaluateAll((all) => all.map((one) => one.getAttribute("datetime")));
  // The index orders by the millisecond (ties in any order); RFC 3339 text does not sort as time.
  const millis = received.map((one) => Date.parse(one));
  assert.deepEqual(millis, [...millis].sort((a, b) => b - a), "newest first");

  // A bad query: the server's message, and the fault marked where it is.
  const box = page.getByRole("searchbox", { name: "Search records" });
  await box.fill("(unclosed");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const alert = page.getByRole("alert").filter({ hasText: "cannot be read" });
  await alert.waitFor();
  assert.match(await alert.innerText(), /never closed/);
  assert.equal(await page.locator(".query-fault mark.fault").innerText(), "(");
  assert.equal(await box.getAttribute("aria-invalid"), "true");
  assert.equal(await page.locator("ol.hits").count(), 0, "no results are shown for a query that cannot be read");
  assertClean(page);
  await page.context().close();
});

test("a saved search tells its owner, live, of a new record that matches, and says why", async () => {
  const page = await signIn(browser, "analyst");
  // Ending in "q" so the stemmer leaves it whole: the reasons name the term as indexed.
  const word = `${uniqueWord("kestrel")}q`;
  await page.goto(`/search?q=${word}`);
  await page.getByText("0 records match").or(page.getByText("Nothing you may see matches")).first().waitFor();
  const name = `Watch ${word}`;
  await page.getByLabel("Subscription name").fill(name);
  await page.getByRole("button", { name: "Save as subscription" }).click();
  await page.locator(".saved").getByText(`Saved “${name}”. Nothing matches yet.`).waitFor();

  // The bar's badge counts unseen notifications; whatever it shows now, one more must come.
  const badge = page.locator("header .notifications .badge");
  await badge.waitFor({ state: "attached" });
  const before = Number((await badge.getAttribute("data-count")) ?? 0);

  // The same user files a record through the API (the intake screen is another screen's).
  const me = await (await page.request.get("/api/v1/auth/me")).json();
  const filed = await page.request.post("/api/v1/records", {
    headers: { "x-csrf-token": me.csrf_token },
    data: { kind: "report", title: `Sighting near the ${word} motel`, narrative: `A caller saw a van at the ${word} motel at night.` },
  });
  assert.equal(filed.status(), 201, await filed.text());
  const { id } = await filed.json();

  // Live, by the event stream: no reload.
  await page.waitForFunction(
    (count) => Number(document.querySelector("header .notifications .badge").dataset.count) > count,
    before,
    { timeout: 30_000 },
  );
  assert.match(await page.getByRole("link", { name: /Notifications: \d+ new/ }).innerText(), /\d/);

  await page.getByRole("link", { name: /Notifications/ }).click();
  await page.waitForURL((url) => url.pathname === "/notifications");
  const item = page.locator("li.notification", { hasText: name }).first();
  await item.waitFor();
  const why = await item.locator(".reasons").innerText();
  assert.match(why, new RegExp(`matched ${word} in the`, "i"), why);
  assert.match(why, /\btitle\b/, why);
  assert.match(why, /\bnarrative\b/, why);
  assert.equal(await item.getByRole("link", { name: /Open record/ }).getAttribute("href"), `/records/${id}`);
  // Opening the screen marks them seen: the badge clears.
  await page.waitForFunction(() => document.querySelector("header .notifications .badge").dataset.count === "0");
  // While the screen is open, a new match appears on top, marked new, and is seen at once.
  const second = await page.request.post("/api/v1/records", {
    headers: { "x-csrf-token": me.csrf_token },
    data: { kind: "report", title: `Second sighting, ${word}`, narrative: "The van came back." },
  });
  assert.equal(second.status(), 201, await second.text());
  const fresh = page.locator("li.notification.fresh").first();
  await fresh.waitFor({ timeout: 30_000 });
  assert.equal(await fresh.locator(".chip.new").innerText(), "New");
  assert.equal(await fresh.getByRole("link", { name: /Open record/ }).getAttribute("href"), `/records/${(await second.json()).id}`);
  assert.match(await fresh.locator(".reasons").innerText(), new RegExp(`matched ${word} in the title`, "i"));
  assert.equal(await page.locator("ol.notifications-list > li").first().getAttribute("class"), "notification fresh", "newest first");
  assert.equal(await badge.getAttribute("data-count"), "0");
  // The subscription is listed, and can be paused and resumed.
  const subscription = page.locator("li.subscription", { hasText: name });
  await subscription.getByRole("button", { name: `Pause ${name}` }).click();
  await subscription.getByText("Paused").waitFor();
  await screenshot(page, "notifications");
  await subscription.getByRole("button", { name: `Resume ${name}` }).click();
  await subscription.getByText("Active").waitFor();
  assertClean(page);
  await page.context().close();
});

test("the dashboard shows the supervisor's queues counted by workflow state", async () => {
  const page = await signIn(browser, "supervisor");
  await page.goto("/");
  const expected = await (await page.request.get("/api/v1/dashboard")).json();
  const mine = await (await page.request.get("/api/v1/records?assignee=user:supervisor&limit=500")).json();

  const overview = page.getByRole("region", { name: "All records you may see" });
  await overview.waitFor();
  for (const [state, kinds] of Object.entries(expected.states)) {
    const sum = Object.values(kinds).reduce((a, b) => a + b, 0);
    const tile = overview.locator(".tile").filter({ hasText: new RegExp(`^${state}`, "i") });
    assert.equal(Number((await tile.locator(".count").innerText()).replace(/\D/g, "")), sum, state);
  }
  const queue = page.getByRole("region", { name: "My queue" });
  await queue.waitFor();
  for (const state of ["intake", "analysis", "dissemination", "archived"]) {
    const held = mine.records.filter((record) => record.state === state).length;
    const tile = queue.locator(".tile").filter({ hasText: new RegExp(`^${state}`, "i") });
    assert.equal(Number((await tile.locator(".count").innerText()).replace(/\D/g, "")), held, state);
  }
  // Overdue: past the due date (the reader's day) and not archived.
  const now = new Date();
  const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
  const late = mine.records.filter((record) => record.due && record.due < day && record.state !== "archived").length;
  assert.ok(late > 0, "the demo gives the supervisor overdue work");
  assert.equal(await queue.locator(".overdue-line .count").innerText(), String(late));
  assert.equal(await queue.locator(".queue-item.overdue").count(), Math.min(late, 8), "overdue records are listed first, marked");
  assert.equal(await queue.locator(".queue-item.overdue").first().getByText("Overdue", { exact: true }).count(), 1);
  // The supervisor is in the triage pool; its queue is shown too.
  await page.getByRole("region", { name: "Pool “triage”" }).waitFor();
  // Every listed record links to it.
  for (const href of await queue.locator(".queue-item a").evaluateAll((links) => links.map((link) => link.getAttribute("href")))) {
    assert.match(href, /^\/records\/[0-9a-f-]{36}$/);
  }
  await page.getByRole("link", { name: "New request for information" }).waitFor();
  await screenshot(page, "dashboard");
  assertClean(page);
  await page.context().close();
});

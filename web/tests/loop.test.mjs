// The acceptance test of the issue: with `humdex serve --demo`, an analyst does the whole
// intake → analysis → dissemination → archive loop in the browser, while a supervisor is told of
// the new record live through a saved search, and a caseworker finds the release on the
// dashboard. Everything is done through the screens; the API is read only to check facts.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertClean, launch, png, screenshot, signIn, uniqueWord } from "./browser.mjs";

// Text analysis and the search index run in the background: give them time on a busy machine.
const BACKGROUND_TIMEOUT = 90_000;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The main navigation's link named `name` (the dashboard repeats some of them). */
function navLink(page, name) {
  return page.locator("header.bar nav").getByRole("link", { name, exact: true });
}

/**
 * Searches `query` on the search screen as a user does, and answers the hit whose title is
 * `title` once it shows. The index follows writes in the background, so like a user the test
 * searches again until the hit is there (Playwright's own waiting paces each look).
 */
async function searchFor(page, query, title, { state } = {}) {
  if (new URL(page.url()).pathname !== "/search") await navLink(page, "Search").click();
  const box = page.getByRole("searchbox", { name: "Search records" });
  const deadline = Date.now() + BACKGROUND_TIMEOUT;
  for (;;) {
    await box.fill(query);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/search" && url.searchParams.get("q") === query);
    // The results (or the "nothing matches" line) replace the progress bar.
    const total = page.locator(".search-results .total");
    await total.waitFor();
    let hit = page.locator(".hit", { has: page.getByRole("link", { name: title, exact: true }) });
    if (state) hit = hit.filter({ has: page.locator(`.hit-meta .chip.state-${state}`) });
    try {
      await hit.waitFor({ timeout: 2_000 });
      return hit;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

test("the whole loop: intake, analysis, dissemination and archive, all in the browser", async () => {
  const word = uniqueWord("Loopword");
  const title = `Restaurant recruitment ${word}`;
  const phone = "+1 713-555-0147";
  const person = "Daniel Reyes";
  const narrative =
    `The recruiter ${person} posts ads with the number ${phone}, offering restaurant work in ` +
    `Houston, Texas. The workers live on the premises and are not allowed to leave. Ad batch ${word}.`;

  // 1. The supervisor saves a search for the word as a subscription, from the search screen.
  const supervisor = await signIn(browser, "supervisor");
  await navLink(supervisor, "Search").click();
  await supervisor.getByRole("searchbox", { name: "Search records" }).fill(word);
  await supervisor.getByRole("button", { name: "Search", exact: true }).click();
  await supervisor.getByText("Nothing you may see matches").waitFor();
  assert.equal(await supervisor.getByLabel("Subscription name").inputValue(), word);
  await supervisor.getByRole("button", { name: "Save as subscription" }).click();
  await supervisor.locator(".saved .ok", { hasText: `Saved “${word}”` }).waitFor();
  assert.match(await supervisor.locator(".saved").innerText(), /Nothing matches yet/);
  const badge = supervisor.locator("header.bar .notifications .badge");
  const unseenBefore = Number(await badge.getAttribute("data-count"));
  // Set on this page only: still there later means the page was never reloaded.
  await supervisor.evaluate(() => {
    window.loopNotReloaded = true;
  });

  // 2. The analyst files a report: narrative, a place clicked on the map, and a photo.
  const analyst = await signIn(browser, "analyst");
  await navLink(analyst, "New report").click();
  await analyst.getByRole("heading", { name: "New report" }).waitFor();
  await analyst.getByLabel("Title").fill(title);
  await analyst.getByLabel("Narrative").fill(narrative);
  await analyst.getByLabel("Assign to").fill("pool:triage");
  const map = analyst.locator(".intake-map");
  await analyst.locator(".intake-map.leaflet-container").waitFor();
  const box = await map.boundingBox();
  // Left of the middle and a little up: North America on the world view.
  await map.click({ position: { x: box.width * 0.3, y: box.height * 0.35 } });
  await analyst.locator(".intake-map path.leaflet-interactive").waitFor();
  const latitude = Number(await analyst.getByLabel("Latitude").inputValue());
  const longitude = Number(await analyst.getByLabel("Longitude").inputValue());
  assert.ok(latitude > 0 && latitude < 80, `the click set a northern latitude, got ${latitude}`);
  assert.ok(longitude < -30 && longitude > -170, `the click set a western longitude, got ${longitude}`);
  await analyst.getByLabel("Choose files").setInputFiles({ name: "loop-photo.png", mimeType: "image/png", buffer: png(11, 64) });
  await analyst.locator(".pending-file", { hasText: "loop-photo.png" }).waitFor();
  await analyst.getByRole("button", { name: "File report" }).click();
  await analyst.waitForURL(/\/records\/[0-9a-f-]{36}$/);
  const id = new URL(analyst.url()).pathname.split("/").pop();
  await analyst.getByRole("heading", { name: title }).waitFor();
  assert.equal(await analyst.locator(".record-state").innerText(), "intake");
  assert.equal(await analyst.locator(".record-assignee").innerText(), "pool:triage");

  // Analysis marks the phone, the person and the city in the narrative.
  const narrativeBox = analyst.locator(".narrative");
  await narrativeBox.locator("mark.entity[data-type=phone]").waitFor({ timeout: BACKGROUND_TIMEOUT });
  assert.equal(await narrativeBox.locator("mark.entity[data-type=phone]").innerText(), phone);
  await narrativeBox.locator("mark.entity[data-type=person]", { hasText: person }).waitFor();
  await narrativeBox.locator("mark.entity[data-type=location]", { hasText: "Houston" }).waitFor();
  for (const type of ["phone", "person", "location"]) {
    await analyst.locator(`.legend li[data-type=${type}]`).waitFor();
  }
  assert.match(await analyst.locator(".indicators").innerText(), /not allowed to leave/);
  // The place is the point clicked on the map.
  assert.equal(
    await analyst.locator("dd[data-field=location]").innerText(),
    `(${latitude.toFixed(4)}, ${longitude.toFixed(4)})`,
  );
  // The photo shows as a preview that loads.
  const preview = analyst.getByRole("img", { name: "Preview of loop-photo.png" });
  await preview.waitFor();
  await analyst.waitForFunction(
    () => {
      const img = document.querySelector("img[alt='Preview of loop-photo.png']");
      return img?.complete && img.naturalWidth > 0;
    },
    null,
    { timeout: 15_000 },
  );
  assert.equal(await preview.evaluate((img) => img.naturalWidth), 64);

  // 3. The analyst finds it by the word: the hit marks the word and opens the record.
  const hit = await searchFor(analyst, word, title);
  assert.equal((await hit.locator("mark.hit-term").first().innerText()).toLowerCase(), word.toLowerCase());
  await hit.getByRole("link", { name: title, exact: true }).click();
  await analyst.waitForURL((url) => url.pathname === `/records/${id}`);
  await analyst.getByRole("heading", { name: title }).waitFor();

  // 4. The supervisor's badge counts the match live, and the notification says why.
  await supervisor.waitForFunction(
    (before) => Number(document.querySelector("header.bar .notifications .badge").dataset.count) > before,
    unseenBefore,
    { timeout: BACKGROUND_TIMEOUT },
  );
  assert.ok(Number(await badge.innerText()) > unseenBefore, "the badge shows the new count");
  assert.match(await supervisor.locator("header.bar .notifications").getAttribute("aria-label"), /Notifications: \d+ new/);
  assert.equal(await supervisor.evaluate(() => window.loopNotReloaded), true, "the badge changed without a reload");
  await supervisor.locator("header.bar .notifications").click();
  await supervisor.waitForURL((url) => url.pathname === "/notifications");
  const notification = supervisor
    .locator(".notifications-list .notification", { has: supervisor.locator(`a[href="/records/${id}"]`) })
    .filter({ has: supervisor.locator(".notification-head strong", { hasText: word }) })
    .first();
  await notification.waitFor();
  assert.match(await notification.locator(".reasons").innerText(), new RegExp(`matched ${word} in the (title|narrative)`, "i"));
  // Seeing the screen marks them seen.
  await supervisor.waitForFunction(() => document.querySelector("header.bar .notifications .badge").dataset.count === "0");
  await screenshot(supervisor, "loop-notifications");
  await notification.getByRole("link", { name: /Open record/ }).click();
  await supervisor.waitForURL((url) => url.pathname === `/records/${id}`);
  await supervisor.getByRole("heading", { name: title }).waitFor();

  // 5. The analyst claims it from the pool and moves it on to analysis and dissemination.
  await analyst.getByRole("button", { name: "Claim" }).click();
  await analyst.locator(".record-assignee", { hasText: "user:analyst" }).waitFor();
  for (const state of ["analysis", "dissemination"]) {
    await analyst.getByLabel("Move to").selectOption(state);
    await analyst.getByRole("button", { name: "Move", exact: true }).click();
    await analyst.locator(".record-state", { hasText: state }).waitFor();
  }
  // Releases it to the caseworker through the dialog.
  await analyst.getByRole("button", { name: "Disseminate…" }).click();
  const dialog = analyst.getByRole("dialog", { name: "Disseminate this record" });
  await dialog.waitFor();
  await dialog.getByLabel("user:caseworker", { exact: true }).check();
  const purpose = `Victim support for ${word}`;
  await dialog.getByLabel("Purpose").fill(purpose);
  await dialog.getByLabel("Handling code").selectOption("TLP:AMBER+STRICT");
  await dialog.getByRole("button", { name: "Disseminate", exact: true }).click();
  await dialog.waitFor({ state: "hidden" });
  const release = analyst.locator(".release-list li", { hasText: "user:caseworker" });
  await release.waitFor();
  assert.match(await release.innerText(), new RegExp(`TLP:AMBER\\+STRICT[\\s\\S]*${purpose}[\\s\\S]*by analyst`));
  await screenshot(analyst, "loop-record");

  // The caseworker sees it under "Released to you" on the dashboard.
  const caseworker = await signIn(browser, "caseworker");
  if (new URL(caseworker.url()).pathname !== "/") await navLink(caseworker, "Dashboard").click();
  const released = caseworker.getByRole("region", { name: "Released to you" });
  const entry = released.locator(".queue-item", { has: caseworker.getByRole("link", { name: title, exact: true }) });
  await entry.waitFor();
  assert.match(await entry.innerText(), new RegExp(`TLP:AMBER\\+STRICT[\\s\\S]*${purpose}[\\s\\S]*from analyst`));
  await entry.getByRole("link", { name: title, exact: true }).click();
  await caseworker.waitForURL((url) => url.pathname === `/records/${id}`);
  await caseworker.getByRole("heading", { name: title }).waitFor();

  // 6. The analyst archives it; the history tells every step.
  await analyst.getByLabel("Move to").selectOption("archived");
  await analyst.getByRole("button", { name: "Move", exact: true }).click();
  await analyst.locator(".record-state", { hasText: "archived" }).waitFor();
  const history = analyst.locator(".history");
  for (const step of [
    "Filed by analyst.",
    "Attached loop-photo.png.",
    "Assigned: pool:triage → user:analyst.",
    "State: intake → analysis.",
    "State: analysis → dissemination.",
    "State: dissemination → archived.",
  ]) {
    await history.locator("li li", { hasText: step }).waitFor();
  }
  const facts = await analyst.evaluate(async (recordId) => {
    const response = await fetch(`/api/v1/records/${recordId}`);
    return response.json();
  }, id);
  assert.equal(facts.state, "archived");
  assert.equal(facts.assignee, "user:analyst");
  assert.equal(facts.attachments.length, 1);
  assert.equal(await analyst.locator(".record-version").innerText(), String(facts.version));

  // The search finds it as archived.
  const archived = await searchFor(analyst, `state:archived ${word}`, title, { state: "archived" });
  assert.match(await analyst.locator(".search-results .total").innerText(), /^1 record matches/);
  assert.match(await archived.locator(".hit-meta").innerText(), /archived/);
  await screenshot(analyst, "loop-search");

  for (const page of [supervisor, analyst, caseworker]) {
    assertClean(page);
    await page.context().close();
  }
});

// Intake and the record view: filing a report with a photo, entities marked in its narrative,
// a labelled field withheld from a reader without the label, and a workflow move.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertClean, launch, png, screenshot, signIn, uniqueWord } from "./browser.mjs";

// Text analysis runs in the background at the lowest priority: give it time on a busy machine.
const ANALYSIS_TIMEOUT = 90_000;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Files a record through the intake screen and answers its id once its page shows. */
async function fileThroughIntake(page, fill) {
  await page.goto("/intake");
  await page.getByRole("heading", { name: "New report" }).waitFor();
  await fill();
  await page.getByRole("button", { name: "File report" }).click();
  await page.waitForURL(/\/records\/[0-9a-f-]{36}$/);
  return new URL(page.url()).pathname.split("/").pop();
}

test("an analyst files a report with a photo; its entities, legend and preview show", async () => {
  const page = await signIn(browser, "analyst");
  const word = uniqueWord("Harbour");
  const narrative =
    `${word}: a man called Daniel Reyes posts ads with the number +1 713-555-0182, offering ` +
    "restaurant work in Houston, Texas. The workers live on the premises and are not allowed to leave.";
  const id = await fileThroughIntake(page, async () => {
    await page.getByLabel("Title").fill(`Ad network ${word}`);
    await page.getByLabel("Narrative").fill(narrative);
    await page.getByLabel("Phone number", { exact: true }).fill("+1 713-555-0182");
    // A point on the map by typing, as a keyboard user would.
    await page.getByLabel("Latitude").fill("29.76");
    await page.getByLabel("Longitude").fill("-95.37");
    await page.getByLabel("Place name").fill("Houston, TX");
    await page.getByLabel("Choose files").setInputFiles({ name: "ad-photo.png", mimeType: "image/png", buffer: png(7) });
    await page.locator(".pending-file", { hasText: "ad-photo.png" }).waitFor();
    await screenshot(page, "intake");
  });

  await page.getByRole("heading", { name: `Ad network ${word}` }).waitFor();
  assert.equal(await page.locator(".record-state").innerText(), "intake");

  // The phone number is marked as an entity, in the colour the API gives phones.
  const phone = page.locator(".narrative mark.entity[data-type=phone]");
  await phone.waitFor({ timeout: ANALYSIS_TIMEOUT });
  assert.equal(await phone.innerText(), "+1 713-555-0182");
  const legendPhone = page.locator(".legend li[data-type=phone]");
  await legendPhone.waitFor();
  assert.match(await legendPhone.innerText(), /phone/i);
  const colours = await phone.evaluate((mark) => ({
    mark: getComputedStyle(mark).getPropertyValue("--entity").trim(),
    swatch: getComputedStyle(document.querySelector(".legend li[data-type=phone] .swatch")).backgroundColor,
    background: getComputedStyle(mark).backgroundColor,
  }));
  const highlight = await page.evaluate(async (recordId) => {
    const response = await fetch(`/api/v1/records/${recordId}/highlight`);
    return response.json();
  }, id);
  const phoneColour = highlight.legend.find((entry) => entry.type === "phone").colour;
  assert.equal(colours.mark, phoneColour);
  assert.equal(colours.swatch, colours.background, "the legend's swatch is the mark's colour");
  // A place is found too, and the legend names it.
  await page.locator(".narrative mark.entity[data-type=location]", { hasText: "Houston" }).waitFor();
  await page.locator(".legend li[data-type=location]").waitFor();

  // The photo is listed with a working preview and a download link.
  const preview = page.getByRole("img", { name: "Preview of ad-photo.png" });
  await preview.waitFor();
  await page.waitForFunction(
    () => document.querySelector("img[alt='Preview of ad-photo.png']")?.complete,
    null,
    { timeout: 15_000 },
  );
  assert.ok((await preview.evaluate((img) => img.naturalWidth)) > 0, "the preview loads");
  await page.getByRole("link", { name: "Download ad-photo.png" }).waitFor();
  // Structured fields are shown, the location with its place name.
  assert.match(await page.locator("dd[data-field=location]").innerText(), /Houston, TX/);
  assert.match(await page.locator(".indicators").innerText(), /not allowed to leave/);
  assert.equal(await page.getByRole("link", { name: "Open in link chart" }).getAttribute("href"), `/chart?record=${id}`);
  assert.equal(await page.getByRole("link", { name: "Show on map" }).getAttribute("href"), `/map?record=${id}`);
  await screenshot(page, "record");
  assertClean(page);
  await page.context().close();
});

test("a field labelled VICTIM_PII shows to the supervisor and is withheld from the analyst", async () => {
  const supervisor = await signIn(browser, "supervisor");
  const word = uniqueWord("Survivor");
  const victim = uniqueWord("Marisolname");
  const id = await fileThroughIntake(supervisor, async () => {
    await supervisor.getByLabel("Title").fill(`Hotline call ${word}`);
    await supervisor.getByLabel("Narrative").fill("A caller describes a young woman kept at a nail salon.");
    await supervisor.getByLabel("Victim's name", { exact: true }).fill(victim);
    await supervisor.getByLabel("Label of Victim's name").selectOption("VICTIM_PII");
    await supervisor.getByLabel("Suspect's name", { exact: true }).fill("Richard Hale");
  });
  const supervisorName = supervisor.locator("dd[data-field=victim_name]");
  assert.equal(await supervisorName.innerText(), victim);
  assert.match(await supervisor.locator("dt[data-field=victim_name]").innerText(), /VICTIM_PII/);
  assertClean(supervisor);
  await supervisor.context().close();

  const analyst = await signIn(browser, "analyst");
  await analyst.goto(`/records/${id}`);
  await analyst.getByRole("heading", { name: `Hotline call ${word}` }).waitFor();
  await analyst.locator("dd[data-field=victim_name] .withheld").waitFor();
  assert.equal(await analyst.locator("dd[data-field=suspect_name]").innerText(), "Richard Hale");
  // Wait for everything the page loads, then look for the value anywhere.
  await analyst.locator(".history li strong", { hasText: "Version 1" }).waitFor();
  await analyst.locator(".legend li").first().waitFor({ timeout: ANALYSIS_TIMEOUT });
  assert.ok(!(await analyst.locator("body").innerText()).includes(victim), "the value is not in the page text");
  assert.ok(!(await analyst.content()).includes(victim), "the value is not in the page at all");
  assertClean(analyst);
  await analyst.context().close();
});

test("the server's complaint shows by its field; claiming and moving a record changes the page", async () => {
  const page = await signIn(browser, "analyst");
  const word = uniqueWord("Triage");
  const id = await fileThroughIntake(page, async () => {
    // A blank title passes the browser's check and is refused by the server, next to the title.
    await page.getByLabel("Title").fill("   ");
    await page.getByLabel("Assign to").fill("pool:triage");
    await page.getByRole("button", { name: "File report" }).click();
    const titleError = page.locator(".field", { has: page.getByLabel("Title") }).locator(".field-error");
    await titleError.filter({ hasText: "a record needs a title" }).waitFor();
    assert.equal(await page.getByLabel("Title").getAttribute("aria-invalid"), "true");
    await page.getByLabel("Title").fill(`Pooled report ${word}`);
  });
  await page.getByRole("heading", { name: `Pooled report ${word}` }).waitFor();
  assert.equal(await page.locator(".record-assignee").innerText(), "pool:triage");

  await page.getByRole("button", { name: "Claim" }).click();
  await page.locator(".record-assignee", { hasText: "user:analyst" }).waitFor();
  assert.equal(await page.locator(".record-version").innerText(), "2");

  await page.getByLabel("Move to").selectOption("analysis");
  await page.getByRole("button", { name: "Move", exact: true }).click();
  await page.locator(".record-state", { hasText: "analysis" }).waitFor();
  assert.equal(await page.locator(".record-version").innerText(), "3");
  await page.locator(".history li li", { hasText: "State: intake → analysis" }).waitFor();
  assert.match(page.url(), new RegExp(`/records/${id}$`));
  assertClean(page);
  await page.context().close();
});

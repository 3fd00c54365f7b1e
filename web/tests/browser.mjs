// What every browser test shares: Debian's Chromium driven by playwright-core, a signed-in
// page per user, screenshots as artefacts, and no uncaught script error going unnoticed.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

/** The server under test: `humdex serve --demo`, started by the Rust test that runs these. */
export const base = process.env.HUMDEX_URL ?? "http://127.0.0.1:8080";
export const password = process.env.HUMDEX_DEMO_PASSWORD ?? "humdex-demo";
const screenshots = process.env.HUMDEX_SCREENSHOTS;

/** Chromium as this machine runs it: root needs --no-sandbox; the network is closed. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A fresh page for `username`, signed in through the sign-in screen. */
export async function signIn(browser, username, { viewport = { width: 1366, height: 900 } } = {}) {
  const context = await browser.newContext({ baseURL: base, viewport });
  const page = await context.newPage();
  watch(page);
  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  await page.locator("header.bar").waitFor();
  page.errors = [];
  return page;
}

/** Fails the test on any script error or failed API call the page did not expect. */
export function watch(page) {
  page.errors = [];
  page.on("pageerror", (error) => page.errors.push(`script error: ${error.message}`));
  page.on("console", (message) => {
    // An API error answer is the UI's to show, and tests check what it shows; a missing
    // script or style is a defect.
    const api = message.location()?.url?.includes("/api/v1/");
    if (message.type() === "error" && !api && !page.allowConsoleErrors) {
      page.errors.push(`console: ${message.text()}`);
    }
  });
}

/** Asserts that the page has seen no script errors. */
export function assertClean(page) {
  assert.deepEqual(page.errors, [], `the page had errors:\n${page.errors.join("\n")}`);
}

/** Saves a full-page screenshot as `NAME.png` when HUMDEX_SCREENSHOTS names a folder. */
export async function screenshot(page, name) {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

/**
 * A unique word, so a test finds its own record among the demo's. It ends in `q`, which no
 * English suffix ends in, so the stemmer leaves it whole and reasons name it as written.
 */
export function uniqueWord(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}q`;
}

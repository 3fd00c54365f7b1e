// What every browser test shares: Debian's Chromium driven by playwright-core, a signed-in
// page per user, screenshots as artefacts, and no uncaught script error going unnoticed.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
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

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A `size`² RGB PNG with rings and stripes, detailed enough to be fingerprinted; each seed differs. */
export function png(seed, size = 96) {
  const rows = [];
  for (let y = 0; y < size; y += 1) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x += 1) {
      const ring = Math.floor(Math.hypot(x - 40, y - 52) / 6) % 2;
      const stripe = Math.floor((x + 2 * y + seed) / 9) % 3;
      row[1 + x * 3] = ring ? 230 : 30;
      row[2 + x * 3] = stripe * 110;
      row[3 + x * 3] = (x * 5 + y * 3 + seed) % 256;
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

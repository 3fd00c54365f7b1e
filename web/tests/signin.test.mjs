import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertClean, base, launch, password, screenshot, signIn, watch } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("a wrong password is refused with a clear message, the right one signs in and out", async () => {
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  watch(page);
  // 401 on /auth/me and on the wrong password are expected here.
  page.allowConsoleErrors = true;
  await page.goto("/search");
  await page.waitForURL(/\/login\?next=%2Fsearch/);
  await page.getByLabel("Username").fill("analyst");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: /password|sign/i }).waitFor();
  await screenshot(page, "sign-in");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === "/search");
  assert.match(await page.locator("header .account").innerText(), /analyst/);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/login/);
  await page.goto("/");
  await page.waitForURL(/\/login/);
  assertClean(page);
  await context.close();
});

test("the bar works on a phone", async () => {
  const page = await signIn(browser, "analyst", { viewport: { width: 390, height: 844 } });
  const menu = page.getByRole("button", { name: "Menu" });
  await menu.click();
  await page.getByRole("link", { name: "Search" }).click();
  await page.waitForURL((url) => url.pathname === "/search");
  assertClean(page);
  await page.context().close();
});

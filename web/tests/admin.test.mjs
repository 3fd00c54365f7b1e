import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, test } from "node:test";
import { assertClean, base, launch, password, screenshot, signIn, uniqueWord, watch } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** RFC 4648 base32, as authenticator apps read the secret. */
function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of text.replace(/[\s=]/g, "").toUpperCase()) {
    const value = alphabet.indexOf(char);
    assert.ok(value >= 0, `not base32: ${char}`);
    bits += value.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let at = 0; at + 8 <= bits.length; at += 8) bytes.push(parseInt(bits.slice(at, at + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 TOTP (HMAC-SHA-1, 30-second steps, 6 digits) of `secret` at time step `step`. */
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(number).padStart(6, "0");
}

const currentStep = () => Math.floor(Date.now() / 30_000);

test("RFC 6238's test vector", () => {
  // Appendix B: the ASCII secret "12345678901234567890" at 59 s gives 94287082 (8 digits).
  const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  assert.equal(totp(secret, 1), "287082");
});

test("an admin manages users, sees the audit log with the sign-in, and the checkpoint verifies", async () => {
  const page = await signIn(browser, "admin");
  await page.goto("/admin");
  const users = page.locator("table.users");
  for (const name of ["admin", "supervisor", "analyst", "caseworker", "partner"]) {
    await users.locator(`tr[data-user="${name}"]`).waitFor();
  }
  assert.match(await users.locator('tr[data-user="analyst"]').innerText(), /analyst[\s\S]*LE/);

  // The dialog shows a user's authorizations as checked boxes.
  await page.getByRole("button", { name: "Manage supervisor" }).click();
  const dialog = page.getByRole("dialog", { name: "Manage supervisor" });
  await dialog.waitFor();
  assert.equal(await dialog.getByRole("checkbox", { name: /VICTIM_PII/ }).isChecked(), true);
  assert.equal(await dialog.getByRole("checkbox", { name: /NGO/ }).isChecked(), false);
  await dialog.getByRole("button", { name: "Close" }).click();
  await dialog.waitFor({ state: "hidden" });

  await page.getByRole("tab", { name: "Audit log" }).click();
  await page.waitForURL(/tab=audit/);
  const signature = page.locator('[data-verdict="Signature"]');
  await signature.waitFor();
  assert.match(await signature.innerText(), /Signature: verified/);
  assert.match(await page.locator('[data-verdict="Only grew"]').innerText(), /First checkpoint/);
  const audit = page.locator("table.audit");
  await audit.waitFor();
  await page.getByLabel("Action").fill("auth.login");
  const signInRow = audit.locator("tbody tr", { hasText: "auth.login" }).filter({ hasText: "admin" }).first();
  await signInRow.waitFor();
  assert.match(await signInRow.innerText(), /success/);
  await page.getByLabel("Action").fill("");

  // Checked again, the log has grown by the reads since: the browser proves it only grew.
  await page.getByRole("button", { name: "Newest (check again)" }).click();
  await page.locator('[data-verdict="Only grew"]', { hasText: "Only grew: verified" }).waitFor();
  assert.match(await signature.innerText(), /Signature: verified/);
  await screenshot(page, "admin");
  assertClean(page);
  await page.context().close();
});

test("a non-admin opening /admin is told it is for admins only", async () => {
  const page = await signIn(browser, "analyst");
  await page.goto("/admin");
  await page.getByRole("heading", { name: "Admins only" }).waitFor();
  assert.equal(await page.locator("table.users").count(), 0);
  assertClean(page);
  await page.context().close();
});

test("a user enrols TOTP, signs in with a code, and turns it off again", async (t) => {
  // The API cannot create users, so this uses the demo's caseworker and leaves it as it was.
  const username = "caseworker";
  t.after(async () => {
    const admin = await signIn(browser, "admin");
    const me = await admin.request.get("/api/v1/auth/me").then((answer) => answer.json());
    const users = await admin.request.get("/api/v1/users").then((answer) => answer.json());
    if (users.find((user) => user.username === username)?.mfa_enabled) {
      await admin.request.delete(`/api/v1/users/${username}/mfa`, { headers: { "x-csrf-token": me.csrf_token } });
    }
    await admin.context().close();
  });

  const page = await signIn(browser, username);
  await page.goto("/account");
  await page.getByRole("heading", { name: "Who you are" }).waitFor();
  assert.match(await page.locator("dl.facts").first().innerText(), /caseworker[\s\S]*VICTIM_PII/);
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await page.getByRole("img", { name: /QR code/ }).waitFor();
  const secret = (await page.getByLabel("Secret key").innerText()).replace(/\s/g, "");
  assert.match(secret, /^[A-Z2-7]{32}$/);
  await screenshot(page, "account");
  const confirmedStep = currentStep();
  await page.getByLabel(/6-digit code/).fill(totp(secret, confirmedStep));
  await page.getByRole("button", { name: "Turn on second factor" }).click();
  await page.getByRole("heading", { name: "Save these recovery codes now" }).waitFor();
  const codes = await page.locator("ol.codes li").allInnerTexts();
  assert.equal(codes.length, 10);
  assert.match(codes[0], /^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
  assert.match(await page.locator(".recovery").innerText(), /shown only this once/);
  await page.getByRole("button", { name: "I have saved them: continue" }).click();
  await page.getByText(/On: signing in asks for a code/).waitFor();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/login/);
  await page.context().close();

  // A new browser: the password, then a code. A step is accepted once, and the server allows
  // one step of skew, so the next step's code is fresh and valid now.
  const context = await browser.newContext({ baseURL: base });
  const again = await context.newPage();
  watch(again);
  await again.goto("/login?next=%2Faccount");
  await again.getByLabel("Username").fill(username);
  await again.getByLabel("Password").fill(password);
  await again.getByRole("button", { name: "Sign in" }).click();
  await again.getByLabel("Code from your authenticator app").fill(totp(secret, Math.max(confirmedStep, currentStep()) + 1));
  await again.getByRole("button", { name: "Verify" }).click();
  await again.waitForURL((url) => url.pathname === "/account");
  await again.getByText(/On: signing in asks for a code/).waitFor();
  assert.match(await again.getByText(/Recovery codes left/).innerText(), /10/);

  await again.getByLabel("Your password").fill(password);
  await again.getByRole("button", { name: "Turn off second factor" }).click();
  await again.getByText(/Off: signing in needs only your password/).waitFor();
  assertClean(again);
  await context.close();
});

test("an analyst imports a CSV and sees the job finish with 2 records created", async () => {
  const page = await signIn(browser, "analyst");
  await page.goto("/import");
  const word = uniqueWord("import");
  const csv = `title,narrative\n${word} first,Seen at the bus station ${word}\n${word} second,Second sighting ${word}\n`;
  await page.getByLabel("Files to import").setInputFiles({ name: `${word}.csv`, mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByText(`${word}.csv`).waitFor();
  await page.getByRole("button", { name: "Import files", exact: true }).click();
  await page.getByRole("heading", { name: "Import finished" }).waitFor();
  await page.waitForURL(/\/import\?job=/);
  assert.equal(await page.locator('[data-count="records-created"] dd').innerText(), "2");
  const row = page.locator("table.file-results tbody tr", { hasText: `${word}.csv` });
  assert.match(await row.innerText(), /Created\s+2/);
  assert.equal(await page.getByRole("progressbar", { name: "Import progress" }).getAttribute("value"), await page.getByRole("progressbar", { name: "Import progress" }).getAttribute("max"));
  await screenshot(page, "import");

  // The same file again creates nothing twice.
  await page.getByLabel("Files to import").setInputFiles({ name: `${word}.csv`, mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Import files", exact: true }).click();
  await page.locator("table.file-results tbody tr", { hasText: "Imported before" }).waitFor();
  assert.equal(await page.locator('[data-count="records-created"] dd').innerText(), "0");
  assertClean(page);
  await page.context().close();
});

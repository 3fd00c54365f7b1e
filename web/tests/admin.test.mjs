import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, test } from "node:test";
import { assertClean, base, launch, screenshot, signIn, uniqueWord, watch } from "./browser.mjs";

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

/**
 * Fills the admin's "Add a user" form (on /admin, Users tab) and submits it; answers the form.
 * `confirm` is what goes into the confirmation field.
 */
async function addUser(page, { username, role, password, authorizations = [] }, confirm = password) {
  const form = page.getByRole("form", { name: "Add a user" });
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Role").selectOption(role);
  await form.getByLabel("First password").fill(password);
  await form.getByLabel("Confirm the password").fill(confirm);
  for (const name of authorizations) await form.getByRole("checkbox", { name: new RegExp(`^${name} `) }).check();
  await form.getByRole("button", { name: "Add user" }).click();
  return form;
}

/** A fresh page that has sent `username` and `secret` through the sign-in screen at `path`. */
async function signInWith(username, secret, path = "/login") {
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  watch(page);
  await page.goto(path);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(secret);
  await page.getByRole("button", { name: "Sign in" }).click();
  return page;
}

/** The usernames the API lists, asked as the admin signed in on `page`. */
async function usernames(page) {
  const users = await page.request.get("/api/v1/users").then((answer) => answer.json());
  return users.map((user) => user.username);
}

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

test("an admin adds a user, who can sign in; a refused attempt says why by the field and adds nobody", async () => {
  const page = await signIn(browser, "admin");
  await page.goto("/admin");
  await page.locator('table.users tr[data-user="admin"]').waitFor();
  const username = uniqueWord("new");
  const secret = `first-${uniqueWord("pw")}`;
  const account = { username, role: "caseworker", password: secret, authorizations: ["VICTIM_PII", "CASEWORK"] };
  const form = page.getByRole("form", { name: "Add a user" });
  const fieldOf = (label) => form.locator(".field", { has: page.getByLabel(label) });

  // Too short: the server's words under the password, and nobody added.
  await addUser(page, { ...account, password: "short-pass" });
  await fieldOf("First password").getByText("a password has at least 12 characters").waitFor();
  assert.equal(await form.getByLabel("First password").getAttribute("aria-invalid"), "true");
  assert.equal(await fieldOf("Username").locator(".error:visible").count(), 0);

  // Two different passwords are caught before anything is sent.
  await addUser(page, account, `${secret}x`);
  await fieldOf("Confirm the password").getByText("The two passwords differ.").waitFor();
  assert.equal(await fieldOf("First password").locator(".error:visible").count(), 0);

  // An authorization undefined by the time the form is sent (as from a stale page): the
  // server refuses it, and says so under the authorizations.
  await page.route("**/api/v1/users", (route) => {
    const request = route.request();
    if (request.method() !== "POST") return route.continue();
    const body = JSON.parse(request.postData());
    return route.continue({ postData: JSON.stringify({ ...body, authorizations: [...body.authorizations, "NOT_DEFINED"] }) });
  });
  await addUser(page, account);
  const checks = form.getByRole("group", { name: "Authorizations" });
  await checks.getByText("unknown authorization `NOT_DEFINED`: define it first").waitFor();
  await page.unroute("**/api/v1/users");
  assert.equal(await page.locator(`table.users tr[data-user="${username}"]`).count(), 0);
  assert.ok(!(await usernames(page)).includes(username));

  // Accepted: listed with the role and authorizations, and the admin is told what to do next.
  await addUser(page, account);
  const row = page.locator(`table.users tr[data-user="${username}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /caseworker[\s\S]*CASEWORK[\s\S]*VICTIM_PII[\s\S]*Active/);
  const confirmation = form.getByRole("status");
  await confirmation.getByText(`Added ${username}`).waitFor();
  assert.match(await confirmation.innerText(), /password over securely[\s\S]*change it/);
  assert.equal(await form.getByLabel("Username").inputValue(), "", "the form is cleared for the next user");
  assert.equal(await checks.locator(".error:visible").count(), 0);
  await screenshot(page, "admin-add-user");

  // The same name again is refused under the username.
  await addUser(page, account);
  await fieldOf("Username").getByText(`user ${username} exists already`).waitFor();
  assert.equal((await usernames(page)).filter((name) => name === username).length, 1);
  assertClean(page);
  await page.context().close();

  // The new user signs in with the password the admin gave.
  const user = await signInWith(username, secret);
  await user.waitForURL((url) => !url.pathname.startsWith("/login"));
  assert.match(await user.locator("header.bar .account").innerText(), new RegExp(`${username} \\(caseworker\\)`));
  assertClean(user);
  await user.context().close();
});

test("a non-admin opening /admin is told it is for admins only", async () => {
  const page = await signIn(browser, "analyst");
  await page.goto("/admin");
  await page.getByRole("heading", { name: "Admins only" }).waitFor();
  assert.equal(await page.locator("table.users").count(), 0);
  assertClean(page);
  await page.context().close();
});

test("a user enrols TOTP, signs in with a code, and turns it off again", async () => {
  // A user of its own, added by the admin through the form, so no other test's user changes.
  const username = uniqueWord("mfa");
  const password = `first-${uniqueWord("pw")}`;
  const admin = await signIn(browser, "admin");
  await admin.goto("/admin");
  await addUser(admin, { username, role: "caseworker", password, authorizations: ["VICTIM_PII"] });
  await admin.locator(`table.users tr[data-user="${username}"]`).waitFor();
  assertClean(admin);
  await admin.context().close();

  const page = await signInWith(username, password);
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  await page.goto("/account");
  await page.getByRole("heading", { name: "Who you are" }).waitFor();
  assert.match(await page.locator("dl.facts").first().innerText(), new RegExp(`${username}[\\s\\S]*caseworker[\\s\\S]*VICTIM_PII`));
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
  const again = await signInWith(username, password, "/login?next=%2Faccount");
  await again.getByLabel("Code from your authenticator app").fill(totp(secret, Math.max(confirmedStep, currentStep()) + 1));
  await again.getByRole("button", { name: "Verify" }).click();
  await again.waitForURL((url) => url.pathname === "/account");
  await again.getByText(/On: signing in asks for a code/).waitFor();
  assert.match(await again.getByText(/Recovery codes left/).innerText(), /10/);

  await again.getByLabel("Your password").fill(password);
  await again.getByRole("button", { name: "Turn off second factor" }).click();
  await again.getByText(/Off: signing in needs only your password/).waitFor();
  assertClean(again);
  await again.context().close();
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

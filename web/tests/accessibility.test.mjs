// Every main screen against axe-core's WCAG 2.1 A and AA rules (labels, names, contrast,
// landmarks, ARIA), on a desktop and on a phone.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { assertClean, base, launch, password, watch } from "./browser.mjs";

const axe = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

const SCREENS = ["/", "/intake", "/intake?kind=request", "/search?q=passport", "/notifications", "/chart", "/map", "/import", "/account", "/admin"];

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A signed-in page whose context may inject axe (our CSP rightly refuses inline scripts). */
async function auditor(username, viewport) {
  const context = await browser.newContext({ baseURL: base, viewport, bypassCSP: true });
  const page = await context.newPage();
  watch(page);
  const reply = await page.request.post("/api/v1/auth/login", { data: { username, password } });
  assert.equal(reply.status(), 200);
  return page;
}

async function violations(page, path) {
  await page.goto(path);
  await page.locator("main").locator("h1").first().waitFor();
  await page.waitForLoadState("networkidle");
  await page.addScriptTag({ path: axe });
  return page.evaluate(async () => {
    const result = await globalThis.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return result.violations.map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      help: violation.help,
      where: violation.nodes.slice(0, 3).map((node) => node.target.join(" ")),
    }));
  });
}

for (const [name, viewport] of [
  ["desktop", { width: 1366, height: 900 }],
  ["phone", { width: 390, height: 844 }],
]) {
  test(`every screen passes WCAG 2.1 AA checks on a ${name}`, async () => {
    const page = await auditor("admin", viewport);
    const found = {};
    for (const path of SCREENS) {
      const problems = await violations(page, path);
      if (problems.length) found[path] = problems;
    }
    assert.deepEqual(found, {}, JSON.stringify(found, null, 2));
    assertClean(page);
    await page.context().close();
  });
}

// The link chart and the map, as analysts use them on the demo: a chart from the crew leader's
// phone that shows exactly what the API lets each user see, expansion, export; the map's
// grouped features, a layer of help and the nearest services to a point.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { assertClean, launch, screenshot, signIn } from "./browser.mjs";
import { unwrapGeometry } from "../app/js/basemap.js";

const require = createRequire(import.meta.url);
const CREW_LEADER_PHONE = "+12395550117";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The API's answer for the signed-in user of `page`. */
async function apiJson(page, method, path, data) {
  const headers = {};
  if (method !== "GET") {
    const me = await (await page.request.get("/api/v1/auth/me")).json();
    headers["x-csrf-token"] = me.csrf_token;
  }
  const response = await page.request.fetch(`/api/v1${path}`, { method, data, headers });
  assert.ok(response.ok(), `${method} ${path} answered ${response.status()}`);
  return response.json();
}

/** The numbers of "N entities, M links." once the chart has drawn. */
async function chartCounts(page) {
  const summary = page.locator(".chart-summary", { hasText: /entities?, [\d,]+ links?/ });
  await summary.waitFor();
  const [, nodes, links] = (await summary.innerText()).match(/([\d,]+) entit(?:y|ies), ([\d,]+) links?/);
  return { nodes: Number(nodes.replace(/,/g, "")), links: Number(links.replace(/,/g, "")) };
}

/** Opens the chart of the crew leader's phone as the page's user; answers what the page and the API say. */
async function openPhoneChart(page) {
  const [phone] = (await apiJson(page, "GET", `/graph/entities?type=phone&q=${encodeURIComponent(CREW_LEADER_PHONE)}`))
    .filter((entity) => entity.name === CREW_LEADER_PHONE);
  assert.ok(phone, "the demo has the crew leader's phone");
  await page.goto(`/chart?entity=${phone.id}`);
  const shown = await chartCounts(page);
  const chart = await apiJson(page, "POST", "/graph/chart", { entities: [phone.id], expand: 1, limit: 300 });
  return { phone, shown, chart };
}

/** Selects the node named `name` in the panel and waits for its evidence. */
async function selectNode(page, optionText) {
  const option = page.locator('select[name="node"] option', { hasText: optionText }).first();
  const value = await option.getAttribute("value");
  await page.getByLabel("Node", { exact: true }).selectOption(value);
  await page.locator(".chart-details .evidence").waitFor();
  return value;
}

test("a chart from the crew leader's phone shows what the API shows, expands and exports", async () => {
  const page = await signIn(browser, "analyst");
  const { phone, shown, chart } = await openPhoneChart(page);
  assert.equal(shown.nodes, chart.nodes.length, "every node the API answered is drawn, no more");
  assert.equal(shown.links, chart.edges.length);
  assert.ok(shown.nodes > 5, "the phone links to people, places and ads");
  // Nothing was left out at this size, and the page says nothing was.
  assert.equal(chart.nodes_left_out, 0);
  assert.equal(await page.locator(".chart-left-out").isVisible(), false);

  // A person, selected from the panel (the keyboard's way), shows with the records naming them.
  const person = chart.nodes.find((node) => node.kind === "person");
  assert.ok(person, "the chart holds a person");
  await selectNode(page, `${person.name} (person,`);
  assert.match(await page.locator(".chart-details h3").first().innerText(), new RegExp(person.name));
  const records = await apiJson(page, "GET", `/graph/entity/${person.id}/records`);
  assert.equal(await page.locator(".chart-details .evidence-list a[href^='/records/']").count(), records.length);

  // The phone's evidence is the records the analyst may see mention it: the API's count.
  await selectNode(page, `${CREW_LEADER_PHONE} (phone,`);
  assert.match(await page.locator(".chart-details .evidence").innerText(), new RegExp(`Mentioned in ${phone.records} records?`));

  // Expanding the recruiting site brings in what its other ads are linked to.
  const site = chart.nodes.filter((node) => node.kind === "url").sort((a, b) => b.records - a.records)[0];
  await selectNode(page, `${site.name} (url,`);
  await page.getByRole("button", { name: "Expand" }).click();
  await page.waitForFunction((before) => {
    const match = document.querySelector(".chart-summary")?.textContent.match(/([\d,]+) entities/);
    return match && Number(match[1].replace(/,/g, "")) > before;
  }, shown.nodes);
  await page.locator(".status-ok, .status-info", { hasText: /new entit/ }).waitFor();
  await screenshot(page, "chart");

  // PNG export: the server draws the chart as shown and the browser downloads it.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "PNG" }).click()]);
  assert.equal(download.suggestedFilename(), "link-chart.png");
  const bytes = readFileSync(await download.path());
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  await page.locator(".ok", { hasText: /Exported [\d,]+ entities as PNG/ }).waitFor();
  assertClean(page);
  await page.context().close();
});

test("each user's chart is what the API lets them see; a partner gets none", async () => {
  const analyst = await signIn(browser, "analyst");
  const supervisor = await signIn(browser, "supervisor");
  const low = await openPhoneChart(analyst);
  const high = await openPhoneChart(supervisor);
  for (const { shown, chart } of [low, high]) {
    assert.equal(shown.nodes, chart.nodes.length);
    assert.equal(shown.links, chart.edges.length);
  }
  // The supervisor's clearance opens evidence the analyst's does not: more records name the
  // phone, more links and entities come through them.
  assert.ok(high.phone.records > low.phone.records, "the supervisor sees more records mentioning the phone");
  assert.ok(high.shown.nodes > low.shown.nodes, "the analyst's chart is smaller");
  for (const [page, { phone }] of [[analyst, low], [supervisor, high]]) {
    await selectNode(page, `${CREW_LEADER_PHONE} (phone,`);
    assert.equal(await page.locator(".chart-details .evidence-list a").count(), phone.records);
  }
  assertClean(analyst);
  assertClean(supervisor);
  await analyst.context().close();
  await supervisor.context().close();

  // A partner sees only their own records: link analysis, which reads across all, is refused
  // with the server's words, and nothing is drawn.
  const partner = await signIn(browser, "partner");
  partner.allowConsoleErrors = true;
  await partner.goto(`/chart?entity=${low.phone.id}`);
  await partner.locator(".chart-summary .error", { hasText: /partner/ }).waitFor();
  assert.equal(await partner.locator('select[name="node"] option[value]:not([value=""])').count(), 0);
  assertClean(partner);
  await partner.context().close();
});

test("the map groups the demo's features, shows a layer of help and the nearest services", async () => {
  const page = await signIn(browser, "analyst");
  await page.goto("/map");
  // Features drawn: numbered markers where they crowd together.
  const cluster = page.locator(".cluster-marker").first();
  await cluster.waitFor();
  assert.match(await cluster.innerText(), /^\d[\d,]*$/);
  await page.locator(".map-summary", { hasText: /features? in view/ }).waitFor();

  // The public layer "Help near you", toggled on, shows every one of its points.
  const [layer] = (await apiJson(page, "GET", "/layers")).filter((one) => one.name === "Help near you");
  assert.ok(layer, "the demo has the layer");
  await page.getByLabel(/Help near you/).check();
  await page.waitForFunction((wanted) => document.querySelectorAll("path.layer-point").length === wanted, layer.features);
  await page.getByLabel(/Help near you/).uncheck();
  await page.waitForFunction(() => document.querySelectorAll("path.layer-point").length === 0);
  await page.getByLabel(/Help near you/).check();
  await page.waitForFunction((wanted) => document.querySelectorAll("path.layer-point").length === wanted, layer.features);

  // Nearest help from a point picked on the map (the open Atlantic, clear of any marker).
  await page.getByRole("button", { name: "Pick a point on the map" }).click();
  const box = await page.locator(".map").boundingBox();
  await page.mouse.click(box.x + box.width * 0.42, box.y + box.height * 0.62);
  const items = page.locator(".nearest-list li");
  await items.first().waitFor();
  assert.equal(await items.count(), Math.min(5, layer.features));
  let previous = 0;
  for (const text of await items.locator(".distance").allInnerTexts()) {
    const [, value, unit] = text.match(/^([\d,.]+) (k?m)$/);
    const metres = Number(value.replace(/,/g, "")) * (unit === "km" ? 1000 : 1);
    assert.ok(metres >= previous * 0.99, "nearest first");
    previous = metres;
  }
  assert.equal(await page.locator("path.nearest-target").count(), await items.count());
  await screenshot(page, "map");
  assertClean(page);
  await page.context().close();
});

test("country shapes across the date line are unwrapped, not smeared across the map", () => {
  const topojson = require("topojson-client");
  const atlas = JSON.parse(readFileSync(new URL("../node_modules/world-atlas/countries-50m.json", import.meta.url)));
  const countries = topojson.feature(atlas, atlas.objects.countries).features;
  for (const name of ["Russia", "Fiji", "Antarctica"]) {
    const country = countries.find((one) => one.properties.name === name);
    const drawn = unwrapGeometry(country.geometry);
    let west = Infinity;
    let east = -Infinity;
    for (const polygon of drawn.coordinates) {
      for (const ring of polygon) {
        for (let index = 1; index < ring.length; index += 1) {
          const [lon, lat] = ring[index];
          const [lastLon, lastLat] = ring[index - 1];
          west = Math.min(west, lon);
          east = Math.max(east, lon);
          // Only a ring closed over its pole runs the world's width, and it runs along the pole.
          if (Math.abs(lon - lastLon) > 180) {
            assert.equal(Math.abs(lat), 90, `${name} jumps across the map at latitude ${lat}`);
            assert.equal(lat, lastLat);
          }
        }
      }
    }
    // Each is drawn on both sides of the date line.
    assert.ok(west < -170 && east > 170, `${name} spans ${west}…${east}`);
  }
});

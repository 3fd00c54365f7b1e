// The link chart and the map, as analysts use them on the demo: a chart from the crew leader's
// phone that shows exactly what the API lets each user see, expansion, export; the map's
// grouped features, a layer of help and the nearest services to a point, its time slider, the
// demo's track, and one record's features.

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
  await screenshot(page, "map-nearest");
  assertClean(page);
  await page.context().close();
});

/** Every month from the first to the last of `months` ("YYYY-MM"), as the slider has them. */
function monthSpan(months) {
  const sorted = [...months].sort();
  const all = [];
  let [year, month] = sorted[0].split("-").map(Number);
  for (let at = sorted[0]; at <= sorted[sorted.length - 1]; at = `${year}-${String(month).padStart(2, "0")}`) {
    all.push(at);
    [year, month] = month === 12 ? [year + 1, 1] : [year, month + 1];
  }
  return all;
}

/** The feature count the time slider shows once the map has answered for its window. */
async function windowCount(page, months) {
  const text = page.locator(".timeline-window", { hasText: new RegExp(`^${months}.*, [\\d,]+ features?$`) });
  await text.waitFor();
  return Number((await text.innerText()).match(/([\d,]+) features?$/)[1].replace(/,/g, ""));
}

test("the map's time slider counts the demo's months and narrows the map to what the API answers", async () => {
  const page = await signIn(browser, "analyst");
  const asked = [];
  page.on("request", (request) => {
    if (request.url().includes("/api/v1/map/features")) asked.push(request.url());
  });
  await page.goto("/map");
  // A bar for every month from the demo's first feature to its last (and its track's).
  const whole = await apiJson(page, "GET", "/map/features?zoom=0");
  const tracks = await apiJson(page, "GET", "/tracks");
  const months = monthSpan([...whole.timeline.map((entry) => entry.month), ...tracks.flatMap((track) => [track.first.slice(0, 7), track.last.slice(0, 7)])]);
  assert.ok(months.length > 6, "the demo spans months");
  const bars = page.locator(".timeline-bars li");
  await page.waitForFunction((wanted) => document.querySelectorAll(".timeline-bars li").length === wanted, months.length);
  assert.deepEqual(await bars.evaluateAll((items) => items.map((item) => item.dataset.month)), months);
  assert.equal(await page.locator(".timeline-bars li.in-window").count(), months.length, "the whole range is chosen at first");
  const all = await windowCount(page, "");

  // Narrowed from the keyboard: the end six months earlier, the start three months on.
  const end = page.getByRole("slider", { name: "End month" });
  const start = page.getByRole("slider", { name: "Start month" });
  await end.focus();
  for (let step = 0; step < 6; step += 1) await page.keyboard.press("ArrowLeft");
  await start.focus();
  for (let step = 0; step < 3; step += 1) await page.keyboard.press("ArrowRight");
  const [first, last] = [months[3], months[months.length - 7]];
  const name = (month) => new Date(`${month}-01T00:00:00Z`).toLocaleDateString("en-US", { month: "short", year: "numeric", timeZone: "UTC" });
  assert.equal(await start.getAttribute("aria-valuetext"), name(first));
  assert.equal(await end.getAttribute("aria-valuetext"), name(last));
  const shown = await windowCount(page, `${name(first)} – ${name(last)}`);
  assert.equal(await page.locator(".timeline-bars li.in-window").count(), months.length - 9);
  assert.ok(shown < all, `narrowing lowers the count (${shown} of ${all})`);

  // The count is what the API answers for the window the page asked for.
  const url = new URL(asked.filter((one) => one.includes("from=")).at(-1));
  assert.equal(url.searchParams.get("from"), `${first}-01T00:00:00.000Z`);
  assert.ok(url.searchParams.get("to").startsWith(last), `the window ends in ${last}`);
  const answer = await apiJson(page, "GET", `/map/features?${url.searchParams}`);
  assert.equal(shown, answer.total);
  await page.locator(".map-summary", { hasText: `${answer.total.toLocaleString("en-US")} features in view` }).waitFor();

  // Play steps a three-month window through the range until stopped.
  const play = page.locator(".timeline-play button");
  await play.click();
  assert.equal(await play.getAttribute("aria-pressed"), "true");
  await windowCount(page, `${name(first)} – ${name(months[5])}`);
  await page.locator(".timeline-window", { hasText: new RegExp(`^${name(months[4])} – ${name(months[6])}`) }).waitFor();
  await play.click();
  assert.equal(await play.getAttribute("aria-pressed"), "false");
  assert.equal(await play.innerText(), "Play");
  assertClean(page);
  await page.context().close();
});

test("the analyst sees the demo's track drawn and where it was by the window's end; a partner sees no track", async () => {
  for (const viewport of [{ width: 1366, height: 900 }, { width: 390, height: 844 }]) {
    const page = await signIn(browser, "analyst", { viewport });
    await page.goto("/map");
    const [track] = (await apiJson(page, "GET", "/tracks")).filter((one) => one.name === "White van TX 7GHK-291");
    assert.ok(track, "the analyst (LE) sees the demo's track");
    await page.locator(".timeline-window", { hasText: /features?$/ }).waitFor();
    await page.getByLabel("White van TX 7GHK-291").check();
    await page.locator(".track-state", { hasText: `${track.positions} positions drawn` }).waitFor();
    assert.equal(await page.locator("path.track-point").count(), track.positions);
    assert.equal(await page.locator("path.track-line").count(), 1);
    // With the whole range chosen, the marker is at its last position, with its time.
    await page.locator(".track-state", { hasText: "(its last position)" }).waitFor();
    assert.equal(await page.locator("path.track-now").count(), 1);
    const lastTime = new Date(track.last).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" });
    assert.equal(await page.locator(".track-now-time").innerText(), lastTime);
    if (viewport.width > 400) {
      await screenshot(page, "map");
      // Its popup tells the time and what the feed said.
      await page.locator("path.track-now").click();
      await page.locator(".leaflet-popup", { hasText: "plate reader" }).waitFor();
      assert.match(await page.locator(".leaflet-popup time").innerText(), /2026/);
      // A window ending before the track began: no marker, and the panel says so.
      await page.getByRole("slider", { name: "End month" }).focus();
      await page.keyboard.press("Home");
      await page.locator(".track-state", { hasText: "Not yet seen by the window's end" }).waitFor();
      assert.equal(await page.locator("path.track-now").count(), 0);
      await page.keyboard.press("End");
      await page.locator(".track-state", { hasText: "(its last position)" }).waitFor();
    } else {
      await screenshot(page, "map-phone");
    }
    assertClean(page);
    await page.context().close();
  }

  // The track is under the LE label: the partner's list has none.
  const partner = await signIn(browser, "partner");
  partner.allowConsoleErrors = true;
  await partner.goto("/map");
  await partner.locator(".map-tracks li", { hasText: "No tracks you may see." }).waitFor();
  assert.equal(await partner.getByText("White van TX 7GHK-291").count(), 0);
  assert.deepEqual(await apiJson(partner, "GET", "/tracks"), []);
  assertClean(partner);
  await partner.context().close();
});

test("the map of one record shows that record's features only", async () => {
  const page = await signIn(browser, "analyst");
  const located = await apiJson(page, "GET", "/map/features?kind=record&zoom=20");
  const { record } = located.features[0].properties;
  const mine = await apiJson(page, "GET", `/map/features?record=${record}&zoom=20`);
  assert.ok(mine.total > 0 && mine.total < located.total);
  assert.ok(mine.features.every((feature) => feature.properties.record === record));
  await page.goto(`/map?record=${record}`);
  const size = `${mine.total.toLocaleString("en-US")} ${mine.total === 1 ? "feature" : "features"} in view`;
  await page.locator(".map-summary", { hasText: size }).waitFor();
  await page.locator(".map-focus", { hasText: `${mine.total} ${mine.total === 1 ? "place" : "places"}, ringed` }).waitFor();
  assert.equal(await page.locator("path.focus-ring").count(), mine.total);
  assert.equal(await windowCount(page, ""), mine.total);
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

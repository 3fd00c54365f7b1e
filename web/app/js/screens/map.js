// The map: every located thing the analyst may see (record locations, places named in text,
// coordinates written in text, layer features) over an offline basemap, refetched for the
// view as it moves; a time slider over the features per month, a kind and a search query
// narrow it; tracks are drawn with where they were at the window's end; layers of help can be
// shown, the nearest services to a point listed, and the view exported as GeoJSON or KML.

import { api, get } from "../api.js";
import { addBasemap, WRAP_MARGIN } from "../basemap.js";
import { count, download, failure, field, h, replace, time, when } from "../dom.js";
import { loadLibraries } from "../vendor.js";

/** Feature kinds as the API names them, how to say them, and their colour. */
const KINDS = [
  ["record", "Record location", "#c1121f"],
  ["place", "Place named in text", "#1d70b8"],
  ["coordinates", "Coordinates in text", "#6a4c93"],
  ["layer", "Layer feature", "#2a7f62"],
];
const KIND_COLOUR = Object.fromEntries(KINDS.map(([kind, , colour]) => [kind, colour]));
const LAYER_COLOUR = "#1b6e3a";
const TRACK_COLOUR = "#d9480f";
/** Points closer than this on screen are drawn as one numbered marker. */
const GROUP_PIXELS = 36;
/** Features listed in one popup; the rest are counted. */
const POPUP_LIST = 10;
const REFETCH_DELAY_MS = 300;
/** How long each step of the time slider's play shows, once its features are drawn. */
const PLAY_STEP_MS = 1200;
const PLAY_SPANS = [1, 3, 6, 12];
const MONTH_NAME = new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric", timeZone: "UTC" });
const SHORT_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export async function render(main, app) {
  await loadLibraries("leaflet", "topojson");
  const focusRecord = app.query.get("record");

  const mapBox = h("div", { class: "map", role: "region", "aria-label": "Map" });
  const summary = h("p", { class: "map-summary", role: "status", "aria-live": "polite" });
  const loading = h("progress", { hidden: true, "aria-label": "Loading the map's features" });

  // Filters
  const query = h("input", { type: "search", name: "q", autocomplete: "off", placeholder: "e.g. kind:report massage" });
  const kind = h(
    "select",
    { name: "kind" },
    h("option", { value: "" }, "Every kind"),
    KINDS.map(([value, label]) => h("option", { value }, label)),
  );
  const filterFault = h("p", { class: "error", role: "alert", hidden: true });
  const filters = h(
    "form",
    { class: "map-filters", "aria-label": "Filter the map" },
    field("Search records", query, "Only features of records that match (the search language)."),
    field("Kind", kind),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, "Apply"),
      h("button", { type: "button", class: "secondary", onclick: clearFilters }, "Clear filters"),
    ),
    filterFault,
  );
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });
  kind.addEventListener("change", () => refresh());

  // The time slider: features per month, and the window of months the map shows.
  const bars = h("ol", { class: "timeline-bars", "aria-label": "Features per month in the view and filters" });
  const startInput = h("input", { type: "range", name: "start-month", "aria-label": "Start month", min: 0, max: 0, step: 1, value: 0, disabled: true });
  const endInput = h("input", { type: "range", name: "end-month", "aria-label": "End month", min: 0, max: 0, step: 1, value: 0, disabled: true });
  const windowText = h("p", { class: "timeline-window" });
  const playSpan = h(
    "select",
    { name: "play-span" },
    PLAY_SPANS.map((months) => h("option", { value: months, selected: months === 3 }, `${months} ${months === 1 ? "month" : "months"}`)),
  );
  const play = h("button", { type: "button", class: "secondary", "aria-pressed": "false", disabled: true, onclick: togglePlay }, "Play");
  const timeline = h(
    "section",
    { class: "panel timeline", "aria-labelledby": "timeline-title" },
    h(
      "div",
      { class: "timeline-head" },
      h("h2", { id: "timeline-title" }, "When"),
      windowText,
    ),
    // Bars and sliders share a column, so each bar stands over its month's place on both.
    h("div", { class: "timeline-scale" }, bars, field("Start", startInput), field("End", endInput)),
    h(
      "div",
      { class: "timeline-play" },
      field("Play a window of", playSpan),
      play,
      h("small", { class: "hint" }, "Months are UTC, by the record's date. A window leaves out layer features, which have no time."),
    ),
  );
  startInput.addEventListener("input", () => moveWindow("start"));
  endInput.addEventListener("input", () => moveWindow("end"));

  // Tracks
  const trackList = h("ul", { class: "map-tracks" });
  const trackFault = h("p", { class: "error", role: "alert", hidden: true });

  // Layers of help
  const layerList = h("ul", { class: "map-layers" });
  const layerFault = h("p", { class: "error", role: "alert", hidden: true });

  // Nearest help
  const nearestLayer = h("select", { name: "nearest-layer" });
  const pick = h("button", { type: "button", "aria-pressed": "false", onclick: togglePicking }, "Pick a point on the map");
  const fromCentre = h("button", { type: "button", class: "secondary", onclick: () => findNearest(map.getCenter()) }, "Use the map's centre");
  const nearestOut = h("div", { class: "map-nearest", "aria-live": "polite" });
  const clearNearest = h("button", { type: "button", class: "secondary", hidden: true, onclick: resetNearest }, "Clear");

  // Export
  const exportFault = h("p", { class: "error", role: "alert", hidden: true });
  const exportButtons = [
    h("button", { type: "button", class: "secondary", onclick: () => exportView("geojson") }, "GeoJSON"),
    h("button", { type: "button", class: "secondary", onclick: () => exportView("kml") }, "KML"),
  ];

  const focusPanel = focusRecord
    ? h("section", { class: "panel map-focus" }, h("h2", {}, "This record on the map"), h("p", { class: "loading" }, "Looking…"))
    : null;

  replace(
    main,
    h("h1", {}, "Map"),
    h(
      "div",
      { class: "columns analysis" },
      h("div", { class: "map-stage" }, mapBox, loading, summary, timeline, legend()),
      h(
        "aside",
        { class: "analysis-side", "aria-label": "Map controls" },
        focusPanel,
        h("section", { class: "panel" }, h("h2", {}, "Filter"), filters),
        h("section", { class: "panel" }, h("h2", {}, "Tracks"), trackList, trackFault),
        h("section", { class: "panel" }, h("h2", {}, "Layers"), layerList, layerFault),
        h(
          "section",
          { class: "panel" },
          h("h2", {}, "Nearest help"),
          field("Layer", nearestLayer),
          h("div", { class: "actions" }, pick, fromCentre, clearNearest),
          nearestOut,
        ),
        h(
          "section",
          { class: "panel" },
          h("h2", {}, "Export this view"),
          h("p", { class: "hint" }, "Every feature in the view and filters, unclustered. Exports are audited."),
          h("div", { class: "actions" }, exportButtons),
          exportFault,
        ),
      ),
    ),
  );

  const map = L.map(mapBox, {
    center: [20, 0],
    zoom: 2,
    minZoom: 1,
    maxZoom: 18,
    worldCopyJump: false,
    // The country shapes are repeated this far past the date line, and no further.
    maxBounds: [[-89, -180 - WRAP_MARGIN], [89, 180 + WRAP_MARGIN]],
    maxBoundsViscosity: 1,
  });
  // The node's tile server, when its operator named one, replaces the bundled shapes.
  addBasemap(map, { tiles: app.tiles }).catch((error) => app.notify(error.message, "error"));
  // A track's where-at-the-end marker stands above the numbered markers that may cover its path.
  map.createPane("track-now").style.zIndex = "640";
  const features = L.layerGroup().addTo(map);
  const focused = L.layerGroup().addTo(map);
  const overlays = new Map();
  const nearestDrawn = L.layerGroup().addTo(map);
  /** Tracks drawn, by id: their positions (oldest first), dots, and where-at-the-end marker. */
  const shownTracks = new Map();

  /** The slider's months ("YYYY-MM", consecutive), their counts, and the window's ends (null: open). */
  let months = [];
  let monthCounts = new Map();
  let chosen = { start: null, end: null };
  /** The number of features the map last drew for the window shown, null while it asks. */
  let windowTotal = null;
  let playTimer = null;

  let controller = null;
  let generation = 0;
  let timer = null;
  let picking = false;
  let alive = true;

  map.on("moveend", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, REFETCH_DELAY_MS);
  });
  map.on("click", (event) => {
    if (picking) findNearest(event.latlng);
  });
  // Leaflet measures its box once; a box that appears later (phone menu, panel) needs a nudge.
  const resize = new ResizeObserver(() => map.invalidateSize());
  resize.observe(mapBox);

  await Promise.all([loadLayers(), loadTracks(), loadTimeRange(), focusRecord ? showRecord(focusRecord) : null]);
  await refresh();

  function filterQuery() {
    return {
      q: query.value.trim(),
      kind: kind.value,
      record: focusRecord ?? "",
      from: chosen.start ? monthStart(chosen.start) : "",
      to: chosen.end ? monthEnd(chosen.end) : "",
    };
  }

  function clearFilters() {
    query.value = "";
    kind.value = "";
    stopPlay();
    setWindow(0, months.length - 1);
    refresh();
  }

  /** The slider's whole range: every month with a feature anywhere, before any filter or view. */
  async function loadTimeRange() {
    try {
      const whole = await get("/map/features", { zoom: 0, record: focusRecord ?? "" });
      if (alive) extendMonths((whole.timeline ?? []).map((entry) => entry.month));
    } catch {
      // The view's own request says why beside the filters; its months still fill the slider.
    }
  }

  /** Widens the slider to cover `more` months, keeping the window on the same months. */
  function extendMonths(more) {
    const all = [...months, ...more].sort();
    if (!all.length) return;
    const wider = monthsBetween(all[0], all[all.length - 1]);
    if (wider.length === months.length) return;
    months = wider;
    for (const input of [startInput, endInput]) input.max = String(months.length - 1);
    setWindow(chosen.start ? months.indexOf(chosen.start) : 0, chosen.end ? months.indexOf(chosen.end) : months.length - 1);
  }

  /** The window's indices on the slider. */
  function windowIndices() {
    return [Number(startInput.value), Number(endInput.value)];
  }

  function moveWindow(moved) {
    stopPlay();
    let [start, end] = windowIndices();
    // The ends cannot cross: the one moved pushes the other.
    if (start > end) {
      if (moved === "start") end = start;
      else start = end;
    }
    setWindow(start, end);
    clearTimeout(timer);
    timer = setTimeout(refresh, REFETCH_DELAY_MS);
  }

  /** Sets the window to months `start`…`end` (indices) and shows it; the features follow on refresh. */
  function setWindow(start, end) {
    const last = months.length - 1;
    startInput.value = String(start);
    endInput.value = String(end);
    chosen = { start: start > 0 ? months[start] : null, end: end < last ? months[end] : null };
    windowTotal = null;
    for (const [input, index] of [[startInput, start], [endInput, end]]) {
      input.setAttribute("aria-valuetext", months.length ? monthName(months[index]) : "no months");
      input.disabled = months.length < 2;
    }
    play.disabled = months.length < 2;
    drawBars();
    describeWindow();
    placeTrackMarkers();
  }

  function drawBars() {
    const [start, end] = windowIndices();
    const highest = Math.max(1, ...monthCounts.values());
    // Bars as wide as the slider's steps, centred under its thumb's positions.
    bars.style.setProperty("--steps", String(Math.max(1, months.length - 1)));
    replace(
      bars,
      months.map((month, index) => {
        const size = monthCounts.get(month) ?? 0;
        const bar = h("span", { class: "timeline-bar", "aria-hidden": "true" });
        bar.style.height = size ? `max(2px, ${(100 * size) / highest}%)` : "0";
        const inWindow = index >= start && index <= end;
        const first = index === 0 || month.endsWith("-01");
        return h(
          "li",
          { class: inWindow ? "in-window" : null, "data-month": month, title: `${monthName(month)}: ${count(size)} ${size === 1 ? "feature" : "features"}` },
          bar,
          h("span", { class: "visually-hidden" }, `${monthName(month)}: ${count(size)} ${size === 1 ? "feature" : "features"}${inWindow ? ", in the window" : ""}`),
          first ? h("span", { class: "timeline-tick", "aria-hidden": "true" }, monthName(month)) : null,
        );
      }),
    );
  }

  function describeWindow() {
    if (!months.length) {
      replace(windowText, "No feature has a date yet.");
      return;
    }
    const [start, end] = windowIndices();
    const span = start === end ? monthName(months[start]) : `${monthName(months[start])} – ${monthName(months[end])}`;
    const whole = !chosen.start && !chosen.end ? " (all)" : "";
    const size = windowTotal === null ? "counting…" : `${count(windowTotal)} ${windowTotal === 1 ? "feature" : "features"}`;
    replace(windowText, h("strong", {}, span), whole, `, ${size}`);
  }

  function togglePlay() {
    if (playTimer !== null) stopPlay();
    else startPlay();
  }

  /** Steps a window of the chosen length a month at a time to the range's end. */
  function startPlay() {
    const last = months.length - 1;
    const length = Math.min(Number(playSpan.value), months.length);
    let [start] = windowIndices();
    if (start + length - 1 >= last) start = 0;
    play.setAttribute("aria-pressed", "true");
    replace(play, "Stop");
    playTimer = 0;
    const step = async (from) => {
      setWindow(from, from + length - 1);
      await refresh();
      if (playTimer === null || !alive) return;
      if (from + length - 1 >= last) {
        stopPlay();
        return;
      }
      playTimer = setTimeout(() => step(from + 1), PLAY_STEP_MS);
    };
    step(start);
  }

  function stopPlay() {
    if (playTimer === null) return;
    clearTimeout(playTimer);
    playTimer = null;
    play.setAttribute("aria-pressed", "false");
    replace(play, "Play");
  }

  async function refresh() {
    if (!alive) return;
    clearTimeout(timer);
    controller?.abort();
    controller = new AbortController();
    const mine = ++generation;
    const zoom = Math.max(0, Math.min(20, Math.round(map.getZoom())));
    loading.hidden = false;
    filterFault.hidden = true;
    let collection;
    try {
      collection = await api("GET", "/map/features", {
        query: { bbox: viewBox(map), zoom, ...filterQuery() },
        signal: controller.signal,
      });
    } catch (error) {
      if (mine !== generation || !alive) return;
      loading.hidden = true;
      replace(filterFault, error.message);
      filterFault.hidden = false;
      replace(summary, "The map could not be updated.");
      replace(windowText, "No counts: the map could not be updated.");
      return;
    }
    // A later move asked again meanwhile: its answer is the one to draw.
    if (mine !== generation || !alive) return;
    loading.hidden = true;
    const timelineNow = collection.timeline ?? [];
    monthCounts = new Map(timelineNow.map((entry) => [entry.month, entry.count]));
    extendMonths(timelineNow.map((entry) => entry.month));
    windowTotal = collection.total ?? collection.features?.length ?? 0;
    drawBars();
    describeWindow();
    draw(collection);
  }

  function draw(collection) {
    features.clearLayers();
    const centre = map.getCenter().lng;
    const shown = collection.features ?? [];
    if (collection.clustered) {
      for (const cluster of shown) {
        const [lon, lat] = cluster.geometry.coordinates;
        const { count: size, bbox } = cluster.properties;
        numbered([lat, near(lon, centre)], size, () => zoomTo(bbox, centre)).addTo(features);
      }
    } else {
      for (const group of groupOnScreen(shown, centre)) {
        if (group.length === 1) point(group[0], centre).addTo(features);
        else groupMarker(group, centre).addTo(features);
      }
    }
    const total = collection.total ?? shown.length;
    const parts = [`${count(total)} ${total === 1 ? "feature" : "features"} in view`];
    if (collection.clustered) parts.push(`grouped by the server into ${count(shown.length)} clusters; zoom in to see them one by one`);
    if (collection.records_left_out) {
      parts.push(`the search matched ${count(collection.records_left_out)} more records than the map takes: narrow it`);
    }
    replace(summary, `${parts.join("; ")}.`);
  }

  /** Points that would overlap on screen, grouped; a group is one numbered marker. */
  function groupOnScreen(shown, centre) {
    const groups = [];
    for (const feature of shown) {
      const [lon, lat] = feature.geometry.coordinates;
      const at = map.latLngToLayerPoint([lat, near(lon, centre)]);
      const close = groups.find((group) => group.at.distanceTo(at) < GROUP_PIXELS);
      if (close) close.features.push(feature);
      else groups.push({ at, features: [feature] });
    }
    return groups.map((group) => group.features);
  }

  function point(feature, centre) {
    const [lon, lat] = feature.geometry.coordinates;
    const { kind: featureKind } = feature.properties;
    return L.circleMarker([lat, near(lon, centre)], {
      radius: 6,
      color: "#ffffff",
      weight: 1.5,
      fillColor: KIND_COLOUR[featureKind] ?? "#555555",
      fillOpacity: 0.9,
      className: `feature-point kind-${featureKind}`,
    }).bindPopup(() => describe([feature]));
  }

  /** Points at one spot open a list; points apart zoom in until they separate. */
  function groupMarker(group, centre) {
    const lats = group.map((feature) => feature.geometry.coordinates[1]);
    const lons = group.map((feature) => near(feature.geometry.coordinates[0], centre));
    const south = Math.min(...lats);
    const north = Math.max(...lats);
    const west = Math.min(...lons);
    const east = Math.max(...lons);
    const at = [(south + north) / 2, (west + east) / 2];
    const together = north - south < 1e-5 && east - west < 1e-5;
    if (together || map.getZoom() >= map.getMaxZoom()) {
      return numbered(at, group.length).bindPopup(() => describe(group));
    }
    return numbered(at, group.length, () => map.fitBounds([[south, west], [north, east]], { padding: [40, 40] }));
  }

  function zoomTo(bbox, centre) {
    let [west, south, east, north] = bbox;
    if (east < west) east += 360;
    const shiftBy = near(west, centre) - west;
    map.fitBounds([[south, west + shiftBy], [north, east + shiftBy]], { padding: [40, 40] });
  }

  function describe(group) {
    const listed = group.slice(0, POPUP_LIST);
    return h(
      "div",
      { class: "map-popup" },
      group.length > 1 ? h("p", {}, h("strong", {}, `${count(group.length)} features here`)) : null,
      h(
        "ul",
        {},
        listed.map((feature) => {
          const { name, kind: featureKind, record, time: at, detail } = feature.properties;
          const label = KINDS.find(([value]) => value === featureKind)?.[1] ?? featureKind;
          return h(
            "li",
            {},
            h("strong", {}, name || "(no name)"),
            h("br"),
            h("span", { class: "muted" }, label, detail?.part ? ` (${detail.part})` : "", at ? `, ${when(at)}` : ""),
            record ? [h("br"), h("a", { href: `/records/${encodeURIComponent(record)}` }, "Open the record")] : null,
          );
        }),
      ),
      group.length > listed.length ? h("p", { class: "muted" }, `and ${count(group.length - listed.length)} more: zoom in or narrow the filters.`) : null,
    );
  }

  async function loadLayers() {
    let layers;
    try {
      layers = await get("/layers");
    } catch (error) {
      replace(layerFault, error.message);
      layerFault.hidden = false;
      return;
    }
    if (!alive) return;
    if (!layers.length) {
      replace(layerList, h("li", { class: "muted" }, "No layers you may see."));
      replace(nearestLayer, h("option", { value: "" }, "No layers"));
      pick.disabled = true;
      fromCentre.disabled = true;
      return;
    }
    replace(
      layerList,
      layers.map((layer) => {
        const box = h("input", { type: "checkbox", name: "layer", value: layer.id });
        const state = h("span", { class: "muted" });
        box.addEventListener("change", () => toggleLayer(layer, box, state));
        return h(
          "li",
          {},
          h("label", {}, box, ` ${layer.name} `, h("span", { class: "muted" }, `(${count(layer.features)})`)),
          layer.description ? h("small", { class: "hint" }, layer.description) : null,
          state,
        );
      }),
    );
    replace(nearestLayer, layers.map((layer) => h("option", { value: layer.id }, layer.name)));
  }

  async function toggleLayer(layer, box, state) {
    overlays.get(layer.id)?.remove();
    overlays.delete(layer.id);
    replace(state);
    if (!box.checked) return;
    box.disabled = true;
    replace(state, " loading…");
    try {
      const collection = await get(`/layers/${encodeURIComponent(layer.id)}`);
      if (!alive || !box.checked) return;
      const centre = map.getCenter().lng;
      const group = L.layerGroup(
        (collection.features ?? []).map((feature) => {
          const [lon, lat] = feature.geometry.coordinates;
          return L.circleMarker([lat, near(lon, centre)], {
            radius: 8,
            color: "#ffffff",
            weight: 2,
            fillColor: LAYER_COLOUR,
            fillOpacity: 1,
            className: "layer-point",
          }).bindPopup(() => service(feature.properties.name, feature.properties.detail?.properties, layer.name));
        }),
      ).addTo(map);
      overlays.set(layer.id, group);
      replace(state, ` ${count(collection.features?.length ?? 0)} shown`);
    } catch (error) {
      box.checked = false;
      replace(state, h("span", { class: "error", role: "alert" }, ` ${error.message}`));
    } finally {
      box.disabled = false;
    }
  }

  function togglePicking() {
    picking = !picking;
    pick.setAttribute("aria-pressed", String(picking));
    replace(pick, picking ? "Click the map… (press to cancel)" : "Pick a point on the map");
    mapBox.classList.toggle("picking", picking);
  }

  function resetNearest() {
    nearestDrawn.clearLayers();
    replace(nearestOut);
    clearNearest.hidden = true;
  }

  async function findNearest(latlng) {
    if (picking) togglePicking();
    const lat = latlng.lat;
    const lon = wrap(latlng.lng);
    replace(nearestOut, h("p", { class: "loading" }, "Looking for the nearest help…"));
    let found;
    try {
      found = await get("/map/nearest", { lat: lat.toFixed(6), lon: lon.toFixed(6), layer: nearestLayer.value, k: 5 });
    } catch (error) {
      replace(nearestOut, failure(error));
      return;
    }
    if (!alive) return;
    nearestDrawn.clearLayers();
    clearNearest.hidden = false;
    L.circleMarker(latlng, { radius: 7, color: "#1b1f24", weight: 2, fillColor: "#f4a300", fillOpacity: 1, className: "nearest-origin" })
      .bindTooltip(h("span", {}, "The point asked about"))
      .addTo(nearestDrawn);
    const layerName = nearestLayer.selectedOptions[0]?.textContent ?? "";
    for (const [index, one] of found.entries()) {
      const target = [one.lat, near(one.lon, latlng.lng)];
      L.polyline([latlng, target], { color: "#1b1f24", weight: 2, dashArray: "6 6", interactive: false }).addTo(nearestDrawn);
      L.circleMarker(target, { radius: 9, color: "#1b1f24", weight: 2, fillColor: LAYER_COLOUR, fillOpacity: 1, className: "nearest-target" })
        // Leaflet sets string content as HTML; a layer file's names go in as text.
        .bindTooltip(h("span", {}, `${index + 1}. ${one.name}`))
        .bindPopup(() => service(one.name, one.properties, layerName))
        .addTo(nearestDrawn);
    }
    const where = `${lat.toFixed(4)}, ${lon.toFixed(4)}`;
    if (!found.length) {
      replace(nearestOut, h("p", {}, `Nothing in “${layerName}” that you may see, from ${where}.`));
      return;
    }
    map.fitBounds(L.latLngBounds([latlng, ...found.map((one) => [one.lat, near(one.lon, latlng.lng)])]), { padding: [40, 40], maxZoom: 10 });
    replace(
      nearestOut,
      h("p", {}, `Nearest in “${layerName}” to ${where}:`),
      h(
        "ol",
        { class: "nearest-list" },
        found.map((one) =>
          h(
            "li",
            {},
            h("strong", {}, one.name || "(no name)"),
            " ",
            h("span", { class: "distance" }, distance(one.distance_m)),
            propertyFacts(one.properties),
          ),
        ),
      ),
    );
  }

  async function exportView(format) {
    exportFault.hidden = true;
    for (const button of exportButtons) button.disabled = true;
    try {
      const blob = await api("GET", "/map/export", {
        query: { format, bbox: viewBox(map), ...filterQuery() },
        blob: true,
      });
      download(blob, `humdex-map.${format}`);
      app.notify(`The view was exported as ${format === "kml" ? "KML" : "GeoJSON"}.`, "ok");
    } catch (error) {
      replace(exportFault, error.message);
      exportFault.hidden = false;
    } finally {
      for (const button of exportButtons) button.disabled = false;
    }
  }

  /** The record named in the address: its features ringed, the view fitted to them. */
  async function showRecord(id) {
    let collection;
    try {
      collection = await get("/map/features", { record: id, zoom: 20 });
    } catch (error) {
      replace(focusPanel, h("h2", {}, "This record on the map"), failure(error));
      return;
    }
    if (!alive) return;
    const mine = collection.clustered ? null : collection.features;
    const links = h(
      "p",
      { class: "actions" },
      h("a", { href: `/records/${encodeURIComponent(id)}` }, "Back to the record"),
      h("a", { href: "/map" }, "Show the whole map"),
    );
    if (!mine) {
      replace(focusPanel, h("h2", {}, "This record on the map"), h("p", {}, `${count(collection.total)} features, grouped on the map.`), links);
      return;
    }
    if (!mine.length) {
      replace(focusPanel, h("h2", {}, "This record on the map"), h("p", {}, "Nothing in this record that you may see has a place on the map."), links);
      return;
    }
    for (const feature of mine) {
      const [lon, lat] = feature.geometry.coordinates;
      L.circleMarker([lat, lon], { radius: 26, color: "#f4a300", weight: 4, fill: false, className: "focus-ring" })
        .bindPopup(() => describe([feature]))
        .addTo(focused);
    }
    map.fitBounds(L.latLngBounds(mine.map((feature) => [feature.geometry.coordinates[1], feature.geometry.coordinates[0]])), { padding: [60, 60], maxZoom: 8, animate: false });
    replace(
      focusPanel,
      h("h2", {}, "This record on the map"),
      h("p", {}, `Only this record's features are shown: ${count(mine.length)} ${mine.length === 1 ? "place" : "places"}, ringed.`),
      h("ul", { class: "map-focus-list" }, mine.map((feature) => h("li", {}, feature.properties.name || "(no name)", h("span", { class: "muted" }, ` (${feature.properties.detail?.part ?? feature.properties.kind})`)))),
      links,
    );
  }

  async function loadTracks() {
    let tracks;
    try {
      tracks = await get("/tracks");
    } catch (error) {
      replace(trackFault, error.message);
      trackFault.hidden = false;
      return;
    }
    if (!alive) return;
    if (!tracks.length) {
      replace(trackList, h("li", { class: "muted" }, "No tracks you may see."));
      return;
    }
    extendMonths(tracks.flatMap((track) => [track.first, track.last]).filter(Boolean).map(monthOf));
    replace(
      trackList,
      tracks.map((track) => {
        const box = h("input", { type: "checkbox", name: "track", value: track.id });
        const state = h("p", { class: "track-state", "aria-live": "polite" });
        box.addEventListener("change", () => toggleTrack(track, box, state));
        return h(
          "li",
          {},
          h("label", {}, box, ` ${track.name}`),
          h(
            "small",
            { class: "hint" },
            `${track.kind}, ${count(track.positions)} ${track.positions === 1 ? "position" : "positions"}`,
            track.first ? [h("br"), time(track.first), " – ", time(track.last)] : null,
          ),
          state,
        );
      }),
    );
  }

  async function toggleTrack(track, box, state) {
    shownTracks.get(track.id)?.group.remove();
    shownTracks.delete(track.id);
    replace(state);
    if (!box.checked) return;
    box.disabled = true;
    replace(state, "Loading…");
    try {
      const collection = await get(`/tracks/${encodeURIComponent(track.id)}`);
      if (!alive || !box.checked) return;
      const points = (collection.features ?? []).filter((feature) => feature.geometry.type === "Point");
      // Each position beside the last, so a path over the date line does not cross the world.
      let lon = map.getCenter().lng;
      const positions = points.map((feature) => {
        const [rawLon, lat] = feature.geometry.coordinates;
        lon = near(rawLon, lon);
        return { at: new Date(feature.properties.time), latlng: L.latLng(lat, lon), feature };
      });
      const group = L.layerGroup().addTo(map);
      L.polyline(positions.map((one) => one.latlng), { color: TRACK_COLOUR, weight: 3, opacity: 0.85, className: "track-line" }).addTo(group);
      const dots = positions.map((one) =>
        L.circleMarker(one.latlng, { radius: 4, color: "#ffffff", weight: 1, fillColor: TRACK_COLOUR, fillOpacity: 1, className: "track-point" })
          .bindPopup(() => position(track, one.feature.properties))
          .addTo(group),
      );
      const now = L.circleMarker([0, 0], { pane: "track-now", radius: 9, color: "#1b1f24", weight: 3, fillColor: "#ffd43b", fillOpacity: 1, className: "track-now" })
        .bindTooltip(h("span", {}), { pane: "track-now", permanent: true, direction: "auto", offset: [0, 0], className: "track-now-time" })
        .bindPopup(() => position(track, shown.at.feature.properties));
      const shown = { track, positions, dots, now, group, state, at: null };
      shownTracks.set(track.id, shown);
      if (positions.length) {
        map.fitBounds(L.latLngBounds(positions.map((one) => one.latlng)), { padding: [40, 40], maxZoom: 10, animate: false });
        // The features of the new view, drawn before the track is said to be shown.
        await refresh();
        if (!alive) return;
      }
      placeTrackMarkers();
    } catch (error) {
      box.checked = false;
      replace(state, h("span", { class: "error", role: "alert" }, error.message));
    } finally {
      box.disabled = false;
    }
  }

  /** Each shown track's marker where it last was by the window's end; positions outside the window faded. */
  function placeTrackMarkers() {
    const from = chosen.start ? new Date(monthStart(chosen.start)) : null;
    const to = chosen.end ? new Date(monthEnd(chosen.end)) : null;
    for (const shown of shownTracks.values()) {
      const { positions, dots, now, group, state } = shown;
      positions.forEach((one, index) => {
        const inside = (!from || one.at >= from) && (!to || one.at <= to);
        dots[index].setStyle({ fillOpacity: inside ? 1 : 0.3, opacity: inside ? 1 : 0.3 });
      });
      const before = positions.filter((one) => !to || one.at <= to);
      const at = before[before.length - 1];
      shown.at = at ?? null;
      const drawn = `${count(positions.length)} ${positions.length === 1 ? "position" : "positions"} drawn`;
      if (!at) {
        now.remove();
        replace(state, `${drawn}. Not yet seen by the window's end: first seen `, time(positions[0]?.at.toISOString()), ".");
        continue;
      }
      now.setLatLng(at.latlng).addTo(group);
      now.getTooltip().setContent(h("span", {}, SHORT_TIME.format(at.at)));
      replace(state, `${drawn}. At the window's end: seen `, time(at.at.toISOString()), at === positions[positions.length - 1] ? " (its last position)." : ".");
    }
  }

  return () => {
    alive = false;
    stopPlay();
    clearTimeout(timer);
    controller?.abort();
    resize.disconnect();
    map.remove();
  };
}

/** The legend of feature kinds: colour and words. */
function legend() {
  return h(
    "ul",
    { class: "legend", "aria-label": "Legend" },
    KINDS.map(([, label, colour]) => {
      const swatch = h("span", { class: "swatch round" });
      swatch.style.setProperty("--entity", colour);
      return h("li", {}, swatch, label);
    }),
    h("li", {}, h("span", { class: "cluster-sample", "aria-hidden": "true" }, "12"), "Features grouped at one spot: select to zoom in or list them"),
    h("li", {}, h("span", { class: "track-sample", "aria-hidden": "true" }), "A track; the yellow dot is where it was at the window's end"),
  );
}

/** A marker with a number: a server cluster or points that would overlap. */
function numbered(at, size, onSelect) {
  const diameter = Math.round(Math.min(44, 24 + 6 * Math.log10(size)));
  const marker = L.marker(at, {
    icon: L.divIcon({
      className: "cluster-marker",
      html: h("span", {}, count(size)),
      iconSize: [diameter, diameter],
    }),
    title: `${count(size)} features`,
    alt: `${count(size)} features`,
    keyboard: true,
  });
  if (onSelect) marker.on("click", onSelect);
  return marker;
}

/** A service's popup: its name, its layer, and what the layer file says of it. */
function service(name, properties, layerName) {
  return h("div", { class: "map-popup" }, h("strong", {}, name || "(no name)"), h("br"), h("span", { class: "muted" }, layerName), propertyFacts(properties));
}

/** A track's position: its time and what the feed said. */
function position(track, properties) {
  return h("div", { class: "map-popup" }, h("strong", {}, track.name), h("br"), time(properties.time), propertyFacts(properties.properties));
}

/** A feature's or position's properties as a definition list, leaving out the machine's own. */
function propertyFacts(properties) {
  const entries = Object.entries(properties ?? {}).filter(([key, value]) => key !== "name" && value !== null && typeof value !== "object");
  if (!entries.length) return null;
  return h("dl", { class: "facts" }, entries.flatMap(([key, value]) => [h("dt", {}, key), h("dd", {}, String(value))]));
}

function distance(metres) {
  if (metres < 1000) return `${Math.round(metres)} m`;
  const km = metres / 1000;
  return `${km < 10 ? km.toFixed(1) : Math.round(km).toLocaleString()} km`;
}

/** A longitude in −180…180. */
function wrap(lon) {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}

/** `lon` moved by whole turns to lie nearest `centre`, so points near the date line show on the side in view. */
function near(lon, centre) {
  return lon + 360 * Math.round((centre - lon) / 360);
}

/** The view as the API's bbox: west,south,east,north, west > east when it spans the date line. */
function viewBox(map) {
  const bounds = map.getBounds();
  const south = Math.max(-90, bounds.getSouth());
  const north = Math.min(90, bounds.getNorth());
  const westEdge = bounds.getWest();
  const eastEdge = bounds.getEast();
  let west = -180;
  let east = 180;
  if (eastEdge - westEdge < 360) {
    west = wrap(westEdge);
    east = wrap(eastEdge);
    // Exactly on the date line, the east edge is 180°, not −180°.
    if (east === -180 && eastEdge > westEdge) east = 180;
  }
  return [west, south, east, north].map((value) => value.toFixed(5)).join(",");
}


/** "2026-03" as "Mar 2026". */
function monthName(month) {
  const [year, number] = month.split("-").map(Number);
  return MONTH_NAME.format(Date.UTC(year, number - 1, 1));
}

/** The month ("YYYY-MM", UTC) of a timestamp. */
function monthOf(timestamp) {
  return new Date(timestamp).toISOString().slice(0, 7);
}

/** The first instant of a month, as the API's RFC 3339. */
function monthStart(month) {
  const [year, number] = month.split("-").map(Number);
  return new Date(Date.UTC(year, number - 1, 1)).toISOString();
}

/** The last millisecond of a month: the API's `to` is inclusive. */
function monthEnd(month) {
  const [year, number] = month.split("-").map(Number);
  return new Date(Date.UTC(year, number, 1) - 1).toISOString();
}

/** Every month from `first` to `last`, both included. */
function monthsBetween(first, last) {
  const all = [];
  let [year, number] = first.split("-").map(Number);
  for (let month = first; month <= last; month = `${year}-${String(number).padStart(2, "0")}`) {
    all.push(month);
    number += 1;
    if (number > 12) {
      number = 1;
      year += 1;
    }
  }
  return all;
}

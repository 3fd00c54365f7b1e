// The link chart: the entities linked to a starting entity or record, as the server lays them
// out and measures them, drawn with Cytoscape. The analyst expands nodes, hides and pins them,
// finds the shortest paths between two, reads each node's and link's evidence (only the
// records the API lists for them), and exports the chart through the server, which audits it.
// Nothing the server leaves out is left unsaid: its left-out counts are shown.

import { api, get, post } from "../api.js";
import { count, download, failure, field, h, replace } from "../dom.js";
import { loadLibraries } from "../vendor.js";

/** The product's entity palette (humdex_model::EntityKind::colour), so charts match exports. */
const KIND_COLOURS = {
  person: "#ffd6a5",
  organization: "#caffbf",
  location: "#9bf6ff",
  nationality: "#bdb2ff",
  phone: "#ffadad",
  email: "#ffc6ff",
  url: "#a0c4ff",
  coordinates: "#b5ead7",
  money: "#fdffb6",
  date: "#e2e2e2",
  age: "#ff9ac8",
  crypto: "#f1c0e8",
  handle: "#cfbaf0",
  plate: "#e9c46a",
  weapon: "#ff7b7b",
  photo: "#a3b18a",
};
const OTHER_COLOUR = "#d0d0d0";
/** Communities, numbered from 0 by size: well apart from one another. */
const COMMUNITY_COLOURS = [
  "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
  "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#86bcb6", "#d4a6c8",
];
const RELATION_LINK = "#3d5a80";
const DERIVED_LINK = "#9aa0a6";
const LINK_KINDS = {
  co_mention: "named in the same record",
  image_match: "copies of one photo",
  associate: "associates",
  family: "family",
  employer: "employer",
  uses_phone: "uses the phone",
  owns_vehicle: "owns the vehicle",
  travelled_to: "travelled to",
  paid: "paid",
};
const LIMITS = [100, 300, 1000, 5000];
/** Records listed for one node before the rest are only counted. */
const RECORDS_SHOWN = 50;
/** Screen pixels per node, roughly: the server's layout units are scaled to this spacing. */
const SPACING = 130;

export async function render(main, app) {
  await loadLibraries("cytoscape");
  const start = {
    entity: app.query.get("entity"),
    record: app.query.get("record"),
    q: app.query.get("q"),
  };
  let hops = ["0", "1", "2"].includes(app.query.get("expand")) ? Number(app.query.get("expand")) : 1;
  let limit = LIMITS.includes(Number(app.query.get("limit"))) ? Number(app.query.get("limit")) : 300;

  // Finding where to start
  const findInput = h("input", { type: "search", name: "q", value: start.q ?? "", autocomplete: "off", spellcheck: "false", placeholder: "a phone, a name, a handle…" });
  const findResults = h("div", { class: "chart-found", "aria-live": "polite" });
  const findForm = h(
    "form",
    { class: "chart-find", role: "search", "aria-label": "Entity search" },
    field("Find an entity", findInput, "Part of a name or value; phone numbers match by their digits."),
    h("button", { type: "submit" }, "Find"),
  );
  findForm.addEventListener("submit", (event) => {
    event.preventDefault();
    find(findInput.value);
  });
  const hopsSelect = h("select", { name: "expand" }, [0, 1, 2].map((value) => h("option", { value, selected: value === hops }, value === 0 ? "None" : `${value} ${value === 1 ? "hop" : "hops"}`)));
  const limitSelect = h("select", { name: "limit" }, LIMITS.map((value) => h("option", { value, selected: value === limit }, count(value))));
  for (const select of [hopsSelect, limitSelect]) {
    select.addEventListener("change", () => {
      hops = Number(hopsSelect.value);
      limit = Number(limitSelect.value);
      if (request) load({ ...request, expand: hops, limit });
    });
  }

  // The stage
  const stage = h("div", { class: "chart", role: "img", "aria-label": "Link chart; the panel beside it lists and controls every node" });
  const summary = h("div", { class: "chart-summary", role: "status", "aria-live": "polite" }, "Find an entity to start from.");
  const leftOut = h("p", { class: "chart-left-out", hidden: true });
  const loading = h("progress", { hidden: true, "aria-label": "Loading the chart" });
  const legendList = h("ul", { class: "legend", "aria-label": "Legend" });

  // The side panel
  const nodeSelect = h("select", { name: "node" });
  const details = h("div", { class: "chart-details", "aria-live": "polite" }, h("p", { class: "muted" }, "Select a node or a link to see its evidence."));
  const expandButton = h("button", { type: "button", onclick: () => expandSelected() }, "Expand");
  const hideButton = h("button", { type: "button", class: "secondary", onclick: () => hideSelected() }, "Hide");
  const pinButton = h("button", { type: "button", class: "secondary", "aria-pressed": "false", onclick: () => pinSelected() }, "Pin");
  const showHidden = h("button", { type: "button", class: "secondary", hidden: true, onclick: () => unhideAll() }, "Show hidden");
  const fromSelect = h("select", { name: "from" });
  const toSelect = h("select", { name: "to" });
  const pathButton = h("button", { type: "button", onclick: () => findPaths() }, "Find paths");
  const clearPathButton = h("button", { type: "button", class: "secondary", hidden: true, onclick: () => clearPaths() }, "Clear paths");
  const pathOut = h("div", { class: "chart-paths", "aria-live": "polite" });
  const byBetweenness = h("input", { type: "checkbox", name: "betweenness" });
  const byCommunity = h("input", { type: "checkbox", name: "community" });
  byBetweenness.addEventListener("change", restyle);
  byCommunity.addEventListener("change", restyle);
  const exportButtons = [
    ["png", "PNG"],
    ["svg", "SVG"],
    ["graphml", "GraphML"],
  ].map(([format, label]) => h("button", { type: "button", class: "secondary", onclick: () => exportChart(format) }, label));
  const exportOut = h("div", { "aria-live": "polite" });
  nodeSelect.addEventListener("change", () => {
    const node = cy.getElementById(nodeSelect.value);
    if (!node.nonempty()) return;
    cy.elements().unselect();
    node.select();
    cy.animate({ center: { eles: node }, duration: 200 });
  });

  const side = h(
    "aside",
    { class: "analysis-side", "aria-label": "Chart controls" },
    h(
      "section",
      { class: "panel" },
      h("h2", {}, "Selection"),
      field("Node", nodeSelect, "Or click one on the chart; Ctrl- or Shift-click adds a second."),
      h("div", { class: "actions" }, expandButton, hideButton, pinButton, showHidden),
      details,
    ),
    h(
      "section",
      { class: "panel" },
      h("h2", {}, "Shortest paths"),
      field("From", fromSelect),
      field("To", toSelect),
      h("div", { class: "actions" }, pathButton, clearPathButton),
      pathOut,
    ),
    h(
      "section",
      { class: "panel" },
      h("h2", {}, "View"),
      h("div", { class: "checks" },
        h("label", {}, byBetweenness, " Size by betweenness"),
        h("label", {}, byCommunity, " Colour by community")),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", onclick: () => tidy() }, "Tidy layout"),
        h("button", { type: "button", class: "secondary", onclick: () => cy.fit(cy.elements(":visible"), 30) }, "Fit to screen")),
      h("p", { class: "hint" }, "Tidying moves every node but the pinned ones."),
    ),
    h(
      "section",
      { class: "panel" },
      h("h2", {}, "Export"),
      h("p", { class: "hint" }, "The chart as shown, hidden nodes left out, drawn by the server. Exports are audited."),
      h("div", { class: "actions" }, exportButtons),
      exportOut,
    ),
  );

  replace(
    main,
    h("h1", {}, "Link chart"),
    h(
      "div",
      { class: "panel chart-start" },
      findForm,
      h("div", { class: "chart-options" }, field("Reach", hopsSelect), field("Most entities", limitSelect)),
      findResults,
    ),
    h("div", { class: "columns analysis" }, h("div", { class: "chart-stage" }, summary, leftOut, loading, stage, legendList), side),
  );

  // Cytoscape injects a <style> unless one with this id exists, which the CSP would refuse;
  // analysis.css holds its one rule instead.
  if (!document.getElementById("__________cytoscape_stylesheet")) {
    document.head.append(h("meta", { id: "__________cytoscape_stylesheet", name: "cytoscape-style", content: "analysis.css" }));
  }
  const cy = cytoscape({
    container: stage,
    elements: [],
    layout: { name: "preset" },
    style: chartStyle(),
    minZoom: 0.05,
    maxZoom: 4,
    boxSelectionEnabled: true,
  });
  // The panel follows the selection once per burst of select events, not once per element.
  let selectionPending = false;
  cy.on("select unselect", () => {
    if (selectionPending) return;
    selectionPending = true;
    queueMicrotask(() => {
      selectionPending = false;
      showSelection();
    });
  });
  cy.on("dbltap", "node", (event) => expand(event.target));

  /** What the chart was asked for, to page, re-ask and export by. */
  let request = null;
  let alive = true;
  let detailGeneration = 0;
  refreshControls();

  if (start.entity) await load({ entities: [start.entity], expand: hops, limit });
  else if (start.record) await load({ records: [start.record], expand: hops, limit });
  else if (start.q) await find(start.q, { chartFirst: true });

  async function find(text, { chartFirst = false } = {}) {
    const wanted = text.trim();
    if (!wanted) {
      replace(findResults, h("p", { class: "error", role: "alert" }, "Say what to look for."));
      return;
    }
    replace(findResults, h("p", { class: "loading" }, "Looking…"));
    let found;
    try {
      found = await get("/graph/entities", { q: wanted, limit: 20 });
    } catch (error) {
      replace(findResults, failure(error));
      return;
    }
    if (!alive) return;
    if (!found.length) {
      replace(findResults, h("p", {}, `No entity you may see matches “${wanted}”.`));
      return;
    }
    replace(
      findResults,
      h("p", { class: "muted" }, `${found.length} ${found.length === 1 ? "match" : "matches"}, most mentioned first: choose where to start.`),
      h(
        "ul",
        { class: "chart-matches" },
        found.map((entity) =>
          h(
            "li",
            {},
            h(
              "button",
              { type: "button", class: "secondary", onclick: () => app.navigate(`/chart?entity=${encodeURIComponent(entity.id)}&expand=${hops}&limit=${limit}`) },
              swatch(entity.type),
              displayName(entity.type, entity.name),
            ),
            h("span", { class: "muted" }, ` ${entity.type}, ${count(entity.records)} ${entity.records === 1 ? "record" : "records"}${entity.excluded ? ", excluded from linking" : ""}`),
          ),
        ),
      ),
    );
    if (chartFirst) await load({ entities: [found[0].id], expand: hops, limit });
  }

  async function load(wanted) {
    loading.hidden = false;
    let chart;
    try {
      chart = await post("/graph/chart", wanted);
    } catch (error) {
      loading.hidden = true;
      replace(summary, failure(error));
      return;
    }
    if (!alive) return;
    loading.hidden = true;
    request = wanted;
    cy.elements().remove();
    const place = placer(chart, { x: 0, y: 0 });
    cy.add([...chart.nodes.map((node) => nodeElement(node, place(node))), ...chart.edges.map((edge) => edgeElement(chart, edge))]);
    restyle();
    cy.fit(undefined, 30);
    clearPaths();
    showLeftOut(chart, limit);
    refreshControls();
  }

  /** Adds an entity's neighbours; then re-measures the whole chart, which also finds the links
   *  between the new nodes and the ones already shown. */
  async function expand(node) {
    if (!node?.nonempty()) return;
    loading.hidden = false;
    expandButton.disabled = true;
    try {
      const around = await get(`/graph/entity/${encodeURIComponent(node.id())}`, { depth: 1, limit });
      if (!alive) return;
      const centre = around.nodes.find((one) => one.id === node.id()) ?? around.nodes[0];
      const place = placer(around, node.position(), centre);
      const fresh = around.nodes.filter((one) => cy.getElementById(one.id).empty());
      cy.add(fresh.map((one) => nodeElement(one, place(one))));
      addEdges(around);
      await remeasure();
      if (!alive) return;
      cy.animate({ fit: { eles: cy.elements(":visible"), padding: 30 }, duration: 250 });
      const parts = [`${count(fresh.length)} new ${fresh.length === 1 ? "entity" : "entities"} around ${node.data("label")}`];
      if (around.nodes_left_out || around.edges_left_out) {
        parts.push(`the limit of ${count(limit)} left out ${count(around.nodes_left_out)} entities and ${count(around.edges_left_out)} links around it`);
      }
      app.notify(`${parts.join("; ")}.`, around.nodes_left_out ? "info" : "ok");
    } catch (error) {
      app.notify(error.message, "error");
    } finally {
      loading.hidden = true;
      expandButton.disabled = false;
    }
    restyle();
    refreshControls();
  }

  /** The server's measures for the chart as it now stands, and any links it was missing. */
  async function remeasure() {
    const ids = cy.nodes().map((node) => node.id());
    if (ids.length > LIMITS.at(-1)) return;
    const chart = await post("/graph/chart", { entities: ids, expand: 0, limit: ids.length });
    if (!alive) return;
    for (const node of chart.nodes) {
      cy.getElementById(node.id).data({ degree: node.degree, betweenness: node.betweenness, community: node.community, records: node.records });
    }
    addEdges(chart);
  }

  function addEdges(chart) {
    for (const edge of chart.edges) {
      const element = edgeElement(chart, edge);
      const existing = cy.getElementById(element.data.id);
      if (existing.nonempty()) existing.data(element.data);
      else cy.add(element);
    }
  }

  function selectedNodes() {
    return cy.nodes(":selected");
  }

  function expandSelected() {
    const nodes = selectedNodes();
    if (nodes.length !== 1) {
      app.notify("Select one node to expand.", "error");
      return;
    }
    expand(nodes[0]);
  }

  function hideSelected() {
    const nodes = selectedNodes();
    if (!nodes.length) {
      app.notify("Select the nodes to hide.", "error");
      return;
    }
    nodes.unselect();
    nodes.addClass("hidden");
    refreshControls();
  }

  function unhideAll() {
    cy.nodes(".hidden").removeClass("hidden");
    refreshControls();
  }

  function pinSelected() {
    const nodes = selectedNodes();
    if (!nodes.length) {
      app.notify("Select the nodes to pin.", "error");
      return;
    }
    // One press pins them all, unless all are pinned: then it unpins them.
    const pin = nodes.some((node) => !node.locked());
    for (const node of nodes) {
      if (pin) node.lock().addClass("pinned");
      else node.unlock().removeClass("pinned");
    }
    showSelection();
  }

  function tidy() {
    cy.elements(":visible").layout({ name: "cose", animate: false, randomize: false, fit: true, padding: 30, nodeDimensionsIncludeLabels: true }).run();
  }

  async function findPaths() {
    const from = fromSelect.value;
    const to = toSelect.value;
    if (!from || !to || from === to) {
      replace(pathOut, h("p", { class: "error", role: "alert" }, "Choose two different nodes."));
      return;
    }
    replace(pathOut, h("p", { class: "loading" }, "Looking for paths…"));
    let found;
    try {
      found = await get("/graph/path", { from, to });
    } catch (error) {
      replace(pathOut, failure(error));
      return;
    }
    if (!alive) return;
    clearPaths();
    const { chart, paths } = found;
    if (!paths.length) {
      replace(pathOut, h("p", {}, "Not connected within 6 hops through links you may see."));
      return;
    }
    // Nodes on a path that the chart lacks come in at the server's positions, anchored on `from`.
    const anchor = chart.nodes.find((node) => node.id === from);
    const place = placer(chart, cy.getElementById(from).position(), anchor);
    const fresh = chart.nodes.filter((node) => cy.getElementById(node.id).empty());
    cy.add(fresh.map((node) => nodeElement(node, place(node))));
    addEdges(chart);
    for (const path of paths) {
      const ids = path.map((index) => chart.nodes[index].id);
      ids.forEach((id, index) => {
        cy.getElementById(id).removeClass("hidden").addClass("on-path");
        if (index > 0) cy.getElementById(edgeId(ids[index - 1], id)).addClass("on-path");
      });
    }
    cy.elements().not(".on-path").addClass("faded");
    cy.fit(cy.elements(".on-path"), 60);
    const hopsAlong = paths[0].length - 1;
    replace(
      pathOut,
      h("p", {}, `${count(paths.length)} shortest ${paths.length === 1 ? "path" : "paths"} of ${hopsAlong} ${hopsAlong === 1 ? "hop" : "hops"}${found.more ? " (there are more)" : ""}${fresh.length ? `; ${count(fresh.length)} entities were added to the chart` : ""}:`),
      h("ol", { class: "path-list" }, paths.map((path) => h("li", {}, path.map((index) => displayName(chart.nodes[index].kind, chart.nodes[index].name)).join(" → ")))),
    );
    clearPathButton.hidden = false;
    restyle();
    refreshControls();
  }

  function clearPaths() {
    cy.elements().removeClass("on-path faded");
    replace(pathOut);
    clearPathButton.hidden = true;
  }

  async function exportChart(format) {
    const ids = cy.nodes().not(".hidden").map((node) => node.id());
    if (!ids.length) {
      replace(exportOut, h("p", { class: "error", role: "alert" }, "There is nothing to export yet."));
      return;
    }
    for (const button of exportButtons) button.disabled = true;
    replace(exportOut, h("progress", { "aria-label": "Drawing the export" }));
    try {
      const blob = await api("POST", "/graph/chart/export", {
        query: { format },
        json: { entities: ids, expand: 0, limit: ids.length },
        blob: true,
      });
      download(blob, `link-chart.${format}`);
      replace(exportOut, h("p", { class: "ok" }, `Exported ${count(ids.length)} entities as ${format.toUpperCase()}.`));
    } catch (error) {
      replace(exportOut, failure(error));
    } finally {
      for (const button of exportButtons) button.disabled = false;
    }
  }

  /** Node and edge sizes and colours for the toggles, then the legend that explains them. */
  function restyle() {
    cy.batch(() => {
      for (const node of cy.nodes()) {
        const data = node.data();
        node.data({
          colour: byCommunity.checked ? COMMUNITY_COLOURS[data.community % COMMUNITY_COLOURS.length] : KIND_COLOURS[data.kind] ?? OTHER_COLOUR,
          size: byBetweenness.checked ? 18 + 62 * Math.sqrt(data.betweenness || 0) : recordSize(data.records),
        });
      }
    });
    renderLegend();
  }

  function renderLegend() {
    const groups = new Map();
    for (const node of cy.nodes()) {
      const key = byCommunity.checked ? node.data("community") : node.data("kind");
      groups.set(key, (groups.get(key) ?? 0) + 1);
    }
    const entries = [...groups.entries()].sort((a, b) => (byCommunity.checked ? a[0] - b[0] : b[1] - a[1]));
    replace(
      legendList,
      entries.map(([key, size]) => {
        const mark = h("span", { class: "swatch round" });
        mark.style.setProperty("--entity", byCommunity.checked ? COMMUNITY_COLOURS[key % COMMUNITY_COLOURS.length] : KIND_COLOURS[key] ?? OTHER_COLOUR);
        return h("li", {}, mark, byCommunity.checked ? `Community ${key + 1}` : key, h("span", { class: "muted" }, ` (${count(size)})`));
      }),
      cy.nodes().nonempty() ? h("li", { class: "muted" }, "Thick border: where the chart starts. Double border: pinned.") : null,
    );
  }

  function showLeftOut(chart, pageLimit) {
    const nodesOut = chart.nodes_left_out ?? 0;
    const edgesOut = chart.edges_left_out ?? 0;
    leftOut.hidden = !(nodesOut || edgesOut);
    replace(
      leftOut,
      nodesOut || edgesOut
        ? `Not shown: the limit of ${count(pageLimit)} entities left out ${count(nodesOut)} ${nodesOut === 1 ? "entity" : "entities"} and ${count(edgesOut)} ${edgesOut === 1 ? "link" : "links"}. Raise “Most entities” or start from a narrower entity.`
        : "",
    );
  }

  /** The counts line, the node lists and the buttons, after any change. */
  function refreshControls() {
    const nodes = cy.nodes();
    const hidden = nodes.filter(".hidden").length;
    if (request || nodes.nonempty()) {
      const links = cy.edges().length;
      replace(
        summary,
        `${count(nodes.length)} ${nodes.length === 1 ? "entity" : "entities"}, ${count(links)} ${links === 1 ? "link" : "links"}`,
        hidden ? `, ${count(hidden)} hidden` : "",
        ".",
      );
    }
    showHidden.hidden = !hidden;
    replace(showHidden, `Show hidden (${count(hidden)})`);
    const sorted = nodes
      .filter((node) => !node.hasClass("hidden"))
      .map((node) => node.data())
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.label.localeCompare(b.label));
    const options = (chosen) => [
      h("option", { value: "" }, sorted.length ? "Choose…" : "No nodes yet"),
      sorted.map((data) => h("option", { value: data.id, selected: data.id === chosen }, `${data.label} (${data.kind}, ${count(data.records)} ${data.records === 1 ? "record" : "records"})`)),
    ];
    const selected = selectedNodes().map((node) => node.id());
    replace(nodeSelect, options(selected.length === 1 ? selected[0] : ""));
    replace(fromSelect, options(fromSelect.value || selected[0]));
    replace(toSelect, options(toSelect.value || selected[1]));
    const empty = !sorted.length;
    for (const control of [nodeSelect, fromSelect, toSelect, pathButton, expandButton, hideButton, pinButton, ...exportButtons]) {
      control.disabled = empty;
    }
    renderLegend();
  }

  /** The panel for what is selected: a node's records, a link's evidence. */
  async function showSelection() {
    const generation = ++detailGeneration;
    const nodes = selectedNodes();
    const edges = cy.edges(":selected");
    const ids = nodes.map((node) => node.id());
    if (nodes.length === 1) nodeSelect.value = ids[0];
    if (nodes.length === 2) {
      fromSelect.value = ids[0];
      toSelect.value = ids[1];
    }
    const pinned = nodes.nonempty() && nodes.every((node) => node.locked());
    pinButton.setAttribute("aria-pressed", String(pinned));
    replace(pinButton, pinned ? "Unpin" : "Pin");
    if (nodes.length === 1 && edges.empty()) {
      const data = nodes[0].data();
      replace(
        details,
        h("h3", {}, swatch(data.kind), data.label),
        h(
          "dl",
          { class: "facts" },
          h("dt", {}, "Type"), h("dd", {}, data.kind),
          h("dt", {}, "Records"), h("dd", {}, `${count(data.records)} you may see`),
          h("dt", {}, "Links"), h("dd", {}, count(nodes[0].connectedEdges().length)),
          h("dt", {}, "Betweenness"), h("dd", {}, (data.betweenness ?? 0).toFixed(3)),
          h("dt", {}, "Community"), h("dd", {}, String((data.community ?? 0) + 1)),
          nodes[0].locked() ? [h("dt", {}, "Pinned"), h("dd", {}, "yes")] : null,
        ),
        data.kind === "photo" ? null : h("p", {}, h("a", { href: `/search?q=${encodeURIComponent(`entity:"${data.name}"`)}` }, "Search records for it")),
        h("h3", {}, "Evidence"),
        h("p", { class: "loading" }, "Loading its records…"),
      );
      let records;
      try {
        records = await get(`/graph/entity/${encodeURIComponent(data.id)}/records`);
      } catch (error) {
        if (generation === detailGeneration) details.lastChild.replaceWith(failure(error));
        return;
      }
      if (generation !== detailGeneration || !alive) return;
      details.lastChild.replaceWith(evidence(records, records.length, "Mentioned in"));
      return;
    }
    if (edges.length === 1 && nodes.empty()) {
      const edge = edges[0];
      const data = edge.data();
      replace(
        details,
        h("h3", {}, `${edge.source().data("label")} — ${edge.target().data("label")}`),
        h("dl", { class: "facts" },
          h("dt", {}, "Linked as"), h("dd", {}, data.kinds.map((kind) => LINK_KINDS[kind] ?? kind).join("; ")),
          h("dt", {}, "Weight"), h("dd", {}, `${count(data.weight)} ${data.weight === 1 ? "record" : "records"} you may see`)),
        h("h3", {}, "Evidence"),
        evidence(data.evidence, data.weight, "Shown by"),
      );
      return;
    }
    if (nodes.length || edges.length) {
      replace(
        details,
        h("p", {}, `${count(nodes.length)} ${nodes.length === 1 ? "node" : "nodes"} and ${count(edges.length)} ${edges.length === 1 ? "link" : "links"} selected.`),
        nodes.length === 2 ? h("p", { class: "muted" }, "They are set as the two ends under Shortest paths.") : null,
      );
      return;
    }
    replace(details, h("p", { class: "muted" }, "Select a node or a link to see its evidence."));
  }

  return () => {
    alive = false;
    cy.destroy();
  };
}

/** The Cytoscape element of a chart node. */
function nodeElement(node, position) {
  return {
    group: "nodes",
    data: {
      id: node.id,
      kind: node.kind,
      name: node.name,
      label: displayName(node.kind, node.name),
      records: node.records,
      distance: node.distance,
      degree: node.degree,
      betweenness: node.betweenness,
      community: node.community,
      colour: KIND_COLOURS[node.kind] ?? OTHER_COLOUR,
      size: recordSize(node.records),
    },
    position,
    classes: node.distance === 0 ? "start" : "",
  };
}

/** The Cytoscape element of a chart edge; one per pair of entities, whichever chart it came from. */
function edgeElement(chart, edge) {
  const source = chart.nodes[edge.source].id;
  const target = chart.nodes[edge.target].id;
  const relation = edge.kinds.some((kind) => kind !== "co_mention" && kind !== "image_match");
  return {
    group: "edges",
    data: {
      id: edgeId(source, target),
      source,
      target,
      kinds: edge.kinds,
      weight: edge.weight,
      evidence: edge.evidence,
      width: 1 + 1.5 * Math.log2(edge.weight || 1),
      colour: relation ? RELATION_LINK : DERIVED_LINK,
    },
  };
}

/** Larger the more records mention it, as in the server's exports. */
function recordSize(records) {
  return 2.8 * Math.min(16, 6 + 2 * Math.log1p(records));
}

function edgeId(a, b) {
  return a < b ? `link:${a}|${b}` : `link:${b}|${a}`;
}

/**
 * Screen positions from the server's layout units: scaled so nodes sit about `SPACING` apart,
 * with `anchor` (a node of `chart`) put at `at`.
 */
function placer(chart, at, anchor) {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const node of chart.nodes) {
    minX = Math.min(minX, node.x);
    maxX = Math.max(maxX, node.x);
    minY = Math.min(minY, node.y);
    maxY = Math.max(maxY, node.y);
  }
  const extent = Math.max(maxX - minX, maxY - minY, 1);
  const scale = (SPACING * Math.sqrt(chart.nodes.length)) / extent;
  const origin = anchor ?? { x: (minX + maxX) / 2, y: (minY + maxY) / 2 };
  return (node) => ({ x: at.x + (node.x - origin.x) * scale, y: at.y + (node.y - origin.y) * scale });
}

/** What a node is called on screen: a photo by the start of its hash. */
function displayName(kind, name) {
  return kind === "photo" ? `Photo ${name.slice(0, 12)}…` : name;
}

function swatch(kind) {
  const mark = h("span", { class: "swatch round", "aria-hidden": "true" });
  mark.style.setProperty("--entity", KIND_COLOURS[kind] ?? OTHER_COLOUR);
  return mark;
}

/** The records the API lists as evidence, as links; those it counts but does not list, counted. */
function evidence(records, total, lead) {
  if (!records.length) return h("p", { class: "muted" }, "No record you may see.");
  const shown = records.slice(0, RECORDS_SHOWN);
  const unlisted = Math.max(0, total - shown.length);
  return h(
    "div",
    { class: "evidence" },
    h("p", {}, `${lead} ${count(total)} ${total === 1 ? "record" : "records"}:`),
    h("ul", { class: "evidence-list" }, shown.map((id) => h("li", {}, h("a", { href: `/records/${encodeURIComponent(id)}` }, `Record ${id}`)))),
    unlisted ? h("p", { class: "muted" }, `and ${count(unlisted)} more not listed here.`) : null,
  );
}

function chartStyle() {
  return [
    {
      selector: "node",
      style: {
        "background-color": "data(colour)",
        width: "data(size)",
        height: "data(size)",
        label: "data(label)",
        "font-family": "system-ui, -apple-system, Segoe UI, Roboto, DejaVu Sans, sans-serif",
        "font-size": 11,
        color: "#1b1f24",
        "text-valign": "bottom",
        "text-margin-y": 3,
        "text-wrap": "ellipsis",
        "text-max-width": "140px",
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.75,
        "text-background-padding": "1px",
        "border-width": 1,
        "border-color": "#4f5964",
      },
    },
    { selector: "node.start", style: { "border-width": 4, "border-color": "#1d3557", "z-index": 5 } },
    { selector: "node.pinned", style: { "border-style": "double", "border-width": 5, "border-color": "#1b1f24" } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#f4a300", "overlay-opacity": 0 } },
    {
      selector: "edge",
      style: {
        width: "data(width)",
        "line-color": "data(colour)",
        "curve-style": "straight",
        opacity: 0.75,
      },
    },
    { selector: "edge:selected", style: { "line-color": "#f4a300", opacity: 1, "z-index": 9 } },
    { selector: ".on-path", style: { "z-index": 10 } },
    { selector: "edge.on-path", style: { "line-color": "#c1121f", width: 5, opacity: 1 } },
    { selector: "node.on-path", style: { "border-color": "#c1121f", "border-width": 4 } },
    { selector: ".faded", style: { opacity: 0.15 } },
    { selector: ".hidden", style: { display: "none" } },
  ];
}

// Search: the query language, highlighted hits, facets that narrow the query, paging by cursor,
// and saving the query as a subscription. The query lives in the address, so back, forward and
// shared links all show the same search.

import { ApiError, get, post } from "../api.js";
import { count, failure, field, h, replace, time } from "../dom.js";

const SORTS = [
  ["relevance", "Best match"],
  ["newest", "Newest first"],
  ["oldest", "Oldest first"],
];

/** The facet groups the API counts, the filter each narrows by, and how to name them. */
const FACETS = [
  ["kind", "Kind", "kind"],
  ["state", "Workflow state", "state"],
  ["source", "Source", "source"],
  ["entity_types", "Holds an entity of type", "has"],
];

/** The query language, as `humdex_search::parse` reads it; examples are links that run them. */
const SYNTAX = [
  ["massage parlor", "records with both words (words next to each other must all match)"],
  ['"massage parlor"', "the exact phrase"],
  ["spa OR salon", "either word; AND, OR and NOT are operators only in capitals"],
  ["visa NOT tourist", "the first without the second; -tourist works too"],
  ['("massage parlor" OR spa) kind:report', "parentheses group; NOT binds tightest, then AND, then OR"],
  ["recruit*", "words starting with “recruit” (at least 2 letters)"],
  ["title:hotel", "the word in titles only"],
  ["kind:request state:analysis source:hotline", "kind, workflow state, intake channel"],
  ["phone:+15555550123", "an entity by type and value (person:, email:, … any entity type)"],
  ['entity:"Maria Lopez"', "an entity of any type with that value"],
  ["has:crypto", "records holding an entity of that type"],
  ["after:2026-01-01 before:2026-07-01", "received after / before / on:a day (UTC)"],
  ["near:29.76,-95.37,50km", "a place in the record within the distance (m, km, mi)"],
  ["bbox:29,-96,30,-95", "a place in the box south, west, north, east"],
];

export async function render(main, app) {
  const text = app.query.get("q") ?? "";
  const sort = SORTS.some(([value]) => value === app.query.get("sort")) ? app.query.get("sort") : "relevance";

  const input = h("input", {
    type: "search",
    name: "q",
    value: text,
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "e.g. \"massage parlor\" kind:report",
  });
  const sortSelect = h(
    "select",
    { name: "sort" },
    SORTS.map(([value, label]) => h("option", { value, selected: value === sort }, label)),
  );
  const fault = h("div", { class: "query-fault", hidden: true });
  const form = h(
    "form",
    { class: "search-form", role: "search", "aria-label": "Search records" },
    h(
      "div",
      { class: "search-row" },
      field("Search records", input, "Words, \"phrases\", AND/OR/NOT, (…), prefix*, filters."),
      field("Order", sortSelect),
      h("button", { type: "submit" }, "Search"),
    ),
    fault,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    go(input.value, sortSelect.value);
  });
  // A new order re-runs the query shown, once there is one.
  sortSelect.addEventListener("change", () => {
    if (text.trim()) go(text, sortSelect.value);
  });

  function go(query, order) {
    const address = new URLSearchParams();
    address.set("q", query);
    if (order !== "relevance") address.set("sort", order);
    app.navigate(`/search?${address}`);
  }

  const results = h("div", { class: "search-results" });
  const aside = h("aside", { class: "search-aside" });
  main.append(
    h("h1", {}, "Search"),
    h("div", { class: "panel" }, form, syntaxHelp()),
    h("div", { class: "columns" }, results, aside),
  );

  if (!text.trim()) {
    results.append(h("p", { class: "muted" }, "Type a query above. Open “Query syntax” for what it can say."));
    input.focus();
    return;
  }

  replace(results, h("progress", { "aria-label": "Searching" }));
  let answer;
  try {
    answer = await get("/search", { q: text, sort: sort === "relevance" ? undefined : sort });
  } catch (error) {
    replace(results);
    if (error instanceof ApiError && error.position !== null) showFault(text, error, input, fault);
    else results.append(failure(error));
    return;
  }

  const list = h("ol", { class: "hits" });
  const more = h("div", { class: "actions more" });
  const shown = h("p", { class: "muted shown", "aria-live": "polite" });
  replace(
    results,
    h(
      "p",
      { class: "total" },
      h("strong", {}, count(answer.total)),
      answer.total === 1 ? " record matches" : " records match",
    ),
    list,
    shown,
    more,
  );
  let loaded = 0;

  function addPage(page) {
    list.append(...page.hits.map(hitItem));
    loaded += page.hits.length;
    replace(shown, answer.total ? `Showing ${count(loaded)} of ${count(answer.total)}.` : "");
    replace(more);
    if (!page.next_cursor) return;
    const button = h("button", { type: "button", class: "secondary" }, "More results");
    button.addEventListener("click", async () => {
      button.disabled = true;
      replace(button, "Loading…");
      try {
        addPage(await get("/search", { q: text, sort: sort === "relevance" ? undefined : sort, cursor: page.next_cursor }));
        // The first of the new hits, so keyboard users carry on where they were.
        list.children[loaded - page.hits.length]?.querySelector("a")?.focus();
      } catch (error) {
        button.disabled = false;
        replace(button, "More results");
        more.append(failure(error));
      }
    });
    more.append(button);
  }
  addPage(answer);
  if (!answer.total) {
    list.replaceWith(h("p", { class: "muted" }, "Nothing you may see matches. Try fewer words, OR, or a prefix*."));
  }

  aside.append(facets(answer.facets, text, (query) => go(query, sort)), saveForm(text, app));
}

/** The syntax help, with each example a link that runs it. */
function syntaxHelp() {
  return h(
    "details",
    { class: "syntax-help" },
    h("summary", {}, "Query syntax"),
    h(
      "dl",
      {},
      SYNTAX.map(([example, meaning]) => [
        h("dt", {}, h("a", { href: `/search?${new URLSearchParams({ q: example })}` }, h("code", {}, example))),
        h("dd", {}, meaning),
      ]),
    ),
  );
}

/** Says what is wrong with the query and marks where, in the text shown and in the box. */
function showFault(text, error, input, fault) {
  // The server counts characters (code points); the box counts UTF-16 units.
  const chars = Array.from(text);
  const start = Math.min(error.position, chars.length);
  const end = Math.min(start + Math.max(error.length ?? 0, 0), chars.length);
  const before = chars.slice(0, start).join("");
  const bad = chars.slice(start, end).join("");
  const after = chars.slice(end).join("");
  fault.hidden = false;
  replace(
    fault,
    h("p", { class: "error", role: "alert", id: "query-error" }, `This query cannot be read: ${error.message}`),
    h(
      "p",
      { class: "query-text" },
      h("span", { class: "visually-hidden" }, "The fault is marked: "),
      h("code", {}, before, h("mark", { class: "fault" }, bad || " "), after),
    ),
  );
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby") ?? ""} query-error`.trim());
  input.focus();
  input.setSelectionRange(before.length, before.length + bad.length);
}

/** One hit: its title as a link, what it is, and the passages that show why it matched. */
function hitItem(hit) {
  return h(
    "li",
    { class: "hit" },
    h("h3", {}, h("a", { href: `/records/${encodeURIComponent(hit.id)}` }, hit.title)),
    h(
      "p",
      { class: "hit-meta" },
      h("span", { class: "chip" }, hit.kind),
      h("span", { class: `chip state-${hit.state}` }, hit.state),
      h("span", {}, "received ", time(hit.received)),
      hit.withheld_fields
        ? h("span", { class: "withheld" }, `${hit.withheld_fields} ${hit.withheld_fields === 1 ? "field" : "fields"} withheld`)
        : null,
    ),
    hit.snippets.map((snippet) =>
      h(
        "p",
        { class: "snippet" },
        h("span", { class: "part" }, partName(snippet.part)),
        h("span", {}, highlighted(snippet.html)),
      ),
    ),
  );
}

/** `title`, `narrative`, `fields.ad_url` as a reader would name them. */
function partName(part) {
  if (part.startsWith("fields.")) return part.slice(7).replaceAll("_", " ");
  return part;
}

const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#x27;": "'", "&#39;": "'" };

/**
 * A snippet's passage as nodes. The API sends it as escaped HTML with the matched words in
 * `<b>`; it is split on those tags and unescaped into text, so nothing in it is ever parsed as
 * HTML by the page.
 */
function highlighted(html) {
  const nodes = [];
  let inside = false;
  for (const piece of html.split(/(<b>|<\/b>)/)) {
    if (piece === "<b>") inside = true;
    else if (piece === "</b>") inside = false;
    else if (piece) {
      const text = piece.replace(/&(?:amp|lt|gt|quot|#x27|#39);/g, (entity) => ENTITIES[entity]);
      nodes.push(inside ? h("mark", { class: "hit-term" }, text) : text);
    }
  }
  return nodes;
}

/** Whether `query` already holds the filter `token` as a whole word. */
function holds(query, token) {
  return query.split(/\s+/).includes(token);
}

/** A facet value as the query language writes it: quoted when it is not one plain word. */
function filterToken(filter, value) {
  return /^[\p{L}\p{N}_+.-]+$/u.test(value) ? `${filter}:${value}` : `${filter}:"${value.replaceAll("\"", "\\\"")}"`;
}

/** The facets: each value narrows the query by its filter, or widens it again when applied. */
function facets(counts, query, run) {
  const groups = FACETS.filter(([key]) => Object.keys(counts?.[key] ?? {}).length).map(([key, title, filter]) =>
    h(
      "div",
      { class: "facet-group" },
      h("h3", {}, title),
      h(
        "ul",
        {},
        Object.entries(counts[key])
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .map(([value, number]) => {
            const token = filterToken(filter, value);
            const applied = holds(query, token);
            const next = applied
              ? query.split(/\s+/).filter((word) => word !== token).join(" ")
              : `${query.trim()} ${token}`;
            return h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: "facet",
                  "aria-pressed": String(applied),
                  title: applied ? `Remove ${token} from the query` : `Add ${token} to the query`,
                  onclick: () => run(next),
                },
                h("span", { class: "facet-value" }, applied ? `✓ ${value}` : value),
                h("span", { class: "facet-count" }, count(number)),
              ),
            );
          }),
      ),
    ),
  );
  return h(
    "section",
    { class: "panel facets", "aria-labelledby": "facets-title" },
    h("h2", { id: "facets-title" }, "Narrow by"),
    groups.length ? groups : h("p", { class: "muted" }, "Nothing to narrow by."),
  );
}

/** Saving the query as a subscription; answers with what already matches. */
function saveForm(query, app) {
  const name = h("input", { name: "name", value: query.slice(0, 200), required: true, maxlength: 200 });
  const channel = h(
    "select",
    { name: "channel" },
    h("option", { value: "ui" }, "In Humdex (notifications)"),
    h("option", { value: "webhook" }, "In Humdex and by webhook"),
  );
  const url = h("input", { name: "webhook_url", type: "url", placeholder: "https://…" });
  const urlField = field("Webhook URL", url, "Posts are signed; the key is shown once, after saving.");
  urlField.hidden = true;
  channel.addEventListener("change", () => {
    urlField.hidden = channel.value !== "webhook";
    url.required = channel.value === "webhook";
  });
  const outcome = h("div", { class: "saved", "aria-live": "polite" });
  const button = h("button", { type: "submit" }, "Save as subscription");
  const form = h(
    "form",
    { class: "save-subscription" },
    field("Subscription name", name),
    field("Tell me", channel),
    urlField,
    h("div", { class: "actions" }, button),
    outcome,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    replace(outcome, h("progress", { "aria-label": "Saving" }));
    try {
      const created = await post("/subscriptions", {
        name: name.value,
        query,
        channel: channel.value,
        webhook_url: channel.value === "webhook" ? url.value : undefined,
      });
      replace(outcome, savedSummary(created));
      app.notify(`Subscription “${created.subscription.name}” saved.`, "ok");
    } catch (error) {
      replace(outcome, failure(error));
    } finally {
      button.disabled = false;
    }
  });
  return h(
    "section",
    { class: "panel", "aria-labelledby": "save-title" },
    h("h2", { id: "save-title" }, "Be told of new matches"),
    h("p", { class: "muted" }, "Saves this query: every new or changed record that matches it is a notification."),
    form,
  );
}

/** How many of the records that already match a new subscription it lists. */
const EXISTING = 5;

function savedSummary(created) {
  const { existing } = created;
  return [
    h(
      "p",
      { class: "ok", role: "status" },
      `Saved “${created.subscription.name}”. `,
      existing.total
        ? `${count(existing.total)} ${existing.total === 1 ? "record already matches" : "records already match"}, newest first:`
        : "Nothing matches yet.",
    ),
    existing.hits.length
      ? h(
          "ul",
          { class: "existing" },
          existing.hits.slice(0, EXISTING).map((hit) =>
            h("li", {}, h("a", { href: `/records/${encodeURIComponent(hit.id)}` }, hit.title), " ", h("span", { class: "muted" }, time(hit.received))),
          ),
        )
      : null,
    existing.total > EXISTING ? h("p", { class: "muted" }, `…and ${count(existing.total - EXISTING)} more, in the results here.`) : null,
    created.webhook_secret
      ? h(
          "div",
          { class: "secret" },
          h("p", {}, "The key that signs its webhook posts. Copy it now: it is not shown again."),
          h("code", {}, created.webhook_secret),
        )
      : null,
    h("p", {}, h("a", { href: "/notifications" }, "Manage subscriptions and see notifications")),
  ];
}

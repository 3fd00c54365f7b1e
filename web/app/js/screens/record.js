// One record: what it says (entities colour-coded, indicators underlined), its fields (withheld
// ones marked, never guessed), files with their photo matches and alerts, where it stands in the
// workflow and the actions that move it, its releases, and its history.

import { ApiError, api, get, patch, post } from "../api.js";
import { count, failure, field, h, isWithheld, labelChip, replace, section, time, withheld } from "../dom.js";
import { bytes, fileDrop, humanize, pendingFile } from "../records-shared.js";

/** Where a record may go from each state, as the API's workflow says; asked once per page. */
let workflow = null;
function nextStates() {
  workflow ??= get("/workflow")
    .then((steps) => Object.fromEntries(steps.map((step) => [step.state, step.next])))
    .catch((error) => {
      workflow = null;
      throw error;
    });
  return workflow;
}

const HANDLING = [
  ["TLP:RED", "TLP:RED — named recipients only"],
  ["TLP:AMBER+STRICT", "TLP:AMBER+STRICT — their organisation only"],
  ["TLP:AMBER", "TLP:AMBER — their organisation and its clients"],
  ["TLP:GREEN", "TLP:GREEN — their community"],
  ["TLP:CLEAR", "TLP:CLEAR — no limit"],
];

const CHANNELS = {
  form: "Web form",
  api: "API",
  email: "Email",
  phone: "Phone call",
  hotline: "Hotline",
  partner: "Partner agency",
  mobile: "Mobile device",
  import: "Import",
};

/** How long to wait for text analysis before saying it is late, and between looks. */
const ANALYSIS_PATIENCE_MS = 120_000;

export async function render(main, app) {
  const id = app.params.id;
  const path = `/records/${encodeURIComponent(id)}`;
  const worker = app.user.role !== "partner";
  let timer = null;
  let gone = false;
  // Each drawing of the page; a look at the analysis started for an earlier one stops.
  let drawn = 0;
  let pools = [];

  if (worker) {
    try {
      pools = await get("/pools");
    } catch {
      // Only suggestions and the claim button depend on it; the record still shows.
    }
  }

  /** Fetches the record and draws the whole page. */
  async function show() {
    clearTimeout(timer);
    let record;
    let next;
    try {
      [record, next] = await Promise.all([get(path), nextStates()]);
    } catch (error) {
      replace(main, h("h1", {}, "Record"), failure(error), h("p", {}, h("a", { href: "/search" }, "Search records")));
      return;
    }
    if (gone) return;
    if (record.pointer) {
      replace(main, pointerPage(record));
      return;
    }
    draw(record, next[record.state] ?? []);
  }

  function draw(record, next) {
    drawn += 1;
    const versions = get(`${path}/versions`);
    const narrative = h("div", { class: "narrative" }, record.narrative || h("span", { class: "muted" }, "No narrative."));
    const legend = h("ul", { class: "legend", "aria-label": "Entity types in this record" });
    const analysisNote = h("div", { class: "analysis-note", role: "status" });
    const indicators = h("div", { class: "indicators" }, h("p", { class: "muted" }, "Waiting for text analysis…"));
    const fieldsList = fieldFacts(record);
    const textParts = { narrative: { element: narrative, text: record.narrative } };
    for (const [name, value] of Object.entries(record.fields)) {
      if (isWithheld(value)) continue;
      if (value.type === "text") textParts[`fields.${name}`] = { element: fieldsList.values[name], text: value.value };
      if (value.type === "list") {
        value.value.forEach((item, index) => {
          if (typeof item === "string") {
            textParts[`fields.${name}.${index}`] = { element: fieldsList.items[`${name}.${index}`], text: item };
          }
        });
      }
    }

    const header = h(
      "header",
      { class: "record-head" },
      h("p", { class: "record-kind" }, record.kind === "request" ? "Request for information" : "Report"),
      h("h1", {}, record.title),
      h(
        "p",
        { class: "record-meta" },
        h("span", { class: `state-chip state-${record.state}` }, "State: ", h("strong", { class: "record-state" }, record.state)),
        h("span", {}, "Assigned to: ", h("strong", { class: "record-assignee" }, record.assignee ?? "nobody")),
        h("span", {}, "Version ", h("strong", { class: "record-version" }, String(record.version))),
        h("span", { class: "record-labels" }, record.label ? ["Label:", labelChip(record.label)] : "No record label"),
      ),
      h(
        "nav",
        { class: "record-links actions", "aria-label": "This record elsewhere" },
        h("a", { class: "button-link", href: `/chart?record=${encodeURIComponent(record.id)}` }, "Open in link chart"),
        h("a", { class: "button-link", href: `/map?record=${encodeURIComponent(record.id)}` }, "Show on map"),
        worker ? editButton(record) : null,
      ),
    );

    replace(
      main,
      header,
      h(
        "div",
        { class: "columns record-columns" },
        h(
          "div",
          {},
          section(record.kind === "request" ? "Background" : "Narrative", analysisNote, narrative, legend),
          section("Details", fieldsList.element),
          attachmentsPanel(record),
          historyPanel(versions),
        ),
        h(
          "div",
          {},
          workflowPanel(record, next),
          section("Trafficking indicators", indicators),
          section("About", aboutFacts(record)),
          worker ? disseminationPanel(record) : null,
        ),
      ),
    );
    followAnalysis(record, textParts, { legend, note: analysisNote, indicators }, versions);
  }

  /** Looks at the analysis until it covers the text as it is now, then marks it. */
  function followAnalysis(record, textParts, shown, versions) {
    const mine = drawn;
    const started = Date.now();
    let wait = 1000;
    const progress = h("progress", { "aria-label": "Text analysis" });
    async function look() {
      let entities;
      let highlight;
      let textVersion;
      try {
        [entities, highlight, textVersion] = await Promise.all([
          get(`${path}/entities`),
          get(`${path}/highlight`),
          versions.then(textChangedAt, () => 0),
        ]);
      } catch (error) {
        if (gone || mine !== drawn) return;
        // A busy node may fail one look; keep looking, saying why meanwhile.
        replace(shown.note, failure(error));
        if (Date.now() - started < ANALYSIS_PATIENCE_MS) timer = setTimeout(look, wait);
        return;
      }
      if (gone || mine !== drawn) return;
      const pending = new Set(highlight.parts.filter((part) => part.pending).map((part) => String(part.part)));
      // Analysed since the text last changed: workflow moves and attachments leave the
      // analysis's version behind the record's without making it stale.
      const ready = (highlight.version ?? 0) >= textVersion && pending.size === 0;
      if (!ready) {
        if (Date.now() - started > ANALYSIS_PATIENCE_MS) {
          replace(
            shown.note,
            h(
              "p",
              { class: "muted" },
              "Text analysis has not finished yet. ",
              h("button", { type: "button", class: "secondary", onclick: () => followAnalysis(record, textParts, shown, versions) }, "Check again"),
            ),
          );
          return;
        }
        replace(shown.note, h("p", { class: "muted" }, "Finding people, places, phone numbers and indicators…"), progress);
        timer = setTimeout(look, wait);
        wait = Math.min(wait * 1.5, 5000);
        return;
      }
      replace(shown.note);
      const colours = Object.fromEntries(highlight.legend.map((entry) => [entry.type, entry.colour]));
      for (const [part, { element, text }] of Object.entries(textParts)) {
        if (!element || !text) continue;
        replace(element, marked(text, part, entities, colours));
      }
      replace(
        shown.legend,
        highlight.legend.map((entry) => {
          const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
          swatch.style.setProperty("--entity", entry.colour);
          return h(
            "li",
            { dataset: { type: entry.type } },
            swatch,
            entry.type === "indicator" ? "trafficking indicator" : humanize(entry.type),
            h("span", { class: "muted" }, ` (${count(entry.count)})`),
          );
        }),
      );
      if (!highlight.legend.length) replace(shown.legend, h("li", { class: "muted" }, "No entities found."));
      replace(shown.indicators, indicatorSummary(entities.indicators));
    }
    look();
  }

  /** An "Edit" button and its dialog for what the record says; fields stay as they are. */
  function editButton(record) {
    const title = h("input", { name: "title", required: true, maxlength: 500, value: record.title });
    const narrative = h("textarea", { name: "narrative", rows: 10 }, record.narrative);
    const priority = h(
      "select",
      { name: "priority" },
      [1, 2, 3, 4, 5].map((value) => h("option", { value, selected: value === record.priority }, `${value}${value === 1 ? " — most urgent" : ""}`)),
    );
    const due = h("input", { name: "due", type: "date", value: record.due ?? "" });
    const message = h("div", { role: "alert" });
    const save = h("button", { type: "submit" }, "Save");
    const dialog = h("dialog", { class: "edit-dialog", "aria-labelledby": "edit-title" });
    const form = h(
      "form",
      { method: "dialog" },
      h("h2", { id: "edit-title" }, "Edit the record"),
      field(["Title ", h("abbr", { class: "required", title: "required" }, "*")], title),
      field("Narrative", narrative),
      h("div", { class: "pair" }, field("Priority", priority), field("Due", due)),
      message,
      h("div", { class: "actions" }, save, h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Cancel")),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      // Only what changed, so an edit does not rewrite what it did not touch.
      const change = {};
      if (title.value !== record.title) change.title = title.value;
      if (narrative.value !== record.narrative) change.narrative = narrative.value;
      if (Number(priority.value) !== record.priority) change.priority = Number(priority.value);
      if ((due.value || null) !== (record.due ?? null)) change.due = due.value || null;
      if (!Object.keys(change).length) {
        dialog.close();
        return;
      }
      save.disabled = true;
      replace(message);
      try {
        await patch(path, change, { "if-match": `"${record.version}"` });
        dialog.close();
        app.notify("Saved.", "ok");
        await show();
      } catch (error) {
        const about = error.field ? `${humanize(error.field)}: ` : "";
        replace(message, h("p", { class: "error" }, about, error.message));
        save.disabled = false;
      }
    });
    dialog.append(form);
    return [dialog, h("button", { type: "button", class: "secondary", onclick: () => dialog.showModal() }, "Edit…")];
  }

  function workflowPanel(record, next) {
    const message = h("div", { class: "workflow-message", role: "alert" });
    const fail = (error) => {
      replace(
        message,
        h("p", { class: "error" }, error.message),
        error instanceof ApiError && error.status === 409
          ? h("button", { type: "button", class: "secondary", onclick: show }, "Reload the record")
          : null,
      );
    };
    const act = async (button, call, done) => {
      button.disabled = true;
      replace(message);
      try {
        await call();
        app.notify(done, "ok");
        await show();
      } catch (error) {
        fail(error);
        button.disabled = false;
      }
    };
    const move = (body) => api("POST", `${path}/transition`, { json: body, headers: { "if-match": `"${record.version}"` } });

    const facts = h(
      "dl",
      { class: "facts" },
      h("dt", {}, "State"),
      h("dd", {}, record.state),
      h("dt", {}, "Assigned to"),
      h("dd", {}, record.assignee ?? "nobody"),
      h("dt", {}, "Priority"),
      h("dd", {}, `${record.priority} of 5 (1 is most urgent)`),
      record.due ? [h("dt", {}, "Due"), h("dd", {}, record.due)] : null,
    );
    if (!worker) return section("Workflow", facts);

    const pool = record.assignee?.startsWith("pool:") ? record.assignee.slice(5) : null;
    const member = pool && (pools.length === 0 || pools.some((one) => one.name === pool && one.members.includes(app.user.username)));
    const claim = member
      ? h("button", { type: "button", onclick: (event) => act(event.currentTarget, () => post(`${path}/claim`), `You took the record from ${record.assignee}.`) }, "Claim")
      : null;

    const to = h("select", { name: "to" }, next.map((state) => h("option", { value: state }, state)));
    const moveButton = h("button", { type: "submit" }, "Move");
    const moveForm = h(
      "form",
      { class: "inline-form", onsubmit: (event) => {
        event.preventDefault();
        act(moveButton, () => move({ to: to.value }), `Moved to ${to.value}.`);
      } },
      field("Move to", to),
      moveButton,
    );

    const who = h("input", { name: "assignee", list: "record-assignees", placeholder: "user:NAME or pool:NAME", autocomplete: "off", required: true });
    const names = new Set();
    for (const one of pools) {
      names.add(`pool:${one.name}`);
      for (const name of one.members) names.add(`user:${name}`);
    }
    const assignButton = h("button", { type: "submit" }, "Assign");
    const assignForm = h(
      "form",
      { class: "inline-form", onsubmit: (event) => {
        event.preventDefault();
        const assignee = who.value.trim();
        act(assignButton, () => move({ assignee }), `Assigned to ${assignee}.`);
      } },
      field("Assign to", who),
      h("datalist", { id: "record-assignees" }, [...names].sort().map((name) => h("option", { value: name }))),
      assignButton,
    );
    const unassign = record.assignee
      ? h("button", { type: "button", class: "secondary", onclick: (event) => act(event.currentTarget, () => move({ assignee: null }), "Unassigned.") }, "Unassign")
      : null;

    return section(
      "Workflow",
      facts,
      h("div", { class: "actions workflow-actions" }, claim, unassign),
      moveForm,
      assignForm,
      message,
    );
  }

  function attachmentsPanel(record) {
    const shown = record.attachments.filter((one) => !isWithheld(one));
    const hidden = record.attachments.length - shown.length;
    const list = h(
      "ul",
      { class: "attachment-list" },
      shown.map((attachment) => attachmentItem(record, attachment)),
    );
    get(`${path}/image-alerts`)
      .then((found) => {
        for (const alert of found) {
          const slot = list.querySelector(`[data-sha256="${CSS.escape(alert.attachment)}"] .image-alerts`);
          if (!slot) continue;
          slot.append(
            h(
              "p",
              { class: "image-alert" },
              h("strong", {}, "Alert: "),
              `this photo is ${alert.distance} bits from an image on the list “${alert.list}” (found `,
              time(alert.raised),
              ").",
            ),
          );
        }
      })
      .catch((error) => list.before(failure(error)));

    const uploads = h("ul", { class: "pending-files" });
    const drop = fileDrop(async (files) => {
      const entries = files.map((file) => pendingFile(file, app.user));
      uploads.append(...entries.map((entry) => entry.row));
      let all = true;
      for (const entry of entries) all = (await entry.upload(record.id, app.user.csrf_token)) && all;
      if (all && !gone) {
        app.notify(`Attached ${entries.length} file${entries.length === 1 ? "" : "s"}.`, "ok");
        await show();
      }
    }, { label: "Attach files" });
    return section(
      "Attachments",
      shown.length ? list : h("p", { class: "muted" }, "No attachments."),
      hidden ? h("p", {}, withheld(), ` ${hidden} attachment${hidden === 1 ? " is" : "s are"} above your clearance.`) : null,
      h("details", { class: "attach-more" }, h("summary", {}, "Attach more files"), drop, uploads),
    );
  }

  function attachmentItem(record, attachment) {
    const url = `/api/v1${path}/attachments/${encodeURIComponent(attachment.sha256)}`;
    const image = attachment.media_type.startsWith("image/");
    const matches = h("div", { class: "image-matches" });
    if (image) loadMatches(record, attachment, matches);
    return h(
      "li",
      { class: "attachment", dataset: { sha256: attachment.sha256 } },
      image
        ? h("a", { href: url, download: attachment.filename, class: "preview" }, h("img", { src: url, alt: `Preview of ${attachment.filename}`, loading: "lazy" }))
        : h("span", { class: "preview file-icon", "aria-hidden": "true" }, (attachment.filename.split(".").pop() || "file").slice(0, 4).toUpperCase()),
      h(
        "div",
        { class: "attachment-info" },
        h("p", { class: "attachment-name" }, h("a", { href: url, download: attachment.filename }, `Download ${attachment.filename}`), labelChip(attachment.label)),
        h("p", { class: "muted" }, `${attachment.media_type}, ${bytes(attachment.size)}`),
        h("div", { class: "image-alerts" }),
        matches,
      ),
    );
  }

  async function loadMatches(record, attachment, into) {
    replace(into, h("p", { class: "muted" }, "Looking for other copies of this photo…"));
    try {
      const found = await get(`/attachments/${encodeURIComponent(attachment.sha256)}/matches`);
      const others = found.matches.filter((match) => match.record !== record.id);
      if (!found.matchable) {
        replace(into, h("p", { class: "muted" }, "Too little detail in this photo to match it with others."));
      } else if (!others.length) {
        replace(into, h("p", { class: "muted" }, "No other record you may see holds this photo."));
      } else {
        replace(
          into,
          h("p", {}, `The same photo is in ${others.length} other record${others.length === 1 ? "" : "s"}:`),
          h(
            "ul",
            { class: "match-list" },
            others.map((match) =>
              h(
                "li",
                {},
                h("a", { href: `/records/${encodeURIComponent(match.record)}` }, match.title),
                h("span", { class: "muted" }, ` — ${match.filename}, ${match.distance} bits apart${match.transform === "original" ? "" : `, ${match.transform.replace("_", " ")}`}`),
              ),
            ),
          ),
        );
      }
    } catch (error) {
      replace(
        into,
        h("p", { class: "muted" }, error.message, " "),
        h("button", { type: "button", class: "secondary", onclick: () => loadMatches(record, attachment, into) }, "Check again"),
      );
    }
  }

  function disseminationPanel(record) {
    const list = h("div", {}, h("p", { class: "muted" }, "Loading releases…"));
    const load = () =>
      get(`${path}/disseminations`)
        .then((released) => {
          if (!released.length) {
            replace(list, h("p", { class: "muted" }, "Not released to anyone yet."));
            return;
          }
          replace(
            list,
            h(
              "ul",
              { class: "release-list" },
              released
                .slice()
                .reverse()
                .map((one) =>
                  h(
                    "li",
                    {},
                    h("strong", {}, one.recipient),
                    " ",
                    h("span", { class: "tlp" }, one.handling_code),
                    h("br"),
                    one.purpose,
                    h("br"),
                    h("span", { class: "muted" }, `Version ${one.version}, by ${one.by}, `, time(one.at)),
                  ),
                ),
            ),
          );
        })
        .catch((error) => replace(list, failure(error)));
    load();
    const dialog = disseminationDialog(record, load);
    return section(
      "Releases",
      list,
      dialog,
      h("button", { type: "button", class: "secondary", onclick: () => dialog.showModal() }, "Disseminate…"),
    );
  }

  function disseminationDialog(record, reload) {
    const choices = [];
    for (const one of pools) {
      choices.push(`pool:${one.name}`);
      for (const name of one.members) if (!choices.includes(`user:${name}`)) choices.push(`user:${name}`);
    }
    const boxes = choices.sort().map((value) => {
      const box = h("input", { type: "checkbox", name: "to", value, id: `release-${value.replace(":", "-")}` });
      return h("div", { class: "check" }, box, h("label", { for: box.id }, value));
    });
    const others = h("input", { name: "others", autocomplete: "off", placeholder: "user:NAME, pool:NAME" });
    const purpose = h("textarea", { name: "purpose", rows: 3, required: true });
    const handling = h("select", { name: "handling_code" }, HANDLING.map(([value, text]) => h("option", { value, selected: value === "TLP:AMBER" }, text)));
    const message = h("div", { role: "alert" });
    const send = h("button", { type: "submit" }, "Disseminate");
    const dialog = h("dialog", { class: "release-dialog", "aria-labelledby": "release-title" });
    const form = h(
      "form",
      { method: "dialog" },
      h("h2", { id: "release-title" }, "Disseminate this record"),
      h("p", { class: "muted" }, `Releases version ${record.version}. Each recipient must be able to read the record, and sees only the fields their clearance allows.`),
      h("fieldset", { class: "recipients" }, h("legend", {}, "Recipients ", h("abbr", { class: "required", title: "required" }, "*")), boxes, field("Others", others, "Comma-separated, as user:NAME or pool:NAME.")),
      field(["Purpose ", h("abbr", { class: "required", title: "required" }, "*")], purpose, "Why they receive it."),
      field("Handling code", handling, "How far they may share it (Traffic Light Protocol)."),
      message,
      h("div", { class: "actions" }, send, h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Cancel")),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const to = [
        ...boxes.map((box) => box.querySelector("input")).filter((box) => box.checked).map((box) => box.value),
        ...others.value.split(",").map((name) => name.trim()).filter(Boolean),
      ];
      send.disabled = true;
      replace(message);
      try {
        const released = await api("POST", `${path}/disseminate`, {
          json: { to, purpose: purpose.value, handling_code: handling.value },
        });
        dialog.close();
        form.reset();
        app.notify(`Released to ${released.map((one) => one.recipient).join(", ")}.`, "ok");
        reload();
      } catch (error) {
        const about = error.field ? `${humanize(error.field === "to" ? "recipients" : error.field)}: ` : "";
        replace(message, h("p", { class: "error" }, about, error.message));
      } finally {
        send.disabled = false;
      }
    });
    dialog.append(form);
    return dialog;
  }

  function historyPanel(versions) {
    const list = h("ol", { class: "history", reversed: true }, h("li", { class: "muted" }, "Loading the history…"));
    versions
      .then((versions) => {
        replace(
          list,
          versions
            .map((version, index) =>
              h(
                "li",
                {},
                h("strong", {}, `Version ${version.version}`),
                " — ",
                time(index === 0 ? version.received : version.updated),
                h("ul", {}, changes(versions[index - 1], version).map((change) => h("li", {}, change))),
              ),
            )
            .reverse(),
        );
      })
      .catch((error) => replace(list, h("li", {}, failure(error))));
    return section("History", list);
  }

  const cleanup = () => {
    gone = true;
    clearTimeout(timer);
  };
  await show();
  return cleanup;
}

/** The page for a record above the reader's clearance that says whom to ask. */
function pointerPage(record) {
  return h(
    "section",
    { class: "panel" },
    h("h1", {}, record.kind === "request" ? "Request for information" : "Report"),
    h("p", {}, "This record exists, but it is above your clearance."),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Ask"),
      h("dd", {}, record.point_of_contact),
      h("dt", {}, "Held by"),
      h("dd", {}, record.origin),
      h("dt", {}, "Record id"),
      h("dd", {}, record.id),
    ),
  );
}

/** The structured fields as facts, with a handle on each text value for marking entities. */
function fieldFacts(record) {
  const values = {};
  const items = {};
  const names = Object.keys(record.fields).sort();
  if (!names.length) return { element: h("p", { class: "muted" }, "No structured fields."), values, items };
  const element = h(
    "dl",
    { class: "facts record-fields" },
    names.map((name) => {
      const value = record.fields[name];
      const shown = isWithheld(value) ? withheld() : fieldValue(name, value, values, items);
      return [
        h("dt", { dataset: { field: name } }, humanize(name), isWithheld(value) ? null : labelChip(value.label)),
        h("dd", { dataset: { field: name } }, shown),
      ];
    }),
  );
  return { element, values, items };
}

function fieldValue(name, field, values, items) {
  const { value, type } = field;
  if (type === "location") {
    return h(
      "span",
      {},
      value.place ? `${value.place} ` : null,
      h("span", { class: "muted" }, `(${Number(value.lat).toFixed(4)}, ${Number(value.lon).toFixed(4)})`),
    );
  }
  if (type === "list") {
    return h(
      "ul",
      { class: "field-list" },
      value.map((item, index) => {
        const text = typeof item === "object" && item !== null ? String(item.value) : String(item);
        const element = h("li", {}, text);
        if (typeof item === "string") items[`${name}.${index}`] = element;
        return element;
      }),
    );
  }
  if (type === "number") return h("span", {}, Number(value).toLocaleString());
  const element = h("span", {}, String(value));
  if (type === "text") values[name] = element;
  return element;
}

function aboutFacts(record) {
  const source = record.source ?? {};
  return h(
    "dl",
    { class: "facts" },
    h("dt", {}, "Filed by"),
    h("dd", {}, record.created_by),
    h("dt", {}, "Received"),
    h("dd", {}, time(record.received)),
    h("dt", {}, "Source's date"),
    h("dd", {}, time(record.created)),
    h("dt", {}, "Last change"),
    h("dd", {}, time(record.updated)),
    h("dt", {}, "Channel"),
    h("dd", {}, CHANNELS[source.channel] ?? source.channel),
    h("dt", {}, "Grading"),
    h("dd", {}, `${source.reliability}${source.credibility} (source reliability ${source.reliability}, credibility ${source.credibility})`),
    h("dt", {}, "Point of contact"),
    h("dd", {}, record.point_of_contact ?? record.created_by),
    h("dt", {}, "Held by"),
    h("dd", {}, record.origin),
    record.label
      ? [h("dt", {}, "Existence"), h("dd", {}, record.label_pointer ? "Shown to readers without the label" : "Hidden from readers without the label")]
      : null,
  );
}

/** A mark's tooltip text for a normalised value, as the API's highlight describes it. */
function describe(normalized) {
  if (typeof normalized === "string") return normalized;
  if (normalized && typeof normalized === "object") {
    return Object.entries(normalized)
      .map(([name, value]) => `${name} ${typeof value === "string" ? value : JSON.stringify(value)}`)
      .join(", ");
  }
  return JSON.stringify(normalized);
}

/**
 * `text` with the entities and indicators found in `part` marked. Offsets count Unicode code
 * points, as the API's do; a mark that no longer covers the words it was found in is dropped.
 * Entities claim their spans first and indicators take what is left, as in the API's highlight.
 */
function marked(text, part, analysis, colours) {
  const chars = Array.from(text);
  const candidates = [
    ...analysis.entities
      .filter((mention) => mention.part === part)
      .map((mention) => ({ ...mention, entity: true, tip: `${mention.type}: ${describe(mention.normalized)}` })),
    ...analysis.indicators.hits
      .filter((hit) => hit.part === part)
      .map((hit) => ({ ...hit, type: "indicator", entity: false, tip: `Indicator, ${humanize(hit.category)}: ${hit.reason}` })),
  ].filter((mark) => mark.start < mark.end && mark.end <= chars.length && chars.slice(mark.start, mark.end).join("") === mark.text);
  candidates.sort((a, b) => Number(b.entity) - Number(a.entity) || a.start - b.start);
  const kept = [];
  for (const mark of candidates) {
    if (!kept.some((other) => other.start < mark.end && mark.start < other.end)) kept.push(mark);
  }
  kept.sort((a, b) => a.start - b.start);
  const nodes = [];
  let at = 0;
  for (const mark of kept) {
    if (mark.start > at) nodes.push(chars.slice(at, mark.start).join(""));
    const element = h(
      "mark",
      { class: mark.entity ? "entity" : "indicator-mark", title: mark.tip, dataset: { type: mark.type } },
      chars.slice(mark.start, mark.end).join(""),
    );
    if (colours[mark.type]) element.style.setProperty("--entity", colours[mark.type]);
    nodes.push(element);
    at = mark.end;
  }
  if (at < chars.length) nodes.push(chars.slice(at).join(""));
  return nodes;
}

function indicatorSummary(summary) {
  const score = Number(summary.score ?? 0);
  const strength = score >= 0.6 ? "strong" : score >= 0.3 ? "moderate" : score > 0 ? "weak" : "none";
  return [
    h(
      "div",
      { class: "score" },
      h("meter", { min: 0, max: 1, low: 0.3, high: 0.6, optimum: 0, value: score, "aria-label": "Indicator score" }),
      h("p", {}, h("strong", { class: "score-value" }, score.toFixed(2)), ` of 1 — ${strength}`),
    ),
    summary.hits.length
      ? h(
          "ul",
          { class: "indicator-hits" },
          summary.hits.map((hit) =>
            h(
              "li",
              {},
              h("strong", {}, humanize(hit.category)),
              ` (weight ${hit.weight.toFixed(2)}): ${hit.reason} `,
              h("q", {}, hit.text),
            ),
          ),
        )
      : h("p", { class: "muted" }, "No indicators found in the text you may see."),
  ];
}

/** The last version whose text (title, narrative or fields) changed: analysis must be as new. */
function textChangedAt(versions) {
  let at = 1;
  versions.forEach((version, index) => {
    const before = versions[index - 1];
    if (
      before &&
      (before.title !== version.title ||
        before.narrative !== version.narrative ||
        JSON.stringify(before.fields) !== JSON.stringify(version.fields))
    ) {
      at = version.version;
    }
  });
  return at;
}

/** What changed from `before` to `after`, in words; withheld values are compared as withheld. */
function changes(before, after) {
  if (!before) return [`Filed by ${after.created_by}.`];
  const out = [];
  if (before.state !== after.state) out.push(`State: ${before.state} → ${after.state}.`);
  if (before.assignee !== after.assignee) out.push(`Assigned: ${before.assignee ?? "nobody"} → ${after.assignee ?? "nobody"}.`);
  if (before.title !== after.title) out.push("Title changed.");
  if (before.narrative !== after.narrative) out.push("Narrative changed.");
  if (before.priority !== after.priority) out.push(`Priority: ${before.priority} → ${after.priority}.`);
  if (before.due !== after.due) out.push(`Due: ${before.due ?? "none"} → ${after.due ?? "none"}.`);
  if (before.label !== after.label) out.push(`Label: ${before.label ?? "none"} → ${after.label ?? "none"}.`);
  const names = new Set([...Object.keys(before.fields), ...Object.keys(after.fields)]);
  for (const name of [...names].sort()) {
    const was = before.fields[name];
    const now = after.fields[name];
    if (!was) out.push(`${humanize(name)} added.`);
    else if (!now) out.push(`${humanize(name)} removed.`);
    else if (JSON.stringify(was) !== JSON.stringify(now)) out.push(`${humanize(name)} changed.`);
  }
  const files = (record) => record.attachments.filter((one) => !isWithheld(one)).map((one) => one.sha256);
  const added = after.attachments.filter((one) => !isWithheld(one) && !files(before).includes(one.sha256));
  for (const one of added) out.push(`Attached ${one.filename}.`);
  const hiddenAdded = after.attachments.filter(isWithheld).length - before.attachments.filter(isWithheld).length;
  if (hiddenAdded > 0) out.push(`${hiddenAdded} attachment${hiddenAdded === 1 ? "" : "s"} above your clearance added.`);
  if (!out.length) out.push("No change you may see.");
  return out;
}

// Import: files dropped or chosen here are uploaded as one job; the server reads them into
// records in the background, and this screen follows the job until every file has its result.

import { api, get } from "../api.js";
import { failure, field, h, labelCells, replace, time } from "../dom.js";
import { bytes, fileDrop } from "../records-shared.js";

/** How often a running job is asked for its progress. */
const POLL_MS = 1000;

/** Spreadsheet and CSV columns the server can be told about (`ColumnMapping` in humdex-ingest). */
const COLUMNS = [
  ["title", "Title"],
  ["narrative", "Narrative"],
  ["date", "Date"],
  ["place", "Place"],
  ["latitude", "Latitude"],
  ["longitude", "Longitude"],
];

export async function render(screen, app) {
  // The class scopes admin.css, which every screen loads, to these screens.
  const main = screen.appendChild(h("div", { class: "hx-admin" }));
  let files = [];
  let timer = null;
  let left = false;

  const chosen = h("div", { class: "chosen" });
  const zone = fileDrop((list) => add(list), {
    label: "Files to import",
    prompt: [h("strong", {}, "Drop files here"), " or choose them:"],
    hint: "Emails (.eml, .mbox), PDFs, Word documents, spreadsheets and CSV, photos, JSON and text.",
  });
  zone.classList.add("import-drop");
  const label = h("input", { name: "label", autocomplete: "off", spellcheck: "false", placeholder: "LE&VICTIM_PII" });
  const mapping = COLUMNS.map(([role]) => h("input", { name: role, autocomplete: "off", dataset: { role } }));
  const message = h("p", { class: "error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit" }, "Import files");
  const form = h(
    "form",
    { class: "panel import-form", "aria-labelledby": "import-files" },
    h("h2", { id: "import-files" }, "Files"),
    zone,
    chosen,
    field("Label for every record (optional)", label, "An access expression over authorizations. Empty: each record keeps the label it came with."),
    h(
      "details",
      { class: "mapping" },
      h("summary", {}, "Spreadsheet and CSV columns (optional)"),
      h("p", { class: "hint" }, "Name the header of the column that holds each part of a record. Left empty, Humdex guesses from the headers (title, narrative, date, place, lat, lon…)."),
      h("div", { class: "mapping-fields" }, COLUMNS.map(([, name], index) => field(`${name} column`, mapping[index]))),
    ),
    message,
    h("div", { class: "actions" }, submit),
  );
  const job = h("section", { class: "panel job", "aria-labelledby": "job-title", hidden: true });
  main.append(h("h1", {}, "Import"), form, job);

  function showChosen() {
    submit.disabled = files.length === 0;
    if (!files.length) {
      replace(chosen, h("p", { class: "muted" }, "No files chosen yet."));
      return;
    }
    const total = files.reduce((sum, file) => sum + file.size, 0);
    replace(
      chosen,
      h("p", {}, `${plural(files.length, "file")}, ${bytes(total)}:`),
      h(
        "ul",
        { class: "chosen-files" },
        files.map((file, index) =>
          h(
            "li",
            {},
            h("span", { class: "name" }, file.name),
            h("span", { class: "muted" }, bytes(file.size)),
            h("button", {
              type: "button",
              class: "secondary",
              "aria-label": `Remove ${file.name}`,
              onclick: () => {
                files = files.filter((_, at) => at !== index);
                showChosen();
              },
            }, "Remove"),
          ),
        ),
      ),
    );
  }

  function add(list) {
    files = [...files, ...list];
    showChosen();
  }


  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.hidden = true;
    if (!files.length) return;
    const body = new FormData();
    for (const file of files) body.append("file", file, file.name);
    const columns = Object.fromEntries(
      mapping.filter((one) => one.value.trim()).map((one) => [one.dataset.role, one.value.trim()]),
    );
    if (Object.keys(columns).length) body.append("mapping", JSON.stringify(columns));
    if (label.value.trim()) body.append("label", label.value.trim());
    submit.disabled = true;
    clearTimeout(timer);
    job.hidden = false;
    replace(
      job,
      h("h2", { id: "job-title" }, "Uploading"),
      h("progress", { "aria-label": "Uploading" }),
      h("p", { class: "muted" }, `Sending ${plural(files.length, "file")} (${bytes(files.reduce((sum, file) => sum + file.size, 0))})…`),
    );
    try {
      // No content type: the browser writes the multipart boundary.
      const started = await api("POST", "/import", { body });
      files = [];
      showChosen();
      history.replaceState(null, "", `/import?job=${encodeURIComponent(started.job)}`);
      follow(started.job);
    } catch (error) {
      job.hidden = true;
      message.hidden = false;
      replace(message, error.message);
      submit.disabled = false;
      if (error.field === "label") label.focus();
    }
  });

  async function follow(id) {
    let current;
    try {
      current = await get(`/jobs/${encodeURIComponent(id)}`);
    } catch (error) {
      job.hidden = false;
      replace(
        job,
        h("h2", { id: "job-title" }, "Import job"),
        failure(error.status === 404 ? { message: "This job is not known: finished jobs are kept for an hour, and only for whoever started them." } : error),
      );
      return;
    }
    if (left) return;
    job.hidden = false;
    showJob(job, current);
    if (current.state === "running") timer = setTimeout(() => follow(id), POLL_MS);
    else app.notify(`Import finished: ${plural(current.records_created, "record")} created.`, "ok");
  }

  showChosen();
  const resumed = app.query.get("job");
  if (resumed) follow(resumed);

  return () => {
    left = true;
    clearTimeout(timer);
  };
}

function showJob(panel, job) {
  const running = job.state === "running";
  const rate = job.files_per_second ? `${job.files_per_second.toFixed(1)} files/s` : null;
  const eta = running && job.eta_seconds !== null && job.eta_seconds !== undefined ? `about ${duration(job.eta_seconds)} left` : null;
  replace(
    panel,
    h("h2", { id: "job-title" }, running ? "Importing…" : "Import finished"),
    h("progress", {
      max: String(Math.max(job.bytes_total, 1)),
      value: String(running ? job.bytes_done : Math.max(job.bytes_total, 1)),
      "aria-label": "Import progress",
    }),
    h(
      "p",
      { class: "job-line" },
      `${job.files_done} of ${job.files_total} files · ${bytes(job.bytes_done)} of ${bytes(job.bytes_total)}`,
      rate ? ` · ${rate}` : "",
      eta ? ` · ${eta}` : "",
    ),
    h(
      "dl",
      { class: "job-counts" },
      count("Records created", job.records_created, "records-created"),
      count("Already imported", job.records_duplicate, "records-duplicate"),
      count("Records refused", job.records_rejected, "records-rejected"),
      count("Files failed", job.files_failed, "files-failed"),
    ),
    h("p", { class: "muted" }, "Started ", time(job.started), job.finished ? [", finished ", time(job.finished)] : null, ` by ${job.started_by}.`),
    job.files.length ? fileTable(job.files) : null,
    job.files_not_listed ? h("p", { class: "muted" }, `${job.files_not_listed.toLocaleString()} more files finished; only the first 10,000 are listed.`) : null,
  );
}

function count(label, value, name) {
  return h("div", { dataset: { count: name } }, h("dt", {}, label), h("dd", {}, Number(value).toLocaleString()));
}

/** A file's result in words and a symbol, not by colour alone. */
const STATUS = {
  created: ["✔", "Created"],
  duplicate: ["=", "Imported before"],
  failed: ["✘", "Failed"],
};

function fileTable(results) {
  return h(
    "div",
    { class: "table-wrap" },
    labelCells(h(
      "table",
      { class: "file-results stack" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "File"),
          h("th", { scope: "col" }, "Result"),
          ["Records", "Before", "Refused", "Attachments"].map((name) => h("th", { scope: "col", class: "number" }, name)),
          h("th", { scope: "col" }, "Why"),
        ),
      ),
      h(
        "tbody",
        {},
        results.map((result) => {
          const [symbol, word] = STATUS[result.status] ?? ["?", result.status];
          return h(
            "tr",
            { class: `file-${result.status}` },
            h("th", { scope: "row", class: "name" }, result.name, h("div", { class: "hint" }, bytes(result.bytes))),
            h("td", {}, h("span", { class: `result result-${result.status}` }, h("span", { "aria-hidden": "true" }, `${symbol} `), word)),
            h("td", { class: "number" }, String(result.records)),
            h("td", { class: "number" }, String(result.duplicates)),
            h("td", { class: "number" }, String(result.rejected)),
            h("td", { class: "number" }, String(result.attachments)),
            h("td", { class: "why" }, result.error ?? ""),
          );
        }),
      ),
    )),
  );
}

function duration(seconds) {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function plural(number, noun) {
  return `${Number(number).toLocaleString()} ${noun}${number === 1 ? "" : "s"}`;
}

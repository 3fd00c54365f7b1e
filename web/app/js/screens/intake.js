// Intake: a report (intelligence delivered) or a request for information, with its structured
// fields, a place picked on a map, labels on the record and on each field, and attached files.
// The record is filed once (an Idempotency-Key makes a double submit harmless), then the files
// go up one by one with progress, then the record is shown.

import { ApiError, api, get } from "../api.js";
import { field, h, replace } from "../dom.js";
import { addBasemap } from "../basemap.js";
import { controlOf, fileDrop, labelSelect, pendingFile } from "../records-shared.js";
import { loadLibraries } from "../vendor.js";

const CHANNELS = [
  ["form", "Web form"],
  ["phone", "Phone call"],
  ["hotline", "Hotline (call, text or chat)"],
  ["email", "Email"],
  ["partner", "Partner agency"],
  ["mobile", "Mobile device"],
];

const RELIABILITY = [
  ["A", "A — completely reliable"],
  ["B", "B — usually reliable"],
  ["C", "C — fairly reliable"],
  ["D", "D — not usually reliable"],
  ["E", "E — unreliable"],
  ["F", "F — cannot be judged"],
];

const CREDIBILITY = [
  ["1", "1 — confirmed"],
  ["2", "2 — probably true"],
  ["3", "3 — possibly true"],
  ["4", "4 — doubtful"],
  ["5", "5 — improbable"],
  ["6", "6 — cannot be judged"],
];

const PRIORITIES = [
  ["1", "1 — most urgent"],
  ["2", "2 — urgent"],
  ["3", "3 — normal"],
  ["4", "4 — low"],
  ["5", "5 — lowest"],
];

/** The structured fields most records carry, named as the rest of the data names them. */
const DETAILS = [
  { name: "incident_date", label: "Date of the incident", type: "date" },
  { name: "suspect_name", label: "Suspect's name", type: "text" },
  { name: "suspect_alias", label: "Suspect's alias", type: "text" },
  { name: "phone", label: "Phone number", type: "text", input: "tel" },
  { name: "vehicle_plate", label: "Vehicle plate", type: "text" },
  { name: "ad_url", label: "Address of an ad (URL)", type: "text", input: "url" },
  { name: "victim_name", label: "Victim's name", type: "text", pii: true },
  { name: "victim_age", label: "Victim's age", type: "number", pii: true },
  { name: "amount_usd", label: "Amount (US$)", type: "number" },
  { name: "indicators", label: "Indicators seen", type: "list", hint: "One per line, e.g. “ID held by someone else”." },
  { name: "route", label: "Route", type: "list", hint: "Places in the order travelled, one per line." },
];

const PII = "VICTIM_PII";

/** A key no retry of this form will repeat by chance; works outside secure contexts too. */
function newKey() {
  const random = crypto.getRandomValues(new Uint8Array(16));
  return `intake-${[...random].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/** A mistake found before asking the server, shaped as the server's are. */
function invalid(path, message) {
  return Object.assign(new Error(message), { field: path });
}

export async function render(main, app) {
  // Before the form exists, so it is whole and live once shown. Without the map library (a lost
  // connection), coordinates can still be typed.
  const mapLoaded = await loadLibraries("leaflet", "topojson").then(() => true, () => false);
  const request = app.query.get("kind") === "request";
  const kind = request ? "request" : "report";
  const noun = request ? "request" : "report";
  const user = app.user;
  const mayLabel = (user.authorizations ?? []).length > 0;

  /** Controls the server may name in an error, by the path it names them with. */
  const errorSlots = [];

  /** `field()` plus a place for the server's complaint about it under `path`. */
  function slot(path, label, control, hint) {
    const wrapper = field(label, control, hint);
    const message = h("p", { class: "error field-error", id: `${control.id}-error`, hidden: true });
    wrapper.append(message);
    errorSlots.push({ path: typeof path === "function" ? path : () => path, control, message });
    return wrapper;
  }

  /** A value control with its own label select beside it, when the user may write labels. */
  function labelled(path, label, control, { hint, label: preset } = {}) {
    const own = slot(path, label, control, hint);
    if (!mayLabel) return { element: own, label: null };
    const select = labelSelect(
      user,
      ["Label", h("span", { class: "visually-hidden" }, ` of ${typeof label === "string" ? label : "this field"}`)],
      { value: preset },
    );
    const pathOfLabel = () => `${typeof path === "function" ? path() : path}.label`;
    errorSlots.push({ path: pathOfLabel, control: controlOf(select), message: own.querySelector(".field-error") });
    return { element: h("div", { class: "with-label" }, own, select), label: controlOf(select) };
  }

  // What it is and what it says.
  const title = h("input", { name: "title", required: true, maxlength: 500, autocomplete: "off" });
  const narrative = h("textarea", { name: "narrative", rows: 8 });
  const titleLabel = [request ? "What do you need to know?" : "Title", " ", h("abbr", { class: "required", title: "required" }, "*")];

  // Where it came from.
  const channel = h("select", { name: "channel" }, CHANNELS.map(([value, text]) => h("option", { value }, text)));
  const reliability = h("select", { name: "reliability" }, RELIABILITY.map(([value, text]) => h("option", { value, selected: value === "F" }, text)));
  const credibility = h("select", { name: "credibility" }, CREDIBILITY.map(([value, text]) => h("option", { value, selected: value === "6" }, text)));
  const created = h("input", { name: "created", type: "datetime-local" });

  // Handling.
  const priority = h("select", { name: "priority" }, PRIORITIES.map(([value, text]) => h("option", { value, selected: value === "3" }, text)));
  const due = h("input", { name: "due", type: "date" });
  const assignee = h("input", { name: "assignee", list: "intake-assignees", placeholder: "pool:triage", autocomplete: "off" });
  const assignees = h("datalist", { id: "intake-assignees" });
  const contact = h("input", { name: "point_of_contact", placeholder: user.username, autocomplete: "off" });
  const recordLabel = labelSelect(user, "Record label", {});
  const pointer = h("input", { type: "checkbox", name: "label_pointer", id: "intake-pointer" });

  // Where.
  const lat = h("input", { name: "lat", type: "number", step: "any", min: -90, max: 90, inputmode: "decimal" });
  const lon = h("input", { name: "lon", type: "number", step: "any", min: -180, max: 180, inputmode: "decimal" });
  const place = h("input", { name: "place", autocomplete: "off", placeholder: "Houston, TX" });
  const mapBox = h("div", { class: "map intake-map", role: "application", "aria-label": "Map: click to set the place" });
  const mapNote = h("p", { class: "hint", role: "status" }, "Click the map to set the point, or type latitude and longitude.");

  // The details.
  const details = DETAILS.map((detail) => {
    const control =
      detail.type === "list"
        ? h("textarea", { name: detail.name, rows: 3 })
        : h("input", {
            name: detail.name,
            type: detail.type === "date" ? "date" : detail.type === "number" ? "number" : detail.input ?? "text",
            step: detail.type === "number" ? "any" : null,
            autocomplete: "off",
          });
    const preset = detail.pii && user.authorizations?.includes(PII) ? PII : "";
    const { element, label } = labelled(`fields.${detail.name}`, detail.label, control, { hint: detail.hint, label: preset });
    return { ...detail, control, labelControl: label, element };
  });

  const extras = [];
  const extraList = h("div", { class: "extra-fields" });
  function addExtra() {
    const row = {};
    const name = h("input", { name: "extra-name", pattern: "[a-z][a-z0-9_]{0,63}", autocomplete: "off", placeholder: "e.g. hotel_name" });
    const type = h(
      "select",
      { name: "extra-type" },
      [["text", "Text"], ["number", "Number"], ["date", "Date"]].map(([value, text]) => h("option", { value }, text)),
    );
    const value = h("input", { name: "extra-value", autocomplete: "off" });
    type.addEventListener("change", () => {
      value.type = type.value;
      value.step = type.value === "number" ? "any" : "";
    });
    const path = () => `fields.${name.value.trim()}`;
    const valueField = labelled(path, "Value", value);
    const remove = h("button", { type: "button", class: "secondary", onclick: () => {
      extras.splice(extras.indexOf(row), 1);
      for (const one of errorSlots.filter((entry) => row.element.contains(entry.control))) {
        errorSlots.splice(errorSlots.indexOf(one), 1);
      }
      row.element.remove();
    } }, "Remove this field");
    Object.assign(row, {
      name,
      type,
      value,
      labelControl: valueField.label,
      element: h(
        "div",
        { class: "extra-field" },
        slot(path, "Field name", name, "Lower-case letters, digits and _."),
        field("Type", type),
        valueField.element,
        h("div", { class: "actions" }, remove),
      ),
    });
    extras.push(row);
    extraList.append(row.element);
    name.focus();
  }

  // Files.
  const files = [];
  const fileList = h("ul", { class: "pending-files" });
  const drop = fileDrop((chosen) => {
    for (const file of chosen) {
      const entry = pendingFile(file, user, {
        onRemove: (gone) => {
          files.splice(files.indexOf(gone), 1);
          gone.row.remove();
        },
      });
      files.push(entry);
      fileList.append(entry.row);
    }
  }, { label: "Choose files" });

  const formMessage = h("div", { class: "form-message", role: "alert" });
  const submit = h("button", { type: "submit" }, request ? "Send request" : "File report");
  const parts = h(
    "fieldset",
    { class: "record-parts" },
    h("legend", { class: "visually-hidden" }, `The ${noun}`),
    h(
      "section",
      { class: "panel" },
      h("h2", {}, request ? "The request" : "What happened"),
      slot("title", titleLabel, title, request ? "One line: the question." : "One line: what the report is about."),
      slot(
        "narrative",
        request ? "Background" : "Narrative",
        narrative,
        request
          ? "Why you ask, what you know already, and by when you need it."
          : "In the source's words. People, places, phone numbers and indicators are found automatically.",
      ),
    ),
    h(
      "div",
      { class: "intake-columns" },
      h(
        "section",
        { class: "panel" },
        h("h2", {}, "Source"),
        slot("source", "Channel", channel),
        h("div", { class: "pair" }, slot("source.reliability", "Source reliability", reliability), slot("source.credibility", "Credibility of the information", credibility)),
        slot("created", "When the source made it", created, "Leave empty if it is now."),
      ),
      h(
        "section",
        { class: "panel" },
        h("h2", {}, "Handling"),
        h("div", { class: "pair" }, slot("priority", "Priority", priority), slot("due", request ? "Needed by" : "Due", due)),
        slot("assignee", "Assign to", assignee, "user:NAME or pool:NAME; leave empty for the intake queue."),
        assignees,
        slot("point_of_contact", "Point of contact", contact, "Whom to ask about it; you when empty."),
        recordLabel
          ? [
              slotted("label", recordLabel),
              h("div", { class: "check" }, pointer, h("label", { for: pointer.id }, "Let readers without the label see that it exists, and whom to ask")),
            ]
          : null,
      ),
    ),
    h(
      "section",
      { class: "panel" },
      h("h2", {}, "Place"),
      h(
        "div",
        { class: "place-picker" },
        h("div", {}, mapBox, mapNote),
        h(
          "div",
          {},
          h("div", { class: "pair" }, slot("fields.location", "Latitude", lat), slot("fields.location", "Longitude", lon)),
          slot("fields.place", "Place name", place, "As the source said it."),
          mayLabel ? slottedLabel("fields.location.label", "Label", "of the place") : null,
          h("button", { type: "button", class: "secondary", onclick: () => setPoint(null) }, "Clear the point"),
        ),
      ),
    ),
    h(
      "section",
      { class: "panel" },
      h("h2", {}, "Details"),
      h("p", { class: "hint" }, "Fill in what is known. A label restricts one field to those cleared for it, on top of the record's label."),
      h("div", { class: "details" }, details.map((detail) => detail.element)),
      extraList,
      h("button", { type: "button", class: "secondary", onclick: addExtra }, "Add another field"),
    ),
  );
  const placeLabel = parts.querySelector("select[name=place-label]");

  /** The record label's `field()` wrapper, with a slot for errors about it. */
  function slotted(path, wrapper) {
    const control = controlOf(wrapper);
    const message = h("p", { class: "error field-error", id: `${control.id}-error`, hidden: true });
    wrapper.append(message);
    errorSlots.push({ path: () => path, control, message });
    return wrapper;
  }

  function slottedLabel(path, text, of) {
    const wrapper = labelSelect(user, [text, h("span", { class: "visually-hidden" }, ` ${of}`)], { name: "place-label" });
    return slotted(path, wrapper);
  }

  const form = h(
    "form",
    { class: "intake", "aria-labelledby": "intake-title" },
    parts,
    h(
      "section",
      { class: "panel" },
      h("h2", {}, "Attachments"),
      drop,
      fileList,
    ),
    formMessage,
    h("div", { class: "actions" }, submit, h("a", { href: "/" }, "Cancel")),
  );

  replace(
    main,
    h(
      "div",
      { class: "intake-head" },
      h("h1", { id: "intake-title" }, request ? "New request for information" : "New report"),
      h(
        "nav",
        { class: "kind-switch", "aria-label": "Kind of record" },
        h("a", { href: "/intake", "aria-current": request ? null : "page" }, "Report"),
        h("a", { href: "/intake?kind=request", "aria-current": request ? "page" : null }, "Request for information"),
      ),
    ),
    h("p", { class: "muted" }, h("abbr", { class: "required", title: "required" }, "*"), " marks what is required."),
    form,
  );

  // The map, once its box is on the page and has a size.
  let map = null;
  let marker = null;
  function setPoint(point, { typed = false } = {}) {
    if (!point) {
      lat.value = "";
      lon.value = "";
      marker?.remove();
      marker = null;
      return;
    }
    if (!typed) {
      lat.value = point.lat.toFixed(5);
      lon.value = point.lng.toFixed(5);
    }
    if (!map) return;
    if (marker) marker.setLatLng(point);
    else marker = L.circleMarker(point, { radius: 8, color: "#a4161a", weight: 3, fillColor: "#e63946", fillOpacity: 0.8 }).addTo(map);
  }
  if (mapLoaded) {
    map = L.map(mapBox, { worldCopyJump: true, minZoom: 1, attributionControl: Boolean(app.tiles) }).fitBounds([[-50, -150], [72, 170]]);
    map.on("click", (event) => setPoint(event.latlng.wrap()));
    addBasemap(map, { tiles: app.tiles }).catch((error) => replace(mapNote, `${error.message} You can still click to set a point.`));
  } else {
    replace(mapNote, "The map could not be loaded: type latitude and longitude.");
  }
  for (const input of [lat, lon]) {
    input.addEventListener("input", () => {
      const point = { lat: Number(lat.value), lng: Number(lon.value) };
      if (lat.value && lon.value && Math.abs(point.lat) <= 90 && Math.abs(point.lng) <= 180) {
        setPoint(point, { typed: true });
        // No animation: a typed point jumps there, and no zoom is left running if the screen closes.
        map?.setView(point, Math.max(map.getZoom(), 5), { animate: false });
      }
    });
  }

  // Whom records can go to: pools and their members (partners may not list them).
  if (user.role !== "partner") {
    get("/pools")
      .then((pools) => {
        const names = new Set();
        for (const pool of pools) {
          names.add(`pool:${pool.name}`);
          for (const member of pool.members) names.add(`user:${member}`);
        }
        replace(assignees, [...names].sort().map((name) => h("option", { value: name })));
      })
      .catch(() => {
        // Suggestions only: typing the assignee still works.
      });
  }

  /** The record as the API takes it; throws `invalid()` for mistakes caught here. */
  function build() {
    const fields = {};
    const put = (name, value, type, label) => {
      if (name in fields) throw invalid(`fields.${name}`, `There are two fields named ${name}.`);
      fields[name] = { value, ...(type ? { type } : {}), ...(label ? { label } : {}) };
    };
    for (const detail of details) {
      const raw = detail.control.value.trim();
      if (!raw) continue;
      const label = detail.labelControl?.value;
      if (detail.type === "number") {
        if (detail.control.validity.badInput || !Number.isFinite(Number(raw))) {
          throw invalid(`fields.${detail.name}`, "Give a number.");
        }
        put(detail.name, Number(raw), "number", label);
      } else if (detail.type === "list") {
        const items = raw.split("\n").map((line) => line.trim()).filter(Boolean);
        put(detail.name, items, "list", label);
      } else {
        put(detail.name, raw, detail.type, label);
      }
    }
    if (given(lat) || given(lon)) {
      if (!given(lat) || !given(lon)) throw invalid("fields.location", "Give both latitude and longitude, or click the map.");
      const point = { lat: Number(lat.value), lon: Number(lon.value) };
      if (place.value.trim()) point.place = place.value.trim();
      put("location", point, "location", placeLabel?.value);
    } else if (place.value.trim()) {
      // A place without coordinates is text; analysis still finds it in the gazetteer.
      put("place", place.value.trim(), "text", placeLabel?.value);
    }
    for (const extra of extras) {
      const name = extra.name.value.trim();
      const raw = extra.value.value.trim();
      if (!name && !raw) continue;
      if (!/^[a-z][a-z0-9_]{0,63}$/.test(name)) {
        throw invalid(`fields.${name}`, "A field name starts with a lower-case letter and holds only a-z, 0-9 and _.");
      }
      if (!raw) throw invalid(`fields.${name}`, "Give a value, or remove the field.");
      const type = extra.type.value;
      if (type === "number" && !Number.isFinite(Number(raw))) throw invalid(`fields.${name}`, "Give a number.");
      put(name, type === "number" ? Number(raw) : raw, type, extra.labelControl?.value);
    }
    const record = {
      kind,
      title: title.value,
      narrative: narrative.value,
      fields,
      source: { channel: channel.value, reliability: reliability.value, credibility: Number(credibility.value) },
      priority: Number(priority.value),
    };
    const label = controlOf(recordLabel)?.value;
    if (label) {
      record.label = label;
      record.label_pointer = pointer.checked;
    }
    if (created.value) record.created = new Date(created.value).toISOString();
    if (due.value) record.due = due.value;
    if (assignee.value.trim()) record.assignee = assignee.value.trim();
    if (contact.value.trim()) record.point_of_contact = contact.value.trim();
    return record;
  }

  function given(input) {
    return input.value.trim() !== "" || input.validity.badInput;
  }

  function clearErrors() {
    replace(formMessage);
    for (const { control, message } of errorSlots) {
      control.removeAttribute("aria-invalid");
      message.hidden = true;
      replace(message);
      const described = (control.getAttribute("aria-describedby") ?? "").split(" ").filter((id) => id && id !== message.id);
      if (described.length) control.setAttribute("aria-describedby", described.join(" "));
      else control.removeAttribute("aria-describedby");
    }
  }

  /** Shows `error` under the control it is about, or above the buttons. */
  function showError(error) {
    const path = error.field ?? null;
    const matches = path
      ? errorSlots
          .map((entry) => ({ ...entry, at: entry.path() }))
          .filter(({ at }) => path === at || path.startsWith(`${at}.`))
          .sort((a, b) => b.at.length - a.at.length)
      : [];
    const target = matches[0];
    // Where in our own JSON the parser stopped means nothing to the person filling the form.
    const message = error.message.replace(/ at line \d+ column \d+$/, "");
    if (!target) {
      replace(formMessage, h("p", { class: "error" }, message));
      return;
    }
    target.message.hidden = false;
    replace(target.message, message);
    target.control.setAttribute("aria-invalid", "true");
    const described = (target.control.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean);
    target.control.setAttribute("aria-describedby", [...described, target.message.id].join(" "));
    target.control.focus();
    replace(formMessage, h("p", { class: "error" }, `The ${noun} was not filed: see the marked field.`));
  }

  let key = newKey();
  let filed = null;
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    submit.disabled = true;
    clearErrors();
    try {
      if (!filed) {
        filed = await api("POST", "/records", { json: build(), headers: { "idempotency-key": key } });
        // Filed: what it says can now change only on the record itself.
        parts.disabled = true;
      }
      const waiting = files.filter((entry) => !entry.done);
      if (waiting.length) replace(formMessage, h("p", { class: "muted" }, `Uploading ${waiting.length} file${waiting.length === 1 ? "" : "s"}…`));
      let allSent = true;
      for (const entry of waiting) allSent = (await entry.upload(filed.id, user.csrf_token)) && allSent;
      if (allSent) {
        app.notify(request ? "Request sent." : "Report filed.", "ok");
        app.navigate(`/records/${encodeURIComponent(filed.id)}`);
        return;
      }
      replace(submit, "Retry the uploads");
      replace(
        formMessage,
        h(
          "p",
          { class: "error" },
          `The ${noun} is filed, but some files did not upload (see above). Retry, or `,
          h("a", { href: `/records/${encodeURIComponent(filed.id)}` }, "open the record"),
          " and attach them there.",
        ),
      );
    } catch (error) {
      // Refused: nothing was stored, so the next try is a new request. A lost answer keeps
      // the key, so a retry gets the record the first attempt made.
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) key = newKey();
      showError(error);
    } finally {
      busy = false;
      submit.disabled = false;
    }
  });

  title.focus();
  return () => map?.remove();
}

// Building the page. Everything a user or a record supplied goes in as text, never as HTML:
// a narrative is written by whoever filed it, and the page must not run what it says.

/**
 * An element: `h("a", {href: "/"}, "Home", child…)`. Attributes starting with `on` are event
 * listeners; `class`, `for` and boolean attributes are set as such; children that are
 * strings become text nodes, arrays are flattened, null/false are skipped.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the contents of `element`. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A timestamp as the reader's local date and time. */
export function when(timestamp) {
  if (!timestamp) return "";
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? String(timestamp) : date.toLocaleString();
}

/** A timestamp as a `<time>` element. */
export function time(timestamp) {
  return h("time", { datetime: timestamp }, when(timestamp));
}

/** A whole number with the reader's digit grouping. */
export function count(value) {
  return Number(value ?? 0).toLocaleString();
}

/** A field a reader may not see: says so, and says nothing of its value. */
export function withheld() {
  return h("span", { class: "withheld", title: "Withheld: above your clearance" }, "withheld");
}

/** Whether a record's field value is the API's withheld marker. */
export function isWithheld(value) {
  return value !== null && typeof value === "object" && value.withheld === true;
}

/** A labelled form control: `field("Title", h("input", {name: "title"}))`. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    control,
    hint ? h("small", { id: hintId, class: "hint" }, hint) : null,
  );
}

/** A small chip showing a label (an access expression). */
export function labelChip(label) {
  return label ? h("span", { class: "label-chip", title: `Label: ${label}` }, label) : null;
}

/** Turns the browser's file download on for `blob` as `name`. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A section with a heading. */
export function section(title, ...children) {
  return h("section", { class: "panel" }, h("h2", {}, title), ...children);
}

/** A message shown in place of content that could not be loaded. */
export function failure(error) {
  return h("p", { class: "error", role: "alert" }, error?.message ?? String(error));
}

/**
 * Gives every body cell of `table` a `data-label` naming its column (from the header row), so
 * CSS can stack each row as a card on a narrow screen and still say what each value is.
 */
export function labelCells(table) {
  const headers = [...table.querySelectorAll("thead th")].map((header) => header.textContent);
  for (const row of table.querySelectorAll("tbody tr")) {
    [...row.children].forEach((cell, index) => {
      if (headers[index]) cell.dataset.label = headers[index];
    });
  }
  return table;
}

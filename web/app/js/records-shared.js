// What the intake, record and import screens share: label choices, attaching files (drop or pick, then
// upload with progress), and names of fields as words.

import { ApiError } from "./api.js";
import { field, h, replace } from "./dom.js";

/** A field's name as words: `victim_name` → "Victim name". */
export function humanize(name) {
  const words = String(name).replaceAll("_", " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * A labelled select of the labels `user` may write (their own authorizations: nobody writes a
 * label they cannot read back), or null when they hold none. `label` is the visible label (text
 * or nodes); `value` preselects one.
 */
export function labelSelect(user, label, { value = "", name } = {}) {
  const authorizations = user?.authorizations ?? [];
  if (!authorizations.length) return null;
  const select = h(
    "select",
    { name, class: "label-select" },
    h("option", { value: "" }, "No label"),
    authorizations.map((one) => h("option", { value: one, selected: one === value }, one)),
  );
  return field(label, select);
}

/** The control inside a `field()` wrapper. */
export function controlOf(wrapper) {
  return wrapper?.querySelector("input, select, textarea") ?? null;
}

/**
 * A drop zone with a file input: `onFiles(files)` gets every file dropped or picked. `prompt`
 * and `hint` say what to drop.
 */
export function fileDrop(onFiles, { label = "Add files", prompt = "Drop files here (photos, documents), or choose them:", hint } = {}) {
  const input = h("input", { type: "file", multiple: true, class: "file-input" });
  input.addEventListener("change", () => {
    if (input.files.length) onFiles([...input.files]);
    input.value = "";
  });
  const zone = h("div", { class: "dropzone" }, h("p", {}, prompt), field(label, input, hint));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length) onFiles(files);
  });
  return zone;
}

/** A byte count as the reader reads sizes. */
export function bytes(size) {
  const units = ["bytes", "KB", "MB", "GB"];
  let value = Number(size ?? 0);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

/**
 * Uploads `file` to record `id` with `label` (or none). XMLHttpRequest, not fetch, because only
 * it reports upload progress; `onProgress(fraction)` is called as bytes go out. Resolves the
 * server's answer `{attachment, version}`; rejects with an `ApiError` carrying its message.
 */
export function uploadFile(id, file, { label, csrf, onProgress }) {
  const url = new URL(`/api/v1/records/${encodeURIComponent(id)}/attachments`, location.origin);
  url.searchParams.set("filename", file.name);
  if (label) url.searchParams.set("label", label);
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    request.setRequestHeader("accept", "application/json");
    request.setRequestHeader("content-type", file.type || "application/octet-stream");
    if (csrf) request.setRequestHeader("x-csrf-token", csrf);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // Not JSON: the status says enough.
      }
      if (request.status >= 200 && request.status < 300) resolve(body);
      else reject(new ApiError(request.status, body));
    });
    request.addEventListener("error", () =>
      reject(new ApiError(0, { error: { message: "The upload failed: the server cannot be reached." } })),
    );
    request.send(file);
  });
}

/**
 * One file waiting to go, going, or gone: its name, size, a label select, progress and a
 * message. `upload(id, csrf)` sends it and says how it went.
 */
export function pendingFile(file, user, { onRemove } = {}) {
  const progress = h("progress", { max: 1, value: 0, hidden: true, "aria-label": `Upload of ${file.name}` });
  const message = h("span", { class: "file-message", role: "status" });
  const label = labelSelect(user, ["Label", h("span", { class: "visually-hidden" }, ` of ${file.name}`)]);
  const remove = onRemove
    ? h("button", { type: "button", class: "secondary", onclick: () => onRemove(entry) }, "Remove", h("span", { class: "visually-hidden" }, ` ${file.name}`))
    : null;
  const row = h(
    "li",
    { class: "pending-file" },
    h("span", { class: "file-name" }, file.name, " ", h("span", { class: "muted" }, `(${bytes(file.size)})`)),
    label,
    remove,
    progress,
    message,
  );
  const entry = {
    file,
    row,
    done: false,
    async upload(id, csrf) {
      progress.hidden = false;
      progress.value = 0;
      message.className = "file-message";
      replace(message, "Uploading…");
      try {
        await uploadFile(id, file, {
          label: controlOf(label)?.value,
          csrf,
          onProgress: (fraction) => {
            progress.value = fraction;
          },
        });
        entry.done = true;
        progress.value = 1;
        message.classList.add("ok");
        replace(message, "Uploaded");
        for (const control of [controlOf(label), remove]) if (control) control.disabled = true;
        return true;
      } catch (error) {
        message.classList.add("error");
        replace(message, error.message);
        return false;
      }
    },
  };
  return entry;
}

// Admin: users and what they may see, the roles that must use a second factor, the
// authorizations labels may name, and the tamper-evident audit log with its signed checkpoint,
// verified here in the browser rather than taken on the server's word.

import { api, get, post } from "../api.js";
import { failure, field, h, labelCells, replace, section, time, when } from "../dom.js";
import { signedIn } from "../main.js";

/** The roles (`Role::ALL` in humdex-model). */
const ROLES = ["admin", "supervisor", "analyst", "caseworker", "partner"];

const TABS = [
  ["users", "Users", showUsers],
  ["policy", "Second-factor policy", showPolicy],
  ["authorizations", "Authorizations", showAuthorizations],
  ["audit", "Audit log", showAudit],
];

export async function render(screen, app) {
  // The class scopes admin.css, which every screen loads, to these screens.
  const main = screen.appendChild(h("div", { class: "hx-admin" }));
  main.append(h("h1", {}, "Admin"));
  if (app.user.role !== "admin") {
    main.append(
      h(
        "div",
        { class: "panel admins-only", role: "alert" },
        h("h2", {}, "Admins only"),
        h("p", {}, `This page is for the admin role. You are signed in as ${app.user.username} (${app.user.role}).`),
        h("p", {}, h("a", { href: "/" }, "Back to the dashboard")),
      ),
    );
    return;
  }
  const list = h("div", { role: "tablist", class: "tabs", "aria-label": "Admin sections" });
  const panel = h("div", { role: "tabpanel", class: "tab-panel", tabindex: "-1" });
  const buttons = TABS.map(([id, label]) =>
    h("button", { type: "button", role: "tab", id: `tab-${id}`, "aria-controls": "admin-panel", class: "tab", dataset: { tab: id } }, label),
  );
  panel.id = "admin-panel";
  list.append(...buttons);
  main.append(list, panel);

  let generation = 0;
  async function open(id, { focus = false } = {}) {
    const [, , show] = TABS.find(([tab]) => tab === id) ?? TABS[0];
    const current = ++generation;
    for (const button of buttons) {
      const selected = button.dataset.tab === id;
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
      if (selected && focus) button.focus();
    }
    panel.setAttribute("aria-labelledby", `tab-${id}`);
    const url = new URL(location.href);
    url.searchParams.set("tab", id);
    history.replaceState(null, "", url.pathname + url.search);
    replace(panel, h("p", { class: "loading" }, "Loading…"));
    const content = h("div");
    // A slow tab that answers after the admin moved on must not overwrite the next one.
    await show(content, app);
    if (current === generation) replace(panel, content);
  }
  list.addEventListener("click", (event) => {
    const button = event.target.closest("[role=tab]");
    if (button) open(button.dataset.tab);
  });
  list.addEventListener("keydown", (event) => {
    const at = buttons.indexOf(document.activeElement);
    if (at < 0) return;
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    open(buttons[(to + buttons.length) % buttons.length].dataset.tab, { focus: true });
  });
  const wanted = app.query.get("tab");
  await open(TABS.some(([id]) => id === wanted) ? wanted : "users");
}

// ---------------------------------------------------------------------------------------------
// Users

async function showUsers(container, app) {
  let users;
  let definitions;
  try {
    [users, definitions] = await Promise.all([get("/users"), get("/authorizations")]);
  } catch (error) {
    replace(container, failure(error));
    return;
  }
  const dialog = h("dialog", { class: "manage-user", "aria-labelledby": "manage-title" });
  const table = h("div", { class: "table-wrap" });

  /** Lists the users again, and redraws the open dialog with `notice` where it belongs. */
  async function reload(selected, notice) {
    try {
      users = await get("/users");
    } catch (error) {
      app.notify(error.message, "error");
      return;
    }
    replace(table, usersTable(users, manage));
    if (selected && dialog.open) {
      const user = users.find((one) => one.username === selected);
      if (user) fillDialog(dialog, user, definitions, app, reload, notice);
    }
  }

  function manage(user, opener) {
    fillDialog(dialog, user, definitions, app, reload);
    dialog.returnFocus = opener;
    dialog.showModal();
  }
  dialog.addEventListener("close", () => dialog.returnFocus?.focus());

  replace(table, usersTable(users, manage));
  replace(
    container,
    section(
      "Users",
      h("p", { class: "muted" }, "Disable an account to stop its sessions and API tokens at once."),
      table,
      addUserForm(definitions, async (account) => {
        await reload();
        // The new row is the one the admin looks for next.
        table.querySelector(`tr[data-user="${CSS.escape(account.username)}"]`)?.scrollIntoView({ block: "nearest" });
      }),
    ),
    dialog,
  );
}

/**
 * The form adding a user with a first password. Each error the server names a field for is
 * shown under that field; `added(account)` runs after the server created the account.
 */
function addUserForm(definitions, added) {
  const username = h("input", { name: "username", required: true, autocomplete: "off", spellcheck: "false", maxlength: "64" });
  const role = h("select", { name: "role", required: true }, ROLES.map((name) => h("option", { value: name, selected: name === "analyst" }, name)));
  // No minlength: the server's rule and its message are the ones that count.
  const password = h("input", { name: "password", type: "password", required: true, autocomplete: "new-password" });
  const confirmation = h("input", { name: "confirm", type: "password", required: true, autocomplete: "new-password" });
  const boxes = definitions.map((definition) =>
    h(
      "label",
      { class: "check" },
      h("input", { type: "checkbox", name: "authorizations", value: definition.name }),
      h("code", {}, definition.name),
      ` ${definition.description}`,
    ),
  );
  const authorizations = h("fieldset", { class: "checks" }, h("legend", {}, "Authorizations"), boxes);

  const usernameField = field("Username", username, "Letters, digits, dot, underscore, hyphen and @; at most 64.");
  const roleField = field("Role", role);
  const passwordField = field("First password", password, "At least 12 characters. They should change it when they first sign in.");
  const confirmField = field("Confirm the password", confirmation);

  // After field(), which sets the hint as the description: the error joins it.
  const controls = { username, role, password, confirm: confirmation, authorizations };
  const places = { username: usernameField, role: roleField, password: passwordField, confirm: confirmField, authorizations };
  const errors = Object.fromEntries(
    Object.entries(controls).map(([name, control]) => {
      const error = h("p", { class: "error", id: `add-user-${name}-error`, hidden: true });
      control.setAttribute("aria-describedby", [control.getAttribute("aria-describedby"), error.id].filter(Boolean).join(" "));
      places[name].append(error);
      return [name, error];
    }),
  );
  const message = h("div", { role: "status" });

  function showError(name, text) {
    const error = errors[name];
    error.hidden = false;
    replace(error, text);
    controls[name].setAttribute("aria-invalid", "true");
    (name === "authorizations" ? boxes[0]?.querySelector("input") : controls[name])?.focus();
  }
  function clearErrors() {
    for (const [name, error] of Object.entries(errors)) {
      error.hidden = true;
      replace(error);
      controls[name].removeAttribute("aria-invalid");
    }
    replace(message);
    message.className = "";
  }

  const submit = h("button", { type: "submit" }, "Add user");
  const form = h(
    "form",
    { class: "define add-user", "aria-labelledby": "add-user-title" },
    h("h3", { id: "add-user-title" }, "Add a user"),
    usernameField,
    roleField,
    passwordField,
    confirmField,
    authorizations,
    h("div", { class: "actions" }, submit),
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    if (password.value !== confirmation.value) {
      showError("confirm", "The two passwords differ.");
      return;
    }
    const account = {
      username: username.value.trim(),
      role: role.value,
      password: password.value,
      authorizations: boxes.map((label) => label.querySelector("input")).filter((box) => box.checked).map((box) => box.value),
    };
    submit.disabled = true;
    try {
      const created = await post("/users", account);
      form.reset();
      await added(created);
      message.className = "verdict verdict-ok";
      replace(
        message,
        h("strong", {}, `Added ${created.username}`),
        ` (${created.role}; authorizations: ${created.authorizations.join(", ") || "none"}). `,
        "Hand the first password over securely — in person or by another channel than the username, never in the same message — ",
        "and tell them to change it under Account as soon as they sign in.",
      );
    } catch (error) {
      // A clash of names is about the username; other errors name their field, if any.
      const where = error.status === 409 ? "username" : error.field;
      if (where in errors) {
        showError(where, error.message);
      } else {
        message.className = "error";
        replace(message, error.message);
      }
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function usersTable(users, manage) {
  const table = h(
    "table",
    { class: "users stack" },
    h(
      "thead",
      {},
      h("tr", {}, ["User", "Role", "Authorizations", "Account", "Second factor", "Actions"].map((name) => h("th", { scope: "col" }, name))),
    ),
    h(
      "tbody",
      {},
      users.map((user) =>
        h(
          "tr",
          { class: user.disabled ? "inactive" : null, dataset: { user: user.username } },
          h("th", { scope: "row" }, user.username),
          h("td", {}, user.role),
          h(
            "td",
            {},
            user.authorizations.length
              ? [...user.authorizations].sort().map((name) => h("code", { class: "scope" }, name))
              : h("span", { class: "muted" }, "none"),
          ),
          h("td", {}, user.disabled ? h("span", { class: "badge-off" }, "Disabled") : "Active"),
          h("td", {}, user.mfa_enabled ? h("span", { class: "badge-on" }, "✔ On") : "Off"),
          h(
            "td",
            { class: "row-actions" },
            h("button", {
              type: "button",
              class: "secondary",
              "aria-label": `Manage ${user.username}`,
              onclick: (event) => manage(user, event.currentTarget),
            }, "Manage"),
          ),
        ),
      ),
    ),
  );
  return labelCells(table);
}

/**
 * The dialog managing one user: authorizations, password, account and second factor.
 * `notice` ({where, text}) is the outcome of the last action, shown beside its control.
 */
function fillDialog(dialog, user, definitions, app, reload, notice = null) {
  const self = user.username === app.user.username;
  const name = encodeURIComponent(user.username);
  const messages = Object.fromEntries(
    ["grant", "password", "account", "mfa"].map((where) => [where, h("p", { role: "status" })]),
  );
  if (notice) {
    messages[notice.where].className = "ok";
    replace(messages[notice.where], notice.text);
  }

  /** Runs `call`; on success redraws the user with `done(result)` beside the control. */
  async function act(where, call, done) {
    const message = messages[where];
    replace(message);
    message.className = "";
    try {
      const result = await call();
      await reload(user.username, { where, text: done(result) });
    } catch (error) {
      message.className = "error";
      replace(message, error.message);
    }
  }

  const held = new Set(user.authorizations);
  const boxes = definitions.map((definition) =>
    h(
      "label",
      { class: "check" },
      h("input", { type: "checkbox", value: definition.name, checked: held.has(definition.name) }),
      h("code", {}, definition.name),
      ` ${definition.description}`,
    ),
  );
  const grant = h(
    "form",
    {},
    h("fieldset", { class: "checks" }, h("legend", {}, "Authorizations"), boxes),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Save authorizations")),
    messages.grant,
  );
  grant.addEventListener("submit", (event) => {
    event.preventDefault();
    const authorizations = boxes.map((label) => label.querySelector("input")).filter((box) => box.checked).map((box) => box.value);
    act(
      "grant",
      () => api("PUT", `/users/${name}/authorizations`, { json: { authorizations } }),
      ({ granted, revoked }) =>
        granted.length || revoked.length
          ? `Saved. Granted: ${granted.join(", ") || "none"}. Revoked: ${revoked.join(", ") || "none"}. It applies from their next request.`
          : "Saved: nothing changed.",
    );
  });

  const password = h("input", { type: "password", autocomplete: "new-password", minlength: "12", required: true });
  const reset = h(
    "form",
    {},
    field("New password", password, "At least 12 characters. Setting it signs them out everywhere; tell them by another channel."),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Set password")),
    messages.password,
  );
  reset.addEventListener("submit", (event) => {
    event.preventDefault();
    act("password", () => post(`/users/${name}/password`, { password: password.value }), () => "Password set; their sessions have ended.");
  });

  const toggle = user.disabled
    ? h("button", { type: "button" }, "Enable account")
    : h("button", { type: "button", class: "danger", disabled: self }, "Disable account");
  toggle.addEventListener("click", () => {
    if (!user.disabled && !confirm(`Disable ${user.username}? Their sessions and API tokens stop working at once.`)) return;
    act("account", () => post(`/users/${name}/${user.disabled ? "enable" : "disable"}`), (account) =>
      account.disabled ? "Disabled." : "Enabled: they can sign in again.",
    );
  });

  const clear = h("button", { type: "button", class: "danger" }, "Clear second factor");
  clear.addEventListener("click", () => {
    if (!confirm(`Clear the second factor of ${user.username}? Only do this when they lost both their device and their recovery codes, and you have checked who is asking.`)) return;
    act("mfa", () => api("DELETE", `/users/${name}/mfa`), () => "Cleared: they can enrol a new one.");
  });

  replace(
    dialog,
    h("h2", { id: "manage-title" }, `Manage ${user.username}`),
    h("p", { class: "muted" }, `Role: ${user.role}.`),
    grant,
    h("h3", {}, "Password"),
    reset,
    h("h3", {}, "Account"),
    h("p", {}, user.disabled ? "Disabled: cannot sign in; sessions and tokens do not work." : "Active."),
    h("div", { class: "actions" }, toggle, self ? h("span", { class: "hint" }, "You cannot disable your own account.") : null),
    messages.account,
    h("h3", {}, "Second factor"),
    user.mfa_enabled
      ? h("div", { class: "actions" }, h("span", {}, "On."), clear)
      : h("p", {}, "Off."),
    messages.mfa,
    h("form", { method: "dialog", class: "actions dialog-close" }, h("button", { type: "submit", class: "secondary" }, "Close")),
  );
}

// ---------------------------------------------------------------------------------------------
// Second-factor policy

async function showPolicy(container, app) {
  let policy;
  try {
    policy = await get("/admin/mfa-policy");
  } catch (error) {
    replace(container, failure(error));
    return;
  }
  const wanted = new Set(policy.roles);
  const boxes = ROLES.map((role) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", value: role, checked: wanted.has(role) }), ` ${role}`),
  );
  const message = h("p", { role: "status" });
  const form = h(
    "form",
    {},
    h("fieldset", { class: "checks" }, h("legend", {}, "Roles that must use a second factor"), boxes),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Save policy")),
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const roles = boxes.map((label) => label.querySelector("input")).filter((box) => box.checked).map((box) => box.value);
    if (roles.includes(app.user.role)) {
      const status = await get("/auth/mfa").catch(() => null);
      if (status && !status.enabled && !confirm("Your own role will need a second factor you do not have: you will have to enrol one before you can do anything else. Go on?")) {
        return;
      }
    }
    message.className = "";
    try {
      const saved = await api("PUT", "/admin/mfa-policy", { json: { roles } });
      message.className = "ok";
      replace(message, saved.roles.length ? `Saved: ${saved.roles.join(", ")} must use a second factor.` : "Saved: no role must use a second factor.");
      // The admin's own session may now be limited to enrolling.
      const me = await api("GET", "/auth/me");
      if (me.mfa_enrollment_required) {
        await signedIn(me);
        app.navigate("/account", { replace: true });
      }
    } catch (error) {
      message.className = "error";
      replace(message, error.message);
    }
  });
  replace(
    container,
    section(
      "Second-factor policy",
      h(
        "p",
        { class: "muted" },
        "Users of these roles without a second factor can still sign in, but may do nothing except enrol one. ",
        "Users who have one are asked for a code at every sign-in whatever the policy.",
      ),
      form,
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Authorizations

async function showAuthorizations(container, app) {
  const table = h("div", { class: "table-wrap" });
  async function load() {
    try {
      const definitions = await get("/authorizations");
      replace(
        table,
        labelCells(h(
          "table",
          { class: "stack" },
          h("thead", {}, h("tr", {}, ["Name", "Meaning", "Defined by", "When"].map((name) => h("th", { scope: "col" }, name)))),
          h(
            "tbody",
            {},
            definitions.map((definition) =>
              h("tr", {}, h("th", { scope: "row" }, h("code", {}, definition.name)), h("td", {}, definition.description), h("td", {}, definition.defined_by), h("td", {}, time(definition.defined))),
            ),
          ),
        )),
      );
    } catch (error) {
      replace(table, failure(error));
    }
  }
  const name = h("input", { name: "name", required: true, autocomplete: "off", spellcheck: "false", placeholder: "LABOUR_INSPECTION" });
  const description = h("input", { name: "description", required: true, placeholder: "shared with the labour inspectorate" });
  const message = h("p", { role: "status" });
  const form = h(
    "form",
    { class: "define" },
    h("h3", {}, "Define an authorization"),
    field("Name", name, "The token labels will name, such as VICTIM_PII."),
    field("What holding it means", description),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Define")),
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.className = "";
    try {
      await post("/authorizations", { name: name.value.trim(), description: description.value.trim() });
      message.className = "ok";
      replace(message, `Defined ${name.value.trim()}: grant it to users under Users.`);
      form.reset();
      await load();
    } catch (error) {
      message.className = "error";
      replace(message, error.message);
      (error.field === "description" ? description : name).focus();
    }
  });
  await load();
  replace(
    container,
    section(
      "Authorizations",
      h("p", { class: "muted" }, "A record or field labelled with an expression over these is shown only to users whose authorizations satisfy it."),
      table,
      form,
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Audit log

const PAGE_SIZES = [50, 100, 500];

async function showAudit(container) {
  const status = h("section", { class: "panel checkpoint", "aria-labelledby": "checkpoint-title" });
  const entries = h("section", { class: "panel", "aria-labelledby": "entries-title" });
  replace(container, status, entries);
  const checkpoint = await showCheckpoint(status);
  showEntries(entries, checkpoint?.size ?? 0, () => showAudit(container));
}

/** The latest checkpoint, its signature checked here and its growth since the last one seen. */
async function showCheckpoint(panel) {
  const title = h("h2", { id: "checkpoint-title" }, "Latest signed checkpoint");
  replace(panel, title, h("p", { class: "loading" }, "Checking…"));
  let view;
  try {
    view = await get("/audit/checkpoint");
  } catch (error) {
    replace(panel, title, failure(error));
    return null;
  }
  const result = await checkCheckpoint(view);
  const facts = h(
    "dl",
    { class: "facts" },
    h("dt", {}, "Entries"),
    h("dd", {}, Number(view.size).toLocaleString()),
    h("dt", {}, "Signed at"),
    h("dd", {}, time(view.time)),
    h("dt", {}, "Root hash"),
    h("dd", {}, h("code", {}, view.root)),
    h("dt", {}, "Log"),
    h("dd", {}, h("code", {}, view.origin)),
    h("dt", {}, "Signing key"),
    h("dd", {}, h("code", {}, view.public_key)),
  );
  replace(
    panel,
    title,
    h("div", { class: "verdicts" }, verdict("Signature", result.signature), verdict("Only grew", result.growth), verdict("Signing key", result.key)),
    facts,
    h(
      "details",
      {},
      h("summary", {}, "The signed note"),
      h("pre", { class: "note" }, view.note),
      h(
        "p",
        { class: "hint" },
        "Checked in this browser: the Ed25519 signature over the note, and the RFC 9162 consistency proof from the checkpoint this browser saw last. ",
        "Compare the signing key with the node's key file (kept apart from the database) to be sure the key itself is the node's.",
      ),
    ),
  );
  return view;
}

/** A verdict in words and a symbol, never by colour alone. */
function verdict(what, { state, text }) {
  const symbol = { ok: "✔", failed: "✘", unknown: "?" }[state];
  const word = { ok: "verified", failed: "FAILED", unknown: "not checked" }[state];
  return h(
    "p",
    { class: `verdict verdict-${state}`, dataset: { verdict: what } },
    h("span", { "aria-hidden": "true" }, `${symbol} `),
    h("strong", {}, `${what}: ${word}. `),
    text,
  );
}

function storageKey(origin) {
  return `humdex.audit.checkpoint.${origin}`;
}

/** Checks `view`'s signature, its key against the one seen before, and that the log only grew. */
async function checkCheckpoint(view) {
  const result = {
    signature: { state: "unknown", text: "" },
    growth: { state: "unknown", text: "" },
    key: { state: "unknown", text: "" },
  };
  let previous = null;
  try {
    previous = JSON.parse(localStorage.getItem(storageKey(view.origin)) ?? "null");
  } catch {
    // A damaged record of the last checkpoint is as good as none.
  }
  let note;
  try {
    note = await verifyNote(view.note, view.public_key);
    const same =
      note.origin === view.origin &&
      note.size === BigInt(view.size) &&
      note.root === view.root &&
      Date.parse(note.time) === Date.parse(view.time);
    if (!same) {
      throw new Error("the note does not say what the server's answer says");
    }
    result.signature = { state: "ok", text: "The Ed25519 signature matches the note, checked in this browser." };
  } catch (error) {
    result.signature = error.unsupported
      ? { state: "unknown", text: "This browser cannot check Ed25519 signatures." }
      : { state: "failed", text: `The signature does not check: ${error.message}.` };
    return result;
  }
  if (!previous) {
    result.key = { state: "unknown", text: "First time this browser sees this log's key; it is remembered from now on." };
    result.growth = { state: "unknown", text: "First checkpoint this browser has seen: nothing to compare with yet." };
  } else {
    result.key = previous.public_key === view.public_key
      ? { state: "ok", text: "Same key as this browser saw before." }
      : { state: "failed", text: "The key differs from the one this browser saw before: only right if the node's key was deliberately replaced." };
    result.growth = await checkGrowth(previous, note);
  }
  // Remember only a checkpoint that follows from the last one: a failure stays visible.
  if (result.growth.state !== "failed" && result.key.state !== "failed") {
    localStorage.setItem(
      storageKey(view.origin),
      JSON.stringify({ size: view.size, root: view.root, time: view.time, public_key: view.public_key }),
    );
  }
  return result;
}

async function checkGrowth(previous, note) {
  const before = BigInt(previous.size);
  const since = `since the checkpoint of ${Number(before).toLocaleString()} entries seen ${when(previous.time)}`;
  try {
    if (before > note.size) throw new Error(`the log shrank from ${before} to ${note.size} entries`);
    let proof = [];
    if (before > 0n && before < note.size) {
      const answer = await get("/audit/proof/consistency", { from: String(before), to: String(note.size) });
      proof = answer.hashes.map(fromBase64);
    }
    if (before > 0n) {
      await verifyConsistency(before, note.size, proof, fromBase64(previous.root), fromBase64(note.root));
    }
    return { state: "ok", text: `Nothing was changed or removed ${since} (consistency proof checked in this browser).` };
  } catch (error) {
    return { state: "failed", text: `The log did not only grow ${since}: ${error.message}.` };
  }
}

/** Pages through the audit log, newest first, filtered on the page shown. */
function showEntries(panel, size, refresh) {
  const limit = h("select", {}, PAGE_SIZES.map((value) => h("option", { value, selected: value === PAGE_SIZES[0] }, String(value))));
  const actor = h("input", { type: "search", autocomplete: "off" });
  const action = h("input", { type: "search", autocomplete: "off", list: "audit-actions" });
  const outcome = h("select", {}, ["", "success", "failure", "denied"].map((value) => h("option", { value }, value || "any")));
  const text = h("input", { type: "search", autocomplete: "off" });
  const actions = h("datalist", { id: "audit-actions" });
  const jump = h("input", { type: "number", min: "0", step: "1", inputmode: "numeric" });
  const older = h("button", { type: "button", class: "secondary" }, "Older");
  const newer = h("button", { type: "button", class: "secondary" }, "Newer");
  const newest = h("button", { type: "button", class: "secondary" }, "Newest (check again)");
  const where = h("p", { class: "muted", role: "status" });
  const table = h("div", { class: "table-wrap" });
  let from = 0;
  let page = [];

  async function load(start) {
    from = Math.max(0, start);
    replace(where, "Loading…");
    try {
      page = (await get("/audit/entries", { from, limit: limit.value })).entries;
    } catch (error) {
      replace(where);
      replace(table, failure(error));
      return;
    }
    older.disabled = from === 0;
    newer.disabled = page.length < Number(limit.value);
    replace(actions, [...new Set(page.map((entry) => entry.action))].sort().map((value) => h("option", { value })));
    show();
  }

  function show() {
    const wanted = {
      actor: actor.value.trim().toLowerCase(),
      action: action.value.trim().toLowerCase(),
      outcome: outcome.value,
      text: text.value.trim().toLowerCase(),
    };
    const shown = page.filter(
      (entry) =>
        (!wanted.actor || entry.actor.toLowerCase().includes(wanted.actor)) &&
        (!wanted.action || entry.action.toLowerCase().includes(wanted.action)) &&
        (!wanted.outcome || entry.outcome === wanted.outcome) &&
        (!wanted.text || JSON.stringify(entry).toLowerCase().includes(wanted.text)),
    );
    const last = page.length ? page[page.length - 1].index : from;
    replace(
      where,
      page.length
        ? `Entries ${page[0].index.toLocaleString()}–${last.toLocaleString()}, newest first; ${shown.length} of ${page.length} match the filters.`
        : "No entries here.",
    );
    replace(table, entriesTable([...shown].reverse()));
  }

  for (const control of [actor, action, text]) control.addEventListener("input", show);
  outcome.addEventListener("change", show);
  limit.addEventListener("change", () => load(from));
  older.addEventListener("click", () => load(from - Number(limit.value)));
  newer.addEventListener("click", () => load(from + Number(limit.value)));
  newest.addEventListener("click", refresh);
  const go = h("form", { class: "jump" }, field("Go to entry number", jump), h("button", { type: "submit", class: "secondary" }, "Go"));
  go.addEventListener("submit", (event) => {
    event.preventDefault();
    if (jump.value !== "") load(Number(jump.value));
  });

  replace(
    panel,
    h("h2", { id: "entries-title" }, "Entries"),
    h(
      "div",
      { class: "filters" },
      field("Actor", actor),
      field("Action", action),
      field("Outcome", outcome),
      field("Anything", text),
      field("Per page", limit),
      actions,
    ),
    h("p", { class: "hint" }, "The filters narrow the page shown; page on to search further back."),
    h("div", { class: "actions pager" }, newest, newer, older, go),
    where,
    table,
  );
  load(size - Number(limit.value));
}

function entriesTable(entries) {
  if (!entries.length) return h("p", { class: "muted" }, "Nothing to show.");
  const table = h(
    "table",
    { class: "audit stack" },
    h("thead", {}, h("tr", {}, ["#", "Time", "Actor", "Action", "Target", "Outcome", "From", "Details"].map((name) => h("th", { scope: "col" }, name)))),
    h(
      "tbody",
      {},
      entries.map((entry) => {
        const detail = entry.detail && Object.keys(entry.detail).length ? JSON.stringify(entry.detail) : "";
        return h(
          "tr",
          { class: `outcome-${entry.outcome}` },
          h("td", { class: "number" }, String(entry.index)),
          h("td", {}, time(entry.at)),
          h("td", {}, entry.actor),
          h("td", {}, h("code", {}, entry.action)),
          h("td", { class: "target" }, entry.target),
          h("td", {}, h("span", { class: `outcome outcome-${entry.outcome}` }, entry.outcome)),
          h("td", { class: "source" }, entry.source ?? ""),
          h(
            "td",
            { class: "detail" },
            detail.length > 80 ? h("details", {}, h("summary", {}, `${detail.slice(0, 60)}…`), h("pre", {}, JSON.stringify(entry.detail, null, 2))) : h("code", {}, detail),
          ),
        );
      }),
    ),
  );
  return labelCells(table);
}

// ---------------------------------------------------------------------------------------------
// Checking the log's proofs (the formats of crates/humdex-audit: C2SP signed notes with Ed25519,
// RFC 9162 Merkle trees).

const encoder = new TextEncoder();

function fromBase64(text) {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

function concat(parts) {
  const all = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

async function sha256(...parts) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", concat(parts)));
}

function equal(a, b) {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/**
 * Verifies a signed note's Ed25519 signature by `publicKey` (base64) and answers the checkpoint
 * it vouches for. The signed text is the note up to its blank line; a signature line is
 * `— <key name> <base64 of key ID ‖ signature>`, the key ID being the first 4 bytes of
 * SHA-256(name ‖ "\n" ‖ 0x01 ‖ key).
 */
async function verifyNote(note, publicKey) {
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) throw new Error("the note is malformed");
  const text = note.slice(0, split + 1);
  const [origin, size, root, timeLine, ...extra] = text.slice(0, -1).split("\n");
  if (extra.length || !/^(0|[1-9][0-9]*)$/.test(size ?? "") || !timeLine?.startsWith("time ")) {
    throw new Error("the checkpoint text is malformed");
  }
  const key = fromBase64(publicKey);
  if (key.length !== 32) throw new Error("the public key is not 32 bytes");
  let cryptoKey;
  try {
    cryptoKey = await crypto.subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"]);
  } catch (error) {
    throw Object.assign(new Error(error.message), { unsupported: true });
  }
  let signed = false;
  for (const line of note.slice(split + 2, -1).split("\n")) {
    const match = /^— (\S+) (\S+)$/.exec(line);
    if (!match) throw new Error("a signature line is malformed");
    const [, name, encoded] = match;
    const bytes = fromBase64(encoded);
    const id = (await sha256(encoder.encode(name), Uint8Array.of(0x0a, 0x01), key)).slice(0, 4);
    // A signature by another key (a witness's) is not ours to check.
    if (!equal(bytes.slice(0, 4), id)) continue;
    const good = await crypto.subtle.verify({ name: "Ed25519" }, cryptoKey, bytes.slice(4), encoder.encode(text));
    if (!good) throw new Error("the signature by the node's key does not match the note");
    signed = true;
  }
  if (!signed) throw new Error("no signature by the node's key");
  return { origin, size: BigInt(size), root, time: timeLine.slice(5) };
}

function nodeHash(left, right) {
  return sha256(Uint8Array.of(0x01), left, right);
}

/**
 * RFC 9162 §2.1.4.2: checks that `proof` shows the tree of `size1` leaves with root `root1` is a
 * prefix of the tree of `size2` leaves with root `root2`. Sizes are BigInts.
 */
async function verifyConsistency(size1, size2, proof, root1, root2) {
  if (size1 > size2) throw new Error("the sizes are out of order");
  if (size1 === 0n) throw new Error("no proof from the empty log");
  if (size1 === size2) {
    if (proof.length) throw new Error("a proof between equal sizes must be empty");
    if (!equal(root1, root2)) throw new Error("the roots at the same size differ");
    return;
  }
  if (!proof.length) throw new Error("the proof is empty");
  // An old tree of a power-of-two size is a subtree of the new one: start from its root.
  const powerOfTwo = (size1 & (size1 - 1n)) === 0n;
  const [start, rest] = powerOfTwo ? [root1, proof] : [proof[0], proof.slice(1)];
  let first = size1 - 1n;
  let last = size2 - 1n;
  while (first & 1n) {
    first >>= 1n;
    last >>= 1n;
  }
  let oldRoot = start;
  let newRoot = start;
  for (const sibling of rest) {
    if (last === 0n) throw new Error("the proof is too long");
    if (first & 1n || first === last) {
      oldRoot = await nodeHash(sibling, oldRoot);
      newRoot = await nodeHash(sibling, newRoot);
      while (first !== 0n && (first & 1n) === 0n) {
        first >>= 1n;
        last >>= 1n;
      }
    } else {
      newRoot = await nodeHash(newRoot, sibling);
    }
    first >>= 1n;
    last >>= 1n;
  }
  if (last !== 0n) throw new Error("the proof is too short");
  if (!equal(oldRoot, root1)) throw new Error("the earlier root does not follow from the proof");
  if (!equal(newRoot, root2)) throw new Error("the later root does not follow from the proof");
}

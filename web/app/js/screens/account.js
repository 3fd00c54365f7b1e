// Your account: who you are, your password, your second factor and your API tokens. When your
// role requires a second factor you lack, the app shows only this page until you enrol one.

import { api, del, get, post } from "../api.js";
import { download, failure, field, h, labelCells, replace, section, time, when } from "../dom.js";
import { signedIn } from "../main.js";

/** The scopes an API token may carry (`Scope` in the server's auth/tokens.rs). */
const SCOPES = [
  ["records:read", "Read records, their versions and attachments"],
  ["records:write", "Create, edit, move and claim records, attach files, import"],
  ["journal:read", "Read the journal and the dashboard"],
  ["pools:read", "List pools"],
  ["pools:write", "Create pools and change their members"],
];

/** The longest a token may live is 366 days; a date input's last day must stay inside it. */
const MAX_TOKEN_DAYS = 365;

export async function render(screen, app) {
  // The class scopes admin.css, which every screen loads, to these screens.
  const main = screen.appendChild(h("div", { class: "hx-admin" }));
  const me = app.user;
  const required = Boolean(me.mfa_enrollment_required);
  main.append(h("h1", {}, "Your account"));
  if (required) {
    main.append(
      h(
        "div",
        { class: "panel account-required", role: "alert" },
        h("h2", {}, "Your role requires a second factor: enrol one to continue"),
        h(
          "p",
          {},
          "Until you set up an authenticator app below, Humdex shows only this page. ",
          "It takes a minute: scan the code, type the number the app shows, and save your recovery codes.",
        ),
      ),
    );
  }
  const mfa = h("section", { class: "panel", "aria-labelledby": "mfa-title" });
  main.append(
    h(
      "div",
      { class: "account-grid" },
      identity(me),
      mfa,
      // A session that must enrol first may do nothing else.
      required ? null : passwordSection(app),
    ),
  );
  if (!required) main.append(tokensSection(app));
  await showMfa(mfa, app);
}

function identity(me) {
  const authorizations = [...(me.authorizations ?? [])].sort();
  return section(
    "Who you are",
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Username"),
      h("dd", {}, me.username),
      h("dt", {}, "Role"),
      h("dd", {}, me.role),
      h("dt", {}, "Authorizations"),
      h(
        "dd",
        {},
        authorizations.length
          ? h("ul", { class: "authorization-list" }, authorizations.map((name) => h("li", {}, h("code", { class: "scope" }, name))))
          : h("span", { class: "muted" }, "None: you see only unlabelled records and fields."),
      ),
    ),
    h("p", { class: "hint" }, "Only an admin can change your role or authorizations."),
  );
}

/** The second factor: its state, and enrolling or turning it off. */
async function showMfa(panel, app) {
  const title = h("h2", { id: "mfa-title" }, "Second factor");
  replace(panel, title, h("p", { class: "loading" }, "Loading…"));
  let status;
  try {
    status = await get("/auth/mfa");
  } catch (error) {
    replace(panel, title, failure(error));
    return;
  }
  if (status.enabled) {
    replace(panel, title, ...mfaOn(panel, app, status));
  } else {
    replace(panel, title, ...mfaOff(panel, app, status));
  }
}

function mfaOn(panel, app, status) {
  const password = h("input", { type: "password", autocomplete: "current-password", required: true });
  const message = h("p", { class: "error", role: "alert", hidden: true });
  const left = status.recovery_codes_left;
  const form = h(
    "form",
    { class: "stack" },
    field("Your password", password, "Needed to turn the second factor off."),
    message,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "danger" }, "Turn off second factor")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.hidden = true;
    try {
      await api("DELETE", "/auth/mfa", { json: { password: password.value } });
      app.notify("Your second factor is off.", "ok");
      if (status.required) {
        // The role requires one: the session may now only enrol again.
        await signedIn(await api("GET", "/auth/me"));
        app.navigate("/account", { replace: true });
        return;
      }
      await showMfa(panel, app);
    } catch (error) {
      password.value = "";
      message.hidden = false;
      replace(message, error.message);
    }
  });
  return [
    h("p", { class: "state state-on" }, h("span", { "aria-hidden": "true" }, "✔ "), "On: signing in asks for a code from your authenticator app."),
    h(
      "p",
      { class: left <= 2 ? "warn" : "muted" },
      `Recovery codes left: ${left}.`,
      left <= 2 ? " Turn the second factor off and on again to get new ones." : "",
    ),
    status.required
      ? h("p", { class: "hint" }, "Your role requires a second factor: if you turn it off, you must enrol again before you can work.")
      : null,
    form,
  ];
}

function mfaOff(panel, app, status) {
  const message = h("p", { class: "error", role: "alert", hidden: true });
  const start = h("button", { type: "button" }, "Set up an authenticator app");
  const steps = h("div", { class: "enrol" });
  start.addEventListener("click", async () => {
    start.disabled = true;
    message.hidden = true;
    try {
      const enrollment = await post("/auth/mfa/enroll");
      start.hidden = true;
      replace(steps, ...enrolSteps(panel, app, enrollment));
      steps.querySelector("input")?.focus();
    } catch (error) {
      message.hidden = false;
      replace(message, error.message);
    } finally {
      start.disabled = false;
    }
  });
  return [
    h("p", { class: "state state-off" }, "Off: signing in needs only your password."),
    status.required ? null : h("p", { class: "muted" }, "A code from an app on your phone keeps your account safe if your password leaks."),
    status.enrolling ? h("p", { class: "hint" }, "An earlier setup was not finished; starting again replaces it.") : null,
    message,
    h("div", { class: "actions" }, start),
    steps,
  ];
}

function enrolSteps(panel, app, enrollment) {
  const code = h("input", {
    name: "code",
    autocomplete: "one-time-code",
    inputmode: "numeric",
    pattern: "[0-9]{6}",
    maxlength: "6",
    required: true,
  });
  const message = h("p", { class: "error", role: "alert", hidden: true });
  const form = h(
    "form",
    {},
    field("3. The 6-digit code your app shows now", code),
    message,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Turn on second factor")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.hidden = true;
    try {
      const { recovery_codes: codes } = await post("/auth/mfa/confirm", { code: code.value.trim() });
      // The server no longer restricts this session: the app must know too.
      await signedIn(await api("GET", "/auth/me"));
      replace(panel, h("h2", { id: "mfa-title" }, "Second factor"), ...recoveryCodes(panel, app, codes));
      panel.querySelector("h3")?.focus();
    } catch (error) {
      code.value = "";
      message.hidden = false;
      replace(message, error.message);
      code.focus();
    }
  });
  const qr = qrCode(enrollment.qr_svg);
  return [
    h("h3", {}, "1. Scan this code with your authenticator app"),
    qr ?? h("p", { class: "error" }, "The QR code could not be shown safely: type the key below instead."),
    h("h3", {}, "2. Or type this key into the app"),
    h("p", {}, h("code", { class: "secret", "aria-label": "Secret key" }, groups(enrollment.secret))),
    h("p", { class: "hint" }, "Time-based, 6 digits, every 30 seconds (the usual settings)."),
    form,
  ];
}

/** The recovery codes, shown once, and the way on. */
function recoveryCodes(panel, app, codes) {
  const text = `Humdex recovery codes for ${app.user.username}\nEach signs in once in place of a code from your app.\n\n${codes.join("\n")}\n`;
  const copy = h("button", { type: "button", class: "secret-button secondary" }, "Copy");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(codes.join("\n"));
      app.notify("Recovery codes copied.", "ok");
    } catch {
      app.notify("The browser would not copy: select the codes and copy them by hand.", "error");
    }
  });
  const done = h("button", { type: "button" }, "I have saved them: continue");
  done.addEventListener("click", async () => {
    // `app.user` is the user as this screen opened: one who had to enrol may now work.
    if (app.user.mfa_enrollment_required) {
      app.navigate("/", { replace: true });
    } else {
      await showMfa(panel, app);
    }
  });
  return [
    h("p", { class: "state state-on" }, h("span", { "aria-hidden": "true" }, "✔ "), "Your second factor is on."),
    h(
      "div",
      { class: "recovery", role: "region", "aria-labelledby": "recovery-title" },
      h("h3", { id: "recovery-title", tabindex: "-1" }, "Save these recovery codes now"),
      h(
        "p",
        {},
        h("strong", {}, "They are shown only this once. "),
        "If you lose your phone, each code signs you in once instead of a code from the app. ",
        "Keep them in a password manager or printed and locked away, never in an email or chat.",
      ),
      h("ol", { class: "codes" }, codes.map((one) => h("li", {}, h("code", {}, one)))),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "secondary", onclick: () => download(new Blob([text], { type: "text/plain" }), "humdex-recovery-codes.txt") }, "Download as a text file"),
        copy,
        done,
      ),
    ),
  ];
}

/** The key in groups of four, easier to type. */
function groups(secret) {
  return secret.replace(/(.{4})(?=.)/g, "$1 ");
}

/** The SVG elements and attributes a QR code drawing needs; anything else is refused. */
const SVG_ELEMENTS = new Set(["svg", "rect", "path", "g"]);
const SVG_ATTRIBUTES = new Set([
  "xmlns", "version", "width", "height", "viewBox", "shape-rendering", "x", "y", "fill", "d",
]);

/**
 * The server's QR code as an inline <svg> element. The CSP (`default-src 'self'`) blocks blob:
 * and data: images, so the SVG text is parsed and imported instead, and only if it holds
 * nothing but shapes: no script, foreignObject, event handler, link or style.
 */
function qrCode(svgText) {
  const parsed = new DOMParser().parseFromString(svgText, "image/svg+xml");
  const root = parsed.documentElement;
  if (root.localName !== "svg" || root.namespaceURI !== "http://www.w3.org/2000/svg") return null;
  for (const element of [root, ...root.querySelectorAll("*")]) {
    if (!SVG_ELEMENTS.has(element.localName)) return null;
    for (const attribute of element.attributes) {
      if (!SVG_ATTRIBUTES.has(attribute.name)) return null;
    }
  }
  const svg = document.importNode(root, true);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "QR code to scan with your authenticator app");
  svg.classList.add("qr");
  return svg;
}

function passwordSection(app) {
  const current = h("input", { type: "password", autocomplete: "current-password", required: true });
  const next = h("input", { type: "password", autocomplete: "new-password", minlength: "12", required: true });
  const again = h("input", { type: "password", autocomplete: "new-password", minlength: "12", required: true });
  const message = h("p", { class: "error", role: "alert", hidden: true });
  const form = h(
    "form",
    {},
    field("Current password", current),
    field("New password", next, "At least 12 characters. A few unrelated words make a strong one."),
    field("New password again", again),
    message,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Change password")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.hidden = true;
    if (next.value !== again.value) {
      message.hidden = false;
      replace(message, "The two new passwords differ.");
      again.focus();
      return;
    }
    try {
      await post("/auth/password", { current: current.value, new: next.value });
      form.reset();
      app.notify("Password changed. Your other sessions were signed out.", "ok");
    } catch (error) {
      message.hidden = false;
      replace(message, error.message);
      (error.field === "new" ? next : current).focus();
    }
  });
  return section("Password", form);
}

/** API tokens: machines (a hotline bridge, a script) sign in with these, within their scopes. */
function tokensSection(app) {
  const list = h("div", { class: "table-wrap" }, h("p", { class: "loading" }, "Loading…"));
  const created = h("div", { class: "created-token", hidden: true, role: "region", "aria-label": "New token" });
  const name = h("input", { name: "name", maxlength: "100", required: true, placeholder: "hotline bridge" });
  const scopes = SCOPES.map(([scope, meaning]) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "scope", value: scope }), h("code", {}, scope), ` ${meaning}`),
  );
  const today = new Date();
  const expires = h("input", {
    type: "date",
    required: true,
    min: isoDate(addDays(today, 1)),
    max: isoDate(addDays(today, MAX_TOKEN_DAYS)),
    value: isoDate(addDays(today, 90)),
  });
  const user = app.user.role === "admin" ? h("input", { name: "user", placeholder: app.user.username, autocomplete: "off" }) : null;
  const message = h("p", { class: "error", role: "alert", hidden: true });
  const form = h(
    "form",
    { class: "token-form" },
    h("h3", {}, "New token"),
    field("What it is for", name),
    h("fieldset", { class: "checks" }, h("legend", {}, "What it may do"), scopes),
    field("Works until the end of", expires, `At most ${MAX_TOKEN_DAYS} days ahead.`),
    user ? field("For user", user, "Admins may make a token for another user, such as a service account. Empty: yourself.") : null,
    message,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Create token")),
  );

  async function load() {
    try {
      const tokens = await get("/tokens");
      replace(list, tokenTable(tokens, app, load));
    } catch (error) {
      replace(list, failure(error));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.hidden = true;
    const chosen = scopes.map((label) => label.querySelector("input")).filter((box) => box.checked).map((box) => box.value);
    if (!chosen.length) {
      message.hidden = false;
      replace(message, "Choose at least one thing the token may do.");
      return;
    }
    // The end of the chosen day where the user is.
    const end = new Date(`${expires.value}T23:59:59`);
    try {
      const token = await post("/tokens", {
        name: name.value,
        scopes: chosen,
        expires: end.toISOString(),
        user: user?.value.trim() || undefined,
      });
      form.reset();
      expires.value = isoDate(addDays(new Date(), 90));
      showCreated(created, token);
      await load();
    } catch (error) {
      message.hidden = false;
      replace(message, error.message);
    }
  });
  load();
  return h(
    "section",
    { class: "panel" },
    h("h2", {}, "API tokens"),
    h(
      "p",
      { class: "muted" },
      "A program signs in with a token, sent as ",
      h("code", {}, "Authorization: Bearer …"),
      ". It carries your access, limited to the scopes you choose, until it expires or you revoke it.",
    ),
    created,
    list,
    form,
  );
}

function showCreated(panel, token) {
  const value = h("input", { readonly: true, value: token.token, class: "token-value", spellcheck: "false" });
  const copy = h("button", { type: "button", class: "secondary" }, "Copy");
  const status = h("span", { class: "muted", role: "status" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      replace(status, "Copied.");
    } catch {
      value.select();
      replace(status, "Selected: copy it with Ctrl+C.");
    }
  });
  panel.hidden = false;
  replace(
    panel,
    h("h3", {}, `Token “${token.name}” created: copy it now`),
    h("p", {}, h("strong", {}, "This is the only time it is shown."), " Humdex keeps only a hash of it."),
    h("div", { class: "actions" }, field("The token", value), copy, status),
    h("button", {
      type: "button",
      class: "secondary",
      onclick: () => {
        replace(panel);
        panel.hidden = true;
      },
    }, "Done, hide it"),
  );
  value.focus();
  value.select();
}

function tokenTable(tokens, app, reload) {
  if (!tokens.length) return h("p", { class: "muted" }, "No tokens yet.");
  const now = Date.now();
  const showUser = tokens.some((token) => token.user !== app.user.username);
  const table = h(
    "table",
    { class: "tokens stack" },
    h(
      "thead",
      {},
      h("tr", {}, h("th", {}, "Name"), showUser ? h("th", {}, "User") : null, h("th", {}, "Scopes"), h("th", {}, "Created"), h("th", {}, "Expires"), h("th", {}, "State"), h("th", {}, h("span", { class: "visually-hidden" }, "Actions"))),
    ),
    h(
      "tbody",
      {},
      tokens.map((token) => {
        const expired = new Date(token.expires).getTime() <= now;
        const state = token.revoked ? `Revoked ${when(token.revoked)}` : expired ? "Expired" : "Active";
        const revoke = token.revoked || expired
          ? null
          : h("button", {
              type: "button",
              class: "danger",
              "aria-label": `Revoke ${token.name}`,
              onclick: async () => {
                if (!confirm(`Revoke the token “${token.name}”? Whatever uses it stops working at once.`)) return;
                try {
                  await del(`/tokens/${encodeURIComponent(token.id)}`);
                  app.notify(`Token “${token.name}” revoked.`, "ok");
                  await reload();
                } catch (error) {
                  app.notify(error.message, "error");
                }
              },
            }, "Revoke");
        return h(
          "tr",
          { class: token.revoked || expired ? "inactive" : null },
          h("td", {}, token.name),
          showUser ? h("td", {}, token.user) : null,
          h("td", {}, token.scopes.map((scope) => h("code", { class: "scope" }, scope))),
          h("td", {}, time(token.created), token.created_by !== token.user ? h("div", { class: "hint" }, `by ${token.created_by}`) : null),
          h("td", {}, time(token.expires)),
          h("td", {}, state),
          h("td", { class: "row-actions" }, revoke),
        );
      }),
    ),
  );
  return labelCells(table);
}

function addDays(date, days) {
  const later = new Date(date);
  later.setDate(later.getDate() + days);
  return later;
}

/** A local date as `YYYY-MM-DD`, the form a date input takes. */
function isoDate(date) {
  const pad = (number) => String(number).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// Sign in: password, then the second factor when the account has one.

import { api } from "../api.js";
import { field, h, replace } from "../dom.js";
import { signedIn } from "../main.js";

export function render(main, app) {
  const next = safeNext(app.query.get("next"));
  if (app.user) {
    app.navigate(next, { replace: true });
    return;
  }
  const message = h("p", { class: "error", role: "alert", hidden: true });
  const form = h("form", { class: "sign-in", "aria-labelledby": "sign-in-title" });
  main.append(h("div", { class: "sign-in-page" }, h("h1", { id: "sign-in-title" }, "Sign in to Humdex"), form));

  function fail(error) {
    message.hidden = false;
    replace(message, error.message);
  }

  async function finish() {
    await signedIn(await api("GET", "/auth/me"));
    app.navigate(next, { replace: true });
  }

  function askPassword() {
    const username = h("input", { name: "username", autocomplete: "username", required: true, autofocus: true });
    const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
    replace(
      form,
      field("Username", username),
      field("Password", password),
      message,
      h("button", { type: "submit" }, "Sign in"),
    );
    form.onsubmit = async (event) => {
      event.preventDefault();
      try {
        const reply = await api("POST", "/auth/login", {
          json: { username: username.value, password: password.value },
          signingIn: true,
        });
        if (reply.mfa_required) askCode(reply.challenge);
        else await finish();
      } catch (error) {
        password.value = "";
        fail(error);
      }
    };
    username.focus();
  }

  function askCode(challenge) {
    const code = h("input", {
      name: "code",
      autocomplete: "one-time-code",
      inputmode: "text",
      required: true,
      autofocus: true,
    });
    message.hidden = true;
    replace(
      form,
      field("Code from your authenticator app", code, "Or one of your recovery codes."),
      message,
      h("button", { type: "submit" }, "Verify"),
    );
    form.onsubmit = async (event) => {
      event.preventDefault();
      try {
        await api("POST", "/auth/mfa", { json: { challenge, code: code.value.trim() }, signingIn: true });
        await finish();
      } catch (error) {
        // The challenge is single use: a wrong code starts the sign-in again.
        askPassword();
        fail(error);
      }
    };
    code.focus();
  }

  askPassword();
}

/** Only our own screens: `next` must not send anyone to another site. */
function safeNext(next) {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/";
}

// The sign-in form: the MIS's login and password → POST /api/v1/session. The API's refusal (wrong password,
// locked out, inactive, sign-in off) is shown as it says it.

import { api } from "./api.js";
import { h } from "./format.js";
import { t } from "./i18n.js";

/**
 * Draws the form into `container`; `onSignedIn(session)` gets the session body after a 200,
 * `onLanguage()` redraws the page after the language switch.
 */
export function mountSignIn(container, { onSignedIn, onLanguage, notice }) {
    const user = h("input", { id: "login-user", name: "username", type: "text", autocomplete: "username", required: true,
        autocapitalize: "none", spellcheck: false, "data-testid": "login-user" });
    const password = h("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password",
        required: true, "data-testid": "login-password" });
    const submit = h("button", { type: "submit", class: "primary", "data-testid": "login-submit" }, t("signIn.submit"));
    const error = h("p", { class: "form-error", role: "alert", "data-testid": "login-error" }, notice || "");
    const form = h("form", { class: "sign-in", "data-testid": "login-form", "aria-labelledby": "sign-in-title", onsubmit: send },
        h("h1", { id: "sign-in-title" }, t("signIn.title")),
        h("p", { class: "muted" }, t("signIn.hint")),
        h("label", { for: "login-user" }, t("signIn.login")), user,
        h("label", { for: "login-password" }, t("signIn.password")), password,
        error, submit);

    async function send(event) {
        event.preventDefault();
        error.textContent = "";
        submit.disabled = true;
        submit.textContent = t("signIn.busy");
        try {
            const session = await api("POST", "/api/v1/session", { login: user.value.trim(), password: password.value });
            onSignedIn(session);
        } catch (refused) {
            error.textContent = refused.message;
            password.value = "";
            password.focus();
        } finally {
            submit.disabled = false;
            submit.textContent = t("signIn.submit");
        }
    }

    container.replaceChildren(h("div", { class: "sign-in-page" },
        h("div", { class: "sign-in-top" }, h("span", { class: "brand" }, "MisLink"),
            h("button", { type: "button", class: "quiet", "data-testid": "lang-switch", "aria-label": t("lang.switchLabel"), title: t("lang.switchLabel"), onclick: onLanguage },
                t("lang.switch"))),
        form));
    user.focus();
}

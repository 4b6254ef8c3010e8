// The console's calls to MisLink's API, through the session cookie: every state change carries the session's
// CSRF token, answers come in the language shown, a 401 sends the page back to the sign-in form, and a
// refusal is thrown as APIError with the API's own {"error"} text.

import { lang, t } from "./i18n.js";

const { makeAPI, APIError } = window.MisLinkEmbed.ui;

let csrfToken = null;
let unauthorized = () => {};

const changes = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function headers(method) {
    const result = { "Accept-Language": lang };
    if (changes.has(method) && csrfToken) result["X-CSRF-Token"] = csrfToken;
    return result;
}

/** The session's CSRF token (from POST or GET /api/v1/session), or null after signing out. */
export function setCSRFToken(token) {
    csrfToken = token || null;
}

/** Called on every 401 answer (the session ended or expired). */
export function onUnauthorized(handler) {
    unauthorized = handler;
}

/** `api(method, path, body?)` → the answer's JSON; throws APIError. */
export const api = makeAPI({ baseURL: "", t: (key, vars) => t(key, vars), headers, onUnauthorized: () => unauthorized() });

/** A file the API answers with (a recording), as a Blob; throws APIError. */
export async function download(path) {
    let response;
    try {
        response = await fetch(path, { headers: headers("GET") });
    } catch (error) {
        throw new APIError(0, t("error.network"));
    }
    if (response.status === 401) unauthorized();
    if (!response.ok) {
        const answer = await response.json().catch(() => null);
        throw new APIError(response.status, answer && answer.error ? answer.error : t("error.status", { status: response.status }));
    }
    return response.blob();
}

/** A query string of the non-empty values: `?a=1&b=x`, or "" when none. */
export function query(values) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(values)) {
        if (value !== undefined && value !== null && value !== "" && value !== false) params.set(key, String(value));
    }
    const text = params.toString();
    return text ? "?" + text : "";
}

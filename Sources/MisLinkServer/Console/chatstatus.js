// The operator's status in the chat center, in the header: «Чат: не в сети» / «Готов» / «Активен (N)», from
// GET /api/v1/operator/chat-session every 15 s. A click signs the operator in with the chat login and password
// the MIS keeps (POST), or, when signed in, out (DELETE); a refusal is shown as the button's note.

import { h } from "./format.js";
import { t } from "./i18n.js";

const refreshMs = 15000;

/** The header's chat status: returns { element, stop }. */
export function mountChatStatus(api) {
    const text = h("span", { class: "chat-text" }, t("chatStatus.loading"));
    const button = h("button", { type: "button", class: "quiet chat-status", "data-testid": "chat-status", "data-state": "loading" },
        h("span", { class: "dot" }), text);
    const note = h("span", { class: "chat-note", role: "status", "data-testid": "chat-status-note" });
    const element = h("span", { class: "chat-presence" }, button, note);
    let status = null, timer = null, busy = false, stopped = false;

    function draw() {
        if (!status) return;
        button.dataset.state = status.status;
        const label = status.status === "active"
            ? t("chatStatus.active", { threads: status.threads, capacity: status.capacity })
            : t(`chatStatus.${status.status}`);
        text.textContent = label;
        const action = status.status === "offline" ? t("chatStatus.signIn") : t("chatStatus.signOut");
        button.title = `${label}. ${status.can_sign_in || status.status !== "offline" ? action : t("chatStatus.cannot")}`;
        button.setAttribute("aria-label", button.title);
        button.disabled = busy || (status.status === "offline" && !status.can_sign_in);
        note.textContent = status.status === "offline" && status.last_error ? status.last_error : "";
    }

    async function load() {
        try {
            status = await api("GET", "/api/v1/operator/chat-session");
            draw();
        } catch (error) {
            text.textContent = t("chatStatus.unknown");
            button.dataset.state = "unknown";
        }
    }

    button.addEventListener("click", async () => {
        if (!status || busy) return;
        busy = true;
        button.disabled = true;
        note.textContent = "";
        try {
            status = await api(status.status === "offline" ? "POST" : "DELETE", "/api/v1/operator/chat-session");
        } catch (error) {
            await load();
            note.textContent = error.message;
        } finally {
            busy = false;
            draw();
        }
    });

    function tick() {
        if (stopped) return;
        timer = setTimeout(async () => { await load(); tick(); }, refreshMs);
    }
    load().then(tick);
    return { element, stop: () => { stopped = true; clearTimeout(timer); } };
}

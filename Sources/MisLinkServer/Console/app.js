// The operator console: the sign-in form while GET /api/v1/session answers 401, else the header (sections,
// the employee, language, sign-out), the section of the hash route (#/calls, #/chats[/id], #/report, #/pbx) and
// the incoming-call cards of the operator's stream beside it.

import { api, onUnauthorized, setCSRFToken } from "./api.js";
import { mountCalls } from "./calls.js";
import { mountPBXStats } from "./pbx.js";
import { mountChats } from "./chats.js";
import { mountChatStatus } from "./chatstatus.js";
import { h, setTimeZone, shortName, timeZone } from "./format.js";
import { lang, setLang, t, useDefault } from "./i18n.js";
import { mountReport } from "./report.js";
import { mountSignIn } from "./signin.js";

const { CardStack, openStream } = window.MisLinkEmbed.ui;

const app = document.getElementById("app");
const views = { calls: mountCalls, chats: mountChats, report: mountReport, pbx: mountPBXStats };

/** The signed-in state: the session body, the config, the card stack and stream, the section shown. */
let signed = null;

function route() {
    const [name, param] = location.hash.replace(/^#\/?/, "").split("/");
    return { name: views[name] ? name : "calls", param: param ? decodeURIComponent(param) : null };
}

// MARK: - Signing in and out

function showSignIn(notice) {
    if (signed) {
        signed.stream.close();
        signed.chatStatus?.stop();
        signed.view?.unmount?.();
    }
    signed = null;
    setCSRFToken(null);
    mountSignIn(app, { onSignedIn: (session) => start(session), notice, onLanguage: () => { setLang(lang === "en" ? "ru" : "en"); showSignIn(); } });
}

/** Signed in (`session` from GET or POST session); `early` is a config request already under way, if any. */
async function start(session, early) {
    setCSRFToken(session.csrf_token);
    const cards = h("aside", { class: "cards" });
    const stack = new CardStack(cards, { api, t, lang, timeZone, onChange: (card) => signed?.view?.onCard?.(card) });
    // The stream first: a call ringing while the rest loads still shows.
    const stream = openStream({
        url: "/api/v1/operator/stream", stack, api,
        onState: (state) => {
            if (!signed) return;
            signed.streamStatus = state;
            signed.drawStreamState();
        },
        onClosed: () => {
            api("GET", "/api/v1/session").catch(() => {});  // a 401 signs the page out
            return true;
        },
    });
    signed = { session, stack, stream, cards, view: null, config: null, streamStatus: "connecting", drawStreamState: () => {} };
    try {
        signed.config = (await early) || await api("GET", "/api/v1/console/config");
        setTimeZone(signed.config.time_zone);
        useDefault(signed.config.language);
        stack.timeZone = timeZone;
        stack.redraw({ t, lang });
    } catch (error) {
        if (!signed) return;
        console.warn("MisLink: console/config", error);
    }
    if (signed) drawShell();
}

async function signOut() {
    try {
        await api("DELETE", "/api/v1/session");
    } catch (error) {
        // Gone already: the form is what follows either way.
    }
    showSignIn();
}

onUnauthorized(() => {
    if (signed) showSignIn(t("signIn.expired"));
});

// MARK: - The page

function isSupervisor() {
    return signed.session.operator.role !== "operator";
}

function drawShell() {
    const { session } = signed;
    const { name } = route();
    const person = session.operator.name || session.operator.login;
    const link = (section, testid) => h("a", { href: `#/${section}`, "data-testid": testid, "data-section": section,
        "aria-current": name === section ? "page" : null }, t(`nav.${section}`));
    const streamState = h("span", { class: "stream-state", role: "status", title: t("stream.connecting") }, h("span", { class: "dot" }),
        h("span", { class: "stream-text" }, t("stream.connecting")));
    signed.drawStreamState = () => {
        const text = t(`stream.${signed.streamStatus}`);
        streamState.dataset.state = signed.streamStatus;
        streamState.title = text;
        streamState.lastChild.textContent = text;
    };
    const main = h("main", { id: "view", class: "view", tabindex: "-1" });
    signed.chatStatus?.stop();
    signed.chatStatus = mountChatStatus(api);
    app.replaceChildren(
        h("header", { class: "topbar" },
            h("span", { class: "brand" }, "MisLink"),
            h("nav", { "aria-label": t("nav.label") }, link("calls", "nav-calls"), link("chats", "nav-chats"),
                isSupervisor() ? link("report", "nav-report") : null, isSupervisor() ? link("pbx", "nav-pbx") : null),
            h("span", { class: "spacer" }),
            streamState,
            signed.chatStatus.element,
            h("span", { class: "who" },
                h("span", { class: "who-name" }, h("span", { class: "full" }, person), h("span", { class: "short", "aria-hidden": "true" }, shortName(person))),
                h("span", { class: "who-role" }, t(`role.${session.operator.role}`))),
            h("button", { type: "button", class: "quiet", "data-testid": "lang-switch", "aria-label": t("lang.switchLabel"), title: t("lang.switchLabel"),
                onclick: switchLanguage }, t("lang.switch")),
            h("button", { type: "button", class: "quiet", "data-testid": "sign-out", onclick: signOut }, t("signOut"))),
        h("div", { class: "workspace" }, signed.cards, main));  // the cards first: the next Tab stops after the header
    signed.main = main;
    signed.view = null;
    signed.drawStreamState();
    showRoute();
}

function switchLanguage() {
    setLang(lang === "en" ? "ru" : "en");
    signed.view?.unmount?.();
    signed.stack.redraw({ t, lang });
    drawShell();
}

function showRoute() {
    if (!signed || !signed.main) return;
    const { name, param } = route();
    for (const a of app.querySelectorAll(".topbar nav a")) {
        if (a.dataset.section === name) a.setAttribute("aria-current", "page");
        else a.removeAttribute("aria-current");
    }
    if (signed.view && signed.view.name === name && signed.view.update) return signed.view.update(param);
    signed.view?.unmount?.();
    const context = { api, session: signed.session, config: signed.config || {}, supervisor: isSupervisor(), param };
    signed.view = Object.assign({ name }, views[name](signed.main, context) || {});
}

window.addEventListener("hashchange", () => {
    const before = signed?.view?.name;
    showRoute();
    // A keyboard user lands in the section just opened (not when a thread is chosen within the same section).
    if (signed?.view && signed.view.name !== before) signed.main.focus({ preventScroll: true });
});

// MARK: - Start

async function boot() {
    document.documentElement.lang = lang;
    document.title = t("app.title");
    // Both at once: a page reloaded while signed in waits for one round trip, not two.
    const config = api("GET", "/api/v1/console/config").catch(() => null);
    try {
        start(await api("GET", "/api/v1/session"), config);
    } catch (error) {
        if (error.status === 401 || !signed) showSignIn(error.status === 401 ? "" : error.message);
    }
}

boot();

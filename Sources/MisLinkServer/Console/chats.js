// Chats: the operator's threads (GET /api/v1/threads) with the patient and the appeal and the operator's load
// against capacity; a thread's messages, quick replies (templates sent by template_code) and a message box;
// the appeal's chain (GET appeals/{id}/events), booking and closing it. A supervisor picks whose threads.
// Nothing pushes chats to the page: the list is read again every 10 s, the open thread every 5 s.

import { query } from "./api.js";
import { fill, formatPhone, h, instant, local, say, shortName } from "./format.js";
import { lang, t } from "./i18n.js";

const { BookingForm } = window.MisLinkEmbed.ui;

/** Whose threads a supervisor looks at ("mine", "all" or an employee id), kept while the page lives. */
let chosenOperator = "mine";

export function mountChats(container, { api, session, supervisor, config, param }) {
    const me = session.operator.id;
    let threads = [];
    let cursor = null;
    let selected = param ? Number(param) : null;
    let listRequest = 0;
    let messageRequest = 0;
    let pending = [];
    let templates = null;
    let pages = 0;
    let forbidden = false;
    let shown = "";
    const operators = new Map();
    const timers = [];

    // MARK: The list

    const load = h("div", { class: "load", "data-testid": "operator-load", hidden: true });
    const operatorSelect = supervisor ? h("select", { id: "chat-filter-operator", "data-testid": "chat-filter-operator",
        onchange: (event) => { chosenOperator = event.target.value; loadThreads(false); } }) : null;
    const list = h("ul", { class: "threads", "aria-label": t("chats.threads") });
    const listState = h("p", { class: "list-state", role: "status" });
    const more = h("button", { type: "button", class: "more", hidden: true, onclick: () => loadThreads(true) }, t("more"));

    function drawOperators() {
        if (!operatorSelect) return;
        const options = [h("option", { value: "mine" }, t("chats.mine")), h("option", { value: "all" }, t("chats.everyone"))];
        for (const [id, name] of [...operators].sort((a, b) => a[1].localeCompare(b[1]))) {
            if (id !== me) options.push(h("option", { value: String(id) }, name));
        }
        operatorSelect.replaceChildren(...options);
        operatorSelect.value = chosenOperator;
        if (operatorSelect.value !== chosenOperator) operatorSelect.value = chosenOperator = "mine";
    }

    function learnOperators(items) {
        let added = false;
        for (const thread of items) {
            if (thread.operator_id && !operators.has(thread.operator_id)) {
                operators.set(thread.operator_id, thread.operator_name || `#${thread.operator_id}`);
                added = true;
            }
        }
        if (added) drawOperators();
    }

    function whose() {
        if (!supervisor || chosenOperator === "mine") return me;
        return chosenOperator === "all" ? "" : chosenOperator;
    }

    async function loadThreads(append) {
        const mine = ++listRequest;
        try {
            const page = await api("GET", "/api/v1/threads" + query({ operator: whose(), limit: 50, cursor: append ? cursor : "" }));
            if (mine !== listRequest) return;
            threads = append ? threads.concat(page.items) : page.items;
            cursor = page.next_cursor || null;
            pages = append ? pages + 1 : 1;
            more.hidden = !cursor;
            learnOperators(page.items);
            drawLoad(page.load);
            drawList();
            say(listState, threads.length ? "" : t("chats.empty"));
            if (selected) drawAppeal(false);
        } catch (error) {
            if (mine === listRequest) say(listState, error.message, true);
        }
    }

    function drawLoad(value) {
        load.hidden = !value;
        if (!value) return;
        const capacity = value.capacity || config.chat_capacity || 0;
        const full = capacity && value.assigned >= capacity;
        load.replaceChildren(h("span", null, t("chats.load", { assigned: value.assigned, capacity })),
            h("meter", { min: 0, max: capacity || 1, value: value.assigned, low: Math.max(1, capacity - 1), high: capacity, optimum: 0,
                "aria-label": t("chats.load", { assigned: value.assigned, capacity }) }));
        load.classList.toggle("full", Boolean(full));
    }

    function title(thread) {
        return thread.patient_name || thread.patient_display || thread.contact_name || formatPhone(thread.contact_phone) || `#${thread.id}`;
    }

    function drawList() {
        list.replaceChildren(...threads.map((thread) => h("li", null,
            h("a", { href: `#/chats/${thread.id}`, class: "thread", "data-testid": "thread-row", "data-thread-id": thread.id,
                "aria-current": thread.id === selected ? "true" : null },
            h("span", { class: "thread-top" },
                h("span", { class: "thread-name" }, title(thread)),
                h("span", { class: "thread-time" }, instant(thread.last_message_at || thread.opened_at, isToday(thread.last_message_at || thread.opened_at)))),
            h("span", { class: "thread-meta" },
                h("span", { class: "badge" }, t(`channel.${thread.channel}`)),
                thread.appeal_id ? h("span", null, t("chats.appeal", { id: thread.appeal_id })) : null,
                supervisor && thread.operator_name ? h("span", { title: thread.operator_name }, shortName(thread.operator_name)) : null,
                thread.status !== "assigned" ? h("span", null, t(`chats.status.${thread.status}`)) : null,
                thread.unanswered_count ? h("span", { class: "badge unread" }, t("chats.unanswered", { n: thread.unanswered_count })) : null),
            thread.last_message_preview ? h("span", { class: "thread-preview" }, thread.last_message_preview) : null))));
    }

    function isToday(text) {
        return text && instant(text).slice(0, 10) === instant(new Date().toISOString()).slice(0, 10);
    }

    // MARK: The thread

    const messages = h("ol", { class: "messages", "data-testid": "message-list", "aria-live": "polite", tabindex: "0" });
    const threadHead = h("div", { class: "thread-head" });
    const threadState = h("p", { class: "list-state", role: "status" });
    const replies = h("div", { class: "quick-replies", role: "group", "aria-label": t("chats.quickReplies") });
    const input = h("textarea", { id: "message-input", rows: 2, "data-testid": "message-input", placeholder: t("chats.input"),
        onkeydown: (event) => {
            if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
                event.preventDefault();
                send({ text: input.value });
            }
        } });
    const sendButton = h("button", { type: "submit", class: "primary", "data-testid": "message-send" }, t("chats.send"));
    const sendState = h("p", { class: "save-state", role: "status" });
    const composer = h("form", { class: "composer", hidden: true, onsubmit: (event) => { event.preventDefault(); send({ text: input.value }); } },
        replies, h("label", { for: "message-input", class: "visually-hidden" }, t("chats.input")),
        h("div", { class: "composer-row" }, input, sendButton), sendState);
    const conversation = h("section", { class: "conversation", "aria-label": t("chats.title") },
        h("a", { href: "#/chats", class: "back" }, t("chats.back")), threadHead, threadState, messages, composer);

    async function loadMessages(scrollDown) {
        if (!selected) return;
        const id = selected;
        const mine = ++messageRequest;
        try {
            const answer = await api("GET", `/api/v1/threads/${id}/messages`);
            if (mine !== messageRequest || id !== selected) return;
            say(threadState, "");
            composer.hidden = false;
            drawMessages(answer.items, scrollDown);
        } catch (error) {
            if (mine !== messageRequest) return;
            forbidden = error.status === 403;
            messages.replaceChildren();
            shown = "";
            composer.hidden = true;
            say(threadState, error.status === 403 ? t("forbidden", { message: error.message }) : error.message, true);
        }
    }

    /** The messages and those sent from here not yet among them; redrawn only when something changed. */
    function drawMessages(items, scrollDown) {
        const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
        pending = pending.filter((p) => !items.some((m) => m.direction === "out"
            && (p.text ? (m.body || "").trim() === p.text.trim() : Date.parse(m.sent_at) >= p.at - 2000)));
        const signature = JSON.stringify([lang, items.map((m) => [m.id, m.status]), pending.length]);
        if (signature === shown) return;
        shown = signature;
        const rows = items.map((m) => h("li", { class: `message ${m.direction}` },
            h("div", { class: "bubble" }, m.body || ""),
            h("div", { class: "message-meta" }, [m.author_name || (m.author_type !== "client" ? t(`author.${m.author_type}`) : ""), instant(m.sent_at),
                m.direction === "out" ? t(`message.${m.status}`) : ""].filter(Boolean).join(" · "))));
        const waiting = pending.map((p) => h("li", { class: "message out pending" }, h("div", { class: "bubble" }, p.text || p.title),
            h("div", { class: "message-meta" }, t("chats.queued"))));
        if (!rows.length && !waiting.length) rows.push(h("li", { class: "muted empty" }, t("chats.noMessages")));
        messages.replaceChildren(...rows, ...waiting);
        if (scrollDown || atBottom) messages.scrollTop = messages.scrollHeight;
    }

    async function send(body) {
        if (!selected) return;
        if (body.text !== undefined && !body.text.trim()) return;
        sendButton.disabled = true;
        say(sendState, "");
        try {
            await api("POST", `/api/v1/threads/${selected}/messages`, body);
            pending.push({ text: body.text, title: body.title, at: Date.now() });
            if (body.text !== undefined) input.value = "";
            await loadMessages(true);
            setTimeout(() => loadMessages(false), 1500);
        } catch (error) {
            say(sendState, error.message, true);
        } finally {
            sendButton.disabled = false;
            input.focus();
        }
    }

    async function drawReplies(thread) {
        replies.replaceChildren();
        if (!thread) return;
        try {
            templates = templates || (await api("GET", "/api/v1/templates" + query({ kind: "quick_reply", active: "true" }))).items;
        } catch (error) {
            templates = [];
            return say(sendState, error.message, true);
        }
        const fitting = templates.filter((tpl) => tpl.channel === "any" || tpl.channel === thread.channel);
        replies.replaceChildren(...fitting.map((tpl) => h("button", { type: "button", class: "chip", "data-testid": "quick-reply",
            "data-template-code": tpl.code, title: tpl.body, onclick: () => send({ template_code: tpl.code, title: tpl.title || tpl.body }) },
        tpl.title || tpl.code)));
    }

    // MARK: The appeal

    const appeal = h("aside", { class: "appeal", "aria-label": t("chats.events") });
    let appealShown = null;
    /** What the last booking or closing said, kept across the redraw its own change of the appeal causes. */
    let appealNotice = null;

    /** The thread's head and its appeal; a list refresh redraws them only when the appeal changed (a form may be open). */
    function drawAppeal(always) {
        const thread = threads.find((item) => item.id === selected);
        const key = thread ? [thread.id, thread.appeal_id, thread.appeal_status, thread.patient_id].join(":") : String(selected);
        if (!always && key === appealShown) return;
        appealShown = key;
        threadHead.replaceChildren();
        appeal.replaceChildren();
        if (!thread) return;
        fill(threadHead, h("h2", null, title(thread)),
            h("p", { class: "muted" }, [t(`channel.${thread.channel}`), formatPhone(thread.contact_phone), thread.patient_others ? t("calls.others", { n: thread.patient_others }) : null]
                .filter(Boolean).join(" · ")));
        if (!thread.appeal_id) {
            appeal.append(h("p", { class: "muted" }, t("chats.noAppeal")));
            return;
        }
        const events = h("ol", { class: "events", "data-testid": "appeal-events" });
        const panel = h("div", { class: "appeal-panel" });
        const state = h("p", { class: "save-state saved", role: "status" },
            appealNotice && appealNotice.appeal === thread.appeal_id ? appealNotice.text : "");
        const open = !thread.appeal_status || thread.appeal_status === "open";
        fill(appeal, h("h2", null, t("chats.appeal", { id: thread.appeal_id }),
            thread.appeal_status ? h("span", { class: `badge appeal-${thread.appeal_status}` }, t(`chats.appealStatus.${thread.appeal_status}`)) : null),
        open ? h("div", { class: "button-row" },
            h("button", { type: "button", "data-testid": "appeal-book", disabled: !thread.patient_id,
                title: thread.patient_id ? null : t("chats.noPatient"), onclick: () => {
                const form = new BookingForm({ api, t, lang, timeZone: config.time_zone || "UTC", appealId: () => thread.appeal_id,
                    patientId: () => thread.patient_id, onBooked: (booking) => {
                        appealNotice = { appeal: thread.appeal_id, text: t("booking.done", { time: local(booking.start_at) }) };
                        loadEvents(thread, events);
                        loadThreads(false);
                    } });
                panel.replaceChildren(h("div", { class: "mlc-stack" }, form.el));
                form.doctor.focus();
            } }, t("chats.book")),
            h("button", { type: "button", "data-testid": "appeal-cancel", onclick: () => drawCancel(thread, panel, events, state) }, t("chats.cancel"))) : null,
        open && !thread.patient_id ? h("p", { class: "muted" }, t("chats.noPatient")) : null,
        panel, state, h("h3", null, t("chats.events")), events);
        loadEvents(thread, events);
    }

    function drawCancel(thread, panel, events, state) {
        const reason = h("input", { id: "cancel-reason", type: "text", maxLength: 32 });
        panel.replaceChildren(h("form", { class: "inline-form", onsubmit: async (event) => {
            event.preventDefault();
            try {
                await api("POST", `/api/v1/appeals/${thread.appeal_id}/cancel`, reason.value.trim() ? { reason: reason.value.trim() } : {});
                appealNotice = { appeal: thread.appeal_id, text: t("chats.cancelled") };
                say(state, appealNotice.text);
                panel.replaceChildren();
                loadThreads(false);
            } catch (error) {
                say(state, error.message, true);
            }
        } }, h("label", { for: "cancel-reason" }, t("chats.cancelReason")), reason,
        h("button", { type: "submit", class: "primary" }, t("chats.cancel"))));
        reason.focus();
    }

    async function loadEvents(thread, events) {
        try {
            const answer = await api("GET", `/api/v1/appeals/${thread.appeal_id}/events`);
            events.replaceChildren(...answer.items.map((event) => h("li", null,
                h("span", { class: "event-kind" }, t(`event.${event.kind}`) === `event.${event.kind}` ? event.kind : t(`event.${event.kind}`)),
                h("span", { class: "muted" }, [instant(event.at), event.staff_name].filter(Boolean).join(" · ")),
                event.details ? h("span", { class: "event-details" }, event.details) : null)));
        } catch (error) {
            events.replaceChildren(h("li", { class: "error" }, error.message));
        }
    }

    // MARK: Choosing a thread

    function select(id) {
        selected = id ? Number(id) : null;
        pending = [];
        root.classList.toggle("has-thread", Boolean(selected));
        for (const a of list.querySelectorAll("a.thread")) {
            if (Number(a.dataset.threadId) === selected) a.setAttribute("aria-current", "true");
            else a.removeAttribute("aria-current");
        }
        messages.replaceChildren();
        shown = "";
        forbidden = false;
        say(threadState, selected ? t("app.loading") : t("chats.pick"));
        composer.hidden = true;
        input.value = "";
        drawAppeal(true);
        drawReplies(threads.find((item) => item.id === selected) || (selected ? { channel: "any" } : null));
        if (selected) loadMessages(true);
    }

    const root = h("div", { class: "chats" },
        h("section", { class: "thread-list", "aria-labelledby": "chats-title" },
            h("div", { class: "section-head" }, h("h1", { id: "chats-title" }, t("chats.title")),
                operatorSelect ? h("label", { for: "chat-filter-operator", class: "visually-hidden" }, t("chats.operator")) : null, operatorSelect),
            load, listState, list, more),
        conversation, appeal);
    container.replaceChildren(root);
    drawOperators();
    if (supervisor) api("GET", "/api/v1/threads?limit=200").then((page) => learnOperators(page.items)).catch(() => {});
    loadThreads(false).then(() => select(selected));
    // Read again while nothing else is open: a second page of the list, or a thread refused, are left alone.
    timers.push(setInterval(() => { if (pages <= 1) loadThreads(false); }, 10000),
        setInterval(() => { if (!forbidden) loadMessages(false); }, 5000));

    return {
        update(next) {
            if ((next ? Number(next) : null) !== selected) select(next);
        },
        unmount() {
            timers.forEach(clearInterval);
            listRequest += 1;
            messageRequest += 1;
        },
    };
}

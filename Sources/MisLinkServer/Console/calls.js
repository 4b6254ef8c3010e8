// The call log (GET /api/v1/calls): filters, names instead of ids, the comment and the status edited in
// place (PATCH, saved on Enter or on leaving the field), «перезвонить» on missed calls, recordings played
// from a Blob, missed calls still waiting for a call back highlighted, keyset paging with «Ещё».

import { download, query } from "./api.js";
import { clinicDay, dayStartUTC, duration, formatPhone, h, instant, local, say, shortName } from "./format.js";
import { lang, t } from "./i18n.js";

const types = ["in", "out", "missed", "waiting", "internal"];
const results = ["answered", "missed", "abandoned", "not_reached", "failed"];
const statuses = ["to_call_back", "called_back", "no_answer", "resolved", "wrong_number", "spam"];

/** The filters chosen, kept while the page lives (a return to the section finds them). */
const blank = { type: "", result: "", status: "", from: "", to: "", patient: "", phone: "", operator: "" };
const filters = { ...blank };

export function mountCalls(container, { api }) {
    let cursor = null;
    let pages = 0;
    let refreshTimer = null;
    let request = 0;
    let debounce = null;
    const players = new Set();

    const body = h("tbody");
    const refresh = h("button", { type: "button", class: "quiet", "data-testid": "call-log-refresh", onclick: () => load(false) }, "↻ " + t("refresh"));
    const more = h("button", { type: "button", class: "more", "data-testid": "call-log-more", hidden: true, onclick: () => load(true) }, t("more"));
    const state = h("p", { class: "list-state", role: "status" });

    // MARK: Filters

    function select(key, values, prefix) {
        return h("select", { id: `call-filter-${key}`, "data-testid": `call-filter-${key}`, onchange: (event) => set(key, event.target.value) },
            h("option", { value: "" }, t("any")),
            values.map((value) => h("option", { value, selected: filters[key] === value }, t(`${prefix}.${value}`))));
    }
    function text(key, type, extra) {
        return h("input", Object.assign({ id: `call-filter-${key}`, "data-testid": `call-filter-${key}`, type, value: filters[key],
            oninput: (event) => {
                filters[key] = event.target.value;
                clearTimeout(debounce);
                debounce = setTimeout(() => load(false), 450);
            } }, extra));
    }
    function date(key) {
        return h("input", { id: `call-filter-${key}`, "data-testid": `call-filter-${key}`, type: "date", value: filters[key],
            onchange: (event) => set(key, event.target.value) });
    }
    function field(key, label, control) {
        return h("div", { class: "field" }, h("label", { for: `call-filter-${key}` }, label), control);
    }
    function set(key, value) {
        filters[key] = value;
        load(false);
    }

    const form = h("form", { class: "filters", "aria-label": t("calls.filters"), onsubmit: (event) => {
        event.preventDefault();
        clearTimeout(debounce);
        load(false);
    } },
    field("type", t("calls.type"), select("type", types, "calls.type")),
    field("result", t("calls.result"), select("result", results, "calls.result")),
    field("status", t("calls.status"), select("status", statuses, "calls.status")),
    field("from", t("calls.from"), date("from")),
    field("to", t("calls.to"), date("to")),
    field("patient", t("calls.patient"), text("patient", "search", { autocomplete: "off" })),
    field("phone", t("calls.phone"), text("phone", "search", { inputMode: "tel", autocomplete: "off" })),
    field("operator", t("calls.operator"), text("operator", "search", { autocomplete: "off" })),
    h("div", { class: "filter-actions" },
        h("button", { type: "submit", class: "primary", "data-testid": "call-filter-apply" }, t("apply")),
        h("button", { type: "button", "data-testid": "call-filter-reset", onclick: reset }, t("reset"))));

    function reset() {
        Object.assign(filters, blank);
        for (const control of form.querySelectorAll("input, select")) control.value = "";
        load(false);
    }

    function params() {
        // «Пропущенные» is result=missed of any direction; «ждут звонка» those of them nobody has called back.
        const missed = filters.type === "missed" || filters.type === "waiting";
        return {
            type: missed ? "" : filters.type,
            result: missed ? "missed" : filters.result,
            status: filters.status,
            to_call_back: filters.type === "waiting" ? "true" : "",
            from: filters.from ? dayStartUTC(filters.from) : "",
            to: filters.to ? dayStartUTC(filters.to, 1) : "",
            patient_name: filters.patient.trim(),
            // The API reads digits with an optional + and dashes; the brackets and spaces people type go.
            phone: filters.phone.replace(/[^\d+]/g, ""),
            operator_name: filters.operator.trim(),
            limit: 50,
        };
    }

    // MARK: Loading

    async function load(append) {
        const mine = ++request;
        more.disabled = true;
        if (!append) say(state, t("app.loading"));
        try {
            const page = await api("GET", "/api/v1/calls" + query({ ...params(), cursor: append ? cursor : "" }));
            if (mine !== request) return;
            if (!append) {
                stopPlayers();
                body.replaceChildren();
            }
            body.append(...page.items.map(row));
            cursor = page.next_cursor || null;
            pages = append ? pages + 1 : 1;
            refresh.classList.remove("stale");
            more.hidden = !cursor;
            say(state, body.children.length ? "" : t("calls.empty"));
        } catch (error) {
            if (mine === request) say(state, error.message, true);
        } finally {
            if (mine === request) more.disabled = false;
        }
    }

    function stopPlayers() {
        for (const player of players) {
            player.audio.pause();
            URL.revokeObjectURL(player.url);
        }
        players.clear();
    }

    // MARK: A row

    /** The client's side of a call: the number its phone key ends, else the one that is not the PBX's SIP address. */
    function clientNumber(call) {
        const numbers = [call.from_number, call.to_number].filter(Boolean);
        const key = (call.phone_key || "").replace(/\D/g, "").slice(-10);
        return (key && numbers.find((n) => n.replace(/\D/g, "").endsWith(key)))
            || numbers.find((n) => !/^sip:/i.test(n) && n.replace(/\D/g, "").length > 5) || numbers[0] || "";
    }

    /** The start as the log shows it: `07.12 14:05` in the clinic's current year, with the year otherwise. */
    function when(text) {
        const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/.exec(text || "");
        if (!m || m[1] !== clinicDay(0).slice(0, 4)) return local(text);
        return `${m[3]}${lang === "en" ? "/" : "."}${m[2]} ${m[4]}:${m[5]}`;
    }

    function row(call) {
        const waiting = Boolean(call.to_call_back);
        const missed = call.result === "missed";
        const number = call.direction === "internal" ? [call.from_number, call.to_number].filter(Boolean).join(" → ") : clientNumber(call);
        const tr = h("tr", { "data-testid": "call-log-row", "data-call-id": call.id, class: waiting ? "waiting" : missed ? "missed" : null });
        const result = call.result ? t(`calls.result.${call.result}`) : "";
        tr.append(
            h("td", { class: "when", "data-label": t("calls.when"), title: local(call.started_at_local) }, when(call.started_at_local)),
            h("td", { class: "kind", "data-label": t("calls.type") },
                h("span", { class: `dir dir-${call.direction}`, "aria-hidden": "true" }, { in: "↙", out: "↗", internal: "↔" }[call.direction] || ""),
                h("span", { class: "visually-hidden" }, t(`calls.dir.${call.direction}`) + ", "),
                h("span", { class: `result result-${call.result || "none"}` }, result),
                waiting ? h("span", { class: "waiting-note" }, t("calls.waiting")) : null),
            h("td", { class: "number", "data-label": t("calls.number"), title: number }, call.direction === "internal" ? number : formatPhone(number)),
            h("td", { class: "patient", "data-label": t("calls.patient") }, call.patient_name || (call.patient_id ? `#${call.patient_id}` : t("none")),
                call.patient_others > 0 ? h("span", { class: "muted" }, " " + t("calls.others", { n: call.patient_others })) : null),
            h("td", { class: "operator", "data-label": t("calls.operator"), title: call.operator_name || call.answered_by_name || null },
                shortName(call.operator_name || call.answered_by_name) || t("none")),
            h("td", { class: "talk", "data-label": t("calls.talk") }, call.talk_sec ? duration(call.talk_sec) : ""),
            h("td", { class: "status", "data-label": t("calls.status") }, statusField(call)),
            h("td", { class: "comment", "data-label": t("calls.comment") }, commentField(call)),
            h("td", { class: "actions", "data-label": t("calls.actions") }, callBack(call), recordings(call)));
        return tr;
    }

    /** A PATCH of one field of `call`: the field and a mark beside it show «сохранение…», «сохранено» or the refusal. */
    async function save(call, change, control, mark) {
        const show = (symbol, text, state) => {
            mark.replaceChildren(h("span", { "aria-hidden": "true" }, symbol), h("span", { class: "visually-hidden" }, text));
            mark.title = text;
            mark.className = `save-state ${state}`;
            control.dataset.saveState = state;
        };
        show("…", t("saving"), "saving");
        try {
            const updated = await api("PATCH", `/api/v1/calls/${call.id}`, change);
            Object.assign(call, updated);
            show("✓", t("saved"), "saved");
            return true;
        } catch (error) {
            show("!", error.message, "error");
            mark.append(" " + error.message);
            return false;
        }
    }

    function statusField(call) {
        const id = `call-status-${call.id}`;
        const mark = h("span", { class: "save-state", role: "status" });
        const known = call.status && !statuses.includes(call.status) ? [call.status] : [];
        const control = h("select", { id, "data-testid": "call-status", "aria-label": t("calls.status"),
            onchange: () => save(call, { status: control.value }, control, mark) },
        h("option", { value: "" }, t("none")),
        [...statuses, ...known].map((value) => h("option", { value, selected: call.status === value },
            statuses.includes(value) ? t(`calls.status.${value}`) : value)));
        return [control, mark];
    }

    function commentField(call) {
        const mark = h("span", { class: "save-state", role: "status" });
        let stored = call.comment || "";
        const control = h("input", { type: "text", value: stored, maxLength: 1000, "data-testid": "call-comment", "aria-label": t("calls.comment"),
            onkeydown: (event) => {
                if (event.key === "Enter") {
                    event.preventDefault();
                    commit();
                } else if (event.key === "Escape") {
                    control.value = stored;
                }
            },
            oninput: () => { delete control.dataset.saveState; },
            onblur: () => commit() });
        async function commit() {
            const value = control.value;
            if (value === stored) return;
            stored = value;
            if (!(await save(call, { comment: value }, control, mark))) stored = call.comment || "";
        }
        return [control, mark];
    }

    function recordings(call) {
        const count = call.recordings || 0;
        const list = [];
        for (let n = 1; n <= count; n += 1) {
            const mark = h("span", { class: "save-state", role: "status" });
            const button = h("button", { type: "button", class: "play", "data-testid": "call-recording", "aria-label": t("calls.playLabel", { n }),
                onclick: async () => {
                    button.disabled = true;
                    say(mark, t("app.loading"));
                    try {
                        const blob = await download(`/api/v1/calls/${call.id}/recordings/${n}?action=play`);
                        const url = URL.createObjectURL(blob);
                        const audio = h("audio", { controls: true, src: url, preload: "auto", "aria-label": t("calls.playLabel", { n }) });
                        players.add({ audio, url });
                        say(mark, "");
                        button.replaceWith(audio);
                        audio.play().catch(() => {});
                    } catch (error) {
                        button.disabled = false;
                        say(mark, error.message, true);
                    }
                } }, "▶ " + t("calls.play", { n }));
            list.push(h("span", { class: "recording" }, button, mark));
        }
        return list;
    }

    function sameDay(a, b) {
        return instant(a).slice(0, 10) === instant(b).slice(0, 10);
    }

    function callBack(call) {
        if (call.result !== "missed") return null;
        const mark = h("span", { class: "save-state", role: "status" },
            call.called_back_at ? t("calls.calledBack", { time: instant(call.called_back_at, sameDay(call.called_back_at, call.started_at)) }) : "");
        const button = h("button", { type: "button", class: call.to_call_back ? "primary" : null, "data-testid": "call-back",
            onclick: async () => {
                button.disabled = true;
                say(mark, "");
                try {
                    await api("POST", `/api/v1/calls/${call.id}/callback`);
                    say(mark, t("calls.callBackSent"));
                    mark.classList.add("saved");
                } catch (error) {
                    say(mark, error.message, true);
                } finally {
                    setTimeout(() => { button.disabled = false; }, 3000);
                }
            } }, t("calls.callBack"));
        return [button, mark];
    }

    container.replaceChildren(h("section", { class: "calls", "aria-labelledby": "calls-title" },
        h("div", { class: "section-head" }, h("h1", { id: "calls-title" }, t("calls.title")),
            refresh),
        form,
        h("div", { class: "table-wrap" }, h("table", { class: "call-log" },
            h("thead", null, h("tr", null, ["when", "type", "number", "patient", "operator", "talk", "status", "comment", "actions"]
                .map((key) => h("th", { scope: "col" }, t(`calls.${key}`))))),
            body)),
        state, more));
    load(false);

    /**
     * A card came, changed or went: the log is read again a moment later, unless that would disturb the
     * operator (a field being edited, a recording playing, more pages open); then «Обновить» is marked.
     */
    function onCard() {
        clearTimeout(refreshTimer);
        refreshTimer = setTimeout(() => {
            const busy = container.contains(document.activeElement) && document.activeElement.matches("input, select, textarea, audio");
            if (busy || players.size || pages > 1) refresh.classList.add("stale");
            else load(false);
        }, 1500);
    }

    return {
        onCard,
        unmount() {
            clearTimeout(refreshTimer);
            clearTimeout(debounce);
            stopPlayers();
        },
    };
}

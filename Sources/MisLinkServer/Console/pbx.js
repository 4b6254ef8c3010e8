// The PBX's own statistics (supervisors): a period of the clinic's days (at most 31), then the calls the PBX
// reports for it (GET /api/v1/pbx/stats), each party named — the operator by extension, the patient by
// number — beside the number itself. The worker waits for the PBX's report, so an answer can take a while.

import { query } from "./api.js";
import { clinicDay, duration, formatPhone, h, instant, say } from "./format.js";
import { t } from "./i18n.js";

/** The period chosen, kept while the page lives. */
const period = { from: "", to: "" };

export function mountPBXStats(container, { api, supervisor }) {
    if (!supervisor) {
        container.replaceChildren(h("section", { class: "pbx-stats" }, h("h1", null, t("pbx.title")),
            h("p", { class: "form-error", role: "alert" }, t("forbidden.page"))));
        return {};
    }
    if (!period.from) Object.assign(period, { from: clinicDay(-6), to: clinicDay(0) });
    let request = 0;

    const from = h("input", { id: "pbx-from", type: "date", required: true, value: period.from, "data-testid": "pbx-from" });
    const to = h("input", { id: "pbx-to", type: "date", required: true, value: period.to, "data-testid": "pbx-to" });
    const show = h("button", { type: "submit", class: "primary", "data-testid": "pbx-show" }, t("pbx.show"));
    const state = h("p", { class: "list-state", role: "status", "data-testid": "pbx-state" });
    const body = h("tbody");

    /** A party: the name (or «—») and, under it, the extension or number the PBX gave. */
    function party(p) {
        const raw = p.extension ? t("pbx.ext", { ext: p.extension }) : formatPhone(p.number || "");
        const source = p.name_source ? t(`pbx.source.${p.name_source}`) : "";
        return [h("span", { class: "pbx-name", title: source || null }, p.name || t("none")),
            p.patient_others > 0 ? h("span", { class: "muted" }, " " + t("calls.others", { n: p.patient_others })) : null,
            raw ? h("span", { class: "pbx-raw muted" }, raw) : null];
    }

    function row(call) {
        return h("tr", { "data-testid": "pbx-row", "data-entry-id": call.entry_id, class: call.result === "missed" ? "missed" : null },
            h("td", { class: "when", "data-label": t("calls.when") }, call.started_at ? instant(call.started_at) : ""),
            h("td", { class: "kind", "data-label": t("calls.type") }, t(`calls.dir.${call.direction}`), ", ",
                h("span", { class: `result result-${call.result}` }, t(`calls.result.${call.result}`))),
            h("td", { class: "pbx-party", "data-label": t("pbx.from"), "data-testid": "pbx-from-name" }, party(call.from)),
            h("td", { class: "pbx-party", "data-label": t("pbx.to"), "data-testid": "pbx-to-name" }, party(call.to)),
            h("td", { class: "talk", "data-label": t("calls.talk") }, call.talk_sec ? duration(call.talk_sec) : ""),
            h("td", { "data-label": t("pbx.reason") }, call.disconnect_reason ?? ""));
    }

    async function load() {
        Object.assign(period, { from: from.value, to: to.value });
        if (!period.from || !period.to) return;
        const mine = ++request;
        show.disabled = true;
        say(state, t("pbx.waiting"));
        try {
            const page = await api("GET", "/api/v1/pbx/stats" + query({ from: period.from, to: period.to }));
            if (mine !== request) return;
            body.replaceChildren(...page.calls.map(row));
            const note = page.pbx_users_read ? "" : " " + t("pbx.noUsers");
            say(state, (page.calls.length ? t("pbx.count", { n: page.calls.length }) : t("pbx.empty")) + note);
        } catch (error) {
            if (mine === request) say(state, error.message, true);
        } finally {
            if (mine === request) show.disabled = false;
        }
    }

    container.replaceChildren(h("section", { class: "pbx-stats", "aria-labelledby": "pbx-title" },
        h("div", { class: "section-head" }, h("h1", { id: "pbx-title" }, t("pbx.title"))),
        h("p", { class: "muted" }, t("pbx.hint")),
        h("form", { class: "filters", onsubmit: (event) => { event.preventDefault(); load(); } },
            h("div", { class: "field" }, h("label", { for: "pbx-from" }, t("report.from")), from),
            h("div", { class: "field" }, h("label", { for: "pbx-to" }, t("report.to")), to),
            h("div", { class: "filter-actions" }, show)),
        state,
        h("div", { class: "table-wrap" }, h("table", { class: "call-log pbx-log" },
            h("thead", null, h("tr", null, h("th", null, t("calls.when")), h("th", null, t("calls.type")), h("th", null, t("pbx.from")),
                h("th", null, t("pbx.to")), h("th", null, t("calls.talk")), h("th", null, t("pbx.reason")))),
            body))));
    return {};
}

// The appeals report (supervisors): a period of the clinic's days and a channel, then the report's own HTML page
// (GET /api/v1/reports/appeals?format=html) in a frame. A refusal (the API's JSON {"error"}) is shown above it.

import { query } from "./api.js";
import { clinicDay, h, say } from "./format.js";
import { t } from "./i18n.js";

const channels = ["phone", "whatsapp", "telegram", "vk", "viber", "webchat", "email", "sms", "visit", "other"];

/** The period chosen, kept while the page lives. */
const period = { from: "", to: "", channel: "" };

export function mountReport(container, { supervisor }) {
    if (!supervisor) {
        container.replaceChildren(h("section", { class: "report" }, h("h1", null, t("report.title")),
            h("p", { class: "form-error", role: "alert" }, t("forbidden.page"))));
        return {};
    }
    if (!period.from) Object.assign(period, { from: clinicDay(-6), to: clinicDay(0) });

    const from = h("input", { id: "report-from", type: "date", required: true, value: period.from, "data-testid": "report-from" });
    const to = h("input", { id: "report-to", type: "date", required: true, value: period.to, "data-testid": "report-to" });
    const channel = h("select", { id: "report-channel", "data-testid": "report-channel" }, h("option", { value: "" }, t("any")),
        channels.map((value) => h("option", { value, selected: period.channel === value }, t(`channel.${value}`))));
    const state = h("p", { class: "list-state", role: "status" });
    const frame = h("iframe", { class: "report-frame", "data-testid": "report-frame", title: t("report.frame") });

    function preset(days) {
        return h("button", { type: "button", class: "quiet", onclick: () => {
            from.value = clinicDay(-(days - 1));
            to.value = clinicDay(0);
            show();
        } }, t(days === 1 ? "report.today" : days === 7 ? "report.week" : "report.month"));
    }

    function show() {
        Object.assign(period, { from: from.value, to: to.value, channel: channel.value });
        if (!period.from || !period.to) return;
        say(state, t("app.loading"));
        frame.src = "/api/v1/reports/appeals" + query({ format: "html", from: period.from, to: period.to, channel: period.channel });
    }

    // The frame is the console's own origin: a refusal arrives as JSON, read here and said in the page.
    frame.addEventListener("load", () => {
        let refusal = null;
        try {
            const doc = frame.contentDocument;
            if (doc && doc.contentType === "application/json") refusal = JSON.parse(doc.body.textContent).error || null;
        } catch (error) {
            refusal = null;
        }
        say(state, refusal || "", Boolean(refusal));
    });

    container.replaceChildren(h("section", { class: "report", "aria-labelledby": "report-title" },
        h("div", { class: "section-head" }, h("h1", { id: "report-title" }, t("report.title"))),
        h("form", { class: "filters", onsubmit: (event) => { event.preventDefault(); show(); } },
            h("div", { class: "field" }, h("label", { for: "report-from" }, t("report.from")), from),
            h("div", { class: "field" }, h("label", { for: "report-to" }, t("report.to")), to),
            h("div", { class: "field" }, h("label", { for: "report-channel" }, t("report.channel")), channel),
            h("div", { class: "filter-actions" }, h("button", { type: "submit", class: "primary", "data-testid": "report-show" }, t("report.show")),
                preset(1), preset(7), preset(30))),
        state, frame));
    show();
    return {};
}

// Formatting for the console's pages: the card's helpers from embed.js, bound to the language shown and the
// clinic's zone (GET /api/v1/console/config), and the days of the clinic as UTC instants for the API's filters.

import { lang } from "./i18n.js";

const ui = window.MisLinkEmbed.ui;

/** The clinic's IANA zone; UTC until the config arrives. */
export let timeZone = "UTC";

export function setTimeZone(zone) {
    try {
        new Intl.DateTimeFormat("en", { timeZone: zone });
        timeZone = zone;
    } catch (error) {
        console.warn(`MisLink: the clinic's zone ${zone} is unknown to this browser; times are shown in UTC`);
    }
}

export const h = ui.h;
/** Replaces an element's children as h() takes them (nulls skipped, arrays flattened). */
export const fill = ui.fill;
export const formatPhone = ui.formatPhone;

/** The clinic's wall-clock text (no zone), as it is. */
export function local(text, what) {
    return ui.formatLocal(text, lang, what);
}

/** An instant (`…Z`) in the clinic's zone. */
export function instant(text, timeOnly) {
    return ui.formatInstant(text, lang, timeZone, timeOnly);
}

/** Today in the clinic, or `days` on (negative: back), as YYYY-MM-DD. */
export function clinicDay(days) {
    return ui.clinicDay(timeZone, days);
}

/** How far the clinic's zone is ahead of UTC at the instant `ms`, in milliseconds. */
function zoneOffset(ms) {
    const parts = new Intl.DateTimeFormat("en-US", {
        timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(new Date(ms));
    const get = (type) => Number(parts.find((part) => part.type === type).value);
    return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second")) - ms;
}

/** The instant the clinic's day `YYYY-MM-DD` (plus `days`) begins, as ISO 8601 UTC (`…Z`). */
export function dayStartUTC(day, days) {
    const [y, m, d] = day.split("-").map(Number);
    const wall = Date.UTC(y, m - 1, d + (days || 0));
    let guess = wall;
    // Twice: the offset at the first guess may differ from the one at the answer across a change of time.
    for (let round = 0; round < 2; round += 1) guess = wall - zoneOffset(guess);
    return new Date(guess).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** «Васильева Диляра Рустамовна» → «Васильева Д. Р.»; a name of another shape as it is. */
export function shortName(name) {
    const parts = (name || "").trim().split(/\s+/);
    if (parts.length < 2 || parts.length > 3) return name || "";
    return [parts[0], ...parts.slice(1).map((part) => part[0].toUpperCase() + ".")].join(" ");
}

/** 75 → "1:15"; null → "". */
export function duration(seconds) {
    if (seconds === null || seconds === undefined) return "";
    const s = Math.max(0, Math.round(seconds));
    const hours = Math.floor(s / 3600);
    const minutes = Math.floor((s % 3600) / 60);
    const rest = String(s % 60).padStart(2, "0");
    return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** Shows `text` in the small status element `el` (an error in red). */
export function say(el, text, isError) {
    el.textContent = text || "";
    el.classList.toggle("error", Boolean(isError));
}

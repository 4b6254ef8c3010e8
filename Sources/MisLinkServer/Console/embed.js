/*
 * MisLink's incoming-call card, in one classic script.
 *
 * - A web MIS includes it with <script src="https://mislink.example/console/embed.js"> and calls
 *   MisLinkEmbed.mount(element, {baseURL, token, onOpenPatient?}): the token (signed by the MIS with
 *   console.embed_secret) is exchanged at POST /api/v1/session/embed, the card stream is opened with
 *   ?session=, and the cards are drawn inside `element` in a shadow root with their own styles (card.css),
 *   so neither page's styles reach the other. Buttons send the session in X-MisLink-Session.
 * - The console (index.html) loads the same file before its modules and draws its cards with
 *   MisLinkEmbed.ui (CardStack, BookingForm, h, the formatting helpers and the card's strings): one card,
 *   one set of data-testids, wherever it is shown.
 */
(function (global) {
    "use strict";

    // MARK: - Strings

    /** The card's texts; the console's dictionary (i18n.js) takes them in as they are. */
    const strings = {
        ru: {
            "card.region": "Входящие звонки",
            "card.incoming": "Входящий звонок",
            "card.outgoing": "Исходящий звонок",
            "card.talking": "Разговор",
            "card.ended": "Звонок завершён",
            "card.unknown": "Пациент не найден в МИС",
            "card.noNumber": "Номер скрыт",
            "card.others": { one: "и ещё {n} пациент", few: "и ещё {n} пациента", many: "и ещё {n} пациентов", other: "и ещё {n} пациента" },
            "card.candidates": "Кто звонит",
            "card.born": "{date} г. р.",
            "card.lastVisit": "Последний визит",
            "card.noVisits": "визитов не было",
            "card.open": "Открыть в МИС",
            "card.book": "Записать",
            "card.comment": "Комментарий",
            "card.transfer": "Перевести",
            "card.hangup": "Завершить",
            "card.dismiss": "Скрыть карточку",
            "card.noAppeal": "У звонка ещё нет обращения: запись появится, когда разговор начнётся",
            "card.noPatient": "Сначала выберите пациента",
            "card.withdrawn": "Звонок {number} принял коллега",
            "card.closeNote": "Закрыть",
            "card.chosen": "Пациент выбран",
            "card.commentSaved": "Комментарий сохранён",
            "card.commentSave": "Сохранить",
            "card.transferTarget": "Добавочный или номер",
            "card.transferBlind": "Сразу",
            "card.transferConsultative": "С консультацией",
            "card.transferSent": "Перевод отправлен",
            "card.hangupSent": "Звонок завершается",
            "card.cancel": "Отмена",
            "booking.doctor": "Врач",
            "booking.service": "Услуга",
            "booking.slot": "Время",
            "booking.choose": "— выберите —",
            "booking.anyService": "любая услуга",
            "booking.chooseDoctor": "сначала врач",
            "booking.loading": "загрузка…",
            "booking.noSlots": "нет свободного времени на две недели",
            "booking.submit": "Записать",
            "booking.done": "Записано на {time}",
            "booking.needSlot": "Выберите врача и время",
            "booking.minutes": "{n} мин",
            "booking.noDoctors": "— ни у одного врача нет времени —",
            "booking.noServices": "у врача нет услуг со свободным временем",
            "error.network": "Нет связи с MisLink",
            "error.status": "Ошибка {status}",
            "embed.signIn": "MisLink: вход не удался — {message}",
            "embed.ended": "MisLink: сессия завершена, обновите страницу, чтобы снова видеть звонки",
        },
        en: {
            "card.region": "Incoming calls",
            "card.incoming": "Incoming call",
            "card.outgoing": "Outgoing call",
            "card.talking": "On the call",
            "card.ended": "Call ended",
            "card.unknown": "No patient found in the MIS",
            "card.noNumber": "Number withheld",
            "card.others": { one: "and {n} more patient", other: "and {n} more patients" },
            "card.candidates": "Who is calling",
            "card.born": "born {date}",
            "card.lastVisit": "Last visit",
            "card.noVisits": "no visits yet",
            "card.open": "Open in the MIS",
            "card.book": "Book",
            "card.comment": "Comment",
            "card.transfer": "Transfer",
            "card.hangup": "Hang up",
            "card.dismiss": "Dismiss the card",
            "card.noAppeal": "The call has no appeal yet: booking opens once the call is answered",
            "card.noPatient": "Choose the patient first",
            "card.withdrawn": "A colleague answered {number}",
            "card.closeNote": "Close",
            "card.chosen": "Patient chosen",
            "card.commentSaved": "Comment saved",
            "card.commentSave": "Save",
            "card.transferTarget": "Extension or number",
            "card.transferBlind": "Blind",
            "card.transferConsultative": "Consultative",
            "card.transferSent": "Transfer sent",
            "card.hangupSent": "Hanging up",
            "card.cancel": "Cancel",
            "booking.doctor": "Doctor",
            "booking.service": "Service",
            "booking.slot": "Time",
            "booking.choose": "— choose —",
            "booking.anyService": "any service",
            "booking.chooseDoctor": "choose a doctor first",
            "booking.loading": "loading…",
            "booking.noSlots": "no free time in the next two weeks",
            "booking.submit": "Book",
            "booking.done": "Booked for {time}",
            "booking.needSlot": "Choose a doctor and a time",
            "booking.minutes": "{n} min",
            "booking.noDoctors": "— no doctor has free time —",
            "booking.noServices": "the doctor has no service with free time",
            "error.network": "MisLink cannot be reached",
            "error.status": "Error {status}",
            "embed.signIn": "MisLink: sign-in failed — {message}",
            "embed.ended": "MisLink: the session has ended; reload the page to see calls again",
        },
    };

    /**
     * A translator over `dictionaries` ({lang: {key: text | {one, few, many, other}}}) for `lang`, falling
     * back to Russian, then to the key. `{name}` in a text takes vars.name; a plural entry is chosen by vars.n.
     */
    function translator(dictionaries, lang) {
        const rules = new Intl.PluralRules(lang === "en" ? "en" : "ru");
        return function t(key, vars) {
            let entry = (dictionaries[lang] || {})[key];
            if (entry === undefined) entry = (dictionaries.ru || {})[key];
            if (entry === undefined) return key;
            if (typeof entry === "object") entry = entry[rules.select(Number(vars && vars.n) || 0)] || entry.other;
            return vars ? entry.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole)) : entry;
        };
    }

    // MARK: - DOM

    /**
     * A new element: h("button", {class: "x", "data-testid": "y", onclick: f, disabled: true}, "text", child).
     * `on…` functions become listeners, `class`/`data-…`/`aria-…`/`for`/`role` attributes, the rest properties;
     * null, undefined and false children are skipped, arrays flattened.
     */
    function h(tag, props, ...children) {
        const el = document.createElement(tag);
        for (const [key, value] of Object.entries(props || {})) {
            if (value === null || value === undefined || value === false) continue;
            if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
            else if (key === "class" || key === "for" || key === "role" || key.includes("-")) el.setAttribute(key, value === true ? "" : String(value));
            else el[key] = value;
        }
        append(el, children);
        return el;
    }

    /** Replaces the children of `el` with `children` (as h() takes them: nulls skipped, arrays flattened). */
    function fill(el, ...children) {
        el.replaceChildren();
        append(el, children);
        return el;
    }

    function append(el, children) {
        for (const child of children) {
            if (child === null || child === undefined || child === false) continue;
            if (Array.isArray(child)) append(el, child);
            else el.append(child instanceof Node ? child : String(child));
        }
    }

    // MARK: - Formatting

    /** +7 916 123-45-67 for a Russian number in any of its usual forms; anything else as given. */
    function formatPhone(number) {
        if (!number) return "";
        const digits = String(number).replace(/\D/g, "");
        const ten = digits.length === 11 && /^[78]/.test(digits) ? digits.slice(1) : digits.length === 10 ? digits : null;
        if (!ten || /^sip:/i.test(number)) return String(number);
        return `+7 ${ten.slice(0, 3)} ${ten.slice(3, 6)}-${ten.slice(6, 8)}-${ten.slice(8)}`;
    }

    /** Parses the clinic's wall-clock time `2026-11-01T10:00:00` (or with a space) into its parts. */
    function wallClock(text) {
        const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text || "");
        if (!m) return null;
        return { y: +m[1], mo: +m[2], d: +m[3], h: m[4] === undefined ? null : +m[4], mi: +(m[5] || 0), s: +(m[6] || 0) };
    }

    /**
     * A wall-clock time of the clinic (no zone in the text), shown as it is: `what` is "datetime" (the default,
     * `01.11.2026, 10:00`), "date" (`01.11.2026`), "day" (`пн, 01.11`) or "time" (`10:00`).
     */
    function formatLocal(text, lang, what) {
        const p = wallClock(text);
        if (!p) return text || "";
        const pad = (n) => String(n).padStart(2, "0");
        if (what === "time") return p.h === null ? "" : `${pad(p.h)}:${pad(p.mi)}`;
        const date = new Date(Date.UTC(p.y, p.mo - 1, p.d, p.h || 0, p.mi, p.s));
        const options = what === "day" ? { weekday: "short", day: "2-digit", month: "2-digit" } : { day: "2-digit", month: "2-digit", year: "numeric" };
        options.timeZone = "UTC";
        const day = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "ru-RU", options).format(date);
        return (what === "date" || what === "day" || p.h === null) ? day : `${day}, ${pad(p.h)}:${pad(p.mi)}`;
    }

    /** An instant (`…Z`) in the clinic's zone: `01.11.2026 10:00`, or `10:00` with timeOnly. */
    function formatInstant(text, lang, timeZone, timeOnly) {
        if (!text) return "";
        const date = new Date(text);
        if (isNaN(date)) return text;
        const options = { timeZone: timeZone || "UTC", hour: "2-digit", minute: "2-digit" };
        if (!timeOnly) Object.assign(options, { day: "2-digit", month: "2-digit", year: "numeric" });
        return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "ru-RU", options).format(date);
    }

    /** The clinic's wall-clock now, `YYYY-MM-DDTHH:MM:SS` (comparable with the MIS's times as text). */
    function clinicNow(timeZone) {
        const parts = new Intl.DateTimeFormat("en-CA", {
            timeZone: timeZone || "UTC", hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
            hour: "2-digit", minute: "2-digit", second: "2-digit",
        }).formatToParts(new Date());
        const get = (type) => parts.find((p) => p.type === type).value;
        return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}:${get("second")}`;
    }

    /** `YYYY-MM-DD` of today (or `days` on) in the clinic's zone. */
    function clinicDay(timeZone, days) {
        const [y, m, d] = clinicNow(timeZone).slice(0, 10).split("-").map(Number);
        return new Date(Date.UTC(y, m - 1, d + (days || 0))).toISOString().slice(0, 10);
    }

    // MARK: - The API

    /** The error an API answer carries: its {"error"} text (in the language asked for), and the status. */
    class APIError extends Error {
        constructor(status, message) {
            super(message);
            this.status = status;
        }
    }

    /**
     * A caller of MisLink's API: `api(method, path, body?)` → the answer's JSON (null for 204), or throws
     * APIError. `headers()` gives the request's own headers (the session, the CSRF token, the language);
     * `onUnauthorized` hears every 401.
     */
    function makeAPI({ baseURL, headers, onUnauthorized, t }) {
        return async function api(method, path, body) {
            const init = { method, headers: Object.assign({ Accept: "application/json" }, headers(method)) };
            if (body !== undefined) {
                init.headers["Content-Type"] = "application/json";
                init.body = JSON.stringify(body);
            }
            let response;
            try {
                response = await fetch(baseURL + path, init);
            } catch (error) {
                throw new APIError(0, t("error.network"));
            }
            if (response.status === 401 && onUnauthorized) onUnauthorized();
            if (response.status === 204) return null;
            const text = await response.text();
            let json = null;
            try {
                json = text ? JSON.parse(text) : null;
            } catch (error) {
                json = null;
            }
            if (!response.ok) {
                const message = json && typeof json.error === "string" ? json.error : t("error.status", { status: response.status });
                throw new APIError(response.status, message);
            }
            return json;
        };
    }

    // MARK: - Booking

    /**
     * The booking form: doctor, service, a free slot (GET doctors, services, and slots for two weeks from the
     * clinic's today), then POST appeals/{id}/booking. A doctor chosen first narrows the services to those
     * with free time at that doctor, a service chosen first narrows the doctors (the MIS books a service only
     * with its department's doctors); slot lists are read once per doctor and service. `appealId()` and
     * `patientId()` are read when it is sent (a card may get its appeal while the form is open);
     * `onBooked(booking)` after a 201.
     */
    class BookingForm {
        constructor({ api, t, lang, timeZone, appealId, patientId, onBooked }) {
            Object.assign(this, { api, t, lang, timeZone, appealId, patientId, onBooked });
            this.doctors = [];
            this.services = [];
            this.slots = [];
            this.lists = new Map();
            this.generation = 0;
            const id = "mlc-b" + Math.random().toString(36).slice(2, 8);
            this.doctor = h("select", { id: id + "d", "data-testid": "booking-doctor", onchange: () => this.doctorChanged() },
                h("option", { value: "" }, t("booking.loading")));
            this.service = h("select", { id: id + "s", "data-testid": "booking-service", onchange: () => this.serviceChanged() },
                h("option", { value: "" }, t("booking.anyService")));
            this.slot = h("select", { id: id + "t", "data-testid": "booking-slot", disabled: true },
                h("option", { value: "" }, t("booking.chooseDoctor")));
            this.submit = h("button", { type: "submit", class: "mlc-primary", "data-testid": "booking-submit" }, t("booking.submit"));
            this.message = h("p", { class: "mlc-message", role: "status" });
            this.el = h("form", { class: "mlc-booking", onsubmit: (event) => { event.preventDefault(); this.send(); } },
                h("label", { for: id + "d" }, t("booking.doctor")), this.doctor,
                h("label", { for: id + "s" }, t("booking.service")), this.service,
                h("label", { for: id + "t" }, t("booking.slot")), this.slot,
                h("div", { class: "mlc-row" }, this.submit), this.message);
            this.loadLists();
        }

        async loadLists() {
            try {
                const [doctors, services] = await Promise.all([this.api("GET", "/api/v1/doctors"), this.api("GET", "/api/v1/services")]);
                this.doctors = doctors.items;
                this.services = services.items;
                this.drawDoctors(null);
                this.drawServices(null);
            } catch (error) {
                this.say(error.message, true);
            }
        }

        /** The doctors (only `ids` when given), keeping the one chosen when it is among them. */
        drawDoctors(ids) {
            const kept = this.doctor.value;
            const shown = this.doctors.filter((d) => !ids || ids.has(d.id));
            fill(this.doctor, h("option", { value: "" }, this.t(shown.length ? "booking.choose" : "booking.noDoctors")),
                shown.map((d) => h("option", { value: d.id }, d.specialty ? `${d.name} — ${d.specialty}` : d.name)));
            this.doctor.value = kept;
            if (this.doctor.value !== kept) this.doctor.value = "";
        }

        drawServices(ids) {
            const kept = this.service.value;
            const shown = this.services.filter((s) => !ids || ids.has(s.id));
            fill(this.service, h("option", { value: "" }, this.t("booking.anyService")),
                ids && !shown.length ? h("option", { value: "", disabled: true }, this.t("booking.noServices")) : null,
                shown.map((s) => h("option", { value: s.id }, s.minutes ? `${s.name}, ${this.t("booking.minutes", { n: s.minutes })}` : s.name)));
            this.service.value = kept;
            if (this.service.value !== kept) this.service.value = "";
        }

        /** Free slots of a doctor and/or a service over the next two weeks, read once. */
        list(doctor, service) {
            const key = `${doctor}|${service}`;
            if (!this.lists.has(key)) {
                const query = new URLSearchParams({ from: clinicDay(this.timeZone, 0), to: clinicDay(this.timeZone, 13) });
                if (doctor) query.set("doctor", doctor);
                if (service) query.set("service", service);
                const now = clinicNow(this.timeZone);
                this.lists.set(key, this.api("GET", "/api/v1/slots?" + query)
                    .then((answer) => answer.items.filter((slot) => slot.start_at > now))
                    .catch((error) => {
                        this.lists.delete(key);
                        throw error;
                    }));
            }
            return this.lists.get(key);
        }

        /** A doctor chosen: only the services with free time at them are offered (all of them while none is chosen). */
        async doctorChanged() {
            const generation = ++this.generation;
            const doctor = this.doctor.value;
            this.clearSlots(doctor ? "booking.loading" : "booking.chooseDoctor");
            if (doctor && !this.service.value) {
                // Until the doctor's services are known, none is offered: a service picked meanwhile might not be theirs.
                fill(this.service, h("option", { value: "" }, this.t("booking.anyService")), h("option", { value: "", disabled: true }, this.t("booking.loading")));
                try {
                    const found = await Promise.all(this.services.map((s) => this.list(doctor, s.id).then((slots) => (slots.length ? s.id : null))));
                    if (generation !== this.generation) return;
                    this.drawServices(new Set(found.filter(Boolean)));
                } catch (error) {
                    if (generation === this.generation) this.drawServices(null);
                }
            } else if (!doctor) {
                this.drawServices(null);
            }
            this.loadSlots(generation);
        }

        /** A service chosen before a doctor: only the doctors with free time for it are offered. */
        async serviceChanged() {
            const generation = ++this.generation;
            const service = this.service.value;
            this.clearSlots(this.doctor.value ? "booking.loading" : "booking.chooseDoctor");
            if (!this.doctor.value) {
                try {
                    const slots = service ? await this.list("", service) : null;
                    if (generation !== this.generation) return;
                    this.drawDoctors(slots ? new Set(slots.map((slot) => slot.doctor_id)) : null);
                } catch (error) {
                    if (generation === this.generation) this.say(error.message, true);
                }
            }
            this.loadSlots(generation);
        }

        clearSlots(text) {
            this.slots = [];
            this.slot.disabled = true;
            fill(this.slot, h("option", { value: "" }, this.t(text)));
        }

        /** The free slots of the doctor (and service) chosen, by day; an answer for an older choice is dropped. */
        async loadSlots(generation) {
            const doctor = this.doctor.value;
            if (!doctor) return;
            try {
                const slots = await this.list(doctor, this.service.value);
                if (generation !== this.generation) return;
                this.slots = slots;
                if (!slots.length) return this.clearSlots("booking.noSlots");
                const days = new Map();
                slots.forEach((slot, index) => {
                    const day = slot.start_at.slice(0, 10);
                    if (!days.has(day)) days.set(day, h("optgroup", { label: formatLocal(day, this.lang, "day") }));
                    days.get(day).append(h("option", { value: String(index) }, formatLocal(slot.start_at, this.lang, "time")
                        + (slot.minutes ? ` (${this.t("booking.minutes", { n: slot.minutes })})` : "")));
                });
                fill(this.slot, h("option", { value: "" }, this.t("booking.choose")), [...days.values()]);
                this.slot.disabled = false;
            } catch (error) {
                if (generation === this.generation) this.say(error.message, true);
            }
        }

        async send() {
            const slot = this.slots[this.slot.value];
            const appeal = this.appealId();
            if (!this.doctor.value || !slot) return this.say(this.t("booking.needSlot"), true);
            if (!appeal) return this.say(this.t("card.noAppeal"), true);
            const body = { doctor_id: Number(this.doctor.value), start_at: slot.start_at };
            if (this.service.value) body.service_id = Number(this.service.value);
            if (slot.minutes) body.minutes = slot.minutes;
            const patient = this.patientId && this.patientId();
            if (patient) body.patient_id = patient;
            this.submit.disabled = true;
            try {
                const booking = await this.api("POST", `/api/v1/appeals/${appeal}/booking`, body);
                this.say(this.t("booking.done", { time: formatLocal(booking.start_at, this.lang) }));
                this.lists.clear();
                this.slot.selectedOptions[0].remove();
                this.slots = this.slots.map((item) => (item === slot ? null : item));
                if (this.onBooked) this.onBooked(booking);
            } catch (error) {
                this.say(error.message, true);
            } finally {
                this.submit.disabled = false;
            }
        }

        say(text, isError) {
            this.message.textContent = text;
            this.message.classList.toggle("mlc-error", Boolean(isError));
        }
    }

    // MARK: - The card

    /** Cards the page has shown, by call id: when each first appeared (after its frame), for the benchmark. */
    function recordShown(callId) {
        const shown = (global.__mislinkCardShown = global.__mislinkCardShown || {});
        if (shown[callId] !== undefined) return;
        requestAnimationFrame(() => setTimeout(() => {
            if (shown[callId] === undefined) shown[callId] = Date.now();
        }, 0));
    }

    /** One incoming-call card: its facts redrawn on every change, its open panel (booking, comment, transfer) kept. */
    class CardView {
        constructor(stack, card) {
            this.stack = stack;
            this.card = card;
            this.panelName = null;
            this.facts = h("div", { class: "mlc-facts" });
            this.actions = h("div", { class: "mlc-actions" });
            this.panel = h("div", { class: "mlc-panel", hidden: true });
            this.message = h("p", { class: "mlc-message", role: "status" });
            this.el = h("article", { class: "mlc-card", "data-testid": "incoming-card", tabindex: "-1",
                onkeydown: (event) => { if (event.key === "Escape" && this.panelName) this.openPanel(null); } },
            this.facts, this.actions, this.panel, this.message);
            this.draw();
        }

        get t() { return this.stack.t; }

        update(card) {
            // A card whose call ended no longer names the call's appeal: the one it had is still the one to book on.
            const appealId = card.appeal_id || this.card.appeal_id;
            this.card = Object.assign({}, card, { appeal_id: appealId });
            this.draw();
        }

        /** Whether the operator is in the middle of something on it (booking, a comment) the call's end must not take away. */
        get busy() {
            return this.panelName === "book" || this.panelName === "comment";
        }

        draw() {
            const { card, t } = this;
            const lang = this.stack.lang;
            this.el.dataset.cardId = card.id;
            this.el.dataset.callId = card.call_id;
            this.el.dataset.state = card.state;
            this.el.setAttribute("aria-label", `${t(card.direction === "out" ? "card.outgoing" : "card.incoming")} ${formatPhone(card.phone_number)}`);
            const stateText = card.state === "answered_here" ? t("card.talking") : card.state === "closed" ? t("card.ended")
                : t(card.direction === "out" ? "card.outgoing" : "card.incoming");
            const patient = card.patient;
            const others = card.others > 0;
            fill(this.facts,
                h("header", { class: "mlc-head" },
                    h("span", { class: `mlc-state mlc-state-${card.state}` }, stateText),
                    h("span", { class: "mlc-phone" }, card.phone_number ? formatPhone(card.phone_number) : t("card.noNumber")),
                    h("button", { type: "button", class: "mlc-icon", "data-testid": "card-dismiss", title: t("card.dismiss"),
                        "aria-label": t("card.dismiss"), onclick: () => this.dismiss() }, "×")),
                h("div", { class: "mlc-who" },
                    h("strong", { class: "mlc-name", "data-testid": "card-patient-name" }, patient ? patient.name : t("card.unknown")),
                    patient && patient.birth_date ? h("span", { class: "mlc-muted" }, t("card.born", { date: formatLocal(patient.birth_date, lang, "date") })) : null),
                others ? h("button", { type: "button", class: "mlc-link", "data-testid": "card-others", "aria-expanded": String(this.panelName === "candidates"),
                    onclick: () => this.openPanel(this.panelName === "candidates" ? null : "candidates") }, t("card.others", { n: card.others })) : null,
                h("p", { class: "mlc-visit", "data-testid": "card-last-visit" },
                    h("span", { class: "mlc-muted" }, t("card.lastVisit") + ": "),
                    card.last_visit ? [formatLocal(card.last_visit.at, lang), card.last_visit.service ? " · " + card.last_visit.service : ""] : t("card.noVisits")));
            const hasCall = card.state === "shown" || card.state === "answered_here";
            fill(this.actions,
                h("button", { type: "button", "data-testid": "card-open-patient", disabled: !card.patient_url && !(card.patient && this.stack.onOpenPatient),
                    onclick: () => this.openPatient() }, t("card.open")),
                h("button", { type: "button", "data-testid": "card-book", "aria-expanded": String(this.panelName === "book"),
                    title: card.appeal_id ? null : t("card.noAppeal"), onclick: () => this.openPanel(this.panelName === "book" ? null : "book") }, t("card.book")),
                h("button", { type: "button", "data-testid": "card-comment", "aria-expanded": String(this.panelName === "comment"),
                    onclick: () => this.openPanel(this.panelName === "comment" ? null : "comment") }, t("card.comment")),
                h("button", { type: "button", "data-testid": "card-transfer", disabled: !hasCall, "aria-expanded": String(this.panelName === "transfer"),
                    onclick: () => this.openPanel(this.panelName === "transfer" ? null : "transfer") }, t("card.transfer")),
                h("button", { type: "button", class: "mlc-danger", "data-testid": "card-hangup", disabled: !hasCall,
                    onclick: () => this.hangUp() }, t("card.hangup")));
            if (this.panelName === "candidates") this.drawCandidates();
        }

        say(text, isError) {
            this.message.textContent = text || "";
            this.message.classList.toggle("mlc-error", Boolean(isError));
        }

        async act(work, done) {
            this.say("");
            try {
                const result = await work();
                if (done) this.say(done);
                return result;
            } catch (error) {
                this.say(error.message, true);
                return undefined;
            }
        }

        openPatient() {
            const { card } = this;
            if (this.stack.onOpenPatient && card.patient) this.stack.onOpenPatient(card.patient.id, card);
            else if (card.patient_url) global.open(card.patient_url, "_blank", "noopener");
        }

        openPanel(name) {
            this.panelName = name;
            this.panel.hidden = !name;
            this.panel.replaceChildren();
            if (name === "candidates") this.drawCandidates();
            else if (name === "book") this.drawBooking();
            else if (name === "comment") this.drawComment();
            else if (name === "transfer") this.drawTransfer();
            this.draw();
            const first = this.panel.querySelector("select, input, textarea, button");
            if (first) first.focus();
        }

        drawCandidates() {
            const { card, t } = this;
            const lang = this.stack.lang;
            fill(this.panel, h("p", { class: "mlc-muted" }, t("card.candidates")),
                h("ul", { class: "mlc-candidates" }, (card.candidates || []).map((c) => h("li", null,
                    h("button", { type: "button", class: "mlc-candidate", "data-testid": "card-candidate", "data-patient-id": c.id,
                        "aria-pressed": String(Boolean(card.patient && card.patient.id === c.id)),
                        onclick: () => this.choose(c.id) },
                    h("span", { class: "mlc-name" }, c.name),
                    h("span", { class: "mlc-muted" }, [c.birth_date ? t("card.born", { date: formatLocal(c.birth_date, lang, "date") }) : null,
                        c.last_visit_at ? `${t("card.lastVisit").toLowerCase()} ${formatLocal(c.last_visit_at, lang, "date")}` : null]
                        .filter(Boolean).join(" · ")))))));
        }

        async choose(patientId) {
            const updated = await this.act(() => this.stack.api("POST", `/api/v1/cards/${this.card.id}/patient`, { patient_id: patientId }), this.t("card.chosen"));
            if (updated) {
                this.panelName = null;
                this.panel.hidden = true;
                this.stack.apply(updated);
            }
        }

        drawBooking() {
            const { t } = this;
            const notes = [];
            if (!this.card.appeal_id) notes.push(h("p", { class: "mlc-muted" }, t("card.noAppeal")));
            const form = new BookingForm({ api: this.stack.api, t, lang: this.stack.lang, timeZone: this.stack.timeZone,
                appealId: () => this.card.appeal_id, patientId: () => this.card.patient && this.card.patient.id });
            fill(this.panel, ...notes, form.el);
        }

        drawComment() {
            const { t } = this;
            const id = "mlc-c" + this.card.id;
            const text = h("textarea", { id, rows: 2, maxLength: 1000 });
            fill(this.panel, h("form", { class: "mlc-form", onsubmit: async (event) => {
                event.preventDefault();
                await this.act(() => this.stack.api("PATCH", `/api/v1/calls/${this.card.call_id}`, { comment: text.value }), t("card.commentSaved"));
            } }, h("label", { for: id }, t("card.comment")), text,
            h("div", { class: "mlc-row" }, h("button", { type: "submit", class: "mlc-primary" }, t("card.commentSave")))));
        }

        drawTransfer() {
            const { t } = this;
            const id = "mlc-t" + this.card.id;
            const target = h("input", { id, type: "text", required: true, maxLength: 128, autocomplete: "off", inputMode: "tel" });
            const method = (value, label, checked) => h("label", { class: "mlc-radio" },
                h("input", { type: "radio", name: id + "m", value, checked }), label);
            fill(this.panel, h("form", { class: "mlc-form", onsubmit: async (event) => {
                event.preventDefault();
                const chosen = event.currentTarget.querySelector("input[type=radio]:checked").value;
                await this.act(() => this.stack.api("POST", "/api/v1/commands",
                    { kind: "transfer", call_id: this.card.call_id, target: target.value.trim(), method: chosen }), t("card.transferSent"));
            } }, h("label", { for: id }, t("card.transferTarget")), target,
            h("div", { class: "mlc-row" }, method("blind", t("card.transferBlind"), true), method("consultative", t("card.transferConsultative"), false)),
            h("div", { class: "mlc-row" }, h("button", { type: "submit", class: "mlc-primary" }, t("card.transfer")))));
        }

        hangUp() {
            return this.act(() => this.stack.api("POST", "/api/v1/commands", { kind: "hangup", call_id: this.card.call_id }), this.t("card.hangupSent"));
        }

        async dismiss() {
            if (this.card.state === "closed") return this.stack.remove(this);
            const updated = await this.act(() => this.stack.api("POST", `/api/v1/cards/${this.card.id}/dismiss`));
            if (updated) this.stack.apply(updated);
        }
    }

    /**
     * The cards of one operator, newest on top, inside `root`: apply(card) for each card the stream sends
     * (shown and answered_here are drawn; answered_elsewhere withdraws with a short note; closed removes);
     * reconcile(ids, applied) drops cards no longer open after a reconnect.
     * Options: api, t, lang, timeZone, onOpenPatient(patientId, card)?, onChange(card)? (after each card applied).
     */
    class CardStack {
        constructor(root, options) {
            Object.assign(this, options);
            this.root = root;
            this.views = new Map();
            // The newest change seen of each card (its updated_at), and a count of the changes applied: an older
            // answer (GET cards, read while the stream went on) must neither bring back nor take away a card.
            this.seen = new Map();
            this.applied = 0;
            root.classList.add("mlc-stack");
            root.setAttribute("role", "region");
            root.setAttribute("aria-label", this.t("card.region"));
            root.setAttribute("aria-live", "polite");
        }

        /** A card from the stream, or (`fromList`) from GET cards, which only fills in what the stream has not said. */
        apply(card, fromList) {
            const at = Date.parse(card.updated_at) || 0;
            const last = this.seen.get(card.id);
            if (last !== undefined && (at < last || (fromList && at <= last))) return;
            this.seen.set(card.id, at);
            this.applied += 1;
            const view = this.views.get(card.id);
            if (card.state === "shown" || card.state === "answered_here") {
                if (view) {
                    view.update(card);
                    view.applied = this.applied;
                } else {
                    const created = new CardView(this, card);
                    created.applied = this.applied;
                    this.views.set(card.id, created);
                    this.root.prepend(created.el);
                    recordShown(card.call_id);
                }
            } else if (view && card.state === "closed" && view.busy) {
                view.update(card);  // the call ended mid-booking: the card stays until the operator closes it
            } else if (view) {
                this.remove(view);
                if (card.state === "answered_elsewhere") this.note(this.t("card.withdrawn", { number: formatPhone(card.phone_number) }));
            }
            if (this.onChange) this.onChange(card);
        }

        remove(view) {
            const id = view.card.id;
            view.el.remove();
            this.views.delete(id);
            setTimeout(() => { if (!this.views.has(id)) this.seen.delete(id); }, 120000);
        }

        note(text) {
            const note = h("div", { class: "mlc-note", role: "status" }, h("span", null, text),
                h("button", { type: "button", class: "mlc-icon", "aria-label": this.t("card.closeNote"), onclick: () => note.remove() }, "×"));
            this.root.prepend(note);
            setTimeout(() => note.remove(), 6000);
        }

        /**
         * After GET cards (`openIds`, asked for when `applied` changes had been applied): the cards not among
         * them are over, unless the stream changed them since (they are newer than the list) or the operator
         * is still booking on an ended one.
         */
        reconcile(openIds, applied) {
            const open = new Set(openIds);
            for (const [id, view] of this.views) {
                if (!open.has(id) && view.applied <= applied && !(view.busy && view.card.state === "closed")) this.remove(view);
            }
        }

        /** Redraws every card, after a change of language. */
        redraw({ t, lang }) {
            Object.assign(this, { t, lang });
            this.root.setAttribute("aria-label", t("card.region"));
            for (const view of this.views.values()) view.openPanel(view.panelName === "candidates" ? "candidates" : null);
        }

        clear() {
            this.views.clear();
            this.root.replaceChildren();
        }
    }

    // MARK: - The stream

    /**
     * The card stream (`url`): each `event: card` goes to stack.apply; after each (re)connection the open
     * cards are read (GET cards) so a card closed meanwhile goes away. EventSource retries a dropped
     * connection by itself; when it gives up (an error answer) `onClosed` decides, else it is reopened after
     * a pause. `onState("open" | "connecting")` follows the connection. close() ends it.
     */
    function openStream({ url, stack, api, onState, onClosed }) {
        let source = null;
        let timer = null;
        let closed = false;
        let failures = 0;
        function connect() {
            if (closed) return;
            source = new EventSource(url);
            source.addEventListener("card", (event) => {
                try {
                    stack.apply(JSON.parse(event.data));
                } catch (error) {
                    console.error("MisLink: a card that does not parse", error);
                }
            });
            source.addEventListener("open", () => {
                failures = 0;
                if (onState) onState("open");
                const applied = stack.applied;
                api("GET", "/api/v1/cards").then((answer) => {
                    if (answer && answer.items) {
                        answer.items.forEach((card) => stack.apply(card, true));
                        stack.reconcile(answer.items.map((card) => card.id), applied);
                    }
                }).catch(() => {});
            });
            source.addEventListener("error", () => {
                if (onState) onState("connecting");
                if (source.readyState !== EventSource.CLOSED) return;
                failures += 1;
                if (onClosed && onClosed() === false) return;
                timer = setTimeout(connect, Math.min(30000, 2000 * failures));
            });
        }
        connect();
        return {
            close() {
                closed = true;
                clearTimeout(timer);
                if (source) source.close();
            },
        };
    }

    // MARK: - Embedding in the MIS's page

    /**
     * Shows the operator's incoming-call cards inside `element` of the MIS's own page.
     * Options: baseURL (MisLink's address), token (the MIS's signed embed token), onOpenPatient(patientId, card)?
     * (else the card's patient_url opens in a new tab), lang? ("ru" or "en"; without it the worker's console.language).
     * Returns a promise of {operator, unmount()}; it fails (and says so in `element`) when the token is refused.
     * A session that ends (idle, signed out) stops the cards with a note: the MIS mounts again with a new token.
     */
    async function mount(element, options) {
        const baseURL = String(options.baseURL || "").replace(/\/+$/, "");
        let lang = options.lang === "en" ? "en" : "ru";
        let t = translator(strings, lang);
        const shadow = element.attachShadow && !element.shadowRoot ? element.attachShadow({ mode: "open" }) : element;
        shadow.append(h("link", { rel: "stylesheet", href: baseURL + "/console/card.css" }));
        const root = h("div", { class: "mlc-stack mlc-embed", lang });
        shadow.append(root);
        /** Says why the cards stop (the sign-in refused, the session over) where they would be. */
        const stop = (text) => fill(root, h("div", { class: "mlc-note", role: "status" }, h("span", null, text)));

        const exchange = await fetch(baseURL + "/api/v1/session/embed", {
            method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
            body: JSON.stringify({ token: options.token }),
        }).catch(() => null);
        if (!exchange || !exchange.ok) {
            const answer = exchange ? await exchange.json().catch(() => null) : null;
            const message = answer && answer.error ? answer.error : exchange ? t("error.status", { status: exchange.status }) : t("error.network");
            stop(t("embed.signIn", { message }));
            throw new Error(t("embed.signIn", { message }));
        }
        const signed = await exchange.json();
        let stream = null;
        let stack = null;
        const ended = () => {
            if (!stream) return;
            stream.close();
            stream = null;
            stack.clear();
            stop(t("embed.ended"));
        };
        const api = makeAPI({ baseURL, t: (k, v) => t(k, v), onUnauthorized: ended,
            headers: () => ({ "X-MisLink-Session": signed.session, "Accept-Language": lang }) });
        let timeZone = "UTC";
        try {
            const config = await api("GET", "/api/v1/console/config");
            timeZone = config.time_zone || timeZone;
            if (!options.lang && config.language) lang = config.language === "en" ? "en" : "ru";
            t = translator(strings, lang);
            root.lang = lang;
        } catch (error) {
            console.warn("MisLink: console/config", error);
        }
        stack = new CardStack(root, { api, t, lang, timeZone, onOpenPatient: options.onOpenPatient });
        stream = openStream({
            url: `${baseURL}/api/v1/operator/stream?session=${encodeURIComponent(signed.session)}`, stack, api,
            // The stream refused: a session over (401) ends the cards here, anything else is tried again.
            onClosed: () => {
                api("GET", "/api/v1/session").catch(() => {});
                return true;
            },
        });
        return {
            operator: signed.operator,
            unmount() {
                if (stream) stream.close();
                stream = null;
                root.remove();
            },
        };
    }

    global.MisLinkEmbed = {
        mount,
        ui: { strings, translator, h, fill, formatPhone, formatLocal, formatInstant, wallClock, clinicDay, clinicNow, APIError, makeAPI,
            BookingForm, CardStack, openStream },
    };
})(window);

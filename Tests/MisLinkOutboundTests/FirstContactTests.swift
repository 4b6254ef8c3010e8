import Firebird
import Foundation
import MisLinkEmulator
import MisLinkHTTP
import MisLinkSettings
import MisLinkStore
import Testing

@testable import MisLinkOutbound

/// First contact: booking messages and mailings to patients who never wrote to the clinic go out as the
/// messenger's approved template (Chatwoot's new conversation, edna Pulse) instead of SMS; a permanent
/// refusal falls back to SMS, a passing one is retried. Real Firebird, the fake platforms over HTTP.
@Suite(.serialized) struct FirstContactTests {
    static let inbox = 4
    static let confirmation = "visit_confirmation"
    static let mailingTemplate = "clinic_news"

    /// First contact on WhatsApp through Chatwoot's inbox 4 (or edna Pulse's cascade 9 with `pulse-key`).
    static func settings(mailing: String = mailingTemplate) -> MisLinkSettings.FirstContact {
        MisLinkSettings.FirstContact(
            enabled: true, channel: "whatsapp",
            templates: .init(bookingConfirmed: confirmation, bookingReminder: "visit_reminder", mailing: mailing),
            chatwootInboxId: inbox, ednaPulse: .init(baseURL: "", apiKey: "pulse-key", cascadeId: 9))
    }

    /// Patient 2, messengers and SMS consented, with a mobile but no chat thread; a booking for them
    /// (the SCHEDULE trigger queues the confirmation on `messenger`).
    static func bookPatientWithoutThread(_ h: OutboundHarness, scheduleId: Int = 40) async throws {
        try await h.execute(
            """
            INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, MIDDLE_NAME, PHONE_MOBILE, CONSENT_MESSENGERS, CONSENT_SMS)
            VALUES (2, 'Орлова', 'Вера', 'Павловна', '8 (917) 555-44-33', 1, 1)
            """)
        let start = BookingMessageTests.clinicTime(daysAhead: 3, hour: 10, minute: 30)
        try await h.execute(
            """
            INSERT INTO SCHEDULE (ID, PATIENT_ID, DOCTOR_ID, START_AT, END_AT, STATUS)
            VALUES (\(scheduleId), 2, 12, \(start), \(BookingMessageTests.clinicTime(daysAhead: 3, hour: 11, minute: 0)), 'booked')
            """)
    }

    /// The confirmation's row: status, how it went, and why a template gave way.
    static func confirmationRow(_ h: OutboundHarness) async throws -> Row {
        try await h.db.query(
            """
            SELECT ID, STATUS, ATTEMPTS, RESULT_CODE, ERROR, SENT_VIA, SENT_CHANNEL, FALLBACK_REASON, PROVIDER_MESSAGE_ID
              FROM MISLINK_OUTBOX WHERE TEMPLATE_CODE = 'booking_confirmed' AND PATIENT_ID = 2
            """)[0]
    }

    /// `chat.first_contact` from a config file and the environment; a config without it loads as before (off).
    @Test func firstContactSettingsLoadFromTheFileAndTheEnvironment() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fc-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"chat": {"platform": "chatwoot", "capacity": 3}}"#.utf8).write(to: file)
        let old = try MisLinkSettings.load(file: file.path, environment: [:])
        #expect(old.chat.firstContact == MisLinkSettings.FirstContact())
        #expect(old.chat.firstContact.template(code: "booking_confirmed", isMailing: false) == nil, "off by default")

        try Data(#"""
            {"chat": {"first_contact": {"enabled": true, "chatwoot_inbox_id": 4,
              "templates": {"booking_confirmed": "visit_confirmation", "mailing": "clinic_news"},
              "edna_pulse": {"api_key": "k-123456", "cascade_id": 9}}}}
            """#.utf8).write(to: file)
        let loaded = try MisLinkSettings.load(
            file: file.path, environment: ["MISLINK_CHAT_FIRST_CONTACT_TEMPLATES_BOOKING_REMINDER": "visit_reminder"])
        let first = loaded.chat.firstContact
        #expect(first.enabled && first.channel == "whatsapp" && first.chatwootInboxId == 4)
        #expect(first.ednaPulse == .init(baseURL: "https://app.edna.ru", apiKey: "k-123456", cascadeId: 9))
        #expect(first.template(code: "booking_confirmed", isMailing: false) == "visit_confirmation")
        #expect(first.template(code: "booking_reminder", isMailing: false) == "visit_reminder")
        #expect(first.template(code: "booking_moved", isMailing: false) == nil, "no name: that kind stays on SMS")
        #expect(first.template(code: "booking_confirmed", isMailing: true) == "clinic_news")
        #expect(!loaded.redactedDescription.contains("k-123456"), "the Pulse key is a secret")

        try Data(#"{"chat": {"first_contact": {"channel": "pigeon"}}}"#.utf8).write(to: file)
        #expect(throws: SettingsError.self) { try MisLinkSettings.load(file: file.path, environment: [:]) }
    }

    @Test func aBookingConfirmationToAPatientWithoutAThreadGoesAsAWhatsAppTemplate() async throws {
        try await OutboundHarness.with("fc-confirm") { h in
            h.chat.approveTemplate(Self.confirmation, text: "{{1}}, вы записаны на {{2}} к врачу {{3}}.")
            try await Self.bookPatientWithoutThread(h)
            #expect(try await h.dispatcher(firstContact: Self.settings()).drainOnce() == 1)

            let sends = h.chat.firstContactSends
            let error = try await Self.confirmationRow(h).text("ERROR") ?? "-"
            try #require(sends.count == 1, "one template message: \(error)")
            let start = BookingMessageTests.shown(BookingMessageTests.clinicTime(daysAhead: 3, hour: 10, minute: 30))
            #expect(sends[0].platform == "chatwoot")
            #expect(sends[0].channel == "whatsapp")
            #expect(sends[0].template == Self.confirmation)
            #expect(sends[0].phone == "79175554433")
            #expect(sends[0].parameters == ["Вера Павловна", start, "Петров Олег Иванович"])
            #expect(sends[0].text.contains(start), "the whole text as well: \(sends[0].text)")
            #expect(h.pbx.receivedCommands.isEmpty, "no SMS")
            #expect(h.chat.sent.isEmpty, "no message into an existing conversation")

            let row = try await Self.confirmationRow(h)
            #expect(try row.text("STATUS") == "sent")
            #expect(try row.text("SENT_VIA") == "template")
            #expect(try row.text("SENT_CHANNEL") == "whatsapp")
            #expect(try row.text("FALLBACK_REASON") == nil)
            #expect(try row.text("PROVIDER_MESSAGE_ID")?.hasPrefix("conversation:") == true)
            let id = try #require(try row.int("ID"))
            let key = try await h.db.query("SELECT IDEMPOTENCY_KEY FROM MISLINK_OUTBOX WHERE ID = \(id)")[0].text("IDEMPOTENCY_KEY")
            #expect(h.chat.firstContactAttempts.map(\.key) == [key], "the row's idempotency key")

            // A second booking of the same patient finds the contact Chatwoot already has.
            try await h.execute(
                """
                INSERT INTO SCHEDULE (ID, PATIENT_ID, DOCTOR_ID, START_AT, END_AT, STATUS)
                VALUES (41, 2, 12, \(BookingMessageTests.clinicTime(daysAhead: 5, hour: 9, minute: 0)),
                        \(BookingMessageTests.clinicTime(daysAhead: 5, hour: 9, minute: 30)), 'booked')
                """)
            #expect(try await h.dispatcher(firstContact: Self.settings()).drainOnce() == 1)
            #expect(h.chat.firstContactSends.map(\.phone) == ["79175554433", "79175554433"])
        }
    }

    @Test func anUnapprovedTemplateFallsBackToSMS() async throws {
        try await OutboundHarness.with("fc-unapproved") { h in
            try await h.execute("UPDATE OR INSERT INTO MISLINK_SETTINGS (NAME, VAL) VALUES ('mango.sms_from_extension', '101') MATCHING (NAME)")
            // Nothing approved at the platform under that name.
            try await Self.bookPatientWithoutThread(h)
            #expect(try await h.dispatcher(firstContact: Self.settings()).drainOnce() == 1)

            #expect(h.chat.firstContactSends.isEmpty)
            #expect(h.chat.firstContactAttempts.map(\.status) == [422], "the template was tried once and refused")
            let sms = h.pbx.receivedCommands.filter { $0.path.contains("sms") }
            try #require(sms.count == 1, "the SMS the patient consented to")
            #expect(sms[0].json.contains("79175554433"))
            let row = try await Self.confirmationRow(h)
            #expect(try row.text("STATUS") == "sent")
            #expect(try row.int("ATTEMPTS") == 1)
            #expect(try row.text("SENT_VIA") == "sms")
            #expect(try row.text("SENT_CHANNEL") == "sms")
            let reason = try #require(try row.text("FALLBACK_REASON"))
            #expect(reason.contains(Self.confirmation) && reason.contains("422"), "why: \(reason)")
        }
    }

    @Test func aPhoneNotOnTheMessengerFallsBackAndWithoutSMSConsentFails() async throws {
        try await OutboundHarness.with("fc-not-on") { h in
            h.chat.approveTemplate(Self.confirmation, text: "{{1}}, вы записаны на {{2}} к врачу {{3}}.")
            h.chat.markNotOnMessenger("79175554433")
            try await Self.bookPatientWithoutThread(h)
            try await h.execute("UPDATE PATIENTS SET CONSENT_SMS = 0 WHERE ID = 2")
            // The row was queued with SMS consent; the worker reads consent from its PARAMS, so queue another without it.
            try await h.execute(
                """
                INSERT INTO MISLINK_OUTBOX (KIND, CHANNEL, RECIPIENT, PHONE_KEY, TEMPLATE_CODE, PARAMS, PATIENT_ID, SOURCE)
                VALUES ('message', 'messenger', '79175554433', '79175554433', 'booking_reminder',
                        '{"patient_id":2,"consent_sms":0,"consent_messengers":1}', 2, 'schedule')
                """)
            h.chat.approveTemplate("visit_reminder", text: "{{1}}, напоминаем о записи {{2}} к врачу {{3}}.")
            try await h.execute("UPDATE MISLINK_OUTBOX SET STATUS = 'cancelled' WHERE TEMPLATE_CODE = 'booking_confirmed'")
            try await h.execute(
                "UPDATE MISLINK_OUTBOX SET STATUS = 'cancelled' WHERE TEMPLATE_CODE = 'booking_reminder' AND SCHEDULE_ID IS NOT NULL")
            #expect(try await h.dispatcher(firstContact: Self.settings()).drainOnce() == 1)
            let row = try await h.db.query(
                "SELECT STATUS, ERROR, SENT_VIA FROM MISLINK_OUTBOX WHERE TEMPLATE_CODE = 'booking_reminder' AND SCHEDULE_ID IS NULL")[0]
            #expect(try row.text("STATUS") == "failed", "refused for good, and no SMS to fall back to")
            let error = try row.text("ERROR") ?? "-"
            #expect(error.contains("not a whatsapp user"), "\(error)")
            #expect(try row.text("SENT_VIA") == nil)
            #expect(h.pbx.receivedCommands.isEmpty)
        }
    }

    @Test func aServerErrorIsRetriedAndTheTemplateSentOnce() async throws {
        try await OutboundHarness.with("fc-retry") { h in
            h.chat.approveTemplate(Self.confirmation, text: "{{1}}, вы записаны на {{2}} к врачу {{3}}.")
            h.chat.failNextFirstContacts([503])
            try await Self.bookPatientWithoutThread(h)
            let dispatcher = h.dispatcher(firstContact: Self.settings())
            #expect(try await dispatcher.drainOnce() == 1)
            var row = try await Self.confirmationRow(h)
            #expect(try row.text("STATUS") == "pending", "a 503 passes: retried later")
            #expect(try row.text("RESULT_CODE") == "503")
            #expect(h.pbx.receivedCommands.isEmpty, "no SMS for a passing failure")

            let sent = try await h.eventually(within: 10) {
                _ = try await dispatcher.drainOnce()
                return try await Self.confirmationRow(h).text("STATUS") == "sent"
            }
            #expect(sent)
            row = try await Self.confirmationRow(h)
            #expect(try row.int("ATTEMPTS") == 2)
            #expect(try row.text("SENT_VIA") == "template")
            #expect(h.chat.firstContactAttempts.map(\.status) == [503, 200])
            #expect(Set(h.chat.firstContactAttempts.map(\.key)).count == 1, "both with the row's key")
            #expect(h.chat.firstContactSends.count == 1, "sent once")
            #expect(h.pbx.receivedCommands.isEmpty)
        }
    }

    /// Chatwoot opens the conversation but the answer is lost on the way back: the retry finds the conversation
    /// by the row's key in its attributes and does not open a second one (the patient gets the template once).
    @Test func aLostAnswerDoesNotSendTheTemplateTwice() async throws {
        try await OutboundHarness.with("fc-lost") { h in
            h.chat.approveTemplate(Self.confirmation, text: "{{1}}, вы записаны на {{2}} к врачу {{3}}.")
            h.chat.loseNextFirstContactAnswers(1)
            try await Self.bookPatientWithoutThread(h)
            let dispatcher = h.dispatcher(firstContact: Self.settings())
            let sent = try await h.eventually(within: 15) {
                _ = try await dispatcher.drainOnce()
                return try await Self.confirmationRow(h).text("STATUS") == "sent"
            }
            #expect(sent)
            let row = try await Self.confirmationRow(h)
            #expect(try row.int("ATTEMPTS") == 2, "the lost answer was retried")
            #expect(h.chat.firstContactAttempts.map(\.status) == [200], "the retry opened no second conversation")
            #expect(h.chat.firstContactSends.count == 1)
            #expect(try row.text("PROVIDER_MESSAGE_ID")?.hasPrefix("conversation:") == true)
        }
    }

    /// A mailing to patients with and without threads: the one with a WhatsApp thread gets it there, the ones
    /// without through the mailing template, the one with SMS only by SMS.
    @Test func aMailingToPatientsWithoutThreadsUsesTheTemplate() async throws {
        try await OutboundHarness.with("fc-mailing") { h in
            try await MailingTests.seed(h)
            try await h.execute("UPDATE OR INSERT INTO MISLINK_SETTINGS (NAME, VAL) VALUES ('mango.sms_from_extension', '101') MATCHING (NAME)")
            try await h.execute("DELETE FROM MISLINK_CHAT_THREADS WHERE ID = 112")
            h.chat.approveTemplate(Self.mailingTemplate, text: "{{1}}, сообщение клиники: {{2}}")
            let created = try await MailingTests.create(h, ids: [102, 107, 111, 112])
            #expect(created.queued == 4)
            #expect(try await h.dispatcher(firstContact: Self.settings()).drainOnce() == 4)

            let sends = h.chat.firstContactSends.sorted { $0.phone < $1.phone }
            #expect(sends.map(\.phone) == ["79170000107", "79170000112"])
            #expect(sends.allSatisfy { $0.template == Self.mailingTemplate && $0.channel == "whatsapp" })
            #expect(sends.first?.parameters == ["Лев Петрович", "Лев Петрович, ваши анализы готовы."])
            #expect(try BookingMessageTests.contents(h.chat) == ["Ян Петрович, ваши анализы готовы."], "into 111's thread")
            #expect(h.pbx.receivedCommands.filter { $0.path.contains("sms") }.count == 1, "102 by SMS")

            let via = try await h.db.query(
                "SELECT PATIENT_ID, STATUS, SENT_VIA, SENT_CHANNEL FROM MISLINK_OUTBOX WHERE BATCH_ID = \(String(created.id)) ORDER BY PATIENT_ID")
            let summary = try via.map { "\(try $0.int("PATIENT_ID") ?? 0):\(try $0.text("STATUS") ?? "")/\(try $0.text("SENT_VIA") ?? "-")/\(try $0.text("SENT_CHANNEL") ?? "-")" }
            #expect(summary == ["102:sent/sms/sms", "107:sent/template/whatsapp", "111:sent/thread/whatsapp", "112:sent/template/whatsapp"])
            let report = try await MailingTests.report(h, created.id)
            #expect(report.counts["sent"] == 4)
        }
    }

    /// edna: edna Pulse schedules the template; a repeat of a message it already took (an answer lost on the
    /// way back) is refused as a duplicate, which counts as sent, and nothing goes twice.
    @Test func ednaPulseTakesTheTemplateAndItsDuplicateRefusalCountsAsSent() async throws {
        try await OutboundHarness.with("fc-edna") { h in
            h.chat.approveTemplate(Self.confirmation, text: "Вы записаны на приём к врачу {{1}} на {{2}}.")
            try await Self.bookPatientWithoutThread(h)
            var settings = Self.settings()
            settings.ednaPulse.baseURL = h.chatServer.baseURL
            let row = try await Self.confirmationRow(h)
            let id = try #require(try row.int("ID"))
            let key = try await h.db.query("SELECT IDEMPOTENCY_KEY FROM MISLINK_OUTBOX WHERE ID = \(id)")[0].text("IDEMPOTENCY_KEY")
            #expect(try await h.dispatcher(platform: "edna", firstContact: settings).drainOnce() == 1)
            let sends = h.chat.firstContactSends
            try #require(sends.count == 1)
            #expect(sends[0].platform == "edna")
            #expect(sends[0].key == key)
            #expect(sends[0].phone == "79175554433")
            #expect(try await Self.confirmationRow(h).text("SENT_VIA") == "template")

            // The same request again, as a retry after a lost answer sends it: refused, and the row counts it sent.
            try await h.execute("UPDATE MISLINK_OUTBOX SET STATUS = 'pending', SENT_VIA = NULL WHERE ID = \(id)")
            #expect(try await h.dispatcher(platform: "edna", firstContact: settings).drainOnce() == 1)
            #expect(h.chat.firstContactAttempts.map(\.status) == [200, 409])
            #expect(h.chat.firstContactSends.count == 1, "not sent twice")
            let again = try await Self.confirmationRow(h)
            #expect(try again.text("STATUS") == "sent")
            #expect(try again.text("RESULT_CODE") == "409")
            #expect(try again.text("SENT_VIA") == "template")
            #expect(h.pbx.receivedCommands.isEmpty)
        }
    }
}

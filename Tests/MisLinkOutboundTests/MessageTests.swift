import Firebird
import Foundation
import MisLinkEmulator
import Testing

@testable import MisLinkOutbound

/// Outbox messages through the fake Chatwoot and edna: sent once, texts from BODY, templates and
/// built-in wording, results written back, expiry.
@Suite(.serialized) struct MessageTests {
    @Test func aMessageIsSentOnceThroughChatwootAndItsResultWrittenBack() async throws {
        try await OutboundHarness.with("ob-msg") { h in
            let id = try await h.insertMessage(body: "Ждём вас завтра в 10:00 😊")
            let dispatcher = h.dispatcher()

            #expect(try await dispatcher.drainOnce() == 1)
            #expect(try await dispatcher.drainOnce() == 0, "a sent row is never claimed again")

            let sent = h.chat.sent
            try #require(sent.count == 1)
            #expect(sent[0].platform == "chatwoot")
            #expect(sent[0].path == "/api/v1/accounts/3/conversations/77/messages")
            #expect(sent[0].credential == "chatwoot-token")
            let content = try JSONSerialization.jsonObject(with: Data(sent[0].body.utf8)) as? [String: Any]
            #expect(content?["content"] as? String == "Ждём вас завтра в 10:00 😊")
            #expect(h.chat.messagePosts.first?.idempotencyKey == "outbox:\(id)")

            let row = try await h.outbox(id)
            #expect(try row.text("STATUS") == "sent")
            #expect(try row.int("ATTEMPTS") == 1)
            #expect(try row.text("RESULT_CODE") == "200")
            #expect(try row.text("PROVIDER_MESSAGE_ID") == "5001")
            #expect(row["SENT_AT"]?.isNull == false)
            #expect(try row.text("CLAIMED_BY") == "worker-a")
            #expect(try row.text("ERROR") == nil)
        }
    }

    /// The SCHEDULE trigger queues `booking_confirmed` for a patient who consented to messengers; the
    /// dispatcher finds the patient's WhatsApp thread by phone key, prefers the template of that
    /// channel over the `any` one, and fills the placeholders from PARAMS and the MIS's tables.
    @Test func aBookingMessageIsRenderedFromTheChannelTemplate() async throws {
        try await OutboundHarness.with("ob-tpl") { h in
            try await h.execute(
                "INSERT INTO MISLINK_TEMPLATES (CODE, CHANNEL, BODY) VALUES ('booking_confirmed', 'any', 'ANY {patient_name}')")
            try await h.execute(
                """
                INSERT INTO MISLINK_TEMPLATES (CODE, CHANNEL, BODY) VALUES ('booking_confirmed', 'whatsapp',
                  '{patient_name}, вы записаны к врачу {doctor_name} на {start_local}, кабинет {cabinet}.{unknown}')
                """)
            // A visit in three days at 10:30 clinic time (UTC+3).
            let moscow = TimeZone(secondsFromGMT: 10800)!
            var day = FirebirdTimestamp(Date().addingTimeInterval(3 * 86400), in: moscow)
            day.time = FirebirdTime(hour: 10, minute: 30, second: 0)
            var end = day
            end.time = FirebirdTime(hour: 11, minute: 0, second: 0)
            try await h.execute(
                """
                INSERT INTO SCHEDULE (ID, PATIENT_ID, DOCTOR_ID, START_AT, END_AT, STATUS, CABINET)
                VALUES (10, 1, 12, \(day), \(end), 'booked', '214')
                """)
            let queued = try await h.db.query("SELECT ID, TEMPLATE_CODE FROM MISLINK_OUTBOX WHERE SCHEDULE_ID = 10 ORDER BY ID")
            #expect(queued.count == 2, "the confirmation and the reminder")

            #expect(try await h.dispatcher().drainOnce() == 1, "the reminder is not due yet")
            let sent = try #require(h.chat.sent.first)
            let content = try JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any]
            let date = String(format: "%02d.%02d.%04d 10:30", day.date.day, day.date.month, day.date.year)
            #expect(content?["content"] as? String == "Мария Ивановна, вы записаны к врачу Петров Олег Иванович на \(date), кабинет 214.{unknown}")
            #expect(sent.path.hasSuffix("/conversations/77/messages"))
            let reminder = try await h.outbox(try queued[1].decode(Int64.self, at: 0))
            #expect(try reminder.text("STATUS") == "pending")
            #expect(try reminder.int("ATTEMPTS") == 0)
        }
    }

    @Test func aCodeWithoutATemplateGetsTheBuiltInText() async throws {
        try await OutboundHarness.with("ob-builtin") { h in
            let id = try await h.insertMessage(
                template: "booking_cancelled", params: #"{"schedule_id":5,"start_local":"2030-03-01T09:15:00","doctor_id":null}"#)
            #expect(try await h.dispatcher().drainOnce() == 1)
            let content = try JSONSerialization.jsonObject(with: Data(try #require(h.chat.sent.first).body.utf8)) as? [String: Any]
            #expect(content?["content"] as? String == "Ваша запись на приём на 01.03.2030 09:15 отменена.")
            #expect(try await h.outbox(id).text("STATUS") == "sent")

            let unknown = try await h.insertMessage(template: "no_such_code")
            #expect(try await h.dispatcher().drainOnce() == 1)
            let row = try await h.outbox(unknown)
            #expect(try row.text("STATUS") == "failed")
            #expect(try row.text("ERROR")?.contains("no_such_code") == true)
        }
    }

    /// edna: the INTEGRATOR token is fetched on first use and fetched again when it has expired (401).
    @Test func ednaLogsInAndLogsInAgainWhenTheTokenExpires() async throws {
        try await OutboundHarness.with("ob-edna", chat: FakeChatConfiguration(ednaTokenLifetime: .milliseconds(400))) { h in
            let dispatcher = h.dispatcher(platform: "edna")
            try await h.insertMessage(body: "Первое", channel: "telegram", threadId: OutboundHarness.ednaThread)
            #expect(try await dispatcher.drainOnce() == 1)
            try await Task.sleep(for: .milliseconds(900))
            let second = try await h.insertMessage(body: "Второе", channel: "telegram", threadId: OutboundHarness.ednaThread)
            #expect(try await dispatcher.drainOnce() == 1)

            let sent = h.chat.sent
            try #require(sent.count == 2)
            #expect(sent.allSatisfy { $0.platform == "edna" && $0.path == "/api/v1/messages/outgoing" })
            #expect(sent[0].credential != sent[1].credential, "a new token after the first expired")
            let body = try JSONSerialization.jsonObject(with: Data(sent[1].body.utf8)) as? [String: Any]
            #expect(body?["threadsClientId"] as? Int == 9001)
            #expect(body?["text"] as? String == "Второе")
            let row = try await h.outbox(second)
            #expect(try row.text("STATUS") == "sent")
            #expect(try row.int("ATTEMPTS") == 1, "the 401 and the new login are one attempt")
        }
    }

    @Test func anExpiredRowIsCancelledNotSent() async throws {
        try await OutboundHarness.with("ob-expired") { h in
            let expired = try await h.insertMessage(
                body: "Напоминание", extra: ", EXPIRES_AT", extraValues: ", DATEADD(-1 MINUTE TO MISLINK_UTC_NOW())")
            let live = try await h.insertMessage(
                body: "Ещё актуально", extra: ", EXPIRES_AT", extraValues: ", DATEADD(1 HOUR TO MISLINK_UTC_NOW())")
            #expect(try await h.dispatcher().drainOnce() == 2)
            let row = try await h.outbox(expired)
            #expect(try row.text("STATUS") == "cancelled")
            #expect(try row.text("ERROR") == "expired")
            #expect(row["SENT_AT"]?.isNull == true)
            #expect(try await h.outbox(live).text("STATUS") == "sent")
            #expect(h.chat.sent.count == 1)
        }
    }

    /// A screen's `message` command is queued as an outbox row and finished by its result.
    @Test func aMessageCommandGoesOutThroughTheOutbox() async throws {
        try await OutboundHarness.with("ob-msgcmd") { h in
            let command = try await h.insertCommand(kind: "message", threadId: OutboundHarness.chatwootThread, payload: "Ждём вас")
            #expect(try await h.dispatcher().drainOnce() == 2, "the command, then the outbox row it queued")
            #expect(h.chat.sent.count == 1)
            let row = try await h.command(command)
            #expect(try row.text("STATUS") == "done")
            #expect(try row.text("PBX_COMMAND_ID") == nil)
            let outbox = try await h.db.query("SELECT STATUS, SOURCE FROM MISLINK_OUTBOX WHERE COMMAND_ID = \(command)")
            #expect(outbox.count == 1)
            #expect(try outbox.first?.decode(String.self, at: 0) == "sent")
        }
    }
}

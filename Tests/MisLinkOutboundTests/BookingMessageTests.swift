import Firebird
import Foundation
import MisLinkEmulator
import Testing

@testable import MisLinkOutbound

/// Automatic messages from the MIS's SCHEDULE, end to end: the trigger queues them, dispatchers send
/// them through the fake Chatwoot, with the clinic's edited templates.
@Suite(.serialized) struct BookingMessageTests {
    /// Clinic wall-clock time `days` ahead at `hour:minute` (the clinic is UTC+3, as `clinic_time_zone`).
    static func clinicTime(daysAhead days: Int, hour: Int, minute: Int) -> FirebirdTimestamp {
        var stamp = FirebirdTimestamp(Date().addingTimeInterval(Double(days) * 86_400), in: TimeZone(secondsFromGMT: 10_800)!)
        stamp.time = FirebirdTime(hour: hour, minute: minute, second: 0)
        return stamp
    }

    static func shown(_ stamp: FirebirdTimestamp) -> String {
        String(format: "%02d.%02d.%04d %02d:%02d", stamp.date.day, stamp.date.month, stamp.date.year, stamp.time.hour, stamp.time.minute)
    }

    static func contents(_ chat: FakeChat) throws -> [String] {
        try chat.sent.map { message in
            let object = try JSONSerialization.jsonObject(with: Data(message.body.utf8)) as? [String: Any]
            return object?["content"] as? String ?? ""
        }
    }

    /// The MIS books ten visits while two dispatchers run as services: each confirmation reaches the
    /// platform exactly once, and each outbox row was claimed once.
    @Test func eachBookingConfirmationIsSentOnceWithTwoDispatchersRunning() async throws {
        try await OutboundHarness.with("bk-two") { h in
            try await h.execute(
                "INSERT INTO MISLINK_TEMPLATES (CODE, CHANNEL, BODY) VALUES ('booking_confirmed', 'any', 'Запись {schedule_id}: {start_local}')")
            let a = RunningDispatcher(h.dispatcher(worker: "worker-a", sweep: 60))
            let b = RunningDispatcher(h.dispatcher(worker: "worker-b", sweep: 60))
            try await Task.sleep(for: .seconds(1.5))  // both listening
            var expected: [String] = []
            for n in 0..<10 {
                let start = Self.clinicTime(daysAhead: 2, hour: 9 + n, minute: 0)
                let end = Self.clinicTime(daysAhead: 2, hour: 9 + n, minute: 30)
                // As the MIS does: one row, its own transaction; the trigger queues the messages.
                try await h.execute(
                    """
                    INSERT INTO SCHEDULE (ID, PATIENT_ID, DOCTOR_ID, START_AT, END_AT, STATUS)
                    VALUES (\(100 + n), 1, 12, \(start), \(end), 'booked')
                    """)
                expected.append("Запись \(100 + n): \(Self.shown(start))")
            }
            let confirmations = "FROM MISLINK_OUTBOX WHERE TEMPLATE_CODE = 'booking_confirmed' AND SOURCE = 'schedule'"
            let allSent = try await h.eventually(within: 30) {
                try await h.db.query("SELECT COUNT(*) \(unescaped: confirmations) AND STATUS = 'sent'")[0].decode(Int.self, at: 0) == 10
            }
            try await Task.sleep(for: .milliseconds(700))  // a second send would have arrived by now
            try await a.stop()
            try await b.stop()
            #expect(allSent)
            let contents = try Self.contents(h.chat)
            #expect(contents.sorted() == expected.sorted(), "each confirmation once: \(contents)")
            let rows = try await h.db.query("SELECT ATTEMPTS, CLAIMED_BY, IDEMPOTENCY_KEY \(unescaped: confirmations)")
            #expect(rows.count == 10)
            #expect(try rows.allSatisfy { try $0.decode(Int.self, at: 0) == 1 }, "every row claimed once")
            let keys = Set(h.chat.messagePosts.compactMap(\.idempotencyKey))
            #expect(keys == Set(try rows.map { try $0.decode(String.self, at: 2) }), "each row's own idempotency key")
            let reminders = try await h.db.query(
                "SELECT COUNT(*) FROM MISLINK_OUTBOX WHERE TEMPLATE_CODE = 'booking_reminder' AND STATUS = 'pending'")
            #expect(try reminders[0].decode(Int.self, at: 0) == 10, "the reminders wait for their time")
        }
    }

    /// A booking moved, then cancelled: the texts come from the clinic's templates as last edited,
    /// with the patient's name, the doctor and the old and new clinic times filled in.
    @Test func movedAndCancelledBookingsUseTheEditedTemplates() async throws {
        try await OutboundHarness.with("bk-move") { h in
            try await h.execute(
                """
                INSERT INTO MISLINK_TEMPLATES (CODE, CHANNEL, BODY) VALUES ('booking_moved', 'any', 'старый текст')
                """)
            try await h.execute(
                """
                INSERT INTO MISLINK_TEMPLATES (CODE, CHANNEL, BODY) VALUES ('booking_cancelled', 'any', 'старый текст')
                """)
            try await h.execute(
                """
                UPDATE MISLINK_TEMPLATES SET BODY = '{patient_name}, приём у врача {doctor_name} перенесён с {old_start_local} на {start_local}.'
                 WHERE CODE = 'booking_moved'
                """)
            try await h.execute(
                """
                UPDATE MISLINK_TEMPLATES SET BODY = '{patient_name}, запись к {doctor_name} на {start_local} отменена. {clinic_name}'
                 WHERE CODE = 'booking_cancelled'
                """)
            try await h.execute("UPDATE OR INSERT INTO MISLINK_SETTINGS (NAME, VAL) VALUES ('clinic.name', 'Клиника Здоровье') MATCHING (NAME)")
            let first = Self.clinicTime(daysAhead: 3, hour: 10, minute: 30)
            let moved = Self.clinicTime(daysAhead: 4, hour: 16, minute: 15)
            try await h.execute(
                """
                INSERT INTO SCHEDULE (ID, PATIENT_ID, DOCTOR_ID, START_AT, END_AT, STATUS)
                VALUES (20, 1, 12, \(first), \(Self.clinicTime(daysAhead: 3, hour: 11, minute: 0)), 'booked')
                """)
            let dispatcher = h.dispatcher()
            #expect(try await dispatcher.drainOnce() == 1, "the confirmation (built-in text)")

            try await h.execute(
                "UPDATE SCHEDULE SET START_AT = \(moved), END_AT = \(Self.clinicTime(daysAhead: 4, hour: 16, minute: 45)) WHERE ID = 20")
            #expect(try await dispatcher.drainOnce() == 1, "the move")
            try await h.execute("UPDATE SCHEDULE SET STATUS = 'cancelled' WHERE ID = 20")
            #expect(try await dispatcher.drainOnce() == 1, "the cancellation")

            let contents = try Self.contents(h.chat)
            try #require(contents.count == 3)
            #expect(contents[1] == "Мария Ивановна, приём у врача Петров Олег Иванович перенесён с \(Self.shown(first)) на \(Self.shown(moved)).")
            #expect(contents[2] == "Мария Ивановна, запись к Петров Олег Иванович на \(Self.shown(moved)) отменена. Клиника Здоровье")
            let rows = try await h.db.query(
                "SELECT TEMPLATE_CODE, STATUS, ERROR FROM MISLINK_OUTBOX WHERE SCHEDULE_ID = 20 ORDER BY ID")
            let summary = try rows.map { "\(try $0.decode(String.self, at: 0)):\(try $0.decode(String.self, at: 1))" }
            // Each change cancels the reminder still pending; the cancellation queues none.
            #expect(summary == ["booking_confirmed:sent", "booking_reminder:cancelled", "booking_moved:sent",
                                "booking_reminder:cancelled", "booking_cancelled:sent"])
        }
    }
}

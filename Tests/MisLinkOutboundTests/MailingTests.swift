import Firebird
import Foundation
import MisLinkEmulator
import MisLinkStore
import Testing

@testable import MisLinkOutbound

/// Mailings end to end: queued by ``MailingQueue`` on a real database, sent by dispatchers through the
/// fake Chatwoot and Mango: consent, the send window, the rates, and the report.
@Suite(.serialized) struct MailingTests {
    static let clinic = TimeZone(identifier: "Europe/Moscow")!  // the settings' default clinic_time_zone
    static let allDay = try! SendWindow(start: "00:00", end: "24:00")

    /// Patients of the mailings (MISLINK_PATIENT_PHONES is filled by the PATIENTS trigger):
    /// 101 messengers and SMS, with a WhatsApp thread; 102 SMS only; 103 no consent; 104 deleted;
    /// 105 no phone; 107 messengers only and no thread; 111–114 messengers, each with a thread.
    static func seed(_ h: OutboundHarness) async throws {
        // MISLINK_UTC_NOW() is really UTC on this machine (the seed assumes a Moscow server clock).
        try await h.execute("UPDATE MISLINK_SETTINGS SET VAL = \(String(TimeZone.current.secondsFromGMT() / 60)) WHERE NAME = 'db.utc_offset_minutes'")
        let patients: [(Int, String, String?, Int, Int, Int)] = [
            (101, "Иван", "8 917 000-01-01", 1, 1, 0), (102, "Олег", "8 917 000-01-02", 0, 1, 0), (103, "Анна", "8 917 000-01-03", 0, 0, 0),
            (104, "Нина", "8 917 000-01-04", 1, 1, 1), (105, "Пётр", nil, 1, 1, 0), (107, "Лев", "8 917 000-01-07", 1, 0, 0),
            (111, "Ян", "8 917 000-01-11", 1, 0, 0), (112, "Ия", "8 917 000-01-12", 1, 0, 0), (113, "Ада", "8 917 000-01-13", 1, 0, 0),
            (114, "Ева", "8 917 000-01-14", 1, 0, 0),
        ]
        try await h.db.withTransaction { tx in
            for (id, name, phone, messengers, sms, deleted) in patients {
                try tx.attachment.execute(
                    """
                    INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, MIDDLE_NAME, PHONE_MOBILE, CONSENT_MESSENGERS, CONSENT_SMS, IS_DELETED)
                    VALUES (\(id), 'Тестов', \(name), 'Петрович', \(phone), \(messengers), \(sms), \(deleted))
                    """, in: tx)
            }
            for id in [101, 111, 112, 113, 114] {
                try tx.attachment.execute(
                    """
                    INSERT INTO MISLINK_CHAT_THREADS (ID, PROVIDER, EXTERNAL_ID, CHANNEL, PHONE_KEY, PATIENT_ID)
                    VALUES (\(id), 'chatwoot', \(String(id + 1000)), 'whatsapp', \("79170000" + String(id)), \(id))
                    """, in: tx)
            }
        }
    }

    static func create(_ h: OutboundHarness, ids: [Int64], body: String = "{patient_name}, ваши анализы готовы.",
                       window: SendWindow = allDay, rate: Int = 0) async throws -> MailingCreated {
        let mailing = NewMailing(title: "Анализы", kind: "results_ready", templateCode: nil, body: body, channel: "messenger",
                                 patientIds: ids, window: window, ratePerMinute: rate, staffId: 11, createdBy: "test")
        return try await h.db.withTransaction { tx in try MailingQueue.create(mailing, profile: OutboundHarness.profile, timeZone: clinic, in: tx) }
    }

    static func report(_ h: OutboundHarness, _ id: Int64) async throws -> MailingReport {
        try #require(try await h.db.withTransaction(.readOnly) { tx in try MailingQueue.report(id, in: tx) })
    }

    /// Send times (`SENT_AT`, UTC) of a mailing's rows, in order.
    static func sendTimes(_ h: OutboundHarness, _ id: Int64) async throws -> [Date] {
        try await h.db.query(
            "SELECT SENT_AT FROM MISLINK_OUTBOX WHERE BATCH_ID = \(String(id)) AND STATUS = 'sent' ORDER BY SENT_AT"
        ).map { try $0.decode(FirebirdTimestamp.self, at: 0).date(in: DatabaseClock.utc) }
    }

    static func gaps(_ times: [Date]) -> [Double] {
        zip(times.dropFirst(), times).map { $0.timeIntervalSince($1) }
    }


    @Test func aMailingRespectsConsentAndItsReportAddsUp() async throws {
        try await OutboundHarness.with("ml-consent") { h in
            try await Self.seed(h)
            let created = try await Self.create(h, ids: [101, 102, 103, 104, 105, 107, 999, 101])
            #expect(created.recipients == 7, "the repeated id counts once")
            #expect(created.queued == 3)
            #expect(created.refused == 4)
            #expect(created.refusedByReason == ["no consent": 1, "patient deleted": 1, "no phone number": 1, "no such patient": 1])

            #expect(try await h.dispatcher().drainOnce() == 3)
            let contents = try BookingMessageTests.contents(h.chat)
            #expect(contents == ["Иван Петрович, ваши анализы готовы."], "the WhatsApp message, placeholders filled")
            let sms = try #require(h.pbx.receivedCommands.first { $0.path.contains("sms") }, "SMS to the patient with SMS consent only")
            #expect(sms.json.contains("Олег Петрович, ваши анализы готовы."))
            #expect(sms.json.contains("79170000102"))

            let report = try await Self.report(h, created.id)
            #expect(report.counts == ["pending": 0, "sending": 0, "sent": 2, "failed": 1, "cancelled": 4])
            #expect(report.counts.values.reduce(0, +) == report.recipients)
            #expect(report.status == "done")
            #expect((report.recipients, report.queued, report.refused) == (7, 3, 4))
            let reasons = Dictionary(uniqueKeysWithValues: (report.failures ?? []).map { ($0.patientId ?? 0, $0.error ?? "") })
            #expect(reasons[103] == "no consent")
            #expect(reasons[104] == "patient deleted")
            #expect(reasons[105] == "no phone number")
            #expect(reasons[999] == "no such patient")
            #expect(reasons[107]?.contains("no chat thread") == true, "sent to no one: \(reasons[107] ?? "-")")
            #expect(reasons.count == 5)
        }
    }

    /// A window two hours from now: nothing goes, every row is due at its opening, and a row that is
    /// made due anyway (a retry falling outside the window) is put back to the opening unsent.
    @Test func aWindowThatExcludesNowSendsNothingYet() async throws {
        try await OutboundHarness.with("ml-window") { h in
            try await Self.seed(h)
            let now = try await h.db.query("SELECT MISLINK_UTC_NOW() FROM RDB$DATABASE")[0]
                .decode(FirebirdTimestamp.self, at: 0).date(in: DatabaseClock.utc)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = Self.clinic
            let minuteStart = calendar.dateInterval(of: .minute, for: now)!.start
            let opening = minuteStart.addingTimeInterval(2 * 3600)
            let hm = { (date: Date) in String(format: "%02d:%02d", calendar.component(.hour, from: date), calendar.component(.minute, from: date)) }
            let window = try SendWindow(start: hm(opening), end: hm(opening.addingTimeInterval(3600)))

            let created = try await Self.create(h, ids: [111, 112], window: window)
            #expect(created.queued == 2)
            #expect(created.firstDueAt == opening)
            let due = try await h.db.query("SELECT NEXT_ATTEMPT_AT FROM MISLINK_OUTBOX WHERE BATCH_ID = \(String(created.id))")
                .map { try $0.decode(FirebirdTimestamp.self, at: 0).date(in: DatabaseClock.utc) }
            #expect(due == [opening, opening], "both due at the window's opening, \(opening)")
            #expect(try await h.dispatcher().drainOnce() == 0)

            try await h.execute("UPDATE MISLINK_OUTBOX SET NEXT_ATTEMPT_AT = MISLINK_UTC_NOW() WHERE BATCH_ID = \(String(created.id))")
            #expect(try await h.dispatcher().drainOnce() == 2, "claimed, then put back")
            #expect(h.chat.sent.isEmpty)
            let rows = try await h.db.query(
                "SELECT STATUS, ATTEMPTS, NEXT_ATTEMPT_AT, ERROR FROM MISLINK_OUTBOX WHERE BATCH_ID = \(String(created.id))")
            for row in rows {
                #expect(try row.text("STATUS") == "pending")
                #expect(try row.int("ATTEMPTS") == 0, "waiting for the window uses no attempt")
                let next = try row.decode(FirebirdTimestamp.self, column: "NEXT_ATTEMPT_AT").date(in: DatabaseClock.utc)
                // Exactly the opening, not the wait measured when the window was read added to the time of
                // the write-back (2.0-2.2 s late on a loaded machine before).
                #expect(next == opening, "put back to the opening: \(next) vs \(opening)")
                #expect(try row.text("ERROR")?.contains("send window \(window)") == true)
            }
            let report = try await Self.report(h, created.id)
            #expect(report.counts["pending"] == 2)
            #expect(report.status == "sending")
            #expect(report.nextDueAt == opening)
        }
    }

    /// 120 a minute with two workers running: the messages reach the platform no faster than one per
    /// 0.5 s (measured on the platform's arrival times and on SENT_AT), because the slots are shared.
    @Test func theMailingRateHoldsAcrossTwoWorkers() async throws {
        try await OutboundHarness.with("ml-rate") { h in
            try await Self.seed(h)
            let created = try await Self.create(h, ids: [111, 112, 113, 114], rate: 120)
            let due = try await h.db.query(
                "SELECT NEXT_ATTEMPT_AT FROM MISLINK_OUTBOX WHERE BATCH_ID = \(String(created.id)) ORDER BY NEXT_ATTEMPT_AT"
            ).map { try $0.decode(FirebirdTimestamp.self, at: 0).date(in: DatabaseClock.utc) }
            #expect(Self.gaps(due).allSatisfy { abs($0 - 0.5) < 0.001 }, "due every 0.5 s: \(Self.gaps(due))")

            let a = RunningDispatcher(h.dispatcher(worker: "worker-a", sweep: 60))
            let b = RunningDispatcher(h.dispatcher(worker: "worker-b", sweep: 60))
            let done = try await h.eventually(within: 15) { try await Self.sendTimes(h, created.id).count == 4 }
            try await a.stop()
            try await b.stop()
            #expect(done)
            let arrivals = h.chat.messagePosts.map(\.receivedAt).sorted()
            #expect(arrivals.count == 4)
            // Slots are taken 0.5 s apart, but a send's own latency (0.3 s seen under CI load) moves its
            // arrival: the four span at least their three slots less that latency.
            #expect(arrivals.last!.timeIntervalSince(arrivals.first!) >= 1.0, "arrival gaps \(Self.gaps(arrivals))")
            let sent = try await Self.sendTimes(h, created.id)
            #expect(sent.last!.timeIntervalSince(sent.first!) >= 1.0, "SENT_AT gaps \(Self.gaps(sent))")
            #expect(try await Self.report(h, created.id).counts["sent"] == 4)
        }
    }

    /// `outbound.rate_per_minute.messenger` = 60 spaces a mailing queued all at once one second
    /// apart, while a booking confirmation on the same channel goes out at once.
    @Test func theChannelLimitHoldsMailingsButNotBookingMessages() async throws {
        try await OutboundHarness.with("ml-channel") { h in
            try await Self.seed(h)
            let running = RunningDispatcher(h.dispatcher(sweep: 60, rates: .init(messenger: 60)))
            try await Task.sleep(for: .seconds(1.5))  // listening
            let created = try await Self.create(h, ids: [111, 112, 113])
            let start = BookingMessageTests.clinicTime(daysAhead: 2, hour: 12, minute: 0)
            try await h.execute(
                """
                INSERT INTO SCHEDULE (ID, PATIENT_ID, DOCTOR_ID, START_AT, END_AT, STATUS)
                VALUES (30, 1, 12, \(start), \(BookingMessageTests.clinicTime(daysAhead: 2, hour: 12, minute: 30)), 'booked')
                """)
            let done = try await h.eventually(within: 15) {
                try await h.db.query("SELECT COUNT(*) FROM MISLINK_OUTBOX WHERE STATUS = 'sent'")[0].decode(Int.self, at: 0) == 4
            }
            try await running.stop()
            #expect(done)
            let sent = try await Self.sendTimes(h, created.id)
            #expect(sent.count == 3)
            // One a second: the limiter hands out slots a second apart, but a send starts at its slot or
            // later (route, lease, a loaded machine) and SENT_AT is written after the platform answered, so
            // a late first send shortens the gaps (0.17 s and 2.06 s seen in a loaded CI run). What the limit
            // guarantees is that the three span their slots less the first one's delay (1.33 s seen on FB5
            // beside the full suite), so 1 s is the bound; without the limit they would all go within a few
            // tenths of a second.
            #expect(sent.last!.timeIntervalSince(sent.first!) >= 1.0, "one a second: \(Self.gaps(sent))")
            let booking = try await h.db.query(
                """
                SELECT CREATED_AT, SENT_AT, CHANNEL FROM MISLINK_OUTBOX
                 WHERE SCHEDULE_ID = 30 AND TEMPLATE_CODE = 'booking_confirmed'
                """)[0]
            #expect(try booking.text("CHANNEL") == "messenger")
            let queuedAt = try booking.decode(FirebirdTimestamp.self, at: 0).date(in: DatabaseClock.utc)
            let sentAt = try booking.decode(FirebirdTimestamp.self, at: 1).date(in: DatabaseClock.utc)
            // Queued behind the three mailing messages it would go after the last one. (How long it took is not
            // the point: a loaded CI machine took 6.3 s to claim and send it, still before the last mailing one.)
            #expect(sentAt < sent.last!, "it queued behind the mailing: sent \(sentAt.timeIntervalSince(queuedAt)) s after it was queued")
        }
    }
}

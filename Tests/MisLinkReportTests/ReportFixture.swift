import Firebird
import Foundation
import MisLinkTestSupport
@testable import MisLinkReport

/// Known appeals, calls and chat threads written straight into a migrated clinic database, and a
/// plain Swift model of what the report must say about them (computed here row by row, not read
/// back from the database), so every number of the report can be compared.
struct ReportFixture {
    static let operators = [501: "Иванова Анна", 502: "Петров Олег", 503: "Сидорова Мария"]
    /// clinic.utc_offset_minutes and db.utc_offset_minutes as V001 seeds them.
    static let clinicOffset = 180
    static let dbOffset = 180
    static let chatChannels = ["whatsapp", "telegram", "viber", "webchat", "email"]

    struct Appeal {
        var id: Int
        var channel: String
        var operatorId: Int?
        var status: String
        /// 0 none, 1 BOOKED_SCHEDULE_ID, 2 only a 'booked' event.
        var booking: Int
        /// No MISLINK_APPEALS row (an appeal the MIS made itself).
        var misOnly: Bool
        var utc: Date
        var thread: Thread?
    }

    struct Thread {
        var id: Int
        var firstResponse: Int?
        var resolution: Int?
        /// (type, from, to, staff, seconds after opening)
        var events: [(String, Int?, Int?, Int?, Int)]
        var finalOperator: Int?
    }

    struct Call {
        var id: Int
        var direction: String
        var result: String
        var operatorId: Int?
        var utc: Date
        var wait: Int?
        var talk: Int?
        var calledBackAfter: Int?
    }

    var appeals: [Appeal] = []
    var calls: [Call] = []
    /// The operators' names the report must show.
    var names = Self.operators

    /// Local 2026-11-02 (Monday) 00:00 at +03:00.
    static let monday = LocalDay(year: 2026, month: 11, day: 2).start(offsetMinutes: clinicOffset)

    /// The data: a week of appeals and calls plus some just outside it (the Sunday before, the Monday
    /// after, and the exact borders).
    static func make() -> ReportFixture {
        var fixture = ReportFixture()
        let ops: [Int?] = [501, 502, 503, nil]
        let channels = ["phone", "whatsapp", "phone", "telegram", "viber", "webchat", "phone", "email"]
        let statuses = ["open", "closed", "cancelled", "closed", "closed"]
        // Offsets from Monday 00:00 local, in seconds: inside the week, and outside (negative, >= 7 days).
        var offsets: [Int] = (0..<44).map { i in (i % 7) * 86_400 + (8 + (i * 5) % 13) * 3600 + (i * 137) % 3600 }
        offsets += [0, 7 * 86_400 - 1, -1, 7 * 86_400, -3 * 3600, 7 * 86_400 + 5000]
        var threadID = 7000
        for (i, offset) in offsets.enumerated() {
            let channel = channels[i % channels.count]
            var appeal = Appeal(
                id: 3000 + i, channel: channel, operatorId: ops[i % ops.count], status: statuses[i % statuses.count],
                booking: i % 6 == 0 ? 1 : (i % 6 == 3 ? 2 : 0), misOnly: i % 11 == 5 && channel != "viber",
                utc: monday.addingTimeInterval(TimeInterval(offset)))
            if chatChannels.contains(channel) && !appeal.misOnly {
                threadID += 1
                let op = appeal.operatorId ?? 501
                let other = op == 503 ? 501 : op + 1
                let fr: Int? = [nil, 20, 59, 60, 299, 300, 899, 900, 3599, 3600, 7200][i % 11]
                var events: [(String, Int?, Int?, Int?, Int)] = [("created", nil, nil, nil, 0)]
                var final: Int? = op
                switch i % 4 {
                case 0:  // transferred from `other` to op
                    events += [("assigned", nil, other, nil, 10), ("transferred", other, op, nil, 400)]
                case 1 where i % 3 == 0:  // released and left waiting: nobody holds it
                    events += [("assigned", nil, op, nil, 10), ("released", op, nil, nil, 300)]
                    final = nil
                case 1:  // released, then reopened by the other operator
                    events += [("assigned", nil, op, nil, 10), ("released", op, nil, nil, 300), ("reopened", nil, other, nil, 900)]
                    final = other
                default:
                    events += [("assigned", nil, op, nil, 5 + i)]
                }
                let closedAt = appeal.status == "open" || final == nil ? nil : Optional(1800 + i * 600)
                if let closedAt, let final { events.append(("closed", nil, nil, final, closedAt)) }
                appeal.thread = Thread(id: threadID, firstResponse: fr, resolution: closedAt, events: events, finalOperator: final)
            }
            fixture.appeals.append(appeal)
        }
        let results = ["answered", "missed", "answered", "abandoned", "missed", "not_reached", "answered", "failed", "missed"]
        for i in 0..<40 {
            let result = results[i % results.count]
            let direction = ["not_reached", "failed"].contains(result) || (result == "answered" && i % 2 == 0) ? "out" : "in"
            let offset = i < 36 ? (i % 7) * 86_400 + (9 + i % 10) * 3600 + i * 71 : [-60, 7 * 86_400, 0, 7 * 86_400 - 1][i - 36]
            fixture.calls.append(Call(
                id: 9000 + i, direction: direction, result: result,
                operatorId: result == "abandoned" ? nil : [501, 502, 503][i % 3], utc: monday.addingTimeInterval(TimeInterval(offset)),
                wait: result == "answered" ? 3 + (i * 7) % 50 : (result == "missed" ? 30 : nil),
                talk: result == "answered" ? 40 + i * 13 : nil,
                calledBackAfter: result == "missed" && i % 2 == 1 ? 300 + i * 400 : nil))
        }
        fixture.calls.append(Call(id: 9100, direction: "internal", result: "answered", operatorId: 501,
                                  utc: monday.addingTimeInterval(3600 * 10), wait: 2, talk: 50, calledBackAfter: nil))
        return fixture
    }

    /// Writes the fixture into the database.
    func insert(into path: String) async throws {
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: path))
        defer { Task { try? await connection.close() } }
        let utc = TimeZone(identifier: "UTC")!
        func ts(_ date: Date) -> FirebirdValue { .timestamp(FirebirdTimestamp(date, in: utc)) }
        func int(_ value: Int?) -> FirebirdValue { value.map { .integer(Int32($0)) } ?? .null }
        var statements: [FirebirdQuery] = Self.operators.sorted { $0.key < $1.key }.map {
            FirebirdQuery(unsafeSQL: "INSERT INTO STAFF (ID, FULL_NAME, ROLE) VALUES (?, ?, 'operator')", bindings: [int($0.key), .text($0.value)])
        }
        for a in appeals {
            statements.append(FirebirdQuery(
                unsafeSQL: "INSERT INTO APPEALS (ID, CHANNEL, OPERATOR_ID, STATUS, CREATED_AT) VALUES (?, ?, ?, ?, ?)",
                bindings: [int(a.id), .text(a.channel == "viber" ? "webchat" : a.channel), int(a.operatorId), .text(a.status),
                           ts(a.utc.addingTimeInterval(TimeInterval(Self.dbOffset * 60)))]))
            if let t = a.thread {
                statements.append(FirebirdQuery(
                    unsafeSQL: """
                        INSERT INTO MISLINK_CHAT_THREADS (ID, PROVIDER, EXTERNAL_ID, CHANNEL, OPERATOR_ID, STATUS, APPEAL_ID, OPENED_AT,
                            FIRST_RESPONSE_AT, CLOSED_AT) VALUES (?, 'chatwoot', ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    bindings: [.bigint(Int64(t.id)), .text("fx-\(t.id)"), .text(a.channel), int(t.finalOperator),
                               .text(t.resolution != nil ? "closed" : t.finalOperator == nil ? "released" : "assigned"), int(a.id), ts(a.utc),
                               t.firstResponse.map { ts(a.utc.addingTimeInterval(TimeInterval($0))) } ?? .null,
                               t.resolution.map { ts(a.utc.addingTimeInterval(TimeInterval($0))) } ?? .null]))
            }
            if !a.misOnly {
                // STATUS and OPERATOR_ID are the copy of the APPEALS row the reference profile's trigger keeps
                // (V014's mirror columns); written here directly, as the intake and that trigger would leave them.
                statements.append(FirebirdQuery(
                    unsafeSQL: """
                        INSERT INTO MISLINK_APPEALS (APPEAL_ID, CHANNEL, SOURCE, THREAD_ID, LAST_OPERATOR_ID, BOOKED_SCHEDULE_ID, CREATED_AT,
                            STATUS, OPERATOR_ID) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    bindings: [int(a.id), .text(a.channel), .text(a.channel == "phone" ? "call" : "chat"),
                               a.thread.map { .bigint(Int64($0.id)) } ?? .null,
                               int(a.thread.map { $0.events.compactMap { $0.2 }.last } ?? a.operatorId),
                               a.booking == 1 ? int(80_000 + a.id) : .null, ts(a.utc), .text(a.status), int(a.operatorId)]))
            }
            if a.booking == 2 {
                statements.append(FirebirdQuery(
                    unsafeSQL: "INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, SCHEDULE_ID, EVENT_AT) VALUES (?, 'booked', 'mis', ?, ?)",
                    bindings: [int(a.id), int(90_000 + a.id), ts(a.utc.addingTimeInterval(600))]))
            }
            for e in a.thread?.events ?? [] {
                statements.append(FirebirdQuery(
                    unsafeSQL: """
                        INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, FROM_STAFF_ID, TO_STAFF_ID, STAFF_ID, THREAD_ID, EVENT_AT)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    bindings: [int(a.id), .text(e.0), int(e.1), int(e.2), int(e.3), .bigint(Int64(a.thread!.id)),
                               ts(a.utc.addingTimeInterval(TimeInterval(e.4)))]))
            }
        }
        for c in calls {
            let answeredAt = c.result == "answered" ? c.utc.addingTimeInterval(TimeInterval(c.wait ?? 0)) : nil
            statements.append(FirebirdQuery(
                unsafeSQL: """
                    INSERT INTO MISLINK_CALLS (ID, PBX_CALL_ID, DIRECTION, STATE, RESULT, OPERATOR_ID, STARTED_AT, ANSWERED_AT, ENDED_AT,
                        WAIT_SEC, TALK_SEC, CALLED_BACK_AT) VALUES (?, ?, ?, 'ended', ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                bindings: [.bigint(Int64(c.id)), .text("fx-\(c.id)"), .text(c.direction), .text(c.result), int(c.operatorId), ts(c.utc),
                           answeredAt.map(ts) ?? .null, ts(c.utc.addingTimeInterval(600)), int(c.wait), int(c.talk),
                           c.calledBackAfter.map { ts(c.utc.addingTimeInterval(TimeInterval($0))) } ?? .null]))
        }
        let all = statements
        try await connection.withTransaction { transaction in
            for statement in all { try transaction.attachment.execute(statement, in: transaction) }
        }
    }
}

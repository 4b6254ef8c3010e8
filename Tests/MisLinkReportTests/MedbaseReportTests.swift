import Firebird
import Foundation
import MisLinkProfiles
import MisLinkTestSupport
import Testing
@testable import MisLinkReport

/// A МедБаза database (SQL/profiles/medbase: no appeals table, 14-digit BIGINT staff codes, `SOTRUDNIKI.FIO`
/// in CHARACTER SET NONE holding WIN1251 bytes) with MisLink's own appeals in `MISLINK_APPEALS`
/// (`IS_OWN = 1`), and what the report must say about them, computed here appeal by appeal.
enum MedbaseReportData {
    static let smirnova: Int = 77_000_000_000_001
    static let kuznetsov: Int = 77_000_000_000_002
    /// A code no employee has.
    static let unknown: Int = 77_000_000_000_999
    static let names = [smirnova: "Смирнова Ольга Викторовна", kuznetsov: "Кузнецов Дмитрий Андреевич"]

    struct Appeal {
        var channel: String
        var operatorId: Int?
        /// booked, closed, cancelled or open.
        var outcome: String
        /// UTC.
        var createdAt: Date
    }

    /// Local Monday 2026-11-02 00:00 at the seeded clinic.utc_offset_minutes (+03:00), in UTC.
    static let monday = LocalDay(year: 2026, month: 11, day: 2).start(offsetMinutes: 180)

    static let appeals: [Appeal] = {
        let channels = ["phone", "whatsapp", "telegram", "phone", "viber", "webchat", "email"]
        let operators: [Int?] = [smirnova, kuznetsov, smirnova, unknown, nil, kuznetsov]
        let outcomes = ["booked", "closed", "cancelled", "open", "closed"]
        var offsets = (0..<30).map { i in (i % 7) * 86_400 + (8 + i % 11) * 3600 + i * 97 }
        offsets += [0, 7 * 86_400 - 1, -1, 7 * 86_400]  // the borders: in, in, out, out
        return offsets.enumerated().map { i, offset in
            Appeal(channel: channels[i % channels.count], operatorId: operators[i % operators.count],
                   outcome: outcomes[i % outcomes.count], createdAt: monday.addingTimeInterval(TimeInterval(offset)))
        }
    }()

    /// Calls of the week: direction, result, operator, seconds after Monday 10:00 clinic time.
    static let calls: [(String, String, Int?, Int)] = [
        ("in", "answered", kuznetsov, 0), ("in", "answered", kuznetsov, 3600), ("in", "missed", smirnova, 7200),
        ("out", "answered", smirnova, 86_400), ("in", "abandoned", nil, 90_000),
    ]

    /// МедБаза's MIS and demo data with MisLink's core and the profile's migrations, ``appeals`` and ``calls``.
    static func create(_ label: String) async throws -> String {
        let path = try ClinicDatabase.createMigrated(label, profile: "medbase")
        try await insert(into: path)
        return path
    }

    /// One database for the suite.
    static let path: Task<String, any Error> = Task { try await create("report-medbase") }

    /// Own appeals as the intake leaves them: opened with their operator, then ended: booked (the chain's
    /// 'booked' event, as МедБаза's booking trigger writes it, which V014's trigger turns into closed), closed
    /// or cancelled by the operator; and the calls.
    static func insert(into path: String) async throws {
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: path))
        let utc = TimeZone(identifier: "UTC")!
        do {
            try await write(on: connection, utc: utc)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()  // before a `mislink` process opens the file
    }

    private static func write(on connection: FirebirdConnection, utc: TimeZone) async throws {
        try await connection.withTransaction { transaction in
            for a in appeals {
                let rows = try transaction.attachment.query(FirebirdQuery(
                    unsafeSQL: """
                        INSERT INTO MISLINK_APPEALS (IS_OWN, CHANNEL, SOURCE, OPERATOR_ID, CREATED_AT)
                        VALUES (1, ?, ?, ?, ?) RETURNING APPEAL_ID
                        """,
                    bindings: [.text(a.channel), .text(a.channel == "phone" ? "call" : "chat"),
                               a.operatorId.map { .bigint(Int64($0)) } ?? .null,
                               .timestamp(FirebirdTimestamp(a.createdAt, in: utc))]), in: transaction)
                let id = rows[0].values[0]
                switch a.outcome {
                case "booked":
                    try transaction.attachment.execute(FirebirdQuery(
                        unsafeSQL: "INSERT INTO MISLINK_APPEAL_EVENTS (APPEAL_ID, EVENT_TYPE, ACTOR, STAFF_ID, EVENT_AT) VALUES (?, 'booked', 'mis', ?, ?)",
                        bindings: [id, a.operatorId.map { .bigint(Int64($0)) } ?? .null,
                                   .timestamp(FirebirdTimestamp(a.createdAt.addingTimeInterval(600), in: utc))]),
                        in: transaction)
                case "closed", "cancelled":
                    try transaction.attachment.execute(FirebirdQuery(
                        unsafeSQL: "UPDATE MISLINK_APPEALS SET STATUS = ?, RESULT = ? WHERE APPEAL_ID = ?",
                        bindings: [.text(a.outcome), .text(a.outcome == "closed" ? "consulted" : "patient declined"), id]),
                        in: transaction)
                default: break
                }
            }
            for (index, call) in calls.enumerated() {
                let start = monday.addingTimeInterval(TimeInterval(10 * 3600 + call.3))
                let talk: FirebirdValue = call.1 == "answered" ? .integer(60) : .null
                try transaction.attachment.execute(FirebirdQuery(
                    unsafeSQL: """
                        INSERT INTO MISLINK_CALLS (PBX_CALL_ID, DIRECTION, STATE, RESULT, OPERATOR_ID, STARTED_AT, ENDED_AT,
                            WAIT_SEC, TALK_SEC) VALUES (?, ?, 'ended', ?, ?, ?, ?, 5, ?)
                        """,
                    bindings: [.text("mb-\(index)"), .text(call.0), .text(call.1), call.2.map { .bigint(Int64($0)) } ?? .null,
                               .timestamp(FirebirdTimestamp(start, in: utc)),
                               .timestamp(FirebirdTimestamp(start.addingTimeInterval(65), in: utc)), talk]),
                    in: transaction)
            }
            try transaction.attachment.execute(FirebirdQuery(
                unsafeSQL: """
                    INSERT INTO MISLINK_CHAT_THREADS (PROVIDER, EXTERNAL_ID, CHANNEL, OPERATOR_ID, STATUS, OPENED_AT, FIRST_RESPONSE_AT)
                    VALUES ('chatwoot', 'mb-thread', 'telegram', ?, 'assigned', ?, ?)
                    """,
                bindings: [.bigint(Int64(smirnova)), .timestamp(FirebirdTimestamp(monday.addingTimeInterval(11 * 3600), in: utc)),
                           .timestamp(FirebirdTimestamp(monday.addingTimeInterval(11 * 3600 + 30), in: utc))]),
                in: transaction)
        }
    }

    /// The appeals section the report must give for `request`: ``ReportFixture``'s reckoning of the same
    /// appeals (all made by MisLink; a booked one has its chain's 'booked' event) with МедБаза's names.
    static func expected(_ request: ReportRequest) -> AppealSection {
        var fixture = ReportFixture()
        fixture.names = names
        fixture.appeals = appeals.enumerated().map { index, a in
            ReportFixture.Appeal(id: index, channel: a.channel, operatorId: a.operatorId,
                                 status: a.outcome == "booked" ? "closed" : a.outcome, booking: a.outcome == "booked" ? 2 : 0,
                                 misOnly: false, utc: a.createdAt)
        }
        return fixture.appealSection(request, from: request.from.start(offsetMinutes: 180),
                                     to: request.to.next.start(offsetMinutes: 180))
    }
}

@Suite("Appeals report over МедБаза: MisLink's own appeals, names through the profile")
struct MedbaseReportTests {
    static let builder = try! AppealsReportBuilder.load(
        from: ClinicDatabase.repository.appendingPathComponent("SQL/report-appeals.sql"), profile: ReportProfiles.medbase)

    func report(_ request: ReportRequest) async throws -> AppealsReport {
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: try await MedbaseReportData.path.value))
        defer { Task { try? await connection.close() } }
        return try await Self.builder.build(request, on: connection)
    }

    @Test func volumesOutcomesAndNamesOfOwnAppeals() async throws {
        let request = try ReportRequest(from: "2026-11-02", to: "2026-11-08")
        let report = try await report(request)
        let expected = MedbaseReportData.expected(request)
        #expect(report.appeals == expected)
        // What the data is known to hold, in plain numbers: 32 appeals in the week (two just outside it).
        #expect(report.appeals.total.total == 32)
        #expect(report.appeals.total.booked > 0 && report.appeals.total.cancelled > 0 && report.appeals.total.completed > 0
            && report.appeals.total.stillOpen > 0)
        // Names from SOTRUDNIKI.FIO (CHARACTER SET NONE, WIN1251 bytes) through staff_get, 14-digit codes.
        let names = Dictionary(uniqueKeysWithValues: report.appeals.byOperator.map { ($0.operatorId, $0.operatorName) })
        #expect(names[MedbaseReportData.smirnova] == "Смирнова Ольга Викторовна")
        #expect(names[MedbaseReportData.kuznetsov] == "Кузнецов Дмитрий Андреевич")
        #expect(names[MedbaseReportData.unknown] == "staff #77000000000999")
        #expect(names[nil] == "no operator")
        // Calls and chats of 14-digit operators, named the same way.
        let calls = Dictionary(uniqueKeysWithValues: report.calls.byOperator.map { ($0.operatorId, $0) })
        #expect(calls[MedbaseReportData.kuznetsov]?.operatorName == "Кузнецов Дмитрий Андреевич")
        #expect(calls[MedbaseReportData.kuznetsov]?.inboundAnswered == 2)
        #expect(calls[MedbaseReportData.smirnova]?.operatorName == "Смирнова Ольга Викторовна")
        #expect(calls[MedbaseReportData.smirnova]?.missed == 1 && calls[MedbaseReportData.smirnova]?.outboundAnswered == 1)
        #expect(calls[nil]?.operatorName == "no operator" && calls[nil]?.abandoned == 1)
        #expect(report.calls.overall.total == MedbaseReportData.calls.count)
        #expect(report.chats.byOperator.map(\.label) == ["Смирнова Ольга Викторовна"] && report.chats.overall.responded == 1)
    }

    @Test func filtersByAFourteenDigitOperatorAndByChannel() async throws {
        let byOperator = try ReportRequest(from: "2026-11-01", to: "2026-11-09", operator: "77000000000002")
        let operatorReport = try await report(byOperator)
        #expect(operatorReport.appeals == MedbaseReportData.expected(byOperator))
        #expect(operatorReport.parameters.operatorName == "Кузнецов Дмитрий Андреевич")
        #expect(operatorReport.appeals.byOperator.map(\.operatorId) == [MedbaseReportData.kuznetsov])

        let byChannel = try ReportRequest(from: "2026-11-03", to: "2026-11-05", channel: "phone")
        let channelReport = try await report(byChannel)
        #expect(channelReport.appeals == MedbaseReportData.expected(byChannel))
        #expect(channelReport.appeals.byChannel.map(\.channel) == ["phone"])
        #expect(channelReport.appeals.total.total > 0)
    }
}

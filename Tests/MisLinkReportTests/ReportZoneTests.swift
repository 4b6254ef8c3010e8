import Firebird
import Foundation
import MisLinkReport
import MisLinkTestSupport
import Testing

/// The report in the clinic's IANA zone (`clinic_time_zone`): the period's bounds are the zone's midnights,
/// and on Firebird 4+ the server puts each appeal in the zone's hour with `AT TIME ZONE`.
@Suite struct ReportZoneTests {
    /// Moscow has kept UTC+3 all year since 2014: the zone gives the same report as the fixed offset the
    /// fixture's database has (db.utc_offset_minutes 180), field by field, on either engine.
    @Test func aZoneWithoutDaylightSavingGivesTheOffsetReport() async throws {
        let request = try ReportRequest(from: "2026-11-01", to: "2026-11-09")
        let now = Date()
        let byOffset = try await FixtureDatabase.report(request, now: now)
        var builder = FixtureDatabase.builder
        builder.clinicZone = TimeZone(identifier: "Europe/Moscow")
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: try await FixtureDatabase.path.value))
        defer { Task { try? await connection.close() } }
        let byZone = try await builder.build(request, on: connection, now: now)
        #expect(byZone.appeals == byOffset.appeals)
        #expect(byZone.calls == byOffset.calls && byZone.chats == byOffset.chats)
        #expect(byZone.parameters.fromUtc == byOffset.parameters.fromUtc && byZone.parameters.toUtc == byOffset.parameters.toUtc)
        #expect(byZone.parameters.timeZone == "Europe/Moscow (UTC+03:00)")
    }

    /// Berlin is UTC+1 in winter and UTC+2 in summer: an appeal at 10:30 UTC is at 11 in January and at 12 in
    /// July. Firebird 4+ converts each instant itself; Firebird 3 has no time zones (the fixed offset applies).
    @Test func daylightSavingMovesTheHourOnFirebird4AndLater() async throws {
        let path = try ClinicDatabase.createMigrated("report-zone")
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: path))
        defer { Task { try? await connection.close() } }
        let server = try await connection.serverInfo()
        try await connection.withTransaction { tx in
            for (id, at) in [(1, FirebirdTimestamp(year: 2027, month: 1, day: 15, hour: 10, minute: 30)),
                             (2, FirebirdTimestamp(year: 2027, month: 7, day: 15, hour: 10, minute: 30)),
                             // 23:30 UTC on 31 July is 1 August, 01:30 in Berlin: the zone's next day.
                             (3, FirebirdTimestamp(year: 2027, month: 7, day: 31, hour: 23, minute: 30))]
            {
                _ = try tx.attachment.execute(
                    """
                    INSERT INTO MISLINK_APPEALS (APPEAL_ID, CHANNEL, SOURCE, CREATED_AT, UPDATED_AT, STATUS)
                    VALUES (\(Int32(id)), 'phone', 'call', \(at), \(at), 'open')
                    """, in: tx)
            }
        }
        var builder = FixtureDatabase.builder
        builder.clinicZone = TimeZone(identifier: "Europe/Berlin")
        let report = try await builder.build(try ReportRequest(from: "2027-01-01", to: "2027-08-01"), on: connection)
        let hours = report.appeals.heatmap.flatMap { day in day.enumerated().filter { $0.element > 0 }.map(\.offset) }.sorted()
        let days = report.appeals.byDay.filter { $0.appeals > 0 }.map(\.date)
        guard server.major >= 4 else {
            // Firebird 3 has no time-zone support: the period's bounds still follow the zone, the hours use
            // db.utc_offset_minutes (180, as V001 seeds it): 13, 13 and 02 the next day.
            #expect(hours == [2, 13, 13])
            return
        }
        #expect(hours == [1, 11, 12], "winter 10:30 UTC = 11 h, summer = 12 h, 23:30 UTC = 01 h next day")
        #expect(days == ["2027-01-15", "2027-07-15", "2027-08-01"])
        #expect(report.parameters.fromUtc == FirebirdTimestamp(year: 2026, month: 12, day: 31, hour: 23).date(in: .gmt))
    }
}

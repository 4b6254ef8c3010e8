import Firebird
import Foundation
import MisLinkStore
import Testing

/// `db.utc_offset_minutes`, as the worker checks it at start: the configured value and how far the
/// server's clock is ahead of a given UTC instant.
@Suite("Store: the UTC offset setting")
struct SettingsStoreTests {
    @Test func theOffsetIsReadMeasuredAndSet() async throws {
        try await StoreFixture.with("store-settings") { f in
            // An instant two hours ago: the server's clock reads at least two hours later than it.
            let twoHoursAgo = Date().addingTimeInterval(-7_200)
            let read = try await f.db.withTransaction { try Settings.utcOffset(now: twoHoursAgo, in: $0) }
            let (configured, ahead) = try #require(read)
            #expect(configured == 0 || abs(configured) <= 14 * 60)
            // The server runs on this machine's clock: its local time is UTC plus this machine's offset.
            #expect(abs(ahead - (7_200 + TimeZone.current.secondsFromGMT())) < 120, "ahead \(ahead) s")

            try await f.db.withTransaction { try Settings.setUTCOffset(minutes: 180, in: $0) }
            let again = try await f.db.withTransaction { try Settings.utcOffset(now: Date(), in: $0) }
            #expect(again?.configuredMinutes == 180)
        }
    }
}

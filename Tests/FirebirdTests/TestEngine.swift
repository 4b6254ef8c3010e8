import Firebird
import Foundation

/// The embedded engine the tests run on: Firebird 3 (Debian's libfbclient, the default) or Firebird 5
/// (`eval "$(scripts/firebird5 env)"` puts the firebird-embedded wheel's libfbclient first).
///
/// Read once, from a scratch database's `isc_info_firebird_version` and ODS, so that tests of types a
/// version lacks are skipped there with the reason, never passed silently. `nil` when no database can
/// be created; the tests that need one then fail on their own.
enum TestEngine {
    static let server: FirebirdServerInfo? = {
        guard let attachment = try? FirebirdAttachment.create(TestDatabase.embedded("engine")) else { return nil }
        defer { try? attachment.drop() }
        return try? attachment.serverInfo()
    }()

    /// Firebird 4 or later: INT128, DECFLOAT, TIME/TIMESTAMP WITH TIME ZONE exist.
    static var hasFirebird4Types: Bool { (server?.major ?? 0) >= 4 }
    /// Firebird 3.x: what it describes differently (NUMERIC(18) aggregates as BIGINT, ODS 12).
    static var isFirebird3: Bool { server?.major == 3 }
}

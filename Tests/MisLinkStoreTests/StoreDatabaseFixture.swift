import Firebird
import Foundation
import MisLinkTestSupport

/// A migrated clinic database on the local Firebird server (`FIREBIRD_TEST_HOST`, default localhost) and
/// a connection to it, for the store's statements.
struct StoreFixture {
    /// `FIREBIRD_TEST_HOST`: the server to attach through (default localhost), or `embedded` for the database file
    /// itself (scripts/test-fb5 runs these suites on Firebird 5 embedded that way).
    static let host = ProcessInfo.processInfo.environment["FIREBIRD_TEST_HOST"] ?? "localhost"

    let configuration: FirebirdConfiguration
    let db: FirebirdConnection

    /// Creates the database, runs `body`, and closes the connection whether `body` throws or not.
    static func with<T: Sendable>(_ label: String, _ body: (StoreFixture) async throws -> T) async throws -> T {
        let path = try ClinicDatabase.createMigrated(label)
        let configuration = FirebirdConfiguration(database: host == "embedded" ? path : "\(host):\(path)")
        let fixture = StoreFixture(configuration: configuration, db: try await FirebirdConnection.connect(configuration))
        do {
            let result = try await body(fixture)
            try? await fixture.db.close()
            return result
        } catch {
            try? await fixture.db.close()
            throw error
        }
    }

    /// Another attachment to the same database (a second worker).
    func connect() async throws -> FirebirdConnection {
        try await FirebirdConnection.connect(configuration)
    }

    /// A pending message due now; returns its ID.
    func insertMessage(body: String = "Здравствуйте", staffId: Int64? = nil, extraColumns: FirebirdQuery = "",
                       extraValues: FirebirdQuery = "") async throws -> Int64 {
        try await db.withTransaction { tx in
            try tx.attachment.query(
                """
                INSERT INTO MISLINK_OUTBOX (KIND, CHANNEL, RECIPIENT, PHONE_KEY, BODY, STAFF_ID\(extraColumns))
                VALUES ('message', 'sms', '79171234567', '79171234567', \(body), \(staffId)\(extraValues)) RETURNING ID
                """, in: tx)[0].decode(Int64.self, column: "ID")
        }
    }

    /// A `new` command as a screen inserts it; returns its ID.
    func insertCommand(kind: String = "call", staffId: Int64 = 11, target: String? = " 89171234567 ") async throws -> Int64 {
        try await db.withTransaction { tx in
            try tx.attachment.query(
                "INSERT INTO MISLINK_COMMANDS (KIND, STAFF_ID, TARGET) VALUES (\(kind), \(staffId), \(target)) RETURNING ID", in: tx
            )[0].decode(Int64.self, column: "ID")
        }
    }

    /// Runs one statement in its own transaction.
    func execute(_ query: FirebirdQuery) async throws {
        try await db.withTransaction { tx in _ = try tx.attachment.execute(query, in: tx) }
    }

    /// One row of `table` by ID, with the claim columns.
    func claimColumns(_ table: String, _ id: Int64) async throws -> Row {
        try await db.withTransaction(.readOnly) { tx in
            try tx.attachment.query(
                "SELECT STATUS, CLAIMED_BY, CLAIMED_UNTIL, ATTEMPTS FROM \(unescaped: table) WHERE ID = \(id)", in: tx)[0]
        }
    }
}

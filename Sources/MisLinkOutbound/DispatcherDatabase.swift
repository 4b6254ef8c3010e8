import Firebird
import Foundation

/// The dispatcher's one attachment, opened on first use and reopened after it is lost.
///
/// Claims and write-backs are short transactions, so one serial attachment serves every send in
/// flight; the HTTP requests, not the database, are what run concurrently.
actor DispatcherDatabase {
    let configuration: FirebirdConfiguration
    private var connection: FirebirdConnection?

    init(configuration: FirebirdConfiguration) {
        self.configuration = configuration
    }

    /// Runs `body` in a transaction on the attachment; a lost connection is dropped so that the next
    /// call attaches again.
    func transaction<T: Sendable>(
        _ options: TransactionOptions, _ body: @escaping @Sendable (Transaction) throws -> T
    ) async throws -> T {
        let connection = try await current()
        do {
            return try await connection.withTransaction(options, body)
        } catch FirebirdError.Code.connectionLost {
            if self.connection === connection { self.connection = nil }
            throw FirebirdError(code: .connectionLost, message: "the connection to the database was lost")
        }
    }

    /// Detaches (at shutdown).
    func close() async {
        guard let connection else { return }
        self.connection = nil
        try? await connection.close()
    }

    private func current() async throws -> FirebirdConnection {
        if let connection { return connection }
        let opened = try await FirebirdConnection.connect(configuration)
        connection = opened
        return opened
    }
}

/// Transaction options of the dispatcher.
extension TransactionOptions {
    /// A claim: READ COMMITTED (record versions), NO WAIT. A row another worker is changing right now
    /// fails at once with a lock conflict instead of queueing behind it.
    static let claim = TransactionOptions(isolation: .readCommitted, lockResolution: .noWait)
    /// A write-back: READ COMMITTED, waiting a few seconds for a screen or trigger that holds the row.
    static let writeBack = TransactionOptions(isolation: .readCommitted, lockResolution: .timeout(seconds: 10))
    /// Reads.
    static let read = TransactionOptions(isolation: .readCommitted, readOnly: true)
}

/// UTC "now" as the database sees it, and arithmetic on it.
enum DatabaseClock {
    static let utc = TimeZone(identifier: "UTC")!

    /// `MISLINK_UTC_NOW()`: the server's clock shifted by `db.utc_offset_minutes`. Every worker uses
    /// the database's clock for claims and due times, so workers on hosts with skewed clocks agree.
    static func now(in tx: Transaction) throws -> FirebirdTimestamp {
        guard let now = try tx.attachment.queryValue(
            "SELECT MISLINK_UTC_NOW() FROM RDB$DATABASE", as: FirebirdTimestamp.self, in: tx)
        else { throw FirebirdError(code: .misuse, message: "MISLINK_UTC_NOW() returned no row") }
        return now
    }

    /// `stamp` moved by `duration`.
    static func adding(_ duration: Duration, to stamp: FirebirdTimestamp) -> FirebirdTimestamp {
        FirebirdTimestamp(stamp.date(in: utc).addingTimeInterval(duration.seconds), in: utc)
    }

    /// The time from `from` to `to`.
    static func interval(from: FirebirdTimestamp, to: FirebirdTimestamp) -> Duration {
        .milliseconds(Int64((to.date(in: utc).timeIntervalSince(from.date(in: utc)) * 1000).rounded()))
    }
}

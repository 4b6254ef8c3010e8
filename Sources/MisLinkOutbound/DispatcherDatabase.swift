import Firebird
import Foundation
import MisLinkStore

/// The dispatcher's one attachment, opened on first use and reopened after it is lost.
///
/// Claims and write-backs are short transactions, so one serial attachment serves every send in
/// flight; the HTTP requests, not the database, are what run concurrently.
actor DispatcherDatabase: StoreDatabase {
    let configuration: FirebirdConfiguration
    private var connection: FirebirdConnection?

    init(configuration: FirebirdConfiguration) {
        self.configuration = configuration
    }

    /// Runs `body` in a transaction on the attachment; a lost connection is dropped so that the next
    /// call attaches again.
    func withTransaction<T: Sendable>(
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

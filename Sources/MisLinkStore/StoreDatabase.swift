import Firebird

/// Where the store's statements run: anything that runs a closure in a transaction with given options
/// (a ``FirebirdPool``, a ``FirebirdConnection``, the dispatcher's own attachment).
public protocol StoreDatabase: Sendable {
    /// Runs `body` in a transaction that commits when it returns and rolls back when it throws.
    func withTransaction<T: Sendable>(
        _ options: TransactionOptions, _ body: @escaping @Sendable (Transaction) throws -> T
    ) async throws -> T
}

extension FirebirdPool: StoreDatabase {}
extension FirebirdConnection: StoreDatabase {}

extension FirebirdAttachment {
    /// Prepares and executes one query; returns the rows it inserted, updated or deleted.
    @discardableResult
    public func execute(_ query: FirebirdQuery, in transaction: Transaction) throws -> Int {
        let statement = try prepare(query.sql, in: transaction)
        try statement.execute(query.bindings, in: transaction)
        if statement.type.opensCursor { try statement.closeCursor() }
        return try statement.rowCounts().affected
    }

    /// Prepares and executes one query in its own transaction (committed on success).
    @discardableResult
    public func execute(_ query: FirebirdQuery, options: TransactionOptions = .default) throws -> Int {
        try inTransaction(options) { try execute(query, in: $0) }
    }

    /// Every row of a query (or the one row of EXECUTE PROCEDURE / RETURNING).
    public func query(_ query: FirebirdQuery, in transaction: Transaction) throws -> [Row] {
        try prepare(query.sql, in: transaction).rows(query.bindings, in: transaction)
    }

    /// Every row of a query, in its own read-only transaction.
    public func query(_ query: FirebirdQuery) throws -> [Row] {
        try inTransaction(.readOnly) { try self.query(query, in: $0) }
    }

    /// Every row of a query decoded as `T`.
    public func query<T: Decodable>(_ query: FirebirdQuery, as type: T.Type, in transaction: Transaction) throws -> [T] {
        try self.query(query, in: transaction).map { try $0.decode(type) }
    }

    /// The first column of the first row as `T`, or nil when there is no row.
    public func queryValue<T: FirebirdDecodable>(
        _ query: FirebirdQuery, as type: T.Type = T.self, in transaction: Transaction
    ) throws -> T? {
        let statement = try prepare(query.sql, in: transaction)
        try statement.execute(query.bindings, in: transaction)
        guard try statement.fetch() else { return nil }
        let value = try statement.row().decode(type, at: 0)
        try statement.closeCursor()
        return value
    }
}

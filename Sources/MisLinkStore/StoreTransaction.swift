import Firebird

/// Where the store's synchronous statements run: the caller's transaction. A plain ``Transaction``
/// prepares each statement when it runs; the intake's batch (`ApplyContext`) runs them on statements it
/// prepared once per attachment, inside its one group-commit transaction. The store never commits or
/// rolls back.
public protocol StoreTransaction {
    /// Every row of `query` (or the one row of `… RETURNING`, all NULL when no row was changed).
    func rows(_ query: FirebirdQuery) throws -> [Row]
    /// Executes `query`; returns the rows it inserted, updated or deleted.
    @discardableResult
    func execute(_ query: FirebirdQuery) throws -> Int
}

extension Transaction: StoreTransaction {
    public func rows(_ query: FirebirdQuery) throws -> [Row] {
        try attachment.query(query, in: self)
    }

    @discardableResult
    public func execute(_ query: FirebirdQuery) throws -> Int {
        try attachment.execute(query, in: self)
    }
}

extension StoreTransaction {
    /// The id an `INSERT`/`UPDATE … RETURNING ID` gave, nil when no row was changed (Firebird 3 then
    /// returns one row of NULLs).
    func returnedID(_ query: FirebirdQuery) throws -> Int64? {
        try rows(query).first?.decode(Int64?.self, column: "ID")
    }

    /// The `ID` column of the first row, nil when there is none.
    func firstID(_ query: FirebirdQuery) throws -> Int64? {
        try rows(query).first?.decode(Int64.self, column: "ID")
    }
}

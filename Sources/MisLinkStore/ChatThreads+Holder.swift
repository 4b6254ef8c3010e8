import Firebird

extension ChatThreads {
    /// Who holds a thread now (`OPERATOR_ID`): `nil` when there is no such thread, `.some(nil)` when nobody
    /// does (queued, released, closed without one). The console lets an operator into a thread only when it
    /// is theirs or nobody's.
    public static func holder(_ id: Int64, in tx: some StoreTransaction) throws -> Int64?? {
        guard let row = try tx.rows("SELECT OPERATOR_ID FROM MISLINK_CHAT_THREADS WHERE ID = \(id)").first else { return nil }
        return .some(try row.decode(Int64?.self, column: "OPERATOR_ID"))
    }
}

import Firebird

/// Inserts rows with the `EXECUTE BLOCK` statements of ``InsertBlock``, each prepared once (for each
/// table and block size it meets) and executed for every block.
///
/// Everything a row needs was made on the generating thread; here the values are only bound and sent.
final class BulkLoader {
    let attachment: FirebirdAttachment
    private var statements: [String: [Int: Statement]] = [:]

    init(attachment: FirebirdAttachment) {
        self.attachment = attachment
    }

    /// Inserts one block: the values of one or more rows of `block`'s table, in its column order.
    func insert(_ values: [FirebirdValue], into block: InsertBlock, in transaction: Transaction) throws {
        let rows = values.count / block.columns.count
        let statement: Statement
        if let prepared = statements[block.table]?[rows] {
            statement = prepared
        } else {
            statement = try attachment.prepare(block.sql(rows: rows), in: transaction)
            statements[block.table, default: [:]][rows] = statement
        }
        try statement.execute(values, in: transaction)
    }
}

import Firebird

extension FirebirdError {
    /// A bound number did not fit its parameter's type (SQLSTATE 22003, `isc_numeric_out_of_range`): a
    /// 64-bit id asked of a MIS whose key is INTEGER.
    public var isNumericOverflow: Bool { sqlState == "22003" || gdsCodes.contains(335_544_916) }
}

extension ProfileStatement {
    /// Runs a lookup by id in `transaction`: the rows it returns, and none when an id MisLink binds is
    /// wider than the MIS's key (MisLink's ids are 64-bit; a MIS keyed by INTEGER has no row 3000000000,
    /// and Firebird says so with a numeric overflow instead of an empty result).
    public func lookup(_ values: [String: FirebirdValue], in transaction: Transaction) throws -> [Row] {
        do {
            return try transaction.attachment.query(try query(values), in: transaction)
        } catch let error as FirebirdError where error.isNumericOverflow {
            return []
        }
    }

    /// The same lookup through a statement prepared once from ``sql``.
    public func lookup(_ values: [String: FirebirdValue], with prepared: Statement, in transaction: Transaction) throws -> [Row] {
        do {
            return try prepared.rows(try bindings(values), in: transaction)
        } catch let error as FirebirdError where error.isNumericOverflow {
            return []
        }
    }
}

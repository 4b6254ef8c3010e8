import Firebird

/// Switches a table's plain indexes off for a bulk load and rebuilds them after it.
///
/// Only indexes that are active, not unique and not behind a constraint (primary, unique and foreign
/// keys need theirs) are touched, and only those are switched back on: an index a DBA deliberately
/// left inactive stays inactive. Each `ALTER INDEX` is committed on its own, before any data is
/// written (DDL is never mixed with DML in one transaction).
struct IndexMaintenance {
    let attachment: FirebirdAttachment

    /// The active, non-unique indexes of `table` that no constraint uses, by name.
    func plainActiveIndexes(of table: String) throws -> [String] {
        try attachment.inTransaction(.readOnly) { transaction in
            try attachment.query(
                """
                SELECT TRIM(I.RDB$INDEX_NAME) FROM RDB$INDICES I
                LEFT JOIN RDB$RELATION_CONSTRAINTS C ON C.RDB$INDEX_NAME = I.RDB$INDEX_NAME
                WHERE I.RDB$RELATION_NAME = \(table) AND C.RDB$INDEX_NAME IS NULL
                  AND COALESCE(I.RDB$UNIQUE_FLAG, 0) = 0 AND COALESCE(I.RDB$INDEX_INACTIVE, 0) = 0
                  AND COALESCE(I.RDB$SYSTEM_FLAG, 0) = 0
                ORDER BY I.RDB$INDEX_NAME
                """, in: transaction
            ).map { try $0.decode(String.self, at: 0) }
        }
    }

    /// Deactivates `indexes`; returns those it switched off (all, or it throws after restoring any
    /// it had already switched off).
    func deactivate(_ indexes: [String]) throws -> [String] {
        var done: [String] = []
        do {
            for index in indexes {
                try alter(index, active: false)
                done.append(index)
            }
        } catch {
            try? activate(done)
            throw error
        }
        return done
    }

    /// Activates (and so rebuilds) `indexes`, trying every one even when one fails.
    func activate(_ indexes: [String]) throws {
        var firstError: (any Error)?
        for index in indexes {
            do { try alter(index, active: true) } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }

    private func alter(_ index: String, active: Bool) throws {
        let quoted = "\"" + index.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        try attachment.inTransaction(TransactionOptions(lockResolution: .noWait)) { transaction in
            try attachment.executeImmediate("ALTER INDEX \(quoted) \(active ? "ACTIVE" : "INACTIVE")", in: transaction)
        }
    }
}

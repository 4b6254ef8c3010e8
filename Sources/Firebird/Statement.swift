import CFirebird

/// The kind of a prepared statement (`isc_info_sql_stmt_type`).
public struct StatementType: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let select = StatementType(rawValue: Int(isc_info_sql_stmt_select))
    public static let insert = StatementType(rawValue: Int(isc_info_sql_stmt_insert))
    public static let update = StatementType(rawValue: Int(isc_info_sql_stmt_update))
    public static let delete = StatementType(rawValue: Int(isc_info_sql_stmt_delete))
    public static let ddl = StatementType(rawValue: Int(isc_info_sql_stmt_ddl))
    /// EXECUTE PROCEDURE, and INSERT/UPDATE/DELETE … RETURNING (a singleton result).
    public static let executeProcedure = StatementType(rawValue: Int(isc_info_sql_stmt_exec_procedure))
    public static let selectForUpdate = StatementType(rawValue: Int(isc_info_sql_stmt_select_for_upd))
    public static let setGenerator = StatementType(rawValue: Int(isc_info_sql_stmt_set_generator))
    public static let savepoint = StatementType(rawValue: Int(isc_info_sql_stmt_savepoint))

    /// True for statements that open a cursor.
    public var opensCursor: Bool { self == .select || self == .selectForUpdate }

    public var description: String {
        switch self {
        case .select: "SELECT"
        case .insert: "INSERT"
        case .update: "UPDATE"
        case .delete: "DELETE"
        case .ddl: "DDL"
        case .executeProcedure: "EXECUTE PROCEDURE"
        case .selectForUpdate: "SELECT FOR UPDATE"
        case .setGenerator: "SET GENERATOR"
        case .savepoint: "SAVEPOINT"
        default: "statement type \(rawValue)"
        }
    }
}

/// Rows a statement's last execution touched (`isc_info_sql_records`).
public struct RowCounts: Hashable, Sendable {
    public var selected = 0
    public var inserted = 0
    public var updated = 0
    public var deleted = 0
    /// Inserted + updated + deleted.
    public var affected: Int { inserted + updated + deleted }
}

/// A prepared statement: the owner of one `isc_stmt_handle`. Prepare once, execute many times.
///
/// ```swift
/// let insert = try attachment.prepare("INSERT INTO T (ID, NAME) VALUES (?, ?)", in: tx)
/// for (id, name) in rows { try insert.execute([.integer(id), .text(name)], in: tx) }
///
/// let select = try attachment.prepare("SELECT ID, NAME FROM T", in: tx)
/// try select.execute(in: tx)
/// while try select.fetch() { print(select.int32(0)!, select.string(1) ?? "") }
/// ```
/// Not `Sendable`; it belongs to its attachment's executor. Released statements are dropped
/// (`isc_dsql_free_statement` with `DSQL_drop`).
public final class Statement {
    /// The attachment it was prepared on.
    public let attachment: FirebirdAttachment
    /// The SQL text as prepared.
    public let sql: String
    /// What kind of statement it is.
    public private(set) var type: StatementType = .select
    /// The raw `isc_stmt_handle`, 0 once freed.
    public private(set) var handle: isc_stmt_handle = 0

    let input = SQLDA()
    let output = SQLDA()
    /// The transaction of the open cursor or singleton row (needed to read BLOBs of the current row).
    var rowTransaction: Transaction?
    var cursorOpen = false
    /// For EXECUTE PROCEDURE / RETURNING: the row `isc_dsql_execute2` returned, not yet fetched.
    var pendingSingleton = false
    var hasRow = false
    var overflow: [UnsafeMutableRawPointer?] = []
    var overflowCapacity: [Int] = []
    var cachedRowColumns: RowColumns?

    /// Output columns, in order.
    public var columns: [ColumnDescription] { output.columns }
    /// Input parameters (`?`), in order.
    public var parameters: [ColumnDescription] { input.columns }

    init(attachment: FirebirdAttachment, sql: String, transaction: Transaction) throws {
        self.attachment = attachment
        self.sql = sql
        try transaction.ensureActive()
        let status = attachment.status
        isc_dsql_allocate_statement(status.pointer, &attachment.handle, &handle)
        try status.check(sql: sql)
        isc_dsql_prepare(status.pointer, &transaction.handle, &handle, 0, sql, UInt16(SQL_DIALECT_V6), output.pointer)
        try status.check(sql: sql)
        if output.needsMoreRoom {
            output.grow()
            isc_dsql_describe(status.pointer, &handle, UInt16(SQL_DIALECT_V6), output.pointer)
            try status.check(sql: sql)
        }
        output.layOut(extendedZones: true)
        isc_dsql_describe_bind(status.pointer, &handle, UInt16(SQL_DIALECT_V6), input.pointer)
        try status.check(sql: sql)
        if input.needsMoreRoom {
            input.grow()
            isc_dsql_describe_bind(status.pointer, &handle, UInt16(SQL_DIALECT_V6), input.pointer)
            try status.check(sql: sql)
        }
        input.layOut()
        overflow = Array(repeating: nil, count: input.count)
        overflowCapacity = Array(repeating: 0, count: input.count)
        type = try readType()
    }

    deinit {
        for buffer in overflow { buffer?.deallocate() }
        if handle != 0, attachment.isOpen {
            _ = isc_dsql_free_statement(attachment.status.pointer, &handle, UInt16(DSQL_drop))
        }
    }

    /// The index of the column named `name` (case-insensitive), if any.
    public func columnIndex(named name: String) -> Int? { rowColumns.index(of: name) }

    /// Executes with the given parameter values. A SELECT opens a cursor to read with ``fetch()``;
    /// EXECUTE PROCEDURE and `… RETURNING` make their one row available to ``fetch()``.
    public func execute(_ arguments: [FirebirdValue] = [], in transaction: Transaction) throws {
        try transaction.ensureActive()
        try closeCursor()
        guard arguments.count == input.count else {
            throw FirebirdError.misuse(
                "the statement has \(input.count) parameter(s), \(arguments.count) value(s) given", sql: sql)
        }
        for (index, value) in arguments.enumerated() {
            try bind(value, at: index, transaction: transaction)
        }
        let status = attachment.status
        if type.opensCursor {
            isc_dsql_execute(status.pointer, &transaction.handle, &handle, UInt16(SQL_DIALECT_V6), input.pointer)
            try status.check(sql: sql, arguments: arguments)
            cursorOpen = true
            rowTransaction = transaction
        } else if output.count > 0 {
            isc_dsql_execute2(
                status.pointer, &transaction.handle, &handle, UInt16(SQL_DIALECT_V6), input.pointer, output.pointer)
            try status.check(sql: sql, arguments: arguments)
            pendingSingleton = true
            rowTransaction = transaction
        } else {
            isc_dsql_execute(status.pointer, &transaction.handle, &handle, UInt16(SQL_DIALECT_V6), input.pointer)
            try status.check(sql: sql, arguments: arguments)
        }
    }

    /// Moves to the next row; false at the end, after which the cursor is closed.
    public func fetch() throws -> Bool {
        if pendingSingleton {
            pendingSingleton = false
            hasRow = true
            return true
        }
        guard cursorOpen else {
            hasRow = false
            return false
        }
        let status = attachment.status
        let code = isc_dsql_fetch(status.pointer, &handle, UInt16(SQL_DIALECT_V6), output.pointer)
        if code == 0 {
            hasRow = true
            return true
        }
        hasRow = false
        if code == 100 {
            try closeCursor()
            return false
        }
        let error = status.error(sql: sql)
        try? closeCursor()
        throw error
    }

    /// Closes the open cursor, if any (`DSQL_close`). ``execute(_:in:)`` does it for you.
    public func closeCursor() throws {
        pendingSingleton = false
        hasRow = false
        rowTransaction = nil
        guard cursorOpen else { return }
        cursorOpen = false
        guard attachment.isOpen else { return }
        isc_dsql_free_statement(attachment.status.pointer, &handle, UInt16(DSQL_close))
        try attachment.status.check(sql: sql)
    }

    /// How many rows the last execution selected, inserted, updated and deleted.
    public func rowCounts() throws -> RowCounts {
        let response = try info([UInt8(isc_info_sql_records)], capacity: 128)
        var counts = RowCounts()
        for (item, value) in InfoBuffer(response) where item == UInt8(isc_info_sql_records) {
            for (kind, number) in InfoBuffer(Array(value)) {
                let count = InfoBuffer.integer(number)
                switch Int32(kind) {
                case isc_info_req_select_count: counts.selected = count
                case isc_info_req_insert_count: counts.inserted = count
                case isc_info_req_update_count: counts.updated = count
                case isc_info_req_delete_count: counts.deleted = count
                default: break
                }
            }
        }
        return counts
    }

    private func readType() throws -> StatementType {
        let response = try info([UInt8(isc_info_sql_stmt_type)], capacity: 16)
        for (item, value) in InfoBuffer(response) where item == UInt8(isc_info_sql_stmt_type) {
            return StatementType(rawValue: InfoBuffer.integer(value))
        }
        throw FirebirdError.misuse("the server did not report the statement type", sql: sql)
    }

    private func info(_ items: [UInt8], capacity: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: capacity)
        items.withUnsafeBufferPointer { itemBytes in
            buffer.withUnsafeMutableBufferPointer { out in
                _ = isc_dsql_sql_info(
                    attachment.status.pointer, &handle, Int16(itemBytes.count),
                    UnsafeRawPointer(itemBytes.baseAddress!).assumingMemoryBound(to: CChar.self), Int16(out.count),
                    UnsafeMutableRawPointer(out.baseAddress!).assumingMemoryBound(to: CChar.self))
            }
        }
        try attachment.status.check(sql: sql)
        return buffer
    }
}

extension FirebirdAttachment {
    /// Prepares `sql` (positional `?` parameters) for repeated execution.
    public func prepare(_ sql: String, in transaction: Transaction) throws -> Statement {
        try ensureOpen()
        return try Statement(attachment: self, sql: sql, transaction: transaction)
    }

    /// Executes one statement with no parameters and no result without preparing it
    /// (`isc_dsql_execute_immediate`): DDL, SET GENERATOR, and the like.
    public func executeImmediate(_ sql: String, in transaction: Transaction) throws {
        try transaction.ensureActive()
        isc_dsql_execute_immediate(status.pointer, &handle, &transaction.handle, 0, sql, UInt16(SQL_DIALECT_V6), nil)
        try status.check(sql: sql)
    }
}

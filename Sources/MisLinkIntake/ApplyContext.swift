import Firebird
import Foundation

/// What an applier gets to change the database: the batch's transaction and statements prepared once
/// per attachment.
///
/// Only used on the intake connection's queue, inside one group-commit transaction.
public final class ApplyContext {
    /// The transaction of the batch; appliers never commit or roll it back.
    public let transaction: Transaction
    /// Seconds to subtract from PBX epoch fields (`mango.timestamp_offset`).
    public let timestampOffset: Int
    /// UTC now, once per batch: given explicitly as `UPDATED_AT`/`CREATED_AT`, so the tables'
    /// triggers need not call `MISLINK_UTC_NOW()` for every row.
    public let now: FirebirdValue
    /// Row ids by natural key (`call:<entry_id>`, `leg:<call_id>`, `thread:<provider>:<id>`), kept
    /// across batches: such rows are never re-keyed, so an id once seen stays right. Entries added in
    /// a batch that rolls back are forgotten with it.
    public let ids: IDCache
    /// Operators, caller identification and calls in progress (see ``CallLookups``).
    public let lookups: CallLookups
    /// The attachment the batch runs on.
    public let attachment: FirebirdAttachment
    private let statements: StatementCache

    init(attachment: FirebirdAttachment, transaction: Transaction, statements: StatementCache, timestampOffset: Int,
         ids: IDCache, lookups: CallLookups) {
        self.attachment = attachment
        self.transaction = transaction
        self.statements = statements
        self.timestampOffset = timestampOffset
        self.ids = ids
        self.lookups = lookups
        now = .timestamp(FirebirdTimestamp(Date(), in: .utc))
    }

    /// Executes a statement that returns nothing.
    public func execute(_ sql: String, _ arguments: [FirebirdValue]) throws {
        let statement = try statements.statement(sql, in: transaction)
        try statement.execute(arguments, in: transaction)
    }

    /// Executes a SELECT (or `… RETURNING`) and returns its first row, nil if there is none (or, for
    /// `UPDATE … RETURNING`, if no row was updated: all its values are NULL).
    public func firstRow(_ sql: String, _ arguments: [FirebirdValue]) throws -> [FirebirdValue]? {
        let statement = try statements.statement(sql, in: transaction)
        try statement.execute(arguments, in: transaction)
        guard try statement.fetch() else { return nil }
        let values = try (0..<statement.columns.count).map { try statement.readValue($0) }
        try statement.closeCursor()
        return values.allSatisfy(\.isNull) ? nil : values
    }

    /// Executes a SELECT and returns every row's values.
    public func rows(_ sql: String, _ arguments: [FirebirdValue]) throws -> [[FirebirdValue]] {
        let statement = try statements.statement(sql, in: transaction)
        try statement.execute(arguments, in: transaction)
        var rows: [[FirebirdValue]] = []
        while try statement.fetch() {
            rows.append(try (0..<statement.columns.count).map { try statement.readValue($0) })
        }
        return rows
    }

    /// A UTC timestamp from PBX epoch seconds, corrected by ``timestampOffset``.
    public func utc(epoch: Int) -> FirebirdValue {
        epoch > 0 ? .timestamp(FirebirdTimestamp(Date(timeIntervalSince1970: TimeInterval(epoch - timestampOffset)), in: .utc)) : .null
    }

    /// A UTC timestamp.
    public func utc(_ date: Date) -> FirebirdValue { .timestamp(FirebirdTimestamp(date, in: .utc)) }
}

/// Ids of rows by natural key, with the additions of the running transaction kept apart until it
/// commits (see ``ApplyContext/ids``).
public final class IDCache {
    private var committed: [String: Int64] = [:]
    private var pending: [String: Int64] = [:]
    private let limit: Int

    init(limit: Int = 500_000) { self.limit = limit }

    /// The id of a key, if known.
    public subscript(key: String) -> Int64? {
        pending[key] ?? committed[key]
    }

    /// Remembers an id found or created in the running transaction.
    public func remember(_ key: String, _ id: Int64) { pending[key] = id }

    func commit() {
        if committed.count + pending.count > limit { committed.removeAll(keepingCapacity: true) }
        committed.merge(pending) { _, new in new }
        pending.removeAll(keepingCapacity: true)
    }

    func rollback() { pending.removeAll(keepingCapacity: true) }

    func reset() {
        committed.removeAll()
        pending.removeAll()
    }
}

/// Statements prepared once on an attachment and reused by every batch.
final class StatementCache {
    private var prepared: [String: Statement] = [:]
    let attachment: FirebirdAttachment

    init(attachment: FirebirdAttachment) { self.attachment = attachment }

    func statement(_ sql: String, in transaction: Transaction) throws -> Statement {
        if let statement = prepared[sql] { return statement }
        let statement = try attachment.prepare(sql, in: transaction)
        prepared[sql] = statement
        return statement
    }
}

extension TimeZone {
    static let utc = TimeZone(identifier: "UTC")!
}

extension FirebirdValue {
    /// Text, or NULL for nil or an empty string.
    static func text(orNull text: String?) -> FirebirdValue {
        guard let text, !text.isEmpty else { return .null }
        return .text(text)
    }

    /// ASCII text for the `CHARACTER SET ASCII` columns (numbers, ids): other characters dropped,
    /// cut to `limit`; NULL when nothing is left.
    static func ascii(_ text: String?, limit: Int) -> FirebirdValue {
        guard let text else { return .null }
        let kept = String(text.unicodeScalars.filter { $0.isASCII && $0.value >= 32 }.prefix(limit).map(Character.init))
        return kept.isEmpty ? .null : .text(kept)
    }

    /// UTF-8 text cut to `limit` characters.
    static func text(_ text: String?, limit: Int) -> FirebirdValue {
        guard let text, !text.isEmpty else { return .null }
        return .text(String(text.prefix(limit)))
    }

    /// Text for the MIS's own WIN1251 columns (`APPEALS.CONTACT_NAME` …): every character WIN1251 cannot
    /// hold (emoji, other scripts) becomes `?`, one per character as a reader sees it, so the MIS shows
    /// where something was; cut to `limit`. The exact text goes to MisLink's UTF8 columns beside it.
    public static func win1251(_ text: String?, limit: Int) -> FirebirdValue {
        guard let text, !text.isEmpty else { return .null }
        let kept = String(text.prefix(limit).map { FirebirdCharset.win1251.encode(String($0)) == nil ? "?" : $0 })
        return .text(kept)
    }

    var int64Value: Int64? {
        switch self {
        case .smallint(let v): Int64(v)
        case .integer(let v): Int64(v)
        case .bigint(let v): v
        default: nil
        }
    }

    var stringValue: String? {
        if case .text(let v) = self { return v }
        return nil
    }

    var timestampValue: FirebirdTimestamp? {
        if case .timestamp(let v) = self { return v }
        return nil
    }
}

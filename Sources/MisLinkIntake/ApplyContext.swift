import Firebird
import Foundation
import MisLinkProfiles
import MisLinkStore

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
    /// ``now`` as a timestamp, for the store's statements.
    public let nowStamp: FirebirdTimestamp
    /// Row ids by natural key (`call:<entry_id>`, `leg:<call_id>`, `thread:<provider>:<id>`), kept
    /// across batches: such rows are never re-keyed, so an id once seen stays right. Entries added in
    /// a batch that rolls back are forgotten with it.
    public let ids: IDCache
    /// Operators, caller identification and calls in progress (see ``CallLookups``).
    public let lookups: CallLookups
    /// The attachment the batch runs on.
    public let attachment: FirebirdAttachment
    /// The MIS profile: every statement that touches the MIS's tables (see ``misRows(_:_:)``).
    public let profile: MISProfile
    private let statements: StatementCache
    /// The appeals of the MIS (``appeals``), chosen once by the profile.
    let appealBook: any AppealBook

    init(attachment: FirebirdAttachment, transaction: Transaction, statements: StatementCache, profile: MISProfile,
         timestampOffset: Int, ids: IDCache, lookups: CallLookups) {
        self.attachment = attachment
        self.transaction = transaction
        self.statements = statements
        self.profile = profile
        appealBook = profile.appealBook
        self.timestampOffset = timestampOffset
        self.ids = ids
        self.lookups = lookups
        nowStamp = FirebirdTimestamp(Date(), in: .utc)  // the clock: never out of range
        now = .timestamp(nowStamp)
    }

    /// A statement prepared once on the batch's attachment.
    func statement(_ sql: String) throws -> Statement {
        try statements.statement(sql, in: transaction)
    }

    /// Executes a statement that returns nothing.
    public func execute(_ sql: String, _ arguments: [FirebirdValue]) throws {
        try StatementProfile.measure(sql) {
            let statement = try statements.statement(sql, in: transaction)
            try statement.execute(arguments, in: transaction)
        }
    }

    /// Executes a SELECT (or `… RETURNING`) and returns its first row, nil if there is none (or, for
    /// `UPDATE … RETURNING`, if no row was updated: all its values are NULL).
    public func firstRow(_ sql: String, _ arguments: [FirebirdValue]) throws -> [FirebirdValue]? {
        try StatementProfile.measure(sql) {
            let statement = try statements.statement(sql, in: transaction)
            try statement.execute(arguments, in: transaction)
            guard try statement.fetch() else { return nil }
            let values = try (0..<statement.columns.count).map { try statement.readValue($0) }
            try statement.closeCursor()
            return values.allSatisfy(\.isNull) ? nil : values
        }
    }

    /// Runs the MIS profile's statement `name` in the batch's transaction (prepared once per
    /// attachment, like every other statement of the batch) and returns its rows, whose columns are
    /// read by the aliases SQL/profiles/CONTRACT.md gives (`row["APPEAL_ID"]`), never by position.
    /// - Parameter values: the statement's `:parameter` values by name (lower case).
    /// - Throws: a ``ProfileError`` when the profile has no such statement or it uses a parameter not
    ///   given (the event is stored `failed` with the reason), a ``FirebirdError`` from the database.
    public func misRows(_ name: String, _ values: [String: FirebirdValue]) throws -> [Row] {
        let query = try profile.statement(name).query(values)
        return try StatementProfile.measure(query.sql) {
            let statement = try statements.statement(query.sql, in: transaction)
            return try statement.rows(query.bindings, in: transaction)
        }
    }

    /// Executes a SELECT and returns every row's values.
    public func rows(_ sql: String, _ arguments: [FirebirdValue]) throws -> [[FirebirdValue]] {
        try StatementProfile.measure(sql) {
            let statement = try statements.statement(sql, in: transaction)
            try statement.execute(arguments, in: transaction)
            var rows: [[FirebirdValue]] = []
            while try statement.fetch() {
                rows.append(try (0..<statement.columns.count).map { try statement.readValue($0) })
            }
            return rows
        }
    }

    /// A UTC timestamp from PBX epoch seconds, corrected by ``timestampOffset``; NULL for 0 or less
    /// (Mango's "none").
    /// - Parameter field: the event's field, named in the error.
    /// - Throws: ``ApplyError`` when the time is outside Firebird's range (0001-01-01 … 9999-12-31), so
    ///   the event is stored `failed` with the reason.
    public func utc(epoch: Int, field: String) throws -> FirebirdValue {
        guard epoch > 0 else { return .null }
        let (seconds, overflow) = epoch.subtractingReportingOverflow(timestampOffset)
        guard !overflow, let stamp = FirebirdTimestamp(exactly: Date(timeIntervalSince1970: TimeInterval(seconds)), in: .utc)
        else {
            let value = timestampOffset == 0 ? String(epoch) : "\(epoch) (mango.timestamp_offset \(timestampOffset))"
            throw ApplyError.outOfRange(field, value)
        }
        return .timestamp(stamp)
    }

    /// A UTC timestamp of a platform time.
    /// - Parameter field: the event's field, named in the error.
    /// - Throws: ``ApplyError`` when the time is outside Firebird's range (0001-01-01 … 9999-12-31).
    public func utc(_ date: Date, field: String) throws -> FirebirdValue {
        .timestamp(try Self.timestamp(date, field: field))
    }

    /// The UTC wall-clock time of a platform time.
    /// - Throws: ``ApplyError`` when it is outside Firebird's range (0001-01-01 … 9999-12-31).
    static func timestamp(_ date: Date, field: String) throws -> FirebirdTimestamp {
        guard let stamp = FirebirdTimestamp(exactly: date, in: .utc) else {
            throw ApplyError.outOfRange(field, String(date.timeIntervalSince1970))
        }
        return stamp
    }
}

/// The store's statements run in the batch's transaction, on statements prepared once per attachment.
extension ApplyContext: StoreTransaction {
    public func rows(_ query: FirebirdQuery) throws -> [Row] {
        try CachedStatements(cache: statements, transaction: transaction).rows(query)
    }

    @discardableResult
    public func execute(_ query: FirebirdQuery) throws -> Int {
        try CachedStatements(cache: statements, transaction: transaction).execute(query)
    }
}

/// A transaction whose store statements run on statements prepared once per attachment (the inbox
/// writer's and the batch's).
struct CachedStatements: StoreTransaction {
    let cache: StatementCache
    let transaction: Transaction

    func rows(_ query: FirebirdQuery) throws -> [Row] {
        try StatementProfile.measure(query.sql) {
            try cache.statement(query.sql, in: transaction).rows(query.bindings, in: transaction)
        }
    }

    @discardableResult
    func execute(_ query: FirebirdQuery) throws -> Int {
        try StatementProfile.measure(query.sql) {
            let statement = try cache.statement(query.sql, in: transaction)
            try statement.execute(query.bindings, in: transaction)
            if statement.type.opensCursor { try statement.closeCursor() }
            return try statement.rowCounts().affected
        }
    }
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

extension ApplyError {
    /// A value from outside that no column can take (a time past 9999, a counter past INTEGER).
    static func outOfRange(_ field: String, _ value: String) -> ApplyError {
        ApplyError("\(field) \(value.prefix(80)) is out of range")
    }
}

/// Text cut to what a column holds, counted the way Firebird counts for the column's charset: for a
/// `VARCHAR(n)` in UTF8 or WIN1251, `n` characters are `n` Unicode scalars (UTF8) or `n` bytes
/// (WIN1251, one byte each); a Swift `Character` may be several of either (👨‍👩‍👧‍👦 is 7 scalars).
enum ColumnText {
    /// The longest prefix of whole characters (grapheme clusters) of at most `limit` scalars; when the
    /// first character alone is longer (a letter with hundreds of combining marks), the first `limit`
    /// scalars. Never splits a scalar.
    static func prefix(_ text: String, scalars limit: Int) -> String {
        guard limit > 0 else { return "" }
        guard text.unicodeScalars.count > limit else { return text }
        var used = 0
        var end = text.startIndex
        for character in text {
            let size = character.unicodeScalars.count
            guard used + size <= limit else { break }
            used += size
            end = text.index(after: end)
        }
        if end == text.startIndex { return String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit))) }
        return String(text[..<end])
    }
}

extension FirebirdValue {
    /// Text, or NULL for nil or an empty string.
    static func text(orNull text: String?) -> FirebirdValue {
        guard let text, !text.isEmpty else { return .null }
        return .text(text)
    }

    /// ASCII text for the `CHARACTER SET ASCII` columns (numbers, ids): other scalars (and control
    /// characters) dropped, cut to `limit` bytes of what is left; NULL when nothing is left.
    static func ascii(_ text: String?, limit: Int) -> FirebirdValue {
        guard let text else { return .null }
        var kept = String.UnicodeScalarView()
        var count = 0
        for scalar in text.unicodeScalars where scalar.isASCII && scalar.value >= 32 {
            guard count < limit else { break }
            kept.append(scalar)
            count += 1
        }
        return kept.isEmpty ? .null : .text(String(kept))
    }

    /// Text for a `CHARACTER SET UTF8` column of `limit` characters: cut to at most `limit` Unicode
    /// scalars, as Firebird counts them (see ``ColumnText``); NULL for nil or an empty string.
    static func text(_ text: String?, limit: Int) -> FirebirdValue {
        guard let text, !text.isEmpty else { return .null }
        return .text(ColumnText.prefix(text, scalars: limit))
    }

    /// Text for the MIS's own WIN1251 columns (`APPEALS.CONTACT_NAME` …): every character WIN1251 cannot
    /// hold (emoji, other scripts) becomes `?`, one per character as a reader sees it, so the MIS shows
    /// where something was; then cut to `limit` WIN1251 bytes (whole characters only). The exact text
    /// goes to MisLink's UTF8 columns beside it.
    public static func win1251(_ text: String?, limit: Int) -> FirebirdValue {
        guard let text, !text.isEmpty else { return .null }
        var kept = ""
        var bytes = 0
        for character in text {
            // A character WIN1251 holds takes one byte per scalar ("\r\n" is one character, two bytes).
            let size = FirebirdCharset.win1251.encode(String(character))?.count
            guard bytes + (size ?? 1) <= limit else { break }
            bytes += size ?? 1
            kept.append(size == nil ? "?" : character)
        }
        return kept.isEmpty ? .null : .text(kept)
    }

    /// An INTEGER value of a number that must fit.
    /// - Throws: ``ApplyError`` naming `field` when it does not (the event is stored `failed`).
    static func checkedInteger(_ value: Int, field: String) throws -> FirebirdValue {
        guard let exact = Int32(exactly: value) else { throw ApplyError.outOfRange(field, String(value)) }
        return .integer(exact)
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

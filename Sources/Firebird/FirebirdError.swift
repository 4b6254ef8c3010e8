import CFirebird

/// An error reported by the Firebird client library or the server, or a misuse of this wrapper.
///
/// It carries every GDS code of the status vector, the SQLCODE and SQLSTATE, the full text that
/// `fb_interpret` gives for the vector, and the SQL that failed. Its `description` and ``message`` are
/// safe for logs and API answers: bound parameter values never appear in them (MisLink binds patient
/// phones and names), only their count, and the values the server quotes from the data (the key of
/// a unique violation, a value a column rejected) are replaced by `***`. `debugDescription` adds both.
///
/// Branch on what callers care about with ``Code``:
/// ```swift
/// do { try statement.execute(values, in: transaction) }
/// catch FirebirdError.Code.uniqueViolation { … }
/// ```
public struct FirebirdError: Error, Sendable {
    /// What kind of failure this is, for callers that branch on it. Open to new cases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        private init(_ name: String) { description = name }

        /// A UNIQUE or PRIMARY KEY constraint was violated (isc_unique_key_violation, isc_no_dup).
        public static let uniqueViolation = Code("unique violation")
        /// A FOREIGN KEY constraint was violated (isc_foreign_key).
        public static let foreignKeyViolation = Code("foreign key violation")
        /// An update conflict, lock conflict, lock timeout or deadlock (isc_lock_conflict, isc_deadlock,
        /// isc_update_conflict, isc_lock_timeout).
        public static let lockConflict = Code("lock conflict")
        /// A character could not be transliterated between character sets, e.g. an emoji into WIN1251
        /// (isc_transliteration_failed under isc_arith_except).
        public static let transliterationFailed = Code("transliteration failed")
        /// The connection to the server is gone (network errors, shutdown, killed attachment).
        public static let connectionLost = Code("connection lost")
        /// An object is in use by another attachment and cannot be altered or dropped (isc_obj_in_use).
        public static let objectInUse = Code("object in use")
        /// The operation was cancelled (isc_cancelled), e.g. through `fb_cancel_operation`.
        public static let cancelled = Code("cancelled")
        /// A string was too long for its column or parameter (isc_string_truncation).
        public static let stringTruncation = Code("string truncation")
        /// Any other error reported by the server or the client library.
        public static let server = Code("server error")
        /// A Swift value cannot be bound to a parameter, or a column cannot be read as the requested type.
        public static let conversion = Code("conversion")
        /// The wrapper was used wrongly (closed handle, wrong parameter count, …).
        public static let misuse = Code("misuse")

        /// Matches a thrown error against a code: `catch FirebirdError.Code.lockConflict`.
        public static func ~= (code: Code, error: any Error) -> Bool {
            (error as? FirebirdError)?.code == code
        }
    }

    /// The kind of failure.
    public var code: Code
    /// Every GDS code (`isc_arg_gds`) of the status vector, primary first. Empty for wrapper errors.
    public var gdsCodes: [Int]
    /// The SQLCODE from `isc_sqlcode`; 0 for wrapper errors.
    public var sqlCode: Int
    /// The five-character SQLSTATE from `fb_sqlstate`; empty for wrapper errors.
    public var sqlState: String
    /// Every line `fb_interpret` gives for the status vector, joined with newlines, with the values the
    /// server quoted from the data replaced by `***` (`Problematic key value is ("PHONE" = ***)`), or
    /// the wrapper's message.
    public var message: String
    /// The lines exactly as `fb_interpret` gives them, values included. Printed by `debugDescription` only.
    public var fullMessage: String
    /// The SQL text being executed, if any.
    public var sql: String?
    /// The bound parameter values. Never printed by `description`.
    public var arguments: [FirebirdValue]?

    /// Creates an error. Most errors come from a status vector; this initializer serves the wrapper's own checks.
    /// - Parameter fullMessage: the message with nothing redacted. Defaults to `message`.
    public init(
        code: Code, message: String, gdsCodes: [Int] = [], sqlCode: Int = 0, sqlState: String = "",
        sql: String? = nil, arguments: [FirebirdValue]? = nil, fullMessage: String? = nil
    ) {
        self.code = code
        self.message = message
        self.fullMessage = fullMessage ?? message
        self.gdsCodes = gdsCodes
        self.sqlCode = sqlCode
        self.sqlState = sqlState
        self.sql = sql
        self.arguments = arguments
    }

    /// The primary GDS code, or nil for wrapper errors.
    public var gdsCode: Int? { gdsCodes.first }

    static func misuse(_ message: String, sql: String? = nil) -> FirebirdError {
        FirebirdError(code: .misuse, message: message, sql: sql)
    }

    static func conversion(_ message: String, sql: String? = nil) -> FirebirdError {
        FirebirdError(code: .conversion, message: message, sql: sql)
    }

    /// Classifies a status vector's GDS codes into a ``Code``.
    static func classify(_ codes: [Int]) -> Code {
        let set = Set(codes)
        if set.contains(Int(isc_transliteration_failed)) { return .transliterationFailed }
        if set.contains(Int(isc_unique_key_violation)) || set.contains(Int(isc_no_dup)) { return .uniqueViolation }
        if set.contains(Int(isc_foreign_key)) { return .foreignKeyViolation }
        if set.contains(Int(isc_cancelled)) { return .cancelled }
        let lock = [isc_lock_conflict, isc_deadlock, isc_update_conflict, isc_lock_timeout]
        if lock.contains(where: { set.contains(Int($0)) }) { return .lockConflict }
        if set.contains(Int(isc_obj_in_use)) { return .objectInUse }
        let lost = [
            isc_network_error, isc_net_read_err, isc_net_write_err, isc_conn_lost, isc_lost_db_connection,
            isc_shutdown, isc_att_shutdown, isc_bad_db_handle, isc_io_error,
        ]
        if lost.contains(where: { set.contains(Int($0)) }) { return .connectionLost }
        if set.contains(Int(isc_string_truncation)) { return .stringTruncation }
        return .server
    }
}

extension FirebirdError: CustomStringConvertible, CustomDebugStringConvertible {
    /// Safe for logs and API answers: the code, SQLSTATE, GDS codes, message and SQL; parameter values
    /// and the values the server quoted are redacted.
    public var description: String {
        var text = "Firebird \(code)"
        if !sqlState.isEmpty { text += " (SQLSTATE \(sqlState), SQLCODE \(sqlCode), GDS \(gdsCodes.map(String.init).joined(separator: ",")))" }
        text += ": \(message)"
        if let sql { text += " — SQL: \(sql)" }
        if let arguments, !arguments.isEmpty { text += " — \(arguments.count) argument(s) redacted" }
        return text
    }

    /// Everything, including the bound values and the server's message unredacted. Not for production logs.
    public var debugDescription: String {
        var text = description
        if fullMessage != message { text += " — unredacted: \(fullMessage)" }
        if let arguments { text += " — arguments: \(arguments.map(\.debugDescription))" }
        return text
    }
}

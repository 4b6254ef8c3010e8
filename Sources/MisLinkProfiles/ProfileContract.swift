import Firebird

/// What MisLink expects of a profile's named statements: SQL/profiles/CONTRACT.md in Swift.
///
/// CONTRACT.md is the source of truth; a test reads its tables and checks that they and ``v1`` say the
/// same (names, parameters, result columns, kinds, NULL allowed).
public struct ProfileContract: Sendable {
    /// The contract version this MisLink reads (`"contract"` in profile.json).
    public static let version = 1

    /// The SQL types a result column may have.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// SMALLINT, INTEGER, BIGINT, NUMERIC(n,0) / DECIMAL(n,0).
        case integer
        /// CHAR, VARCHAR (any character set, NONE included), text BLOB.
        case text
        /// DATE.
        case date
        /// TIMESTAMP (clinic wall-clock time).
        case timestamp
        /// TIME.
        case time

        /// Whether a column Firebird describes this way can be read as this kind.
        public func accepts(_ column: ColumnDescription) -> Bool {
            switch self {
            case .integer: [FirebirdType.smallint, .integer, .bigint].contains(column.type) && column.scale == 0
            case .text: column.type == .text || column.type == .varying || (column.type == .blob && column.subtype == 1)
            case .date: column.type == .date
            case .timestamp: column.type == .timestamp
            case .time: column.type == .time
            }
        }
    }

    /// A result column, found by its alias.
    public struct Column: Sendable, Hashable {
        /// The alias (upper case).
        public var name: String
        /// The SQL types it may have.
        public var kind: Kind
        /// Whether MisLink accepts NULL in it.
        public var nullable: Bool

        /// - Parameters:
        ///   - nullable: defaults to false.
        public init(_ name: String, _ kind: Kind, nullable: Bool = false) {
            self.name = name
            self.kind = kind
            self.nullable = nullable
        }
    }

    /// A `:parameter` MisLink binds.
    public struct Parameter: Sendable, Hashable {
        /// The name, without the colon.
        public var name: String
        /// True when a statement may leave it out (the MIS has nowhere to keep it: who cancelled a visit,
        /// the appeal a visit came from); every other parameter must be used.
        public var mayBeUnused: Bool

        /// - Parameters:
        ///   - mayBeUnused: defaults to false.
        public init(_ name: String, mayBeUnused: Bool = false) {
            self.name = name
            self.mayBeUnused = mayBeUnused
        }
    }

    /// The part of MisLink a statement serves (the sections of CONTRACT.md).
    public enum Group: String, Sendable, Hashable, Codable, CaseIterable {
        /// Patients: identification, the caller card, messages and mailings.
        case callers
        /// Employees by extension, SIP login and chat login.
        case staff
        /// The MIS's appeals (only with `"appeals": true`).
        case appeals
        /// Visits and services.
        case booking
    }

    /// One named statement.
    public struct Statement: Sendable, Hashable {
        /// The name after `-- name:`.
        public var name: String
        /// The section of CONTRACT.md it is in.
        public var group: Group
        /// The parameters MisLink binds, in the order CONTRACT.md lists them.
        public var parameters: [Parameter]
        /// The columns MisLink reads; empty for a statement whose result is not read.
        public var columns: [Column]
        /// True when the statement may be missing (MisLink does without what it gives).
        public var optional: Bool
        /// True when it is only used with `"appeals": true` in profile.json.
        public var onlyWithAppeals: Bool
        /// What it must do, in one sentence (CONTRACT.md has the whole text).
        public var duty: String

        /// The statements of the ``Group/appeals`` group are used only with appeals.
        /// - Parameters:
        ///   - parameters: defaults to none.
        ///   - columns: defaults to none (the result is not read).
        ///   - optional: defaults to false (required).
        public init(_ name: String, _ group: Group, parameters: [Parameter] = [], columns: [Column] = [], optional: Bool = false,
                    duty: String) {
            self.name = name
            self.group = group
            self.parameters = parameters
            self.columns = columns
            self.optional = optional
            self.onlyWithAppeals = group == .appeals
            self.duty = duty
        }

        /// Whether a profile with this manifest must have the statement.
        public func isRequired(by manifest: ProfileManifest) -> Bool {
            !optional && isUsed(by: manifest)
        }

        /// Whether MisLink runs it for a profile with this manifest.
        public func isUsed(by manifest: ProfileManifest) -> Bool {
            !onlyWithAppeals || manifest.appeals
        }
    }

    /// Every statement, in the order of CONTRACT.md.
    public var statements: [Statement]

    /// A contract of these statements (``v1`` is the one MisLink enforces).
    public init(statements: [Statement]) { self.statements = statements }

    /// The statement called `name`.
    public subscript(name: String) -> Statement? { statements.first { $0.name == name } }
}

import Firebird
import Foundation

/// The history table in the target database, `MISLINK_SCHEMA_HISTORY`, and the lock table beside it.
///
/// The history is an append-only log: an `APPLY` row per migration run (failed runs with
/// `SUCCESS = FALSE`), an `UNDO` row when `down` undid one, a `BASELINE` row holding the database's
/// fingerprint. A version is applied when its latest successful row is `APPLY`.
public enum SchemaHistory {
    public static let table = "MISLINK_SCHEMA_HISTORY"
    public static let lockTable = "MISLINK_SCHEMA_LOCK"

    /// The DDL of the two tables (each statement committed on its own), and the lock table's one row.
    static let bootstrapStatements: [(sql: String, isDDL: Bool)] = [
        (
            """
            CREATE TABLE MISLINK_SCHEMA_HISTORY (
                INSTALLED_RANK INTEGER NOT NULL CONSTRAINT MISLINK_SCHEMA_HISTORY_PK PRIMARY KEY,
                VERSION VARCHAR(50) NOT NULL,
                DESCRIPTION VARCHAR(200) CHARACTER SET UTF8 NOT NULL,
                KIND VARCHAR(10) NOT NULL,
                SCRIPT VARCHAR(255) CHARACTER SET UTF8,
                CHECKSUM INTEGER,
                INSTALLED_BY VARCHAR(63) NOT NULL,
                INSTALLED_ON TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL,
                EXECUTION_TIME INTEGER NOT NULL,
                SUCCESS BOOLEAN NOT NULL,
                DETAIL BLOB SUB_TYPE TEXT CHARACTER SET UTF8
            )
            """, true
        ),
        (
            "COMMENT ON TABLE MISLINK_SCHEMA_HISTORY IS 'MisLink migration history: one row per applied, undone, failed or baseline run (mislink migrate)'",
            true
        ),
        (
            """
            CREATE TABLE MISLINK_SCHEMA_LOCK (
                ID SMALLINT NOT NULL CONSTRAINT MISLINK_SCHEMA_LOCK_PK PRIMARY KEY,
                HOLDER VARCHAR(255) CHARACTER SET UTF8,
                LOCKED_AT TIMESTAMP
            )
            """, true
        ),
        (
            "COMMENT ON TABLE MISLINK_SCHEMA_LOCK IS 'mislink migrate holds a NO WAIT PROTECTED WRITE reservation of this table while it runs'",
            true
        ),
        ("INSERT INTO MISLINK_SCHEMA_LOCK (ID) VALUES (1)", false),
    ]

    /// The kinds of history rows.
    public enum Kind: String, Sendable {
        case apply = "APPLY"
        case undo = "UNDO"
        case baseline = "BASELINE"
    }

    /// One history row.
    public struct Entry: Sendable, Hashable {
        public var rank: Int
        public var version: String
        public var description: String
        public var kind: String
        public var script: String?
        public var checksum: Int32?
        public var installedBy: String
        public var installedOn: FirebirdTimestamp
        public var executionTimeMilliseconds: Int
        public var success: Bool
        public var detail: String?

        /// The version without its namespace (`001` for `medbase:001`).
        public var parsedVersion: MigrationVersion? { SchemaHistory.split(version)?.version }
        /// The namespace (profile name) of a profile's row; nil for the core's.
        public var namespace: String? { SchemaHistory.split(version)?.namespace }
    }

    /// The INSERT of one history row, as literal SQL (the same text `up` executes and `dry-run` prints).
    static func insertSQL(
        version: String, description: String, kind: Kind, script: String?, checksum: Int32?,
        executionTimeMilliseconds: Int, success: Bool, detail: String?
    ) -> String {
        """
        INSERT INTO MISLINK_SCHEMA_HISTORY (INSTALLED_RANK, VERSION, DESCRIPTION, KIND, SCRIPT, CHECKSUM, \
        INSTALLED_BY, EXECUTION_TIME, SUCCESS, DETAIL) \
        SELECT COALESCE(MAX(INSTALLED_RANK), 0) + 1, \(literal(version)), \(literal(String(description.prefix(200)))), \
        \(literal(kind.rawValue)), \(literal(script)), \(checksum.map(String.init) ?? "NULL"), CURRENT_USER, \
        \(executionTimeMilliseconds), \(success ? "TRUE" : "FALSE"), \(literal(detail)) FROM MISLINK_SCHEMA_HISTORY
        """
    }

    /// A SQL string literal ('' doubled), or NULL.
    static func literal(_ value: String?) -> String {
        guard let value else { return "NULL" }
        return "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// True when the history table exists.
    static func exists(_ attachment: FirebirdAttachment, in transaction: Transaction) throws -> Bool {
        try relationExists(table, attachment, in: transaction)
    }

    static func relationExists(_ name: String, _ attachment: FirebirdAttachment, in transaction: Transaction) throws -> Bool {
        try attachment.queryValue(
            "SELECT COUNT(*) FROM RDB$RELATIONS WHERE RDB$RELATION_NAME = \(name)", as: Int.self, in: transaction) ?? 0 > 0
    }

    /// Every row, in order; empty when the table does not exist.
    static func entries(_ attachment: FirebirdAttachment, in transaction: Transaction) throws -> [Entry] {
        guard try exists(attachment, in: transaction) else { return [] }
        let rows = try attachment.query(
            """
            SELECT INSTALLED_RANK, VERSION, DESCRIPTION, KIND, SCRIPT, CHECKSUM, INSTALLED_BY, INSTALLED_ON,
                   EXECUTION_TIME, SUCCESS, DETAIL
            FROM MISLINK_SCHEMA_HISTORY ORDER BY INSTALLED_RANK
            """, in: transaction)
        return try rows.map { row in
            Entry(
                rank: try row.decode(Int.self, at: 0), version: try row.decode(String.self, at: 1),
                description: try row.decode(String.self, at: 2), kind: try row.decode(String.self, at: 3),
                script: try row.decode(String?.self, at: 4), checksum: try row.decode(Int32?.self, at: 5),
                installedBy: try row.decode(String.self, at: 6), installedOn: try row.decode(FirebirdTimestamp.self, at: 7),
                executionTimeMilliseconds: try row.decode(Int.self, at: 8), success: try row.decode(Bool.self, at: 9),
                detail: try row.decode(String?.self, at: 10))
        }
    }

    /// Splits a history VERSION into its namespace and version: `medbase:001` → (`medbase`, 001),
    /// `001` → (nil, 001); nil when the version part does not parse.
    static func split(_ text: String) -> (namespace: String?, version: MigrationVersion)? {
        if let colon = text.firstIndex(of: ":") {
            guard let version = MigrationVersion(String(text[text.index(after: colon)...])) else { return nil }
            return (String(text[..<colon]), version)
        }
        return MigrationVersion(text).map { (nil, $0) }
    }

    /// What the log says now for one namespace (nil: the core): applied versions (their latest APPLY
    /// row), failed ones, the baseline. Rows of other namespaces are left out, except that the core's
    /// baseline row (the database's fingerprint) is every namespace's `fingerprintBaseline`.
    struct State {
        var applied: [MigrationVersion: Entry] = [:]
        var failed: [MigrationVersion: Entry] = [:]
        /// This namespace's baseline row.
        var baseline: Entry?
        /// The core's baseline row, which holds the database's fingerprint.
        var fingerprintBaseline: Entry?
        /// Versions applied in every other namespace, by namespace ("" is the core).
        var otherNamespacesApplied: [String: [MigrationVersion]] = [:]

        init(_ entries: [Entry], namespace: String? = nil) {
            var others: [String: [MigrationVersion: Bool]] = [:]
            for entry in entries {
                guard let (entryNamespace, version) = SchemaHistory.split(entry.version) else { continue }
                let kind = Kind(rawValue: entry.kind)
                if kind == .baseline && entryNamespace == nil { fingerprintBaseline = entry }
                guard entryNamespace == namespace else {
                    let key = entryNamespace ?? ""
                    switch kind {
                    case .apply where entry.success: others[key, default: [:]][version] = true
                    case .undo where entry.success: others[key, default: [:]][version] = nil
                    default: break
                    }
                    continue
                }
                switch kind {
                case .apply:
                    if entry.success { applied[version] = entry; failed[version] = nil } else { failed[version] = entry }
                case .undo:
                    if entry.success { applied[version] = nil }
                case .baseline:
                    baseline = entry
                case nil:
                    continue
                }
            }
            otherNamespacesApplied = others.compactMapValues { $0.isEmpty ? nil : $0.keys.sorted() }
        }

        /// True when no core migration was ever applied successfully.
        static func coreUntouched(_ entries: [Entry]) -> Bool {
            !entries.contains { $0.namespace == nil && $0.kind == Kind.apply.rawValue && $0.success }
        }

        var baselineVersion: MigrationVersion? { baseline.flatMap { SchemaHistory.split($0.version)?.version } }
    }
}

/// What identifies a database: its creation time, on-disk structure, page size and the MIS tables in it.
///
/// `baseline` records it; `up` compares it so scripts meant for one database are not run on another
/// (a restored copy has a new creation time). Tables added since are allowed; tables missing are not.
public struct DatabaseFingerprint: Sendable, Hashable, CustomStringConvertible {
    public var createdAt: String
    public var ods: String
    public var pageSize: Int
    /// User tables other than MisLink's own (`MISLINK_…`), sorted.
    public var tables: [String]
    /// When the fingerprint was recorded (from the history row), if known.
    public var recordedAt: String?

    /// Reads the fingerprint of the attached database.
    static func read(_ attachment: FirebirdAttachment, in transaction: Transaction) throws -> DatabaseFingerprint {
        let info = try attachment.info()
        let tables = try attachment.query(
            """
            SELECT TRIM(RDB$RELATION_NAME) FROM RDB$RELATIONS
            WHERE COALESCE(RDB$SYSTEM_FLAG, 0) = 0 AND RDB$VIEW_BLR IS NULL AND RDB$RELATION_NAME NOT STARTING WITH 'MISLINK_'
            ORDER BY 1
            """, in: transaction
        ).map { try $0.decode(String.self, at: 0) }
        return DatabaseFingerprint(
            createdAt: info.createdAt?.description ?? "unknown", ods: info.odsVersion, pageSize: info.pageSize,
            tables: tables)
    }

    /// The text stored in the baseline row.
    public var description: String {
        "created=\(createdAt)\nods=\(ods)\npage_size=\(pageSize)\ntables=\(tables.joined(separator: ","))"
    }

    /// Parses the stored text.
    init?(text: String, recordedAt: String? = nil) {
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        guard let created = values["created"], let ods = values["ods"], let page = values["page_size"].flatMap(Int.init)
        else { return nil }
        self.init(
            createdAt: created, ods: ods, pageSize: page,
            tables: (values["tables"] ?? "").split(separator: ",").map(String.init), recordedAt: recordedAt)
    }

    init(createdAt: String, ods: String, pageSize: Int, tables: [String], recordedAt: String? = nil) {
        self.createdAt = createdAt
        self.ods = ods
        self.pageSize = pageSize
        self.tables = tables
        self.recordedAt = recordedAt
    }

    /// Why `current` is not this database; empty when it is.
    func differences(from current: DatabaseFingerprint) -> [String] {
        var differences: [String] = []
        if createdAt != current.createdAt {
            differences.append("created \(current.createdAt), the baseline says \(createdAt)")
        }
        if ods != current.ods { differences.append("ODS \(current.ods), the baseline says \(ods)") }
        if pageSize != current.pageSize {
            differences.append("page size \(current.pageSize), the baseline says \(pageSize)")
        }
        let missing = Set(tables).subtracting(current.tables).sorted()
        if !missing.isEmpty { differences.append("tables missing since the baseline: \(missing.joined(separator: ", "))") }
        return differences
    }
}

import Firebird
import Foundation

/// An object a pending script alters, and the other attachment using it.
public struct HeldObject: Sendable, Hashable, CustomStringConvertible {
    /// The table, procedure or trigger.
    public var object: String
    public var attachmentID: Int
    public var user: String
    /// The client's address (`TCPv4:127.0.0.1/53142`), or nil for an embedded attachment.
    public var remoteAddress: String?
    /// The client program, when the client library reports it.
    public var remoteProcess: String?
    public var remotePID: Int?
    /// The start of the statement that uses the object.
    public var statement: String

    public var description: String {
        let host = remoteAddress ?? "embedded"
        let program = [remoteProcess, remotePID.map { "pid \($0)" }].compactMap { $0 }.joined(separator: ", ")
        return "\(object): attachment \(attachmentID), user \(user), \(host)"
            + (program.isEmpty ? "" : ", \(program)") + " — \(statement)"
    }
}

extension Migrator {
    /// The objects the plan's DDL alters (tables altered, dropped, given triggers, indexes or foreign
    /// keys; procedures and triggers altered or dropped) that exist in the database now.
    func alteredObjects(_ plan: MigrationPlan) throws -> Set<String> {
        var names = Set<String>()
        for unit in plan.units {
            for step in unit.steps {
                guard case .execute(isDDL: true) = step.action else { continue }
                names.formUnion(Self.objectsAltered(by: step.sql))
            }
        }
        guard !names.isEmpty else { return [] }
        return try attachment.inTransaction(.readOnly) { transaction in
            let existing = try attachment.query(
                """
                SELECT TRIM(RDB$RELATION_NAME) FROM RDB$RELATIONS WHERE COALESCE(RDB$SYSTEM_FLAG, 0) = 0
                UNION ALL SELECT TRIM(RDB$PROCEDURE_NAME) FROM RDB$PROCEDURES WHERE COALESCE(RDB$SYSTEM_FLAG, 0) = 0
                UNION ALL SELECT TRIM(RDB$TRIGGER_NAME) FROM RDB$TRIGGERS WHERE COALESCE(RDB$SYSTEM_FLAG, 0) = 0
                """, in: transaction
            ).map { try $0.decode(String.self, at: 0) }
            return names.intersection(existing)
        }
    }

    /// Names a DDL statement alters, upper-cased (a heuristic over the text, good for the statements
    /// migration scripts use).
    static func objectsAltered(by sql: String) -> Set<String> {
        let text = stripComments(sql).uppercased()
        let name = #"("[^"]+"|[A-Z_$][A-Z0-9_$]*)"#
        var patterns = [
            #"^\s*(?:ALTER|DROP|RECREATE)\s+TABLE\s+"# + name,
            #"^\s*(?:CREATE|ALTER|RECREATE|CREATE\s+OR\s+ALTER)\s+(?:UNIQUE\s+)?(?:ASC\w*\s+|DESC\w*\s+)?INDEX\s+\S+\s+ON\s+"# + name,
            #"\bREFERENCES\s+"# + name,
            #"^\s*(?:ALTER|DROP)\s+(?:PROCEDURE|TRIGGER|VIEW|FUNCTION)\s+"# + name,
        ]
        // A trigger's table: CREATE TRIGGER x FOR t … or … ON t (before AS).
        if text.range(of: #"^\s*(?:CREATE|RECREATE|CREATE\s+OR\s+ALTER)\s+TRIGGER\b"#, options: .regularExpression) != nil {
            let head = text.components(separatedBy: " AS").first ?? text
            patterns.append(#"\bFOR\s+"# + name)
            return matches(patterns, in: head).union(matches([#"\bON\s+"# + name], in: head))
        }
        return matches(patterns, in: text)
    }

    private static func matches(_ patterns: [String], in text: String) -> Set<String> {
        var names = Set<String>()
        for pattern in patterns {
            guard let regex = try? NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]) else { continue }
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let range = Range(match.range(at: 1), in: text) else { continue }
                names.insert(text[range].trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
            }
        }
        return names
    }

    private static func stripComments(_ sql: String) -> String {
        sql.replacingOccurrences(of: #"--[^\n]*"#, with: " ", options: .regularExpression)
            .replacingOccurrences(of: #"/\*[\s\S]*?\*/"#, with: " ", options: .regularExpression)
    }

    /// Other attachments whose statements (prepared or running, from `MON$STATEMENTS`) or running
    /// procedures and triggers (`MON$CALL_STACK`) use an object the plan alters.
    public func heldObjects(_ plan: MigrationPlan) throws -> [HeldObject] {
        let objects = try alteredObjects(plan)
        guard !objects.isEmpty else { return [] }
        let rows = try attachment.inTransaction(.readOnly) { transaction in
            try attachment.query(
                """
                SELECT A.MON$ATTACHMENT_ID, TRIM(A.MON$USER), A.MON$REMOTE_ADDRESS, A.MON$REMOTE_PROCESS, A.MON$REMOTE_PID,
                       S.MON$SQL_TEXT, TRIM(C.MON$OBJECT_NAME)
                FROM MON$ATTACHMENTS A
                JOIN MON$STATEMENTS S ON S.MON$ATTACHMENT_ID = A.MON$ATTACHMENT_ID
                LEFT JOIN MON$CALL_STACK C ON C.MON$STATEMENT_ID = S.MON$STATEMENT_ID
                WHERE A.MON$ATTACHMENT_ID <> CURRENT_CONNECTION AND A.MON$SYSTEM_FLAG = 0
                ORDER BY A.MON$ATTACHMENT_ID
                """, in: transaction)
        }
        var held: [HeldObject] = []
        var seen = Set<String>()
        for row in rows {
            let sql = try row.decode(String?.self, at: 5) ?? ""
            let caller = try row.decode(String?.self, at: 6)
            let words = Set(Self.words(in: sql.uppercased()))
            for object in objects.sorted() where words.contains(object) || caller == object {
                let attachmentID = try row.decode(Int.self, at: 0)
                guard seen.insert("\(object)/\(attachmentID)").inserted else { continue }
                let compact = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                held.append(
                    HeldObject(
                        object: object, attachmentID: attachmentID, user: try row.decode(String.self, at: 1),
                        remoteAddress: try row.decode(String?.self, at: 2), remoteProcess: try row.decode(String?.self, at: 3),
                        remotePID: try row.decode(Int?.self, at: 4),
                        statement: compact.count > 80 ? String(compact.prefix(80)) + "…" : compact))
            }
        }
        return held
    }

    static func words(in text: String) -> [String] {
        text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "$") }).map(String.init)
    }

    /// Throws ``MigrationError/objectsInUse(_:)`` unless `force`; with `force`, reports them as a notice.
    func checkHeldObjects(_ plan: MigrationPlan) throws {
        let held = try heldObjects(plan)
        guard !held.isEmpty else { return }
        if options.force {
            options.onEvent?(.notice("--force: going on although objects are in use:\n" + held.map { "  - \($0)" }.joined(separator: "\n")))
        } else {
            throw MigrationError.objectsInUse(held)
        }
    }
}

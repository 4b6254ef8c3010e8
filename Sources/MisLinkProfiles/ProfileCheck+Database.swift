import Firebird
import Foundation

extension ProfileCheck {
    /// The statement types a profile may hold: reads, writes and procedure calls. DDL, transaction
    /// control and the like belong to the profile's migrations.
    static let allowedTypes: Set<StatementType> = [.select, .selectForUpdate, .insert, .update, .delete, .executeProcedure]

    /// Prepares each statement and checks its columns, and looks the manifest's tables and columns up,
    /// in one transaction that is rolled back: nothing is written.
    func checkOnDatabase(_ profile: MISProfile, _ statements: [(ProfileStatement, ProfileContract.Statement)],
                         attachment: FirebirdAttachment) -> [ProfileIssue] {
        let transaction: Transaction
        do { transaction = try attachment.beginTransaction() } catch {
            return [ProfileIssue(file: MISProfile.statementsFile, "cannot start a transaction: \(Self.describe(error))")]
        }
        defer { try? transaction.rollback() }
        var issues = checkManifestObjects(profile, in: transaction)
        for (statement, entry) in statements {
            issues += checkPrepared(statement, against: entry, in: transaction)
        }
        return issues
    }

    func checkPrepared(_ statement: ProfileStatement, against entry: ProfileContract.Statement,
                       in transaction: Transaction) -> [ProfileIssue] {
        let name = entry.name
        let prepared: Statement
        do {
            prepared = try transaction.attachment.prepare(statement.sql, in: transaction)
        } catch {
            var line = statement.line
            if let match = Self.describe(error).firstMatch(of: #/line (\d+), column \d+/#), let inner = Int(match.1) {
                line = statement.fileLine(ofStatementLine: inner)
            }
            return [ProfileIssue(file: statement.file, line: line, statement: name,
                                 "\(name): the database says: \(Self.describe(error))")]
        }
        guard Self.allowedTypes.contains(prepared.type) else {
            return [ProfileIssue(file: statement.file, line: statement.line, statement: name,
                                 "\(name) is a \(prepared.type) statement; statements.sql holds SELECT, INSERT, UPDATE, DELETE, "
                                    + "MERGE and EXECUTE PROCEDURE only (DDL and grants go in migrations/)")]
        }
        var issues: [ProfileIssue] = []
        let returned = prepared.columns
        let returnedNames = returned.map { $0.name.uppercased() }
        let missing = entry.columns.filter { !returnedNames.contains($0.name) }
        if !missing.isEmpty {
            let what = returned.isEmpty ? "returns no columns" : "returns \(returnedNames.joined(separator: ", "))"
            for column in missing {
                issues.append(ProfileIssue(
                    file: statement.file, line: statement.line, statement: name,
                    "\(name) returns no column \(column.name) (it \(what); name it with AS \(column.name))"))
            }
        }
        for column in entry.columns {
            guard let described = returned.first(where: { $0.name.uppercased() == column.name }),
                  !column.kind.accepts(described) else { continue }
            issues.append(ProfileIssue(
                file: statement.file, line: statement.line(mentioning: column.name), statement: name,
                "\(name): column \(column.name) is \(Self.typeName(described)); MisLink reads it as \(column.kind) "
                    + "(\(Self.accepted(column.kind)))"))
        }
        return issues
    }

    /// The tables and columns profile.json names, looked up in the database's catalogue.
    func checkManifestObjects(_ profile: MISProfile, in transaction: Transaction) -> [ProfileIssue] {
        let manifest = profile.manifest
        var wanted: [(path: [String], table: String, columns: [String])] = [
            (["patients", "table"], manifest.patients.table, [manifest.patients.key]),
            (["patients", "name"], manifest.patients.table, manifest.patients.name),
            (["staff", "table"], manifest.staff.table, [manifest.staff.key]),
        ]
        for (index, source) in manifest.patients.phones.enumerated() {
            wanted.append((["patients", "phones", String(index)], source.table,
                           [source.key ?? manifest.patients.key] + source.columns))
        }
        for (key, value) in [("extension", manifest.staff.extension), ("sip", manifest.staff.sip),
                             ("chat_login", manifest.staff.chatLogin)] {
            if value == ProfileManifest.Staff.mapTable {
                wanted.append((["staff", key], value, []))
            } else if let pair = ProfileManifest.tableColumn(value) {
                wanted.append((["staff", key], pair.table, [pair.column]))
            }
        }
        var issues: [ProfileIssue] = []
        var catalogue: [String: Set<String>] = [:]
        var unreadable: Set<String> = []
        for (path, table, columns) in wanted {
            let key = Self.catalogueName(table)
            if unreadable.contains(key) { continue }
            if catalogue[key] == nil {
                do {
                    catalogue[key] = try Self.columns(of: key, in: transaction)
                } catch {
                    issues.append(ProfileIssue(file: MISProfile.manifestFile, line: profile.manifestLines.line(of: path),
                                               "cannot read the columns of \(table): \(Self.describe(error))"))
                    unreadable.insert(key)
                    continue
                }
            }
            let existing = catalogue[key] ?? []
            let dotted = path.count > 2 ? "patients.phones[\(path[2])]" : path.joined(separator: ".")
            if existing.isEmpty {
                let hint = table == ProfileManifest.Staff.mapTable ? " (the profile's migrations create it)" : ""
                issues.append(ProfileIssue(file: MISProfile.manifestFile, line: profile.manifestLines.line(of: path),
                                           "\(dotted) names the table \(table), which the database does not have\(hint)"))
                continue
            }
            for column in columns where !existing.contains(Self.catalogueName(column)) {
                issues.append(ProfileIssue(file: MISProfile.manifestFile, line: profile.manifestLines.line(of: path),
                                           "\(dotted) names \(table).\(column), which the database does not have"))
            }
        }
        return issues
    }

    /// The columns of a table or view; empty when there is none of that name.
    static func columns(of table: String, in transaction: Transaction) throws -> Set<String> {
        let rows = try transaction.attachment.query(
            "SELECT TRIM(RDB$FIELD_NAME) FROM RDB$RELATION_FIELDS WHERE RDB$RELATION_NAME = \(table)", in: transaction)
        return Set(try rows.map { try $0.decode(String.self, at: 0) })
    }

    /// A name as the catalogue stores it: upper case unless written in double quotes.
    static func catalogueName(_ name: String) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.count >= 2, trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") {
            return String(trimmed.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
        }
        return trimmed.uppercased()
    }

    /// A Firebird error's message on one line (its `message`, redacted of data values); other errors as they describe themselves.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? FirebirdError else { return "\(error)" }
        return error.message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }

    /// `VARCHAR`, `NUMERIC(…, 2)`, `BLOB SUB_TYPE BINARY`, … as a DBA would write it.
    static func typeName(_ column: ColumnDescription) -> String {
        if column.isDecimal { return "NUMERIC with scale \(-Int(column.scale))" }
        if column.type == .blob { return column.subtype == 1 ? "BLOB SUB_TYPE TEXT" : "BLOB SUB_TYPE \(column.subtype)" }
        return column.type.description
    }

    static func accepted(_ kind: ProfileContract.Kind) -> String {
        switch kind {
        case .integer: "SMALLINT, INTEGER, BIGINT or NUMERIC(n,0)"
        case .text: "CHAR, VARCHAR or BLOB SUB_TYPE TEXT"
        case .date: "DATE; CAST a TIMESTAMP AS DATE"
        case .timestamp: "TIMESTAMP; CAST a DATE AS TIMESTAMP, or build it with DATEADD"
        case .time: "TIME"
        }
    }
}

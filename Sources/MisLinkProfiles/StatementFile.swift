import Firebird
import Foundation

/// One named statement of a profile's `statements.sql`, with where it is written.
public struct ProfileStatement: Sendable, Hashable {
    /// The name after `-- name:`.
    public var name: String
    /// The file it is written in, relative to the profile's folder.
    public var file: String
    /// The line of its `-- name:` line (1-based).
    public var line: Int
    /// The `--` lines right after `-- name:`, without the dashes: what the statement does, for a DBA.
    public var comment: String
    /// The statement as written (from the line after `-- name:` to the next one).
    public var text: String
    /// The SQL Firebird prepares and its `:parameter` names.
    public var parameters: NamedParameters

    /// The SQL with `?` for each parameter.
    public var sql: String { parameters.sql }

    /// The line in ``file`` of line `statementLine` (1-based) of ``sql``: Firebird's "line 3, column 7"
    /// in an error message becomes a line of the file.
    public func fileLine(ofStatementLine statementLine: Int) -> Int { line + statementLine }

    /// The values for the `?`s, taken from `values` by parameter name.
    public func bindings(_ values: [String: FirebirdValue]) throws -> [FirebirdValue] {
        try parameters.positions.map { name in
            guard let value = values[name] else {
                throw ProfileError(file: file, line: line, "\(self.name) uses :\(name), which was not given")
            }
            return value
        }
    }

    /// The statement with its values bound.
    public func query(_ values: [String: FirebirdValue]) throws -> FirebirdQuery {
        FirebirdQuery(unsafeSQL: sql, bindings: try bindings(values))
    }
}

/// A `statements.sql`: statements that start with a `-- name: <name>` line and end at the next one or
/// at the end of the file (the format of `SQL/queries.sql`).
///
/// Reading never stops at the first mistake: a name given twice, a block with no SQL or a bad name
/// become ``issues`` with their line, and the rest of the file is still read.
public struct StatementFile: Sendable {
    /// The file's name as issues show it (`statements.sql`).
    public var file: String
    /// The statements in file order (a name given twice: the first).
    public var statements: [ProfileStatement]
    /// What is wrong with the file's layout.
    public var issues: [ProfileIssue]

    /// The statement called `name`, if the file has one.
    public subscript(name: String) -> ProfileStatement? { statements.first { $0.name == name } }

    /// Reads a file.
    public init(contentsOf url: URL, file: String? = nil) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ProfileError(file: file ?? url.lastPathComponent, "cannot be read: \(error.localizedDescription)")
        }
        self.init(text: String(decoding: data, as: UTF8.self), file: file ?? url.lastPathComponent)
    }

    /// Parses the text of a statements file.
    public init(text: String, file: String = "statements.sql") {
        self.file = file
        var statements: [ProfileStatement] = []
        var issues: [ProfileIssue] = []
        var current: (name: String, line: Int)?
        var body: [Substring] = []

        func flush() {
            guard let current else {
                let stray = NamedParameters(body.joined(separator: "\n"))
                if !stray.isEmpty {
                    let first = body.firstIndex { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("--") } ?? 0
                    issues.append(ProfileIssue(.warning, file: file, line: first + 1,
                                               "SQL before the first \"-- name:\" line belongs to no statement and is ignored"))
                }
                return
            }
            let (name, line) = (current.name, current.line)
            let text = body.joined(separator: "\n")
            let parameters = NamedParameters(text)
            if parameters.isEmpty {
                issues.append(ProfileIssue(file: file, line: line, statement: name, "\(name) has no SQL"))
            } else if statements.contains(where: { $0.name == name }) {
                let first = statements.first { $0.name == name }!.line
                issues.append(ProfileIssue(file: file, line: line, statement: name,
                                           "\(name) is written twice (first at line \(first)); MisLink would run the first"))
            } else {
                let comment = body.prefix { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
                    .map { $0.trimmingCharacters(in: .whitespaces).dropFirst(2).trimmingCharacters(in: .whitespaces) }
                    .joined(separator: "\n")
                statements.append(ProfileStatement(name: name, file: file, line: line, comment: comment, text: text,
                                                   parameters: parameters))
            }
        }

        // `\r\n` is one Character, a line break like `\n`.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("--"), let name = Self.name(in: trimmed) else {
                body.append(line)
                continue
            }
            flush()
            body = []
            current = (name, index + 1)
            if !Self.isValidName(name) {
                issues.append(ProfileIssue(file: file, line: index + 1, statement: name,
                                           "\"\(name)\" is not a statement name (lower-case letters, digits and _)"))
            }
        }
        flush()
        self.statements = statements
        self.issues = issues
    }

    /// The name of a `-- name: <name>` line (any spacing after the dashes and before the colon).
    static func name(in trimmedLine: String) -> String? {
        let rest = trimmedLine.dropFirst(2).drop { $0 == " " || $0 == "\t" }
        guard rest.lowercased().hasPrefix("name"), case let afterWord = rest.dropFirst(4).drop(while: { $0 == " " }),
              afterWord.first == ":" else { return nil }
        return afterWord.dropFirst().trimmingCharacters(in: .whitespaces)
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}

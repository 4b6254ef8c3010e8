import Firebird
import Foundation

/// SQL kept in a file beside the binary (`SQL/queries.sql`), one query per `-- name: <name>` block,
/// with `:parameter` placeholders. A clinic whose MIS differs edits the file, not the code.
public struct NamedQueries: Sendable {
    /// One named query.
    public struct Query: Sendable, Hashable {
        public var name: String
        /// The SQL with `?` in place of each `:parameter`.
        public var sql: String
        /// The parameter names in the order of the `?`.
        public var parameters: [String]

        /// The values for the placeholders, taken from `values` by name.
        public func bindings(_ values: [String: FirebirdValue]) throws -> [FirebirdValue] {
            try parameters.map { name in
                guard let value = values[name] else { throw NamedQueryError.missingParameter(query: self.name, parameter: name) }
                return value
            }
        }

        /// The query with its values bound.
        public func callAsFunction(_ values: [String: FirebirdValue]) throws -> FirebirdQuery {
            FirebirdQuery(unsafeSQL: sql, bindings: try bindings(values))
        }
    }

    public let queries: [String: Query]
    /// Where they were read from.
    public let url: URL?

    /// Parses the text of a queries file.
    public init(text: String, url: URL? = nil) throws {
        var queries: [String: Query] = [:]
        var currentName: String?
        var lines: [Substring] = []
        func flush() throws {
            guard let name = currentName else { return }
            var sql = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            while sql.hasSuffix(";") { sql.removeLast() }
            let (converted, parameters) = Self.convertPlaceholders(sql)
            guard !converted.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw NamedQueryError.emptyQuery(name)
            }
            if queries[name] != nil { throw NamedQueryError.duplicate(name) }
            queries[name] = Query(name: name, sql: converted, parameters: parameters)
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("-- name:") {
                try flush()
                currentName = trimmed.dropFirst("-- name:".count).trimmingCharacters(in: .whitespaces)
                lines = []
            } else if currentName != nil, !trimmed.hasPrefix("--") {
                lines.append(line)
            }
        }
        try flush()
        self.queries = queries
        self.url = url
    }

    /// Reads a queries file.
    public init(contentsOf url: URL) throws {
        try self.init(text: String(decoding: try Data(contentsOf: url), as: UTF8.self), url: url)
    }

    /// The query called `name`.
    public func query(_ name: String) throws -> Query {
        guard let query = queries[name] else { throw NamedQueryError.unknown(name, file: url?.path) }
        return query
    }

    /// `:name` → `?`, outside string literals and quoted identifiers.
    static func convertPlaceholders(_ sql: String) -> (String, [String]) {
        var out = ""
        var parameters: [String] = []
        let scalars = Array(sql.unicodeScalars)
        var i = 0
        var quote: Unicode.Scalar?
        func isNameStart(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c == "_" }
        while i < scalars.count {
            let c = scalars[i]
            if let q = quote {
                out.unicodeScalars.append(c)
                if c == q { quote = nil }
                i += 1
            } else if c == "'" || c == "\"" {
                quote = c
                out.unicodeScalars.append(c)
                i += 1
            } else if c == ":", i + 1 < scalars.count, isNameStart(scalars[i + 1]) {
                var j = i + 1
                var name = ""
                while j < scalars.count, isNameStart(scalars[j]) || ("0"..."9").contains(scalars[j]) {
                    name.unicodeScalars.append(scalars[j])
                    j += 1
                }
                parameters.append(name.lowercased())
                out += "?"
                i = j
            } else {
                out.unicodeScalars.append(c)
                i += 1
            }
        }
        return (out, parameters)
    }

    /// `SQL/queries.sql` shipped with MisLink: `$MISLINK_SQL/queries.sql`, else
    /// `<prefix>/share/mislink/sql/queries.sql` beside the installed binary, else the source tree's.
    public static func defaultURL(
        executable: String = CommandLine.arguments.first ?? "",
        environment: [String: String] = ProcessInfo.processInfo.environment, sourceTree: String = #filePath
    ) -> URL? {
        if let folder = environment["MISLINK_SQL"], !folder.isEmpty {
            return URL(fileURLWithPath: folder).appendingPathComponent("queries.sql")
        }
        let bin = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        let tree = URL(fileURLWithPath: sourceTree).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return [
            bin.deletingLastPathComponent().appendingPathComponent("share/mislink/sql/queries.sql"),
            bin.appendingPathComponent("SQL/queries.sql"),
            tree.appendingPathComponent("SQL/queries.sql"),
        ].first { FileManager.default.fileExists(atPath: $0.path) }
    }
}

/// A named query that cannot be used.
public enum NamedQueryError: Error, Hashable, CustomStringConvertible {
    case unknown(String, file: String?)
    case duplicate(String)
    case emptyQuery(String)
    case missingParameter(query: String, parameter: String)
    case notFound

    public var description: String {
        switch self {
        case .unknown(let name, let file): "no query named \(name) in \(file ?? "the queries file")"
        case .duplicate(let name): "the query \(name) is defined twice"
        case .emptyQuery(let name): "the query \(name) has no SQL"
        case .missingParameter(let query, let parameter): "the query \(query) needs :\(parameter)"
        case .notFound: "cannot find SQL/queries.sql; set MISLINK_SQL to the folder that holds it"
        }
    }
}

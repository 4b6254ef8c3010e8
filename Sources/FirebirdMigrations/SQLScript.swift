import Foundation

/// An isql script split into the commands isql would run, the way isql splits it.
///
/// isql reads up to the current terminator (`;` until a `SET TERM` changes it), skipping what sits
/// inside `'strings'`, `"identifiers"`, `q'{…}'` literals, `-- line` and `/* block */` comments.
/// `SET TERM` takes effect at once and stays until the next one. The splitter keeps the line each
/// command starts on, so errors can name it.
public struct SQLScript: Sendable, Hashable {
    /// One command of a script.
    public struct Command: Sendable, Hashable {
        /// What isql would do with the command.
        public enum Kind: Sendable, Hashable {
            /// A statement sent to the server; `isDDL` tells whether isql's AUTODDL commits it at once.
            case statement(isDDL: Bool)
            /// `COMMIT [WORK]`.
            case commit
            /// `ROLLBACK [WORK]`.
            case rollback
            /// `SET TERM <terminator>`: the new terminator.
            case setTerminator(String)
            /// `SET AUTODDL ON|OFF`.
            case setAutoDDL(Bool)
            /// An isql display setting (`SET ECHO`, `SET LIST`, `SET BAIL`, …) that changes nothing in the database.
            case displaySetting
        }

        /// The command's text without its terminator, leading comments and surrounding white space.
        public var text: String
        /// The 1-based line the command starts on.
        public var line: Int
        public var kind: Kind
    }

    /// The commands, in order.
    public var commands: [Command]
    /// Text after the last terminator that is not only white space and comments (isql ignores it; so
    /// does the runner, but reports it).
    public var trailingText: String?

    /// Splits `text`. Throws ``SQLScriptError`` for an unterminated string or comment and for isql
    /// commands that have no meaning in a migration (`CONNECT`, `CREATE DATABASE`, `INPUT`, …).
    public init(_ text: String) throws {
        var splitter = Splitter(Array(text.unicodeScalars))
        commands = try splitter.split()
        trailingText = splitter.trailing
    }

    /// The statements only (what reaches the server).
    public var statements: [Command] {
        commands.filter { if case .statement = $0.kind { true } else { false } }
    }
}

/// Why a script cannot be run.
public struct SQLScriptError: Error, Hashable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public var description: String { "line \(line): \(message)" }
}

private struct Splitter {
    let scalars: [Unicode.Scalar]
    var position = 0
    var line = 1
    var terminator: [Unicode.Scalar] = [";"]
    var trailing: String?

    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

    mutating func split() throws -> [SQLScript.Command] {
        var commands: [SQLScript.Command] = []
        while true {
            try skipSpaceAndComments()
            if position >= scalars.count { return commands }
            let startLine = line
            let start = position
            guard let end = try scanToTerminator() else {
                let rest = String(String.UnicodeScalarView(scalars[start...]))
                trailing = rest.trimmingCharacters(in: .whitespacesAndNewlines)
                return commands
            }
            let text = String(String.UnicodeScalarView(scalars[start..<end]))
                .trimmingCharacters(in: .whitespacesAndNewlines)
            position = end + terminator.count
            if text.isEmpty { continue }
            let command = try classify(text, line: startLine)
            if case .setTerminator(let new) = command.kind { terminator = Array(new.unicodeScalars) }
            commands.append(command)
        }
    }

    /// Skips white space and comments before a command (they are not part of its text).
    mutating func skipSpaceAndComments() throws {
        while position < scalars.count {
            let c = scalars[position]
            if c == "\n" { line += 1; position += 1 }
            else if c.properties.isWhitespace || c == "\u{FEFF}" { position += 1 }
            else if c == "-", peek(1) == "-" { skipLineComment() }
            else if c == "/", peek(1) == "*" {
                let startLine = line
                if !skipBlockComment() { throw SQLScriptError(line: startLine, message: "a /* comment is not closed") }
            }
            else { return }
        }
    }

    func peek(_ offset: Int) -> Unicode.Scalar? {
        position + offset < scalars.count ? scalars[position + offset] : nil
    }

    mutating func skipLineComment() {
        while position < scalars.count, scalars[position] != "\n" { position += 1 }
    }

    /// Returns false when the comment is not closed.
    mutating func skipBlockComment() -> Bool {
        position += 2
        while position < scalars.count {
            if scalars[position] == "*", peek(1) == "/" { position += 2; return true }
            if scalars[position] == "\n" { line += 1 }
            position += 1
        }
        return false
    }

    /// Finds the next terminator outside literals and comments; nil at the end of the text.
    mutating func scanToTerminator() throws -> Int? {
        while position < scalars.count {
            let c = scalars[position]
            if matchesTerminator() { return position }
            switch c {
            case "\n":
                line += 1; position += 1
            case "'", "\"":
                try skipQuoted(c)
            case _ where (c == "q" || c == "Q") && peek(1) == "'" && !previousIsIdentifierCharacter():
                try skipQLiteral()
            case "-" where peek(1) == "-":
                skipLineComment()
            case "/" where peek(1) == "*":
                let startLine = line
                if !skipBlockComment() { throw SQLScriptError(line: startLine, message: "a /* comment is not closed") }
            default:
                position += 1
            }
        }
        return nil
    }

    func matchesTerminator() -> Bool {
        guard position + terminator.count <= scalars.count else { return false }
        for (offset, t) in terminator.enumerated() {
            let c = scalars[position + offset]
            if c != t, String(c).uppercased() != String(t).uppercased() { return false }
        }
        return true
    }

    func previousIsIdentifierCharacter() -> Bool {
        guard position > 0 else { return false }
        let p = scalars[position - 1]
        return p.properties.isAlphabetic || p == "_" || p == "$" || ("0"..."9").contains(p)
    }

    /// Skips a '…' string or "…" identifier; a doubled quote stands for itself.
    mutating func skipQuoted(_ quote: Unicode.Scalar) throws {
        let startLine = line
        position += 1
        while position < scalars.count {
            let c = scalars[position]
            if c == "\n" { line += 1 }
            if c == quote {
                if peek(1) == quote { position += 2; continue }
                position += 1
                return
            }
            position += 1
        }
        let what = quote == "'" ? "string" : "quoted identifier"
        throw SQLScriptError(line: startLine, message: "a \(what) starting here is not closed")
    }

    /// Skips `q'<open>…<close>'`, where the closing delimiter mirrors brackets.
    mutating func skipQLiteral() throws {
        let startLine = line
        guard position + 2 < scalars.count else {
            throw SQLScriptError(line: startLine, message: "a q'…' literal starting here is not closed")
        }
        let open = scalars[position + 2]
        let close: Unicode.Scalar =
            switch open {
            case "(": ")"
            case "[": "]"
            case "{": "}"
            case "<": ">"
            default: open
            }
        position += 3
        while position < scalars.count {
            let c = scalars[position]
            if c == "\n" { line += 1 }
            if c == close, peek(1) == "'" { position += 2; return }
            position += 1
        }
        throw SQLScriptError(line: startLine, message: "a q'\(open)…\(close)' literal starting here is not closed")
    }

    func classify(_ text: String, line: Int) throws -> SQLScript.Command {
        let words = leadingWords(text, count: 3)
        func command(_ kind: SQLScript.Command.Kind) -> SQLScript.Command {
            SQLScript.Command(text: text, line: line, kind: kind)
        }
        func refuse(_ what: String) -> SQLScriptError {
            SQLScriptError(line: line, message: "\(what) has no place in a migration script: \(text.prefix(60))")
        }
        switch words.first ?? "" {
        case "COMMIT":
            return command(.commit)
        case "ROLLBACK" where !(words.count > 1 && words[1] == "TO"):
            return command(.rollback)
        case "SET":
            let second = words.count > 1 ? words[1] : ""
            switch second {
            case "TERM", "TERMINATOR":
                let rest = text.dropFirst(3).trimmingCharacters(in: .whitespaces)
                    .drop(while: { !$0.isWhitespace }).trimmingCharacters(in: .whitespacesAndNewlines)
                guard !rest.isEmpty, !rest.contains(where: \.isWhitespace) else {
                    throw SQLScriptError(line: line, message: "SET TERM needs exactly one new terminator: \(text)")
                }
                return command(.setTerminator(rest))
            case "AUTODDL":
                let value = words.count > 2 ? words[2] : "ON"
                return command(.setAutoDDL(value != "OFF"))
            case "GENERATOR", "STATISTICS":
                return command(.statement(isDDL: true))
            case "SQL":
                guard text.uppercased().split(whereSeparator: \.isWhitespace).last == "3" else {
                    throw SQLScriptError(line: line, message: "only SQL dialect 3 is supported: \(text)")
                }
                return command(.displaySetting)
            case "ECHO", "BAIL", "LIST", "STATS", "COUNT", "PLAN", "PLANONLY", "HEADING", "WIDTH", "WARNINGS",
                "WNG", "BLOB", "BLOBDISPLAY", "TIME", "SQLDA_DISPLAY", "ROWCOUNT", "EXPLAIN", "PER_TABLE_STATS",
                "KEEP_TRAN_PARAMS", "EXEC_PATH_DISPLAY", "MAXROWS":
                return command(.displaySetting)
            case "NAMES":
                // The runner connects as UTF8, so SET NAMES UTF8 changes nothing; any other charset would.
                guard words.count > 2, words[2] == "UTF8" else {
                    throw refuse("SET NAMES other than UTF8 (the runner connects as UTF8; give isql -ch UTF8)")
                }
                return command(.displaySetting)
            case "TRANSACTION":
                throw refuse("SET TRANSACTION (the runner chooses the transactions)")
            default:
                return command(.statement(isDDL: false))
            }
        case "CREATE" where words.count > 1 && (words[1] == "DATABASE" || words[1] == "SCHEMA"):
            throw refuse("CREATE DATABASE")
        case "CONNECT", "INPUT", "OUTPUT", "SHOW", "EXIT", "QUIT", "EDIT", "HELP", "SHELL", "COPY", "ADD":
            throw refuse(words[0])
        case "CREATE", "ALTER", "DROP", "RECREATE", "COMMENT", "GRANT", "REVOKE", "DECLARE":
            return command(.statement(isDDL: true))
        default:
            return command(.statement(isDDL: false))
        }
    }
}

/// The first `count` words of SQL text, upper-cased (comments between words are skipped).
func leadingWords(_ text: String, count: Int) -> [String] {
    var words: [String] = []
    var current = ""
    var iterator = text.unicodeScalars.makeIterator()
    var pending: Unicode.Scalar? = nil
    while words.count < count {
        guard let c = pending ?? iterator.next() else { break }
        pending = nil
        if c.properties.isAlphabetic || c == "_" || c == "$" || ("0"..."9").contains(c) {
            current.unicodeScalars.append(c)
            continue
        }
        if !current.isEmpty { words.append(current.uppercased()); current = "" }
        if c == "-" {
            let next = iterator.next()
            if next == "-" { while let n = iterator.next(), n != "\n" {} } else { pending = next; words.append("-") }
        } else if c == "/" {
            let next = iterator.next()
            if next == "*" {
                var last: Unicode.Scalar = " "
                while let n = iterator.next() { if last == "*" && n == "/" { break }; last = n }
            } else { pending = next }
        } else if !c.properties.isWhitespace {
            words.append(String(c))
        }
    }
    if !current.isEmpty, words.count < count { words.append(current.uppercased()) }
    return words
}

/// A statement's text with its `:name` parameters found and replaced by the `?` Firebird prepares.
///
/// `:name` counts as a parameter only in SQL proper: inside a string literal (`'…'`, `q'{…}'`), a
/// quoted identifier (`"…"`), a line comment (`-- …`) or a block comment (`/* … */`) it is text.
/// Names are read case-insensitively and kept lower case. Comments stay in the SQL sent to the server,
/// so the line numbers Firebird reports in its messages are the lines of the statement as written.
public struct NamedParameters: Sendable, Hashable {
    /// The SQL with `?` in place of every `:name`, and without a trailing `;`.
    public var sql: String
    /// The parameter names in the order of the `?`s, a name used twice appearing twice.
    public var positions: [String]

    /// Each parameter name once, in the order of first use.
    public var names: [String] {
        var seen: Set<String> = []
        return positions.filter { seen.insert($0).inserted }
    }

    /// True when the text holds nothing but whitespace and comments.
    public var isEmpty: Bool

    /// Scans `text`.
    public init(_ text: String) {
        var scanner = Scanner(Array(text.unicodeScalars))
        scanner.run()
        sql = scanner.result
        positions = scanner.parameters
        isEmpty = scanner.lastSignificant == nil
    }

    private struct Scanner {
        let input: [Unicode.Scalar]
        var output: [Unicode.Scalar] = []
        var parameters: [String] = []
        /// The index in `output` just past the last character that is SQL (not whitespace, not a comment).
        var lastSignificant: Int?
        var i = 0

        init(_ input: [Unicode.Scalar]) { self.input = input }

        var result: String {
            guard let end = lastSignificant else { return "" }
            var kept = Array(output[..<end])
            // A trailing `;` (the isql habit) is dropped, together with what followed it.
            if kept.last == ";" { kept.removeLast() }
            var text = String.UnicodeScalarView()
            text.append(contentsOf: kept)
            return String(text)
        }

        mutating func run() {
            while i < input.count {
                let c = input[i]
                let next = i + 1 < input.count ? input[i + 1] : nil
                if c == "-", next == "-" {
                    copy(until: { $0 == "\n" }, including: false, significant: false)
                } else if c == "/", next == "*" {
                    copyBlockComment()
                } else if c == "'" || c == "\"" {
                    copyQuoted(closing: c)
                } else if c == "q" || c == "Q", next == "'", !previousIsNamePart {
                    copyAlternativeLiteral()
                } else if c == ":", next.map(Self.isNameStart) == true, !previousIsNamePart {
                    readParameter()
                } else {
                    output.append(c)
                    i += 1
                    if !c.properties.isWhitespace { lastSignificant = output.count }
                }
            }
        }

        /// True when the character before `i` belongs to a name (`XQ'…'` is not a literal, `A:B` no parameter).
        var previousIsNamePart: Bool {
            guard i > 0 else { return false }
            let p = input[i - 1]
            return Self.isNameStart(p) || ("0"..."9").contains(p) || p == "$"
        }

        static func isNameStart(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c == "_" }

        mutating func copy(until stop: (Unicode.Scalar) -> Bool, including: Bool, significant: Bool) {
            while i < input.count, !stop(input[i]) {
                output.append(input[i])
                i += 1
            }
            if including, i < input.count {
                output.append(input[i])
                i += 1
            }
            if significant { lastSignificant = output.count }
        }

        mutating func copyBlockComment() {
            output.append(contentsOf: [input[i], input[i + 1]])
            i += 2
            while i < input.count {
                if input[i] == "*", i + 1 < input.count, input[i + 1] == "/" {
                    output.append(contentsOf: ["*", "/"])
                    i += 2
                    return
                }
                output.append(input[i])
                i += 1
            }
        }

        /// `'it''s'` and `"A""B"`: a doubled quote is part of the text, so toggling on each quote is exact.
        mutating func copyQuoted(closing: Unicode.Scalar) {
            output.append(input[i])
            i += 1
            copy(until: { $0 == closing }, including: true, significant: true)
        }

        /// `q'{…}'`, `q'[…]'`, `q'(…)'`, `q'<…>'` or `q'!…!'` (Firebird 3): ends at the closing delimiter
        /// followed by a quote.
        mutating func copyAlternativeLiteral() {
            guard i + 2 < input.count else {
                output.append(input[i])
                i += 1
                return
            }
            let open = input[i + 2]
            let close: Unicode.Scalar =
                switch open {
                case "{": "}"
                case "[": "]"
                case "(": ")"
                case "<": ">"
                default: open
                }
            output.append(contentsOf: input[i...(i + 2)])
            i += 3
            while i < input.count {
                if input[i] == close, i + 1 < input.count, input[i + 1] == "'" {
                    output.append(contentsOf: [input[i], input[i + 1]])
                    i += 2
                    break
                }
                output.append(input[i])
                i += 1
            }
            lastSignificant = output.count
        }

        mutating func readParameter() {
            var j = i + 1
            var name = String.UnicodeScalarView()
            while j < input.count, Self.isNameStart(input[j]) || ("0"..."9").contains(input[j]) || input[j] == "$" {
                name.append(input[j])
                j += 1
            }
            parameters.append(String(name).lowercased())
            output.append("?")
            lastSignificant = output.count
            i = j
        }
    }
}

import Foundation

/// What ``ProfileCheck`` found: one outcome per statement of the contract, the problems (the profile
/// cannot be used) and the warnings.
public struct ProfileCheckReport: Sendable, Codable {
    /// How one statement of the contract fared.
    public struct Outcome: Sendable, Hashable, Codable {
        /// What became of the statement.
        public enum Status: String, Sendable, Hashable, Codable {
            /// Present, with the contract's parameters; it prepares and returns the columns MisLink reads.
            case ok
            /// Present, checked without a database (parameters only).
            case present
            /// Present but wrong: see the problems naming it.
            case failed
            /// Required and missing.
            case missing
            /// Optional and missing: MisLink does without it.
            case absent
            /// Not used with this manifest (an `appeal_*` statement when `"appeals": false`).
            case unused
        }

        /// The statement's name.
        public var statement: String
        /// What became of it.
        public var status: Status
        /// Its `-- name:` line, when present.
        public var line: Int?
    }

    /// The profile's name, when its manifest could be read.
    public var profile: String?
    /// The profile's folder.
    public var directory: String
    /// The contract it was checked against.
    public var contract: Int
    /// Whether statements were prepared against a database (false: the file alone was checked).
    public var database: Bool
    /// One per statement of the contract, in its order.
    public var statements: [Outcome]
    /// What makes the profile unusable; empty when it fits.
    public var problems: [ProfileIssue]
    /// What is worth a look but does not stop MisLink.
    public var warnings: [ProfileIssue]

    /// True when nothing stops MisLink from using the profile.
    public var isClean: Bool { problems.isEmpty }

    /// The report for a terminal: each statement with its outcome, then every problem and warning with
    /// its file and line, then the count.
    public func text() -> String {
        var lines: [String] = []
        let name = profile.map { "profile \($0)" } ?? "profile"
        lines.append("\(name) (\(directory)), contract \(contract)\(database ? "" : ", not checked against a database")")
        for outcome in statements {
            let mark =
                switch outcome.status {
                case .ok, .present: "ok     "
                case .failed: "FAILED "
                case .missing: "MISSING"
                case .absent: "absent "
                case .unused: "unused "
                }
            lines.append("  \(mark) \(outcome.statement)\(outcome.line.map { "  (line \($0))" } ?? "")")
        }
        if !problems.isEmpty { lines.append("") }
        for problem in problems { lines.append("problem: \(problem)") }
        if !warnings.isEmpty { lines.append("") }
        for warning in warnings { lines.append("warning: \(warning)") }
        lines.append("")
        lines.append(
            "\(problems.count) problem\(problems.count == 1 ? "" : "s"), \(warnings.count) warning\(warnings.count == 1 ? "" : "s")."
                + (isClean ? " The profile fits." : " MisLink cannot use this profile until the problems are fixed."))
        return lines.joined(separator: "\n")
    }

    /// The report as JSON (snake_case keys).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

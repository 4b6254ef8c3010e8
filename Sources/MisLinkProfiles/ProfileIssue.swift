/// One thing found wrong with a profile, located where a DBA fixes it:
/// `statements.sql:42: identify_candidates returns no column FULL_NAME`.
public struct ProfileIssue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How much it matters.
    public enum Severity: String, Sendable, Hashable, Codable {
        /// The profile cannot be used: `mislink mis check` exits non-zero and the worker refuses it.
        case problem
        /// Worth a look, harmless to MisLink (an unknown statement name, a statement not used).
        case warning
    }

    /// How much it matters.
    public var severity: Severity
    /// The file of the profile, relative to its folder (`statements.sql`, `profile.json`).
    public var file: String
    /// The line in that file (1-based), when the issue has one.
    public var line: Int?
    /// The named statement concerned, if any.
    public var statement: String?
    /// What is wrong, in a sentence that names the statement or key.
    public var message: String

    /// - Parameters:
    ///   - severity: defaults to ``Severity/problem``.
    public init(_ severity: Severity = .problem, file: String, line: Int? = nil, statement: String? = nil, _ message: String) {
        self.severity = severity
        self.file = file
        self.line = line
        self.statement = statement
        self.message = message
    }

    /// `file:line: message`.
    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(message)"
    }
}

/// A profile that cannot be read: its folder, manifest or statements file is missing or malformed.
public struct ProfileError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, each with its file and line.
    public var issues: [ProfileIssue]

    /// An error made of these issues.
    public init(_ issues: [ProfileIssue]) { self.issues = issues }

    /// An error of one problem.
    public init(file: String, line: Int? = nil, _ message: String) {
        self.init([ProfileIssue(file: file, line: line, message)])
    }

    /// One issue a line, `file:line: message`.
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

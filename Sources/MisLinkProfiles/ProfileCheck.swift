import Firebird
import Foundation

/// Checks a profile against the contract, and against a live database without writing to it.
///
/// For each statement of the contract: it is present (or optional, or not used with this manifest);
/// its `:parameters` are the contract's; it prepares (Firebird prepares an INSERT, UPDATE or EXECUTE
/// PROCEDURE without running it, in a transaction that is rolled back); it returns, under the contract's
/// aliases, columns of the kinds MisLink reads. The tables and columns profile.json names must exist.
/// Statements the contract does not know are warnings. Every finding names the file and line.
///
/// ```swift
/// let report = ProfileCheck().run(directory: folder, on: attachment)
/// print(report.text())
/// ```
public struct ProfileCheck: Sendable {
    /// The contract checked against. Defaults to ``ProfileContract/v1``.
    public var contract: ProfileContract

    /// - Parameter contract: defaults to ``ProfileContract/v1``.
    public init(contract: ProfileContract = .v1) { self.contract = contract }

    /// Reads the profile in `directory` and checks it; a profile that cannot be read gives a report
    /// whose problems say why.
    /// - Parameter attachment: the database to prepare the statements on; nil checks the files alone.
    public func run(directory: URL, on attachment: FirebirdAttachment?) -> ProfileCheckReport {
        do {
            let profile = try MISProfile(directory: directory)
            return run(profile, on: attachment)
        } catch {
            return ProfileCheckReport(profile: nil, directory: directory.path, contract: ProfileContract.version,
                                      database: attachment != nil, statements: [], problems: error.issues, warnings: [])
        }
    }

    /// Checks a profile on an async connection's executor: the call for the worker's start-up check.
    public func run(_ profile: MISProfile, on connection: FirebirdConnection) async throws -> ProfileCheckReport {
        let check = self
        return try await connection.withAttachment { attachment in check.run(profile, on: attachment) }
    }

    /// Checks a profile that has been read.
    /// - Parameter attachment: the database to prepare the statements on; nil checks the files alone.
    public func run(_ profile: MISProfile, on attachment: FirebirdAttachment?) -> ProfileCheckReport {
        var issues = profile.issues
        var outcomes: [ProfileCheckReport.Outcome] = []
        var toPrepare: [(ProfileStatement, ProfileContract.Statement)] = []
        for entry in contract.statements {
            guard let statement = profile.statements[entry.name] else {
                let status: ProfileCheckReport.Outcome.Status
                if !entry.isUsed(by: profile.manifest) {
                    status = .unused
                } else if entry.optional {
                    status = .absent
                } else {
                    status = .missing
                    issues.append(ProfileIssue(file: profile.statements.file, statement: entry.name,
                                               "\(entry.name) is missing: MisLink needs it (\(entry.duty))"))
                }
                outcomes.append(.init(statement: entry.name, status: status, line: nil))
                continue
            }
            guard entry.isUsed(by: profile.manifest) else {
                issues.append(ProfileIssue(.warning, file: statement.file, line: statement.line, statement: entry.name,
                                           "\(entry.name) is not used: profile.json says \"appeals\": false"))
                outcomes.append(.init(statement: entry.name, status: .unused, line: statement.line))
                continue
            }
            issues += checkParameters(statement, against: entry)
            toPrepare.append((statement, entry))
            outcomes.append(.init(statement: entry.name, status: attachment == nil ? .present : .ok, line: statement.line))
        }
        for statement in profile.statements.statements where contract[statement.name] == nil {
            issues.append(ProfileIssue(.warning, file: statement.file, line: statement.line, statement: statement.name,
                                       "\(statement.name) is not a statement of contract \(ProfileContract.version); MisLink never runs it"))
        }
        if let attachment {
            issues += checkOnDatabase(profile, toPrepare, attachment: attachment)
        }
        let failed = Set(issues.filter { $0.severity == .problem }.compactMap(\.statement))
        for index in outcomes.indices where failed.contains(outcomes[index].statement) && outcomes[index].line != nil {
            outcomes[index].status = .failed
        }
        // By file and line; issues on the same line keep the order they were found in.
        let sorted = issues.enumerated()
            .sorted { ($0.element.file, $0.element.line ?? 0, $0.offset) < ($1.element.file, $1.element.line ?? 0, $1.offset) }
            .map(\.element)
        return ProfileCheckReport(
            profile: profile.name, directory: profile.directory.path, contract: ProfileContract.version,
            database: attachment != nil, statements: outcomes, problems: sorted.filter { $0.severity == .problem },
            warnings: sorted.filter { $0.severity == .warning })
    }

    /// The statement's parameters against the contract's: one MisLink does not give is a problem, and so
    /// is one MisLink gives that the statement leaves out (unless the contract allows it).
    func checkParameters(_ statement: ProfileStatement, against entry: ProfileContract.Statement) -> [ProfileIssue] {
        var issues: [ProfileIssue] = []
        let given = entry.parameters.map(\.name)
        let used = statement.parameters.names
        let list = given.isEmpty ? "none" : given.map { ":" + $0 }.joined(separator: ", ")
        for name in used where !given.contains(name) {
            issues.append(ProfileIssue(file: statement.file, line: statement.line(mentioning: ":" + name), statement: entry.name,
                                       "\(entry.name) uses :\(name), which MisLink does not give (it gives \(list))"))
        }
        for parameter in entry.parameters where !parameter.mayBeUnused && !used.contains(parameter.name) {
            issues.append(ProfileIssue(file: statement.file, line: statement.line, statement: entry.name,
                                       "\(entry.name) does not use :\(parameter.name); the contract needs it used"))
        }
        return issues
    }
}

extension ProfileStatement {
    /// The file line of the first line of the statement that mentions `word` (case ignored, as a whole
    /// word), else the `-- name:` line.
    func line(mentioning word: String) -> Int {
        let needle = word.uppercased()
        for (offset, text) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !text.trimmingCharacters(in: .whitespaces).hasPrefix("--") {
            let upper = text.uppercased()
            var search = upper.startIndex..<upper.endIndex
            while let range = upper.range(of: needle, range: search) {
                let before = range.lowerBound == upper.startIndex ? nil : upper[upper.index(before: range.lowerBound)]
                let after = range.upperBound == upper.endIndex ? nil : upper[range.upperBound]
                func isNamePart(_ c: Character?) -> Bool { c.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
                if !isNamePart(after), needle.hasPrefix(":") || !isNamePart(before) {
                    return fileLine(ofStatementLine: offset + 1)
                }
                search = range.upperBound..<upper.endIndex
            }
        }
        return line
    }
}

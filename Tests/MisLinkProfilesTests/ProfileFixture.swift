import Firebird
import Foundation
import MisLinkProfiles
import MisLinkTestSupport
import Testing

/// The shipped reference profile, copies of it to break, and one migrated reference database that
/// every check shares (a check only prepares statements, so sharing it is safe).
enum ProfileFixture {
    static let reference = ClinicDatabase.repository.appendingPathComponent("SQL/profiles/reference")
    static let contractDocument = ClinicDatabase.repository.appendingPathComponent("SQL/profiles/CONTRACT.md")

    private static let shared = Result { try ClinicDatabase.createMigrated("profiles") }

    /// A migrated reference database (SQL/clinic-schema.sql and MisLink's migrations).
    static func database() throws -> String { try shared.get() }

    /// Opens the shared database.
    static func attach() throws -> FirebirdAttachment {
        try FirebirdAttachment.open(FirebirdConfiguration(database: try database(), user: "SYSDBA"))
    }

    /// Checks the profile in `directory` against the shared database.
    static func check(_ directory: URL) throws -> ProfileCheckReport {
        let attachment = try attach()
        defer { try? attachment.close() }
        return ProfileCheck().run(directory: directory, on: attachment)
    }
}

/// A copy of a profile in the test folder, edited by the test.
struct ProfileCopy {
    let directory: URL

    init(of source: URL = ProfileFixture.reference) throws {
        directory = URL(fileURLWithPath: "\(ClinicDatabase.directory)/profile-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: source, to: directory)
    }

    func text(_ file: String) throws -> String {
        String(decoding: try Data(contentsOf: directory.appendingPathComponent(file)), as: UTF8.self)
    }

    func write(_ file: String, _ text: String) throws {
        try Data(text.utf8).write(to: directory.appendingPathComponent(file))
    }

    /// Replaces the one occurrence of `old` in `file` with `new`; returns the line (1-based) where it began.
    @discardableResult
    func replace(_ old: String, with new: String, in file: String = MISProfile.statementsFile,
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let text = try text(file)
        let ranges = text.ranges(of: old)
        try #require(ranges.count == 1, "\"\(old)\" occurs \(ranges.count) times in \(file)", sourceLocation: sourceLocation)
        try write(file, text.replacingCharacters(in: ranges[0], with: new))
        return text[..<ranges[0].lowerBound].count(where: { $0 == "\n" }) + 1
    }

    /// The line (1-based) of the first line of `file` that contains `needle`.
    func line(of needle: String, in file: String = MISProfile.statementsFile) throws -> Int {
        let lines = try text(file).split(separator: "\n", omittingEmptySubsequences: false)
        return try #require(lines.firstIndex { $0.contains(needle) }) + 1
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

import ArgumentParser
import Firebird
import Foundation
import MisLinkProfiles

/// `mislink mis`: the MIS profile (SQL/profiles/README.md).
struct Mis: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with the MIS profile: the folder that holds every statement MisLink runs against the MIS.",
        subcommands: [MisCheck.self])
}

/// `mislink mis check`: does this profile fit this database?
struct MisCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Prepare every statement of a MIS profile against the database, without writing, and list what does not fit.",
        discussion: """
            Each statement of the contract (SQL/profiles/CONTRACT.md) must be present, use the contract's \
            :parameters, prepare, and return the columns MisLink reads under their aliases with a fitting type; \
            the tables and columns profile.json names must exist. Every problem names its file and line. \
            Exits 1 when there is a problem, 0 when the profile fits (warnings allowed).
            """)

    @Option(help: "A shipped profile's name or a profile folder (defaults to MISLINK_MIS_PROFILE, else reference).")
    var profile: String?
    @OptionGroup var connection: DatabaseOptions
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        let reference = profile ?? ProcessInfo.processInfo.environment["MISLINK_MIS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? MISProfile.defaultName
        let directory: URL
        do { directory = try MISProfile.resolve(reference) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let attachment = try FirebirdAttachment.open(
            FirebirdConfiguration(database: connection.resolvedDatabase!, user: connection.user))
        defer { try? attachment.close() }
        let report = ProfileCheck().run(directory: directory, on: attachment)
        print(json ? try report.json() : report.text())
        if !report.isClean { throw ExitCode(1) }
    }
}

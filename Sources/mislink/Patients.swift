import ArgumentParser
import Firebird
import Foundation
import MisLinkPatients
import MisLinkProfiles

/// `mislink patients`: the MIS's patients as MisLink sees them.
struct Patients: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look patients up as the incoming-call card does.", subcommands: [PatientsFind.self])
}

/// `mislink patients find <phone>`: who is calling from this number.
struct PatientsFind: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "find",
        abstract: "Identify a phone number: the best match, the others sharing it, the last visit and service.")

    @Argument(help: "The phone number in any form (8 (917) 123-45-67, +79171234567, sip:79171234567@pbx, …).")
    var phone: String
    @OptionGroup var connection: DatabaseOptions
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "The named-queries file (default: SQL/queries.sql shipped with MisLink, or $MISLINK_SQL/queries.sql).")
    var queries: String?
    @Option(help: "The MIS profile: a shipped name or a folder (default: MISLINK_MIS_PROFILE, else reference).")
    var profile: String?

    func run() throws {
        guard let url = queries.map({ URL(fileURLWithPath: $0) }) ?? NamedQueries.defaultURL() else {
            throw ValidationError(NamedQueryError.notFound.description)
        }
        let namedQueries = try NamedQueries(contentsOf: url)
        let attachment = try FirebirdAttachment.open(
            FirebirdConfiguration(database: connection.resolvedDatabase!, user: connection.user))
        defer { try? attachment.close() }
        let plan = try PatientIdentifier.numberingPlan(queries: namedQueries, attachment: attachment)
        let name = profile ?? ProcessInfo.processInfo.environment["MISLINK_MIS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? MISProfile.defaultName
        let misProfile: MISProfile
        do { misProfile = try MISProfile(directory: try MISProfile.resolve(name)) } catch {
            throw ValidationError("--profile \(name): \(error)")
        }
        let identifier = PatientIdentifier(plan: plan, queries: namedQueries, profile: misProfile)
        let result: Identification
        do {
            result = try IdentificationSession(identifier: identifier, attachment: attachment).identify(phone)
        } catch let error as PhoneInputError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
            return
        }
        print("phone key     \(result.phoneKey)\(result.extension.map { " (ext. \($0))" } ?? "")")
        if result.ownNumber {
            print("              the clinic's own number: never matched to a patient")
            return
        }
        guard let patient = result.patient else {
            print("patient       not found")
            return
        }
        print("patient       \(result.cardTitle ?? patient.fullName)  [ID \(patient.id), \(patient.fullName)]")
        print("matched on    \(result.matchedColumn ?? "-")")
        print("last visit    \(result.lastVisit ?? "none")")
        print("last service  \(result.lastService ?? "-")")
        if result.candidates.count > 1 {
            print("all patients with this number:")
            for candidate in result.candidates {
                print("  \(candidate.id)  \(candidate.fullName)  born \(candidate.birthDate ?? "?")  \(candidate.matchedColumn)  last visit \(candidate.lastVisit ?? "none")")
            }
        }
    }
}

import Firebird
import Foundation
import MisLinkExternalAPIs
import MisLinkIntake
import MisLinkPatients
import MisLinkProfiles
import MisLinkStore

/// Names for the parties of the PBX's statistics: an extension (or an employee's SIP address) is the
/// operator the MIS knows by it (the profile's `staff_extensions`, names through ``MISDirectory``), else
/// the name the PBX's own user list gives (`config/users/request`); any other number is the patient the
/// MIS finds by it (the profile's `identify_candidates`, best match first, as the cards pick).
struct PBXStatsNames {
    /// Where a party's name came from.
    enum Source: String, Codable, Sendable {
        /// An employee of the MIS, by extension.
        case misStaff = "mis_staff"
        /// The PBX's user list: the MIS maps nobody to the extension.
        case pbxUsers = "pbx_users"
        /// A patient of the MIS, by phone.
        case misPatient = "mis_patient"
    }

    /// A named party.
    struct Name: Sendable, Equatable {
        var name: String
        var source: Source
        var staffId: Int64?
        var patientId: Int64?
        /// Other patients sharing the number.
        var patientOthers: Int?
    }

    let profile: MISProfile
    let directory: MISDirectory
    /// The PBX's employees (empty when it could not be read).
    let users: [MangoUser]

    /// Names of every extension and number in `parties` (extension or number as the report gives them),
    /// read in one transaction.
    func resolve(extensions: Set<String>, numbers: Set<String>, in transaction: Transaction) throws
        -> (extensions: [String: Name], numbers: [String: Name])
    {
        var staffByExtension: [String: Int64] = [:]
        if !extensions.isEmpty || numbers.contains(where: Self.isSIP) {
            for row in try profile.statement("staff_extensions").lookup([:], in: transaction) {
                guard let id = try row.decode(Int64?.self, column: "STAFF_ID"),
                      let value = try MISDirectory.text(row, "EXTENSION"), !value.isEmpty else { continue }
                staffByExtension[value] = id
            }
        }
        // An employee's SIP address stands for their extension (the PBX's list says whose it is), as the intake reads it.
        let sip = OperatorDirectory()
        sip.updateSIP(from: users)
        let sipExtensions = Dictionary(uniqueKeysWithValues: numbers.filter(Self.isSIP).map { uri in
            (uri, sip.extensionNumber(of: MangoCallParty(extension: nil, number: uri)))
        })
        let pbxNames = Dictionary(users.compactMap { user in
            user.telephony.extensionNumber.flatMap { $0.isEmpty || user.general.name.isEmpty ? nil : ($0, user.general.name) }
        }, uniquingKeysWith: { first, _ in first })

        let staffIds = Set((Array(extensions) + sipExtensions.values.compactMap { $0 }).compactMap { staffByExtension[$0] })
        let staffNames = try directory.staffNames(staffIds, in: transaction)
        func employee(_ ext: String) -> Name? {
            if let id = staffByExtension[ext], let name = staffNames[id], !name.isEmpty { return Name(name: name, source: .misStaff, staffId: id) }
            return pbxNames[ext].map { Name(name: $0, source: .pbxUsers) }
        }
        var byExtension: [String: Name] = [:]
        for ext in extensions { byExtension[ext] = employee(ext) }
        var byNumber: [String: Name] = [:]
        for case let (uri, ext?) in sipExtensions { byNumber[uri] = employee(ext) }
        for number in numbers where !Self.isSIP(number) {
            guard let key = try Lookups.phoneKey(number, in: transaction) else { continue }
            let candidates = try PatientIdentifier.candidates(phoneKey: key, profile: profile, in: transaction)
            guard let best = candidates.first else { continue }
            byNumber[number] = Name(name: best.fullName, source: .misPatient, patientId: Int64(best.id),
                                    patientOthers: candidates.count - 1)
        }
        return (byExtension, byNumber)
    }

    static func isSIP(_ text: String) -> Bool { text.lowercased().hasPrefix("sip:") }
}

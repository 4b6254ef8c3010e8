import Foundation
import MisLinkProfiles
import MisLinkTestSupport

/// The shipped MIS profiles of the source tree, as the worker would load them.
enum ReportProfiles {
    static func shipped(_ name: String) -> MISProfile {
        try! MISProfile(directory: ClinicDatabase.repository.appendingPathComponent("SQL/profiles/\(name)"))
    }

    static let reference = shipped("reference")
    static let medbase = shipped("medbase")
}

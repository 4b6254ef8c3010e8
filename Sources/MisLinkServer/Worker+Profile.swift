import Firebird
import Logging
import Metrics
import MisLinkProfiles

extension Worker {
    /// The MIS profile `mis.profile` names (a shipped name or a folder), read from disk.
    /// - Throws: ``WorkerError`` naming the profile and what is wrong with its files.
    public func loadProfile() throws -> MISProfile {
        let profile: MISProfile
        do {
            profile = try MISProfile(directory: try MISProfile.resolve(settings.mis.profile))
        } catch {
            throw WorkerError("the MIS profile \(settings.mis.profile) (mis.profile) cannot be read: \(error)")
        }
        if !profile.issues.isEmpty {
            throw WorkerError("the MIS profile \(profile.name) has mistakes:\n"
                + profile.issues.map { "  \($0)" }.joined(separator: "\n"))
        }
        return profile
    }

    /// Checks the profile against the database the way `mislink mis check` does (every statement
    /// prepared, nothing written) and refuses a profile that does not fit, naming each statement.
    /// With the database unreachable the check waits for the next start (the worker spools meanwhile).
    func checkProfile(_ profile: MISProfile, configuration: FirebirdConfiguration) async throws {
        let connection: FirebirdConnection
        do { connection = try await FirebirdConnection.connect(configuration) } catch {
            logger.warning("the MIS profile \(profile.name) is not checked: the database does not answer (\(error))")
            return
        }
        defer { Task { try? await connection.close() } }
        let report = try await ProfileCheck().run(profile, on: connection)
        for warning in report.warnings { logger.warning("MIS profile \(profile.name): \(warning)") }
        guard report.isClean else {
            throw WorkerError("the MIS profile \(profile.name) does not fit the database \(configuration.dsn) "
                + "(mislink mis check --profile \(settings.mis.profile) says the same):\n"
                + report.problems.map { "  \($0)" }.joined(separator: "\n"))
        }
        logger.info("MIS profile \(profile.name) (\(profile.directory.path)) fits the database")
    }
}

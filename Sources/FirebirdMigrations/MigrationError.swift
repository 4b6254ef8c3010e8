import Firebird

/// Why the runner stopped. Every case says what to do next.
public enum MigrationError: Error, CustomStringConvertible {
    /// The folder does not exist or holds no scripts.
    case noMigrations(String)
    /// Two files claim one version.
    case duplicateVersion(String, String, String)
    /// A script cannot be split.
    case invalidScript(file: String, line: Int, message: String)
    /// A statement failed; what ran before it in the same file stays committed (DDL) and the history
    /// records the failure.
    case statementFailed(file: String, line: Int, statement: String, committedStatements: Int, underlying: FirebirdError)
    /// Another runner holds the lock.
    case locked(holder: String?)
    /// A failed migration is recorded; `repair` clears it once the database is fixed.
    case failedMigrationRecorded(version: String, script: String)
    /// `validate` found problems.
    case validationFailed([String])
    /// The database differs from the one baselined.
    case fingerprintMismatch(recorded: DatabaseFingerprint, current: DatabaseFingerprint, differences: [String])
    /// Other attachments use objects the pending scripts alter.
    case objectsInUse([HeldObject])
    /// `down` needs undo scripts that do not exist.
    case missingUndo([String])
    /// A version given on the command line is not known.
    case unknownVersion(String)
    /// `baseline` on a database that already has history.
    case alreadyBaselined(String)
    /// A namespace (profile name) that cannot be part of a history VERSION.
    case invalidNamespace(String)
    /// A profile's migrations need the core applied first.
    case corePending(profile: String, versions: [String])
    /// `down` of the core while profiles' migrations are applied.
    case profilesApplied([String: [String]])

    public var description: String {
        switch self {
        case .noMigrations(let path):
            return "no migration scripts in \(path) (give --migrations <folder> or set MISLINK_MIGRATIONS)"
        case .duplicateVersion(let version, let a, let b):
            return "version \(version) is claimed by both \(a) and \(b)"
        case .invalidScript(let file, let line, let message):
            return "\(file):\(line): \(message)"
        case .statementFailed(let file, let line, let statement, let committed, let underlying):
            let text = statement.count > 400 ? statement.prefix(400) + " …" : Substring(statement)
            return """
                \(file):\(line): the statement failed: \(underlying.message) \
                (GDS \(underlying.gdsCodes.map(String.init).joined(separator: ", ")), SQLSTATE \(underlying.sqlState))
                  \(text.replacingOccurrences(of: "\n", with: "\n  "))
                \(committed) earlier statement(s) of this file are committed. The failure is recorded in the history; \
                fix the database (finish or undo what this file did), then run `mislink migrate repair` and `up` again.
                """
        case .locked(let holder):
            return "another migration runner is working on this database\(holder.map { " (\($0))" } ?? ""); "
                + "wait until it finishes. The lock is a NO WAIT reservation of MISLINK_SCHEMA_LOCK and ends with its transaction."
        case .failedMigrationRecorded(let version, let script):
            return "migration \(version) (\(script)) failed earlier and is recorded as failed; fix the database, then run "
                + "`mislink migrate repair` before `up`"
        case .validationFailed(let problems):
            return "validation failed:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        case .fingerprintMismatch(let recorded, _, let differences):
            return "this is not the database that was baselined on \(recorded.recordedAt ?? "?"): "
                + differences.joined(separator: "; ")
                + ". If it is a restored copy you mean to migrate, run `mislink migrate baseline --force` to record it anew."
        case .objectsInUse(let held):
            return "objects the pending scripts alter are in use by other attachments:\n"
                + held.map { "  - \($0)" }.joined(separator: "\n")
                + "\nAsk those users to close the MIS screens (or run at a quiet hour); `--force` proceeds anyway."
        case .missingUndo(let versions):
            return "no undo script (U<version>__….sql) for version(s) \(versions.joined(separator: ", ")); nothing was undone"
        case .unknownVersion(let version):
            return "version \(version) is not a migration in the folder"
        case .alreadyBaselined(let detail):
            return "the database already has migration history (\(detail)); `baseline --force` records a new fingerprint"
        case .invalidNamespace(let name):
            return "\(name) cannot name a profile's migrations (letters, digits, _ and - only, at most 40)"
        case .corePending(let profile, let versions):
            return "profile \(profile)'s migrations need MisLink's core migrations applied first; pending: "
                + versions.joined(separator: ", ") + ". Run `mislink migrate up` (with --profile it applies the core first)."
        case .profilesApplied(let profiles):
            let list = profiles.keys.sorted().map { "\($0) (\(profiles[$0]!.joined(separator: ", ")))" }
            return "the core cannot be undone while profile migrations are applied: " + list.joined(separator: "; ")
                + ". Undo the profile first: " + profiles.keys.sorted().map {
                    "`mislink migrate down --profile \($0) --to 0`"
                }.joined(separator: ", ")
        }
    }
}

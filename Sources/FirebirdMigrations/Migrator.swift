import Firebird
import Foundation

/// What the runner reports while it works.
public enum MigrationEvent: Sendable {
    /// A unit (the bootstrap, the baseline, a migration, an undo) starts.
    case unitStarted(title: String, statements: Int)
    /// A statement starts (`index` counts from 1 within the unit).
    case statementStarted(title: String, index: Int, of: Int, line: Int?, sql: String)
    /// A statement has been running for a while; `records` comes from MON$RECORD_STATS when available.
    case statementRunning(title: String, line: Int?, elapsed: Duration, records: RecordCounts?)
    /// A statement finished.
    case statementFinished(title: String, index: Int, elapsed: Duration)
    /// A unit finished and its history row is committed.
    case unitFinished(title: String, elapsed: Duration)
    /// Something a DBA should know that does not stop the run.
    case notice(String)
}

/// Records touched by the running statement so far, from `MON$RECORD_STATS`.
public struct RecordCounts: Sendable, Hashable {
    public var read: Int
    public var inserted: Int
    public var updated: Int
    public var deleted: Int
}

/// The migration runner over one attachment.
///
/// ```swift
/// let migrator = Migrator(attachment: try .open(configuration), source: try MigrationSource(directory: folder))
/// let applied = try migrator.up()
/// ```
public final class Migrator {
    /// Choices that change what the runner does.
    public struct Options: Sendable {
        /// Proceed even when other attachments use objects the scripts alter.
        public var force = false
        /// Report statements running longer than this, repeatedly.
        public var progressInterval: Duration = .seconds(2)
        /// Receives ``MigrationEvent``s (called on the runner's thread or the progress monitor's).
        public var onEvent: (@Sendable (MigrationEvent) -> Void)?

        public init(force: Bool = false, onEvent: (@Sendable (MigrationEvent) -> Void)? = nil) {
            self.force = force
            self.onEvent = onEvent
        }
    }

    public let attachment: FirebirdAttachment
    public let source: MigrationSource
    /// The scripts `source` builds on: the core's, for a profile's migrations. `up` applies what is
    /// pending of them first, `validate` checks them too.
    public let requires: MigrationSource?
    public var options: Options

    /// - Parameters:
    ///   - source: the scripts this runner applies and undoes.
    ///   - requires: for a profile's scripts (`source.namespace` set), the core's: they are applied
    ///     first and validated with the profile's.
    public init(
        attachment: FirebirdAttachment, source: MigrationSource, requires: MigrationSource? = nil,
        options: Options = Options()
    ) {
        self.attachment = attachment
        self.source = source
        self.requires = requires
        self.options = options
    }

    // MARK: - Reading the state

    /// The history rows (empty before the first run).
    public func history() throws -> [SchemaHistory.Entry] {
        try attachment.inTransaction(.readOnly) { try SchemaHistory.entries(attachment, in: $0) }
    }

    /// The state of every version, the files' and the history's together.
    public func status() throws -> MigrationStatus { try status(of: source) }

    /// The state of the scripts this runner builds on (``requires``), nil when there are none.
    public func requiredStatus() throws -> MigrationStatus? { try requires.map { try status(of: $0) } }

    func status(of source: MigrationSource) throws -> MigrationStatus {
        try attachment.inTransaction(.readOnly) { transaction in
            let entries = try SchemaHistory.entries(attachment, in: transaction)
            let state = SchemaHistory.State(entries, namespace: source.namespace)
            let current = try DatabaseFingerprint.read(attachment, in: transaction)
            return MigrationStatus(source: source, state: state, entries: entries, fingerprint: current)
        }
    }

    /// Problems that make `up` unsafe: edited or missing files, recorded failures, versions pending
    /// below the applied ones, a different database than the one baselined; the required (core)
    /// scripts' problems first. Empty when all is well.
    public func validate() throws -> [String] {
        (try requiredStatus()?.problems ?? []) + (try status().problems)
    }

    // MARK: - Planning

    /// The plan `up` would run now (the bootstrap of the history table included when it is missing).
    public func upPlan(to target: MigrationVersion? = nil) throws -> MigrationPlan {
        try attachment.inTransaction(.readOnly) { transaction in
            try makeUpPlan(to: target, in: transaction, includeBootstrap: true)
        }
    }

    /// The plan `down --to target` would run now.
    public func downPlan(to target: MigrationVersion) throws -> MigrationPlan {
        try attachment.inTransaction(.readOnly) { transaction in
            let state = SchemaHistory.State(
                try SchemaHistory.entries(attachment, in: transaction), namespace: source.namespace)
            return try makeDownPlan(to: target, state: state)
        }
    }

    /// The isql script of ``upPlan(to:)``, for a DBA to review or to run with isql-fb.
    public func dryRun(to target: MigrationVersion? = nil, down: Bool = false) throws -> String {
        let plan = try down ? downPlan(to: target ?? MigrationVersion("0")!) : upPlan(to: target)
        let status = try status()
        var header = [
            "MisLink migrations: \(down ? "down" : "up") plan generated by `mislink migrate dry-run` at \(Date().ISO8601Format())",
            "Database: \(attachment.configuration.dsn)",
            "Scripts:  \(([requires].compactMap { $0 } + [source]).map { "\($0.directory.path) (\($0.label))" }.joined(separator: ", "))",
            "Run it with: isql-fb -ch UTF8 -bail -q -i <this file> <database>",
            "(the UTF8 connection charset matters: the runner connects as UTF8 too)",
        ]
        if plan.isEmpty { header.append("Nothing to do: the database is up to date.") }
        for problem in (try requiredStatus()?.problems ?? []) + status.problems { header.append("WARNING: \(problem)") }
        if !down, let held = try? heldObjects(plan), !held.isEmpty {
            header.append("Pre-flight: objects in use by other attachments (DDL on them may fail with 'object in use'):")
            header += held.map { "  \($0)" }
        }
        return plan.isqlScript(header: header)
    }

    private func makeUpPlan(to target: MigrationVersion?, in transaction: Transaction, includeBootstrap: Bool) throws
        -> MigrationPlan
    {
        if let target, !source.migrations.contains(where: { $0.version == target }) {
            throw MigrationError.unknownVersion(target.text)
        }
        var units: [MigrationPlan.Unit] = []
        let exists = try SchemaHistory.exists(attachment, in: transaction)
        if !exists && includeBootstrap {
            units.append(
                MigrationPlan.Unit(
                    title: "create the history and lock tables",
                    steps: SchemaHistory.bootstrapStatements.map {
                        .init(action: .execute(isDDL: $0.isDDL), sql: $0.sql, line: nil)
                    } + [.init(action: .commit, sql: "COMMIT", line: nil)],
                    history: nil))
        }
        let entries = try SchemaHistory.entries(attachment, in: transaction)
        let state = SchemaHistory.State(entries, namespace: source.namespace)
        if state.fingerprintBaseline == nil {
            let fingerprint = try DatabaseFingerprint.read(attachment, in: transaction)
            units.append(
                MigrationPlan.Unit(
                    title: "record the database's fingerprint (baseline 0)", steps: [],
                    history: .init(
                        version: "0", description: "<< baseline >>", kind: .baseline, script: nil, checksum: nil,
                        detail: fingerprint.description)))
        }
        if let requires {
            let required = SchemaHistory.State(entries, namespace: requires.namespace)
            units += try Self.pendingUnits(of: requires, state: required, to: nil)
        } else if let namespace = source.namespace, SchemaHistory.State.coreUntouched(entries) {
            throw MigrationError.corePending(profile: namespace, versions: ["all of them (the history has no core row)"])
        }
        units += try Self.pendingUnits(of: source, state: state, to: target)
        return MigrationPlan(units: units)
    }

    /// The units of `source`'s files not applied (nor below its baseline), up to `target`.
    static func pendingUnits(of source: MigrationSource, state: SchemaHistory.State, to target: MigrationVersion?) throws
        -> [MigrationPlan.Unit]
    {
        var units: [MigrationPlan.Unit] = []
        let baselineVersion = state.baselineVersion
        for file in source.migrations {
            if let target, file.version > target { break }
            if state.applied[file.version] != nil { continue }
            if let baselineVersion, file.version <= baselineVersion { continue }
            units.append(
                MigrationPlan.unit(
                    title: source.namespace.map { "\($0)/\(file.fileName)" } ?? file.fileName, script: try file.script(),
                    history: .init(
                        version: source.historyVersion(file.version), description: file.description, kind: .apply,
                        script: file.fileName, checksum: file.checksum, detail: nil)))
        }
        return units
    }

    private func makeDownPlan(to target: MigrationVersion, state: SchemaHistory.State) throws -> MigrationPlan {
        let toUndo = state.applied.keys.filter { $0 > target }.sorted(by: >)
        let profiles = state.otherNamespacesApplied.filter { !$0.key.isEmpty }
        if source.namespace == nil, !toUndo.isEmpty, !profiles.isEmpty {
            throw MigrationError.profilesApplied(profiles.mapValues { $0.map(\.text) })
        }
        let missing = toUndo.filter { source.undos[$0] == nil }
        if !missing.isEmpty { throw MigrationError.missingUndo(missing.map(\.text)) }
        return MigrationPlan(
            units: try toUndo.map { version in
                let undo = source.undos[version]!
                return MigrationPlan.unit(
                    title: source.namespace.map { "\($0)/\(undo.fileName)" } ?? undo.fileName, script: try undo.script(),
                    history: .init(
                        version: source.historyVersion(version), description: undo.description, kind: .undo, script: undo.fileName,
                        checksum: undo.checksum, detail: nil))
            })
    }

    // MARK: - Changing the database

    /// Applies the pending migrations (up to `target`), each committed with its history row.
    /// - Returns: the titles of the units run.
    @discardableResult
    public func up(to target: MigrationVersion? = nil) throws -> [String] {
        try bootstrap()
        return try withLock {
            let plan: MigrationPlan = try attachment.inTransaction(.readOnly) { transaction in
                try makeUpPlan(to: target, in: transaction, includeBootstrap: false)
            }
            let current = try status()
            let required = try requiredStatus()
            if let recorded = current.recordedFingerprint {
                let differences = recorded.differences(from: current.currentFingerprint)
                if !differences.isEmpty {
                    throw MigrationError.fingerprintMismatch(
                        recorded: recorded, current: current.currentFingerprint, differences: differences)
                }
            }
            let failures = current.state.failed.values + (required?.state.failed.values.map { $0 } ?? [])
            if let failed = failures.sorted(by: { $0.rank < $1.rank }).first {
                throw MigrationError.failedMigrationRecorded(version: failed.version, script: failed.script ?? "?")
            }
            let blocking = (required?.problems(excludingFailures: true) ?? []) + current.problems(excludingFailures: true)
            if !blocking.isEmpty { throw MigrationError.validationFailed(blocking) }
            try checkHeldObjects(plan)
            for unit in plan.units { try run(unit) }
            return plan.units.map(\.title)
        }
    }

    /// Runs the undo scripts of every applied version above `target`, newest first.
    @discardableResult
    public func down(to target: MigrationVersion) throws -> [String] {
        guard try attachment.inTransaction(.readOnly, { try SchemaHistory.exists(attachment, in: $0) }) else { return [] }
        return try withLock {
            let plan = try downPlan(to: target)
            try checkHeldObjects(plan)
            for unit in plan.units { try run(unit) }
            return plan.units.map(\.title)
        }
    }

    /// Records the database's fingerprint (and `version` as the baseline: scripts up to it are taken
    /// as already applied). Refuses a database with history unless `force`.
    public func baseline(version: MigrationVersion = MigrationVersion("0")!, description: String = "<< baseline >>", force: Bool = false)
        throws
    {
        try bootstrap()
        try withLock {
            let entries = try history().filter { $0.namespace == source.namespace }
            if !entries.isEmpty && !force {
                throw MigrationError.alreadyBaselined("\(entries.count) row(s), latest \(entries.last!.kind) \(entries.last!.version)")
            }
            let fingerprint = try attachment.inTransaction(.readOnly) { try DatabaseFingerprint.read(attachment, in: $0) }
            try run(
                MigrationPlan.Unit(
                    title: "baseline \(source.historyVersion(version))", steps: [],
                    history: .init(
                        version: source.historyVersion(version), description: description, kind: .baseline, script: nil, checksum: nil,
                        detail: fingerprint.description)))
        }
    }

    /// What `repair` did.
    public struct RepairResult: Sendable, Hashable {
        /// Failed runs removed from the history.
        public var removedFailures: [String] = []
        /// Applied versions whose recorded checksum now matches the file.
        public var realignedChecksums: [String] = []
    }

    /// Removes recorded failures (after the DBA has fixed the database) and records the current
    /// checksum of applied files that were edited on purpose.
    @discardableResult
    public func repair() throws -> RepairResult {
        guard try attachment.inTransaction(.readOnly, { try SchemaHistory.exists(attachment, in: $0) }) else {
            return RepairResult()
        }
        return try withLock {
            var result = RepairResult()
            try attachment.inTransaction { transaction in
                let entries = try SchemaHistory.entries(attachment, in: transaction)
                for entry in entries where !entry.success && entry.namespace == source.namespace {
                    try attachment.execute(
                        "DELETE FROM MISLINK_SCHEMA_HISTORY WHERE INSTALLED_RANK = \(entry.rank)", in: transaction)
                    result.removedFailures.append("\(entry.version) (\(entry.script ?? entry.description))")
                }
                let state = SchemaHistory.State(entries, namespace: source.namespace)
                for (version, entry) in state.applied {
                    guard let file = source.migrations.first(where: { $0.version == version }),
                        file.checksum != entry.checksum, !source.accepts(checksum: entry.checksum, for: version)
                    else { continue }
                    try attachment.execute(
                        "UPDATE MISLINK_SCHEMA_HISTORY SET CHECKSUM = \(file.checksum) WHERE INSTALLED_RANK = \(entry.rank)",
                        in: transaction)
                    result.realignedChecksums.append(version.text)
                }
            }
            return result
        }
    }

    // MARK: - Execution

    /// Runs an isql script that is not a migration (no history row), with the runner's AUTODDL
    /// semantics: e.g. `SQL/clinic-schema.sql` on a new database.
    public func runScript(_ text: String, title: String) throws {
        let script: SQLScript
        do { script = try SQLScript(text) } catch let error as SQLScriptError {
            throw MigrationError.invalidScript(file: title, line: error.line, message: error.message)
        }
        try run(MigrationPlan.unit(title: title, script: script, history: nil))
    }

    /// Creates the history and lock tables when missing. Two runners racing here: the loser's CREATE
    /// fails, and it goes on once the tables exist.
    func bootstrap() throws {
        let exists = try attachment.inTransaction(.readOnly) {
            try SchemaHistory.relationExists(SchemaHistory.lockTable, attachment, in: $0)
        }
        if exists { return }
        do {
            try run(
                MigrationPlan.Unit(
                    title: "create the history and lock tables",
                    steps: SchemaHistory.bootstrapStatements.map {
                        .init(action: .execute(isDDL: $0.isDDL), sql: $0.sql, line: nil)
                    } + [.init(action: .commit, sql: "COMMIT", line: nil)], history: nil))
        } catch {
            let existsNow = try attachment.inTransaction(.readOnly) {
                try SchemaHistory.relationExists(SchemaHistory.lockTable, attachment, in: $0)
            }
            if !existsNow { throw error }
        }
    }

    /// Holds the runner's lock around `body`: a NO WAIT, PROTECTED WRITE reservation of the lock table,
    /// so a second runner fails at once (no row lock that an INSERT could slip past).
    func withLock<T>(_ body: () throws -> T) throws -> T {
        let reservation = TransactionOptions(
            isolation: .readCommitted, lockResolution: .noWait,
            reservations: [.init(table: SchemaHistory.lockTable, write: true, protected: true)])
        let lock: Transaction
        do {
            lock = try attachment.beginTransaction(reservation)
        } catch let error as FirebirdError where error.code == .lockConflict {
            let holder = try? attachment.inTransaction(.readOnly) { transaction -> String? in
                let row = try attachment.query(
                    "SELECT HOLDER, LOCKED_AT FROM MISLINK_SCHEMA_LOCK WHERE ID = 1", in: transaction
                ).first
                guard let row, let holder = try row.decode(String?.self, at: 0) else { return nil }
                let since = try row.decode(FirebirdTimestamp?.self, at: 1)
                return since.map { "\(holder), since \($0)" } ?? holder
            }
            throw MigrationError.locked(holder: holder ?? nil)
        }
        defer { if lock.isActive { try? lock.rollback() } }
        try attachment.execute(
            """
            UPDATE MISLINK_SCHEMA_LOCK SET HOLDER = \(Self.holderDescription()),
                LOCKED_AT = CAST(CURRENT_TIMESTAMP AS TIMESTAMP) WHERE ID = 1
            """, in: lock)
        try lock.commitRetaining()
        return try body()
    }

    static func holderDescription() -> String {
        let info = ProcessInfo.processInfo
        return "mislink migrate, pid \(info.processIdentifier) on \(info.hostName)"
    }

    /// Runs one unit: each DDL statement in its own committed transaction (AUTODDL), DML in a
    /// transaction committed before the next DDL and with the history row at the end. A failure rolls
    /// back the pending DML, records a failed history row and throws ``MigrationError/statementFailed``.
    func run(_ unit: MigrationPlan.Unit) throws {
        let clock = ContinuousClock()
        let started = clock.now
        let total = unit.statementCount
        options.onEvent?(.unitStarted(title: unit.title, statements: total))
        var transaction: Transaction?
        var autoDDL = true
        var index = 0
        var committedStatements = 0
        var pendingStatements = 0
        let monitor = options.onEvent.map {
            StatementMonitor(configuration: attachment.configuration, interval: options.progressInterval, onEvent: $0)
        }
        defer { monitor?.stop() }
        let connectionID = monitor == nil ? nil : try? attachment.inTransaction(.readOnly) {
            try attachment.queryValue("SELECT CURRENT_CONNECTION FROM RDB$DATABASE", as: Int.self, in: $0)
        }

        func commitPending() throws {
            try transaction?.commit()
            transaction = nil
            committedStatements += pendingStatements
            pendingStatements = 0
        }
        for step in unit.steps {
            switch step.action {
            case .setAutoDDL(let on):
                autoDDL = on
            case .commit:
                try commitPending()
            case .rollback:
                try transaction?.rollback()
                transaction = nil
                pendingStatements = 0
            case .execute(let isDDL):
                index += 1
                options.onEvent?(.statementStarted(title: unit.title, index: index, of: total, line: step.line, sql: step.sql))
                monitor?.begin(title: unit.title, line: step.line, connectionID: connectionID)
                let statementStart = clock.now
                do {
                    if isDDL && autoDDL {
                        try attachment.inTransaction { try attachment.executeImmediate(step.sql, in: $0) }
                        committedStatements += 1
                    } else {
                        if transaction == nil { transaction = try attachment.beginTransaction() }
                        try attachment.execute(FirebirdQuery(unsafeSQL: step.sql), in: transaction!)
                        pendingStatements += 1
                    }
                } catch let error as FirebirdError {
                    monitor?.end()
                    try? transaction?.rollback()
                    transaction = nil
                    if let history = unit.history {
                        let elapsed = clock.now - started
                        let detail = "line \(step.line.map(String.init) ?? "?"): \(error.message)\n\(step.sql)"
                        _ = try? attachment.execute(
                            FirebirdQuery(
                                unsafeSQL: history.insertSQL(
                                    executionTimeMilliseconds: elapsed.milliseconds, success: false, detail: detail)))
                    }
                    throw MigrationError.statementFailed(
                        file: unit.title, line: step.line ?? 0, statement: step.sql,
                        committedStatements: committedStatements, underlying: error)
                }
                monitor?.end()
                options.onEvent?(.statementFinished(title: unit.title, index: index, elapsed: clock.now - statementStart))
            }
        }
        if let history = unit.history {
            if transaction == nil { transaction = try attachment.beginTransaction() }
            try attachment.execute(
                FirebirdQuery(unsafeSQL: history.insertSQL(executionTimeMilliseconds: (clock.now - started).milliseconds)),
                in: transaction!)
        }
        try commitPending()
        options.onEvent?(.unitFinished(title: unit.title, elapsed: clock.now - started))
    }
}

extension Duration {
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

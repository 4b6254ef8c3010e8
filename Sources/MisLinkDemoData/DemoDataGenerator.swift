import Firebird
import Foundation

/// Fills a clinic MIS database (the reference schema in `SQL/clinic-schema.sql`) with realistic demo
/// data: departments and services it lacks, staff with PBX extensions and chat logins, patients with
/// Cyrillic names and phones typed every way registrars type them, and their appointment history.
///
/// ```swift
/// let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: "/tmp/demo.fdb"))
/// let summary = try await DemoDataGenerator(options: DemoDataOptions(patients: 100_000, seed: 7))
///     .run(on: connection) { progress in print(progress.patients) }
/// ```
///
/// It appends: IDs come from the tables' generators (patients take one reserved range, other rows get
/// theirs from the BEFORE INSERT triggers), so it runs on a database that already holds data, and
/// next to MisLink's own triggers on PATIENTS and SCHEDULE, which fire for every row as usual.
///
/// Three threads share the load (see ``Pipeline``): one generates batches of rows and their parameter
/// values, the caller's inserts the patients with multi-row `EXECUTE BLOCK`s, committing every
/// ``DemoDataOptions/commitEvery`` patients, and a third inserts the visits of the committed patients
/// on an attachment of its own. Indexes switched off for the load are rebuilt two at a time.
public struct DemoDataGenerator: Sendable {
    /// What to make.
    public var options: DemoDataOptions

    /// Creates a generator.
    public init(options: DemoDataOptions) {
        self.options = options
    }

    /// Runs on the connection's own executor.
    /// - Parameter progress: called from the inserting threads after each batch, one call at a time.
    ///   Defaults to none.
    public func run(
        on connection: FirebirdConnection, progress: (@Sendable (DemoDataProgress) -> Void)? = nil
    ) async throws -> DemoDataSummary {
        try await connection.withAttachment { attachment in try self.run(on: attachment, progress: progress) }
    }

    /// Runs synchronously on the calling thread, which must own `attachment`. The load also opens
    /// attachments of its own with the same configuration (the ones inserting rows with the character
    /// set WIN1251), and closes them before it returns.
    /// - Parameter progress: called from this thread and the load's after each batch, one call at a
    ///   time. Defaults to none.
    public func run(
        on attachment: FirebirdAttachment, progress: (@Sendable (DemoDataProgress) -> Void)? = nil
    ) throws -> DemoDataSummary {
        try validate()
        let clock = ContinuousClock()
        let started = clock.now
        let report = progress ?? { _ in }
        let database = ClinicDatabase(attachment: attachment)
        var summary = DemoDataSummary(seed: options.seed)
        report(DemoDataProgress(phase: .referenceData, patients: 0, patientsTotal: options.patients, visits: 0, elapsed: .zero))

        // 1. Checks, generators, the patient ID range.
        var patientsBefore = 0
        var visitsBefore = 0
        var firstID: Int32 = 0
        try attachment.inTransaction { transaction in
            try database.checkSchema(in: transaction)
            summary.forcedWrites = try database.forcedWrites(in: transaction)
            patientsBefore = try database.count("PATIENTS", in: transaction)
            visitsBefore = try database.count("SCHEDULE", in: transaction)
            for table in ClinicDatabase.requiredTables {
                let moved = try database.alignGenerator(of: table, in: transaction)
                if moved > 0 { summary.alignedGenerators[ClinicDatabase.generator(of: table)] = moved }
            }
            if options.patients > 0 {
                firstID = try database.reserveIDs(of: "PATIENTS", count: options.patients, in: transaction)
                summary.patientIDs = firstID...(firstID + Int32(clamping: options.patients - 1))  // the command allows at most 10^8
            }
        }

        // 2. Reference data and staff, then what visits are made from.
        let stream = UInt64(UInt32(bitPattern: firstID))
        var reference = ReferenceData(attachment: attachment, random: SplitMix64.derived(seed: options.seed, stream: stream ^ 0x5_7AFF))
        let added = try attachment.inTransaction { try reference.fill(staffCount: options.staff, in: $0) }
        summary.departments = added.departments
        summary.services = added.services
        summary.staff = added.staff
        let plan = try attachment.inTransaction(.readOnly) { try database.visitPlan(in: $0) }
        summary.referenceTime = clock.now - started

        guard options.patients > 0 else { return summary }

        // 3. Indexes off where the policy allows.
        let maintenance = IndexMaintenance(attachment: attachment)
        var switchedOff: [String] = []
        for (table, before) in [("PATIENTS", patientsBefore), ("SCHEDULE", visitsBefore)] where rebuildsIndexes(tableRows: before) {
            switchedOff += try maintenance.deactivate(maintenance.plainActiveIndexes(of: table))
        }

        // 4. Patients and visits, generated on a second thread.
        let loadStarted = clock.now
        var loadError: (any Error)?
        do {
            let load = Pipeline(attachment: attachment, options: options, firstID: firstID, plan: plan)
            (summary.patients, summary.visits) = try load.run { patients, visits in
                report(DemoDataProgress(
                    phase: .patients, patients: patients, patientsTotal: options.patients, visits: visits,
                    elapsed: clock.now - loadStarted))
            }
        } catch {
            loadError = error
        }
        summary.loadTime = clock.now - loadStarted

        // 5. Indexes back on, whatever happened.
        let indexStarted = clock.now
        var indexError: (any Error)?
        let loaded = summary
        do {
            try maintenance.activate(switchedOff, workers: IndexMaintenance.workers) { index in
                report(DemoDataProgress(
                    phase: .rebuildingIndex(index), patients: loaded.patients, patientsTotal: options.patients,
                    visits: loaded.visits, elapsed: loaded.loadTime))
            }
        } catch {
            indexError = error
        }
        summary.rebuiltIndexes = switchedOff
        summary.indexTime = clock.now - indexStarted
        if let loadError { throw loadError }
        if let indexError { throw indexError }
        report(DemoDataProgress(
            phase: .done, patients: summary.patients, patientsTotal: options.patients, visits: summary.visits,
            elapsed: summary.loadTime))
        return summary
    }

    private func validate() throws {
        guard options.patients >= 0, options.staff >= 0 else { throw DemoDataError(message: "counts cannot be negative") }
        guard options.visitsPerPatient >= 0, (0...1).contains(options.historyShare), (0...1).contains(options.familyShare)
        else { throw DemoDataError(message: "visits per patient must be ≥ 0 and the shares between 0 and 1") }
        guard options.commitEvery > 0, options.batchSize > 0 else {
            throw DemoDataError(message: "the commit interval and the batch size must be positive")
        }
    }

    private func rebuildsIndexes(tableRows: Int) -> Bool {
        switch options.indexPolicy.kind {
        case .keep: false
        case .rebuild: true
        case .automatic: tableRows == 0 && options.patients >= DemoDataOptions.IndexPolicy.automaticThreshold
        }
    }
}

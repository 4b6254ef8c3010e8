/// Where a demo-data run is, reported to the progress callback from the inserting thread.
public struct DemoDataProgress: Sendable {
    /// The step being done.
    public enum Phase: Sendable, Hashable {
        /// Departments, services and staff.
        case referenceData
        /// Patients and their visits.
        case patients
        /// Rebuilding the index named (after a load with indexes switched off).
        case rebuildingIndex(String)
        /// Finished.
        case done
    }

    /// The step being done.
    public var phase: Phase
    /// Patients inserted so far (committed or not).
    public var patients: Int
    /// Patients asked for.
    public var patientsTotal: Int
    /// SCHEDULE rows inserted so far.
    public var visits: Int
    /// Time since the patient load started (zero before it).
    public var elapsed: Duration

    /// Patients per second so far; 0 before the first batch.
    public var patientsPerSecond: Double {
        let seconds = elapsed.seconds
        return seconds > 0 ? Double(patients) / seconds : 0
    }

    /// The estimated time left for the patient load, when it can be estimated.
    public var remaining: Duration? {
        let rate = patientsPerSecond
        guard rate > 0, patients < patientsTotal else { return nil }
        return .milliseconds(Int64(Double(patientsTotal - patients) / rate * 1_000))
    }
}

/// What a demo-data run did, and how long it took.
public struct DemoDataSummary: Sendable {
    /// The seed it ran with.
    public var seed: UInt64
    /// The IDs of the new patients (`nil` when none were asked for).
    public var patientIDs: ClosedRange<Int32>?
    /// Rows added per table.
    public var patients = 0
    public var visits = 0
    public var departments = 0
    public var services = 0
    public var staff = 0
    /// PATIENTS and SCHEDULE indexes deactivated for the load and rebuilt after it.
    public var rebuiltIndexes: [String] = []
    /// Generators that were behind MAX(ID) of their table and were moved up, with the distance.
    public var alignedGenerators: [String: Int64] = [:]
    /// True when the database has forced (synchronous) writes on; the run leaves that setting alone.
    public var forcedWrites = false
    /// Time for the reference data (departments, services, staff, checks).
    public var referenceTime: Duration = .zero
    /// Time for patients and visits.
    public var loadTime: Duration = .zero
    /// Time for rebuilding indexes.
    public var indexTime: Duration = .zero

    /// The whole run.
    public var totalTime: Duration { referenceTime + loadTime + indexTime }
}

extension Duration {
    /// The duration in seconds as a Double (for rates).
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}

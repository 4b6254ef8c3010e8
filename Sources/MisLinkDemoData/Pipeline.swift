import Firebird
import Foundation

/// The load pipeline: one thread generates batches, the caller's thread inserts the patients, and a
/// third thread, on an attachment of its own, inserts the visits of the patients already committed.
///
/// The generating thread makes every row and every parameter value (text already encoded in WIN1251,
/// see ``InsertBlock``), so the inserting threads only bind values and run `EXECUTE BLOCK`s: nearly
/// all their time is the engine's, and that is what bounds the load. Firebird 3 runs inserts into
/// one table from two attachments nearly serially (measured here: two attachments each taking
/// batches of patients and visits took as long as one, with 20 % more CPU), but inserts into two
/// tables overlap well (PATIENTS and SCHEDULE from two attachments: 1.35 times the rows per second),
/// so the tables are split between two attachments:
///
/// - the patients' transaction commits every ``DemoDataOptions/commitEvery`` patients, and more often
///   near the end (each time half of what is left, down to an eighth of the interval), so that little
///   is left for the visits once the patients are done;
/// - after each commit, the visits of the patients it committed go to the visits' attachment, which
///   inserts them in a transaction of their own (a SCHEDULE row's foreign key needs its patient
///   committed: an uncommitted one of another transaction would make it wait).
///
/// The rows do not depend on the threads: patient IDs come from the range reserved before the load,
/// and SCHEDULE IDs are reserved per batch, in generation order, by the patients' thread. After a
/// failure both attachments stop; what was committed stays, so some patients may lack their visits.
struct Pipeline {
    let attachment: FirebirdAttachment
    let options: DemoDataOptions
    let firstID: Int32
    let plan: VisitPlan

    /// Runs the load; returns the committed patient and visit counts.
    /// - Parameter progress: called with the patients and visits inserted so far, after each batch of
    ///   patients and every thousand or so visits, from either inserting thread, one call at a time.
    func run(progress: @escaping @Sendable (Int, Int) -> Void) throws -> (patients: Int, visits: Int) {
        let batches = BatchChannel<EncodedBatch>(capacity: 4)
        let producerDone = DispatchSemaphore(value: 0)
        let visits = VisitGenerator(
            plan: plan, today: options.today, visitsPerPatient: options.visitsPerPatient, historyShare: options.historyShare)
        let options = self.options
        let firstID = self.firstID
        let producer = Thread {
            var generator = PatientGenerator(
                seed: options.seed, firstID: firstID, count: options.patients, today: options.today,
                familyShare: options.familyShare, visits: visits)
            while let batch = generator.nextBatch(size: options.batchSize) {
                if !batches.send(EncodedBatch(batch)) { break }
            }
            batches.finish()
            producerDone.signal()
        }
        producer.name = "mislink.demo-data.generate"
        producer.start()
        defer {
            batches.cancel()
            producerDone.wait()
        }

        // Both attachments have the character set WIN1251, as the text is encoded so.
        var configuration = attachment.configuration
        configuration.charset = .win1251
        let state = LoadState(progress: progress)
        // At most two committed transactions' visits wait, so memory stays bounded if SCHEDULE lags.
        let chunks = BatchChannel<VisitChunk>(capacity: 2)
        let visitsDone = DispatchSemaphore(value: 0)
        let visitThread = Thread { [configuration] in
            do {
                let attachment = try FirebirdAttachment.open(configuration)
                defer { try? attachment.close() }
                try VisitInserter(attachment: attachment, state: state).run(chunks)
            } catch {
                state.fail(error)
                batches.cancel()
            }
            chunks.cancel()
            visitsDone.signal()
        }
        visitThread.name = "mislink.demo-data.visits"
        visitThread.start()

        do {
            let own = attachment.configuration.charset == .win1251 ? nil : try FirebirdAttachment.open(configuration)
            defer { try? own?.close() }
            try PatientInserter(attachment: own ?? attachment, options: options, state: state).run(batches, chunks)
            chunks.finish()
        } catch {
            state.fail(error)
            chunks.cancel()
        }
        visitsDone.wait()
        let counts = try state.result()
        progress(counts.patients, counts.visits)
        return counts
    }
}

/// The visits of the patients one transaction committed, in blocks, their IDs assigned.
struct VisitChunk: Sendable {
    var blocks: [[FirebirdValue]] = []
    var count = 0
}

/// What the inserting threads share: counts, progress reports and the first error.
private final class LoadState: @unchecked Sendable {
    // @unchecked: everything mutable is guarded by `lock`.
    private let lock = NSLock()
    private let progress: @Sendable (Int, Int) -> Void
    private var inserted = (patients: 0, visits: 0)
    private var committed = (patients: 0, visits: 0)
    private var error: (any Error)?

    init(progress: @escaping @Sendable (Int, Int) -> Void) {
        self.progress = progress
    }

    /// Counts inserted rows and reports the totals.
    func inserted(patients: Int = 0, visits: Int = 0) {
        lock.lock()
        defer { lock.unlock() }
        inserted = (inserted.patients + patients, inserted.visits + visits)
        progress(inserted.patients, inserted.visits)
    }

    func committed(patients: Int = 0, visits: Int = 0) {
        lock.lock()
        defer { lock.unlock() }
        committed = (committed.patients + patients, committed.visits + visits)
    }

    /// Records the first error.
    func fail(_ error: any Error) {
        lock.lock()
        defer { lock.unlock() }
        if self.error == nil { self.error = error }
    }

    var failed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return error != nil
    }

    /// The committed counts, or the first error.
    func result() throws -> (patients: Int, visits: Int) {
        lock.lock()
        defer { lock.unlock() }
        if let error { throw error }
        return committed
    }
}

/// Inserts the patients of every batch and hands their visits on after each commit.
private struct PatientInserter {
    let attachment: FirebirdAttachment
    let options: DemoDataOptions
    let state: LoadState

    func run(_ batches: BatchChannel<EncodedBatch>, _ chunks: BatchChannel<VisitChunk>) throws {
        let database = ClinicDatabase(attachment: attachment)
        let loader = BulkLoader(attachment: attachment)
        let shortest = max(1, options.commitEvery / 8)
        var transaction = try attachment.beginTransaction()
        var pending = 0
        var received = 0
        var visits = VisitChunk()
        do {
            while var batch = batches.receive() {
                // SCHEDULE IDs: one GEN_ID per batch, in generation order, so they are the same every run.
                if batch.visits > 0 {
                    batch.assignVisitIDs(from: try database.reserveIDs(of: "SCHEDULE", count: batch.visits, in: transaction))
                }
                for block in batch.patientBlocks {
                    try loader.insert(block, into: InsertBlock.patients, in: transaction)
                }
                pending += batch.patients
                received += batch.patients
                visits.blocks += batch.visitBlocks
                visits.count += batch.visits
                state.inserted(patients: batch.patients)
                let left = options.patients - received
                if pending >= options.commitEvery || (pending >= shortest && pending >= left && left > 0) {
                    try transaction.commit()
                    state.committed(patients: pending)
                    pending = 0
                    if !chunks.send(visits) { break }
                    visits = VisitChunk()
                    transaction = try attachment.beginTransaction()
                }
            }
            // After a failure of the visits' thread, what this transaction holds is rolled back.
            if state.failed {
                if transaction.isActive { try transaction.rollback() }
                return
            }
            try transaction.commit()
            state.committed(patients: pending)
            _ = chunks.send(visits)
        } catch {
            if transaction.isActive { try? transaction.rollback() }
            throw error
        }
    }
}

/// Inserts the visits of each committed chunk of patients in a transaction of its own.
private struct VisitInserter {
    let attachment: FirebirdAttachment
    let state: LoadState

    /// Blocks between progress reports (about a thousand visits).
    static let reportEvery = 32

    func run(_ chunks: BatchChannel<VisitChunk>) throws {
        let loader = BulkLoader(attachment: attachment)
        let width = InsertBlock.visits.columns.count
        while let chunk = chunks.receive() {
            guard chunk.count > 0 else { continue }
            let transaction = try attachment.beginTransaction()
            do {
                var unreported = 0
                for (index, block) in chunk.blocks.enumerated() {
                    try loader.insert(block, into: InsertBlock.visits, in: transaction)
                    unreported += block.count / width
                    if index % Self.reportEvery == Self.reportEvery - 1 || index == chunk.blocks.count - 1 {
                        state.inserted(visits: unreported)
                        unreported = 0
                    }
                }
                try transaction.commit()
                state.committed(visits: chunk.count)
            } catch {
                if transaction.isActive { try? transaction.rollback() }
                throw error
            }
        }
    }
}

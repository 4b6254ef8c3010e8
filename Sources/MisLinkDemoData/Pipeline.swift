import Firebird
import Foundation

/// The load pipeline: a second thread generates batches while the caller's thread inserts them.
///
/// One attachment inserts everything. Firebird 3's engine runs the inserts of one database almost
/// serially however many attachments write (measured here: two or three inserting attachments, or one
/// per table, gave no gain), and every SCHEDULE row checks four foreign keys and updates six indexes, so
/// the engine is the bottleneck and generating on another core is the parallelism that pays.
struct Pipeline {
    let attachment: FirebirdAttachment
    let options: DemoDataOptions
    let firstID: Int32
    let plan: VisitPlan

    /// Runs the load; returns the committed patient and visit counts.
    /// - Parameter progress: called after each batch with the patients and visits inserted so far.
    func run(progress: (Int, Int) -> Void) throws -> (patients: Int, visits: Int) {
        let channel = BatchChannel(capacity: 4)
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
                if !channel.send(batch) { break }
            }
            channel.finish()
            producerDone.signal()
        }
        producer.name = "mislink.demo-data.generate"
        producer.start()
        defer {
            channel.cancel()
            producerDone.wait()
        }

        let database = ClinicDatabase(attachment: attachment)
        var transaction = try attachment.beginTransaction()
        let loader = try BulkLoader(attachment: attachment, transaction: transaction)
        var committed = (patients: 0, visits: 0)
        var pending = (patients: 0, visits: 0)
        do {
            while var batch = channel.receive() {
                // SCHEDULE IDs: one GEN_ID per batch, in generation order, so they are the same every run.
                if !batch.visits.isEmpty {
                    var id = try database.reserveIDs(of: "SCHEDULE", count: batch.visits.count, in: transaction)
                    for index in batch.visits.indices {
                        batch.visits[index].id = id
                        id += 1
                    }
                }
                try loader.insertPatients(batch.patients, in: transaction)
                try loader.insertVisits(batch.visits, in: transaction)
                pending.patients += batch.patients.count
                pending.visits += batch.visits.count
                if pending.patients >= options.commitEvery {
                    try transaction.commit()
                    committed = (committed.patients + pending.patients, committed.visits + pending.visits)
                    pending = (0, 0)
                    transaction = try attachment.beginTransaction()
                }
                progress(committed.patients + pending.patients, committed.visits + pending.visits)
            }
            try transaction.commit()
            return (committed.patients + pending.patients, committed.visits + pending.visits)
        } catch {
            if transaction.isActive { try? transaction.rollback() }
            throw error
        }
    }
}

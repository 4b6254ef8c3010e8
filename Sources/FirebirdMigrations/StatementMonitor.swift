import Firebird
import Foundation

/// Reports a long statement while it runs: every `interval`, the time so far and, from a second
/// attachment reading `MON$STATEMENTS` / `MON$RECORD_STATS`, the records it has read and written.
final class StatementMonitor: @unchecked Sendable {
    private let configuration: FirebirdConfiguration
    private let interval: Duration
    private let onEvent: @Sendable (MigrationEvent) -> Void
    private let condition = NSCondition()
    private var current: (title: String, line: Int?, connectionID: Int?, started: ContinuousClock.Instant)?
    private var generation = 0
    private var stopped = false
    private var thread: Thread?

    init(configuration: FirebirdConfiguration, interval: Duration, onEvent: @escaping @Sendable (MigrationEvent) -> Void) {
        self.configuration = configuration
        self.interval = interval
        self.onEvent = onEvent
    }

    func begin(title: String, line: Int?, connectionID: Int?) {
        condition.lock()
        current = (title, line, connectionID, ContinuousClock.now)
        generation += 1
        if thread == nil {
            let thread = Thread { [self] in loop() }
            thread.name = "mislink-migrate-progress"
            self.thread = thread
            thread.start()
        }
        condition.signal()
        condition.unlock()
    }

    func end() {
        condition.lock()
        current = nil
        generation += 1
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        current = nil
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        var monitorAttachment: FirebirdAttachment?
        defer { try? monitorAttachment?.close() }
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        condition.lock()
        while !stopped {
            guard let running = current else {
                condition.wait()
                continue
            }
            let watched = generation
            _ = condition.wait(until: Date().addingTimeInterval(seconds))
            guard !stopped, generation == watched, current != nil else { continue }
            condition.unlock()
            var records: RecordCounts?
            if let id = running.connectionID {
                if monitorAttachment == nil { monitorAttachment = try? FirebirdAttachment.open(configuration) }
                records = monitorAttachment.flatMap { try? Self.records(of: id, $0) }
            }
            condition.lock()
            if generation == watched, !stopped {
                onEvent(
                    .statementRunning(
                        title: running.title, line: running.line, elapsed: ContinuousClock.now - running.started,
                        records: records))
            }
        }
        condition.unlock()
    }

    /// The record counters of the attachment's running statement.
    static func records(of connectionID: Int, _ attachment: FirebirdAttachment) throws -> RecordCounts? {
        try attachment.inTransaction(.readOnly) { transaction in
            let row = try attachment.query(
                """
                SELECT SUM(R.MON$RECORD_SEQ_READS + R.MON$RECORD_IDX_READS), SUM(R.MON$RECORD_INSERTS),
                       SUM(R.MON$RECORD_UPDATES), SUM(R.MON$RECORD_DELETES)
                FROM MON$STATEMENTS S JOIN MON$RECORD_STATS R ON R.MON$STAT_ID = S.MON$STAT_ID
                WHERE S.MON$ATTACHMENT_ID = \(connectionID) AND S.MON$STATE = 1
                """, in: transaction
            ).first
            guard let row, let read = try row.decode(Int?.self, at: 0) else { return nil }
            return RecordCounts(
                read: read, inserted: try row.decode(Int?.self, at: 1) ?? 0, updated: try row.decode(Int?.self, at: 2) ?? 0,
                deleted: try row.decode(Int?.self, at: 3) ?? 0)
        }
    }
}

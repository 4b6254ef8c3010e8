import Firebird
import MisLinkStore

/// The dispatcher's outbox: due rows claimed through the one lease-claim (``Leases``, where the claim is
/// explained), and what an attempt came to written back. The SQL is MisLinkStore's (``Outbox``,
/// ``OutboxRow``, ``ChatThreads``, ``Commands``); this type decides what to write for a ``SendOutcome``.
struct OutboxStore: Sendable {
    let database: DispatcherDatabase
    let leases: Leases

    var workerName: String { leases.worker }

    /// IDs of rows due now (not claimed), at most `limit`, oldest due first.
    func dueIDs(limit: Int) async throws -> [Int64] {
        try await leases.dueIDs(.outbox, limit: limit)
    }

    /// Claims one row; `nil` when another worker has it or it is no longer due.
    func claim(_ id: Int64) async throws -> OutboxRow? {
        try await leases.claim(.outbox, id: id) { tx, now in try OutboxRow.read(id, now: now, in: tx) }
    }

    /// Writes what the attempt came to. Returns false when the row was no longer ours (lease lost).
    /// - Parameters:
    ///   - retryAfter: for `.retry`, the delay before the next attempt; `nil` when the attempts are used
    ///     up, which turns the retry into `failed`.
    ///   - chatText: the text sent into the row's chat thread: once sent, it joins `MISLINK_CHAT_MESSAGES`
    ///     (keyed by the platform's message id, so the platform's echo of it adds nothing).
    ///   - delivery: how the row went out (the route and channel), written when it was sent.
    func record(
        _ row: OutboxRow, _ outcome: SendOutcome, retryAfter: Duration?, chatText: String? = nil, delivery: Outbox.Delivery? = nil
    ) async throws -> Bool {
        let claim = row.claim(by: workerName)
        return try await database.withTransaction(.writeBack) { tx in
            let now = try DatabaseClock.now(in: tx)
            let result: Outbox.Result
            let command: (status: CommandStatus, code: String?, text: String)?
            switch outcome {
            case .sent(let providerId, let code):
                result = .sent(providerId: providerId, resultCode: code)
                command = (.done, code, "Сообщение отправлено")
            case .retry(let code, let error, _) where retryAfter != nil:
                result = .retry(at: DatabaseClock.adding(retryAfter!, to: now), resultCode: code, error: error)
                command = nil
            case .retry(let code, let error, _):
                result = .failed(resultCode: code, error: "gave up after \(row.attempts) attempts: \(error)")
                command = (.failed, code, "Не отправлено: \(error)")
            case .failed(let code, let error):
                result = .failed(resultCode: code, error: error)
                command = (.failed, code, "Не отправлено: \(error)")
            case .cancelled(let error):
                result = .cancelled(error: error)
                command = (.cancelled, nil, "Отменено: \(error)")
            case .deferred(let error, let after, let until):
                result = .putBack(at: until.map { FirebirdTimestamp($0, in: DatabaseClock.utc) } ?? DatabaseClock.adding(after, to: now),
                                  error: error)
                command = nil
            }
            guard try Outbox.record(result, for: claim, now: now, in: tx) else { return false }
            if case .sent = outcome, let delivery { try Outbox.recordDelivery(delivery, of: row.id, in: tx) }
            if case .sent(let providerId, _) = outcome, let thread = row.threadId, let chatText {
                // The message's key: the platform's id, unless it is only our own idempotency key.
                let external = providerId.flatMap { $0 == row.idempotencyKey ? nil : ProviderMessageID.stored($0) } ?? "outbox:\(row.id)"
                try ChatThreads.addSentMessage(
                    thread: thread, externalId: external, staffId: row.staffId, text: chatText, templateCode: row.templateCode,
                    outboxId: row.id, at: now, in: tx)
            }
            if let commandId = row.commandId, let command {
                try Commands.finishMessage(commandId, status: command.status, resultCode: command.code, text: command.text, now: now, in: tx)
            }
            return true
        }
    }

    /// The thread's last message and first response after a sent message, in a transaction of its own:
    /// two workers sending into one thread would otherwise conflict on its row and lose the outbox
    /// result. Best effort: a few tries, then the thread keeps its older summary (the message itself is
    /// already in its history).
    func touchThread(_ row: OutboxRow, thread: Int64, text: String) async {
        let byOperator = row.staffId != nil
        for attempt in 1...3 {
            do {
                try await database.withTransaction(.writeBack) { tx in
                    try ChatThreads.touchAfterSent(
                        thread: thread, text: text, byOperator: byOperator, at: try DatabaseClock.now(in: tx), in: tx)
                }
                return
            } catch {
                if attempt < 3 { try? await Task.sleep(for: .milliseconds(50 * attempt)) }
            }
        }
    }

    /// When the next row becomes due (a pending row's `NEXT_ATTEMPT_AT`, or a lease running out),
    /// measured from now; `nil` when nothing is waiting.
    func nextDue() async throws -> Duration? {
        try await database.withTransaction(.read) { tx in
            let now = try DatabaseClock.now(in: tx)
            return try Outbox.nextDue(in: tx).map { DatabaseClock.interval(from: now, to: $0) }
        }
    }
}

import Firebird

extension CommandStore {
    /// A `message` command becomes a `MISLINK_OUTBOX` row (`SOURCE = 'worker'`, `COMMAND_ID` set,
    /// `IDEMPOTENCY_KEY = command:<ID>`), and the command becomes `sent`; the outbox row's own
    /// result later makes it `done` or `failed`. Both happen in one transaction, and the key makes a
    /// repeat (a command taken over after a crash) find the row already queued.
    ///
    /// PAYLOAD is the text, or `{"text":"…","channel":"…"}`. Without `THREAD_ID` the message goes by
    /// SMS to `TARGET`.
    /// - Returns: the outbox row's ID, or `nil` when the command was no longer ours.
    func queueMessage(_ command: CommandRow) async throws -> Int64? {
        let worker = workerName
        return try await database.transaction(.writeBack) { tx in
            let options = CommandTranslation.options(command.payload)
            let text = (options.isEmpty ? command.payload : options["text"])?.trimmed.nilIfEmpty
            guard let text else { throw Unsendable("пустое сообщение") }
            var channel = options["channel"] ?? "sms"
            guard Self.channels.contains(channel) else { throw Unsendable("неизвестный канал \(channel)") }
            var phoneKey: String?
            if let threadId = command.threadId {
                guard let thread = try Lookups.thread(id: threadId, in: tx) else { throw Unsendable("чат \(threadId) не найден") }
                channel = thread.channel == "other" ? "messenger" : thread.channel
            } else {
                guard let target = command.target, let key = try Lookups.phoneKey(target, in: tx) else {
                    throw Unsendable("не указан получатель (THREAD_ID или TARGET)")
                }
                phoneKey = key
            }
            let key = "command:\(command.id)"
            var outboxId: Int64?
            do {
                outboxId = try tx.attachment.query(
                    """
                    INSERT INTO MISLINK_OUTBOX (KIND, CHANNEL, RECIPIENT, PHONE_KEY, THREAD_ID, BODY, IDEMPOTENCY_KEY,
                                                PATIENT_ID, APPEAL_ID, SCHEDULE_ID, COMMAND_ID, STAFF_ID, SOURCE)
                    VALUES ('message', \(channel), \(phoneKey), \(phoneKey), \(command.threadId), \(text), \(key),
                            \(command.patientId), \(command.appealId), \(command.scheduleId), \(command.id),
                            \(command.staffId), 'worker')
                    RETURNING ID
                    """, in: tx
                ).first?.decode(Int64?.self, at: 0)
            } catch FirebirdError.Code.uniqueViolation {
                outboxId = try tx.attachment.queryValue(
                    "SELECT ID FROM MISLINK_OUTBOX WHERE IDEMPOTENCY_KEY = \(key)", as: Int64.self, in: tx)
            }
            let changed = try tx.attachment.execute(
                """
                UPDATE MISLINK_COMMANDS SET STATUS = 'sent', RESULT = 'Сообщение поставлено в очередь', CLAIMED_UNTIL = NULL
                 WHERE ID = \(command.id) AND STATUS = 'processing' AND CLAIMED_BY = \(worker)
                   AND ATTEMPTS = \(command.attempts)
                """, in: tx)
            return changed == 1 ? outboxId : nil
        }
    }

    /// The channels `MISLINK_OUTBOX.CHANNEL` allows for messages.
    static let channels: Set<String> = ["sms", "whatsapp", "telegram", "vk", "viber", "webchat", "messenger"]
}

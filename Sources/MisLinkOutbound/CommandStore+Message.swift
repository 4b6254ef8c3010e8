import Firebird
import MisLinkStore

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
        let claim = command.claim(by: workerName)
        return try await database.withTransaction(.writeBack) { tx in
            let options = CommandTranslation.options(command.payload)
            let text = (options.isEmpty ? command.payload : options["text"])?.trimmed.nilIfEmpty
            guard let text else { throw Unsendable("пустое сообщение") }
            var channel = options["channel"] ?? "sms"
            guard Self.channels.contains(channel) else { throw Unsendable("неизвестный канал \(channel)") }
            var phoneKey: String?
            if let threadId = command.threadId {
                guard let thread = try ChatThreads.thread(id: threadId, in: tx) else { throw Unsendable("чат \(threadId) не найден") }
                channel = thread.channel == "other" ? "messenger" : thread.channel
            } else {
                guard let target = command.target, let key = try Lookups.phoneKey(target, in: tx) else {
                    throw Unsendable("не указан получатель (THREAD_ID или TARGET)")
                }
                phoneKey = key
            }
            let outboxId = try Outbox.queueCommandMessage(
                command, channel: channel, phoneKey: phoneKey, text: text, key: "command:\(command.id)", in: tx)
            return try Commands.markQueued(claim, in: tx) ? outboxId : nil
        }
    }

    /// The channels `MISLINK_OUTBOX.CHANNEL` allows for messages.
    static let channels: Set<String> = ["sms", "whatsapp", "telegram", "vk", "viber", "webchat", "messenger"]
}

import Firebird
import Foundation

/// A chat thread as `MISLINK_CHAT_THREADS` holds it: where a message to it goes.
public struct ChatThread: Sendable, Hashable, Decodable {
    public var id: Int64
    /// `chatwoot`, `edna`, …
    public var provider: String
    /// The platform's thread id (Chatwoot conversation id, edna thread id).
    public var externalId: String
    public var channel: String
    /// edna `threadsClientId` / Chatwoot contact id.
    public var clientId: String?
    /// edna's external client id.
    public var clientExternalId: String?

    public init(id: Int64, provider: String, externalId: String, channel: String, clientId: String? = nil,
                clientExternalId: String? = nil) {
        self.id = id
        self.provider = provider
        self.externalId = externalId
        self.channel = channel
        self.clientId = clientId
        self.clientExternalId = clientExternalId
    }
}

/// The outbound side's SQL of `MISLINK_CHAT_THREADS` and `MISLINK_CHAT_MESSAGES`: finding where a message
/// goes, and recording a sent one. The intake's writes are in `ChatThreads+Intake.swift`, the API's reads in
/// `ChatThreads+API.swift`.
public enum ChatThreads {
    public static func thread(id: Int64, in tx: Transaction) throws -> ChatThread? {
        try threads("WHERE ID = \(id)", in: tx).first
    }

    /// The patient's latest thread on `provider` for a phone key, open threads first.
    public static func thread(phoneKey: String, provider: String, in tx: Transaction) throws -> ChatThread? {
        try threads(
            """
            WHERE PHONE_KEY = \(phoneKey) AND PROVIDER = \(provider)
            ORDER BY IIF(STATUS = 'closed', 1, 0), COALESCE(LAST_MESSAGE_AT, OPENED_AT) DESC, ID DESC
            """, in: tx
        ).first
    }

    private static func threads(_ condition: FirebirdQuery, in tx: Transaction) throws -> [ChatThread] {
        try tx.attachment.query(
            "SELECT FIRST 1 ID, PROVIDER, EXTERNAL_ID, CHANNEL, CLIENT_ID, CLIENT_EXTERNAL_ID FROM MISLINK_CHAT_THREADS \(condition)",
            as: ChatThread.self, in: tx)
    }

    /// The sent message in its thread's history: by the operator who asked (`staffId`), else by the MIS.
    /// Keyed by the platform's message id (`externalId`), so the platform's echo of it adds nothing. An echo
    /// that came first (edna's `TRAINING` copy goes out before its API answers) is completed with what only
    /// MisLink knows: who asked, the template and the outbox row. It touches only this message's row, so
    /// workers sending into one thread never conflict here.
    public static func addSentMessage(
        thread: Int64, externalId: String, staffId: Int64?, text: String, templateCode: String?, outboxId: Int64,
        at now: FirebirdTimestamp, in tx: Transaction
    ) throws {
        let author = staffId == nil ? "mis" : "operator"
        try tx.attachment.execute(
            """
            MERGE INTO MISLINK_CHAT_MESSAGES M
            USING RDB$DATABASE ON M.THREAD_ID = \(thread) AND M.EXTERNAL_ID = \(externalId)
            WHEN MATCHED AND M.OUTBOX_ID IS NULL AND M.DIRECTION = 'out' THEN UPDATE SET AUTHOR_TYPE = \(author),
                OPERATOR_ID = COALESCE(\(staffId), M.OPERATOR_ID), TEMPLATE_CODE = \(templateCode), OUTBOX_ID = \(outboxId)
            WHEN NOT MATCHED THEN INSERT (THREAD_ID, EXTERNAL_ID, DIRECTION, AUTHOR_TYPE, OPERATOR_ID, BODY, TEMPLATE_CODE,
                OUTBOX_ID, STATUS, SENT_AT)
            VALUES (\(thread), \(externalId), 'out', \(author), \(staffId), \(text), \(templateCode), \(outboxId), 'sent', \(now))
            """, in: tx)
    }

    /// The thread's last message (and, for an operator's message, its first response) after a sent
    /// message, unless a newer message is already recorded.
    public static func touchAfterSent(
        thread: Int64, text: String, byOperator: Bool, at now: FirebirdTimestamp, in tx: Transaction
    ) throws {
        let flag = byOperator ? 1 : 0
        try tx.attachment.execute(
            """
            UPDATE MISLINK_CHAT_THREADS SET LAST_MESSAGE_AT = \(now), LAST_MESSAGE_PREVIEW = \(String(text.prefix(200))),
                FIRST_RESPONSE_AT = CASE WHEN CAST(\(flag) AS INTEGER) = 1 THEN COALESCE(FIRST_RESPONSE_AT, \(now)) ELSE FIRST_RESPONSE_AT END,
                UNANSWERED_COUNT = CASE WHEN CAST(\(flag) AS INTEGER) = 1 THEN 0 ELSE UNANSWERED_COUNT END
            WHERE ID = \(thread) AND (LAST_MESSAGE_AT IS NULL OR LAST_MESSAGE_AT <= \(now))
            """, in: tx)
    }

    /// The platform ids of `provider`'s threads that are not closed, oldest first.
    public static func openExternalIds(provider: String, in tx: Transaction) throws -> [String] {
        try tx.attachment.query(
            "SELECT EXTERNAL_ID FROM MISLINK_CHAT_THREADS WHERE PROVIDER = \(provider) AND STATUS <> 'closed' ORDER BY ID", in: tx
        ).compactMap { try $0.decode(String?.self, column: "EXTERNAL_ID") }
    }

    /// The `STATUS` of every stored thread of `provider` among `externalIds`, by platform id (several
    /// when stored more than once).
    public static func statuses(provider: String, externalIds: [String], in tx: Transaction) throws -> [String: [String?]] {
        guard !externalIds.isEmpty else { return [:] }
        var found: [String: [String?]] = [:]
        for row in try tx.attachment.query(
            """
            SELECT EXTERNAL_ID, STATUS FROM MISLINK_CHAT_THREADS
             WHERE PROVIDER = \(provider) AND EXTERNAL_ID IN (\(FirebirdQuery.list(externalIds)))
            """, in: tx)
        {
            found[try row.decode(String.self, column: "EXTERNAL_ID"), default: []].append(try row.decode(String?.self, column: "STATUS"))
        }
        return found
    }
}

import Firebird

/// A thread as the intake reads it back at a later event, by column name.
public struct IntakeThread: Sendable, Hashable, Decodable {
    public var id: Int64
    public var status: ThreadStatus
    public var operatorId: Int64?
    public var appealId: Int64?
    /// The platform's time of the state applied last.
    public var stateChangedAt: FirebirdTimestamp?
    public var phoneKey: String?
}

/// A thread's first row. Text is already cut to its column.
public struct NewChatThread: Sendable, Hashable {
    public var provider: String
    /// ASCII, 128.
    public var externalId: String?
    public var channel: String
    /// ASCII, 128.
    public var clientId: String?
    public var clientExternalId: String?
    public var contactName: String?
    public var contactPhone: String?
    public var contactHandle: String?
    /// ASCII, 20.
    public var phoneKey: String?
    public var patientId: Int64?
    public var patientOthers: Int16
    public var patientDisplay: String?

    public init(provider: String, externalId: String?, channel: String, clientId: String?, clientExternalId: String?,
                contactName: String?, contactPhone: String?, contactHandle: String?, phoneKey: String?, patientId: Int64?,
                patientOthers: Int16, patientDisplay: String?) {
        self.provider = provider
        self.externalId = externalId
        self.channel = channel
        self.clientId = clientId
        self.clientExternalId = clientExternalId
        self.contactName = contactName
        self.contactPhone = contactPhone
        self.contactHandle = contactHandle
        self.phoneKey = phoneKey
        self.patientId = patientId
        self.patientOthers = patientOthers
        self.patientDisplay = patientDisplay
    }
}

/// The intake's SQL of `MISLINK_CHAT_THREADS` (one row per platform thread).
extension ChatThreads {
    /// The thread of `provider` with the platform's id; nil when not stored yet.
    public static func find(provider: String, externalId: String?, in tx: some StoreTransaction) throws -> IntakeThread? {
        try tx.rows(
            """
            SELECT ID, STATUS, OPERATOR_ID, APPEAL_ID, STATE_CHANGED_AT, PHONE_KEY FROM MISLINK_CHAT_THREADS
             WHERE PROVIDER = \(provider) AND EXTERNAL_ID = \(externalId)
            """
        ).first?.decode(IntakeThread.self)
    }

    /// A later event may name the client better (edna's thread gives the name, a message the phone): what
    /// the row lacks is filled in (name 150, phone 64, external client id 128 characters).
    public static func fillContact(_ id: Int64, name: String?, phone: String?, clientExternalId: String?,
                                   in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_CHAT_THREADS SET CONTACT_NAME = COALESCE(CONTACT_NAME, \(name)), CONTACT_PHONE = COALESCE(CONTACT_PHONE, \(phone)),
                CLIENT_EXTERNAL_ID = COALESCE(CLIENT_EXTERNAL_ID, \(clientExternalId))
            WHERE ID = \(id) AND ((CONTACT_NAME IS NULL AND CAST(\(name) AS VARCHAR(150) CHARACTER SET UTF8) IS NOT NULL)
                OR (CONTACT_PHONE IS NULL AND CAST(\(phone) AS VARCHAR(64) CHARACTER SET UTF8) IS NOT NULL)
                OR (CLIENT_EXTERNAL_ID IS NULL AND CAST(\(clientExternalId) AS VARCHAR(128) CHARACTER SET UTF8) IS NOT NULL))
            """)
    }

    /// Inserts a thread, `queued`, opened at `openedAt`; returns its id.
    public static func insert(_ thread: NewChatThread, openedAt: FirebirdTimestamp, now: FirebirdTimestamp,
                              in tx: some StoreTransaction) throws -> Int64? {
        try tx.returnedID(
            """
            INSERT INTO MISLINK_CHAT_THREADS (PROVIDER, EXTERNAL_ID, CHANNEL, CLIENT_ID, CLIENT_EXTERNAL_ID, CONTACT_NAME,
                CONTACT_PHONE, CONTACT_HANDLE, PHONE_KEY, PATIENT_ID, PATIENT_OTHERS, PATIENT_DISPLAY, STATUS, OPENED_AT,
                CREATED_AT, UPDATED_AT)
            VALUES (\(thread.provider), \(thread.externalId), \(thread.channel), \(thread.clientId), \(thread.clientExternalId),
                \(thread.contactName), \(thread.contactPhone), \(thread.contactHandle), \(thread.phoneKey), \(thread.patientId),
                \(thread.patientOthers), \(thread.patientDisplay), 'queued', \(openedAt), \(now), \(now))
            RETURNING ID
            """)
    }

    /// The thread's appeal.
    public static func setAppeal(_ appeal: Int64, thread: Int64, now: FirebirdTimestamp, in tx: some StoreTransaction) throws {
        try tx.execute("UPDATE MISLINK_CHAT_THREADS SET APPEAL_ID = \(appeal), UPDATED_AT = \(now) WHERE ID = \(thread)")
    }

    /// Who the thread's client is, once a phone becomes known.
    public static func setPatient(_ thread: Int64, phoneKey: String?, patientId: Int64?, patientOthers: Int16,
                                  patientDisplay: String?, in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_CHAT_THREADS SET PHONE_KEY = \(phoneKey), PATIENT_ID = \(patientId), PATIENT_OTHERS = \(patientOthers),
                PATIENT_DISPLAY = \(patientDisplay) WHERE ID = \(thread)
            """)
    }

    /// The thread moves to `status` at `at`: its operator (and their platform login while assigned), the
    /// assignment time when it reaches a new operator, the close time and reason while closed.
    public static func move(_ thread: Int64, to status: ThreadStatus, operatorId: Int64?, providerStatus: String?,
                            login: String?, closeReason: String?, at: FirebirdTimestamp, now: FirebirdTimestamp,
                            in tx: some StoreTransaction) throws {
        try tx.execute(
            """
            UPDATE MISLINK_CHAT_THREADS SET STATUS = \(status), OPERATOR_ID = \(operatorId),
                PROVIDER_STATUS = COALESCE(\(providerStatus), PROVIDER_STATUS), STATE_CHANGED_AT = \(at),
                OPERATOR_LOGIN = CASE WHEN CAST(\(status) AS VARCHAR(12)) = 'assigned' THEN \(login) ELSE NULL END,
                ASSIGNED_AT = CASE WHEN CAST(\(status) AS VARCHAR(12)) = 'assigned'
                    AND (STATUS <> 'assigned' OR OPERATOR_ID IS DISTINCT FROM \(operatorId)) THEN \(at) ELSE ASSIGNED_AT END,
                CLOSED_AT = CASE WHEN CAST(\(status) AS VARCHAR(12)) = 'closed' THEN COALESCE(CLOSED_AT, \(at)) ELSE NULL END,
                CLOSE_REASON = CASE WHEN CAST(\(status) AS VARCHAR(12)) = 'closed' THEN \(closeReason) ELSE NULL END,
                UPDATED_AT = \(now)
            WHERE ID = \(thread)
            """)
    }

    /// How many threads `operatorId` has assigned now (besides `excluding`): their load against `chat.capacity`.
    public static func assignedCount(operatorId: Int64, excluding: Int64? = nil, in tx: some StoreTransaction) throws -> Int {
        try tx.rows(
            """
            SELECT COUNT(*) AS N FROM MISLINK_CHAT_THREADS
             WHERE OPERATOR_ID = \(operatorId) AND STATUS = 'assigned' AND ID IS DISTINCT FROM \(excluding)
            """
        ).first?.decode(Int.self, column: "N") ?? 0
    }

    /// After a received message (one not stored before): the thread's last message and its preview (200
    /// characters) unless a newer one is recorded, the first response (an operator's message), an earlier
    /// opening (a client's), and the client's messages waiting for an answer.
    public static func touchAfterReceived(_ thread: Int64, at: FirebirdTimestamp?, preview: String?, incoming: Bool,
                                          now: FirebirdTimestamp, in tx: some StoreTransaction) throws {
        let flag: Int32 = incoming ? 1 : 0
        try tx.execute(
            """
            UPDATE MISLINK_CHAT_THREADS SET
                LAST_MESSAGE_AT = CASE WHEN LAST_MESSAGE_AT IS NULL OR LAST_MESSAGE_AT < \(at) THEN \(at) ELSE LAST_MESSAGE_AT END,
                LAST_MESSAGE_PREVIEW = CASE WHEN LAST_MESSAGE_AT IS NULL OR LAST_MESSAGE_AT <= \(at) THEN \(preview) ELSE LAST_MESSAGE_PREVIEW END,
                FIRST_RESPONSE_AT = CASE WHEN CAST(\(flag) AS INTEGER) = 0 AND (FIRST_RESPONSE_AT IS NULL OR FIRST_RESPONSE_AT > \(at))
                    THEN \(at) ELSE FIRST_RESPONSE_AT END,
                OPENED_AT = CASE WHEN CAST(\(flag) AS INTEGER) = 1 AND OPENED_AT > \(at) THEN \(at) ELSE OPENED_AT END,
                UNANSWERED_COUNT = CASE WHEN CAST(\(flag) AS INTEGER) = 1 THEN UNANSWERED_COUNT + 1 ELSE 0 END,
                UPDATED_AT = \(now)
            WHERE ID = \(thread)
            """)
    }

    /// An operator answered, seen only in the platform's thread state (edna's polled status): the first
    /// response at `at` (not before the opening) when none is recorded; with `ifClientWaiting`, only when
    /// the client's messages were waiting for an answer (`UNANSWERED_COUNT` > 0). Returns whether it was set.
    @discardableResult
    public static func markAnswered(_ thread: Int64, at: FirebirdTimestamp, ifClientWaiting: Bool, now: FirebirdTimestamp,
                                    in tx: some StoreTransaction) throws -> Bool {
        let flag: Int32 = ifClientWaiting ? 1 : 0
        return try tx.execute(
            """
            UPDATE MISLINK_CHAT_THREADS SET
                FIRST_RESPONSE_AT = CASE WHEN OPENED_AT > \(at) THEN OPENED_AT ELSE \(at) END,
                UPDATED_AT = \(now)
            WHERE ID = \(thread) AND FIRST_RESPONSE_AT IS NULL AND (CAST(\(flag) AS INTEGER) = 0 OR UNANSWERED_COUNT > 0)
            """) > 0
    }

    /// A message the platform delivered, once per platform id (MisLink's own sent messages are recorded
    /// when sent, and the platform's echo of them adds nothing): `in` from the client (`received`) or
    /// `out` from an operator (`sent`). Returns false when it was stored already.
    public static func addReceivedMessage(
        thread: Int64, externalId: String?, incoming: Bool, authorName: String?, staffId: Int64?, body: String?,
        at: FirebirdTimestamp?, now: FirebirdTimestamp, in tx: some StoreTransaction
    ) throws -> Bool {
        let direction = incoming ? "in" : "out", author = incoming ? "client" : "operator", status = incoming ? "received" : "sent"
        return try tx.rows(
            """
            MERGE INTO MISLINK_CHAT_MESSAGES M
            USING RDB$DATABASE ON M.THREAD_ID = \(thread) AND M.EXTERNAL_ID = \(externalId)
            WHEN NOT MATCHED THEN INSERT (THREAD_ID, EXTERNAL_ID, DIRECTION, AUTHOR_TYPE, AUTHOR_NAME, OPERATOR_ID, BODY, STATUS,
                SENT_AT, CREATED_AT, UPDATED_AT)
            VALUES (\(thread), \(externalId), \(direction), \(author), \(authorName), \(staffId), \(body), \(status), \(at), \(now), \(now))
            RETURNING M.ID
            """
        ).first?.decode(Int64?.self, column: "ID") != nil
    }
}

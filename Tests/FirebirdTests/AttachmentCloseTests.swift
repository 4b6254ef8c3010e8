import CFirebird
import Firebird
import Foundation
import Testing

/// `close()` against the local server, counted in `MON$ATTACHMENTS` from a second attachment: a
/// transaction left open (an identification session's) is rolled back and the attachment detached,
/// a detach that fails keeps the handle for a later try, and a killed attachment closes quietly.
@Suite("Closing attachments leaves none behind (server)", .serialized)
struct AttachmentCloseTests {
    /// Attachments to the monitor's database other than the monitor itself (user attachments only).
    static func others(_ monitor: FirebirdAttachment) throws -> Int {
        try monitor.inTransaction(.readOnly) { tx in
            try monitor.queryValue(
                """
                SELECT COUNT(*) FROM MON$ATTACHMENTS
                 WHERE MON$ATTACHMENT_ID <> CURRENT_CONNECTION AND MON$SYSTEM_FLAG = 0
                """, as: Int.self, in: tx) ?? -1
        }
    }

    /// Creates a database on the server with one table, runs `body` with a monitor attachment, drops it.
    static func withServerDatabase(_ label: String, _ body: (FirebirdConfiguration, FirebirdAttachment) throws -> Void) throws {
        let configuration = TestDatabase.remote(label)
        try TestDatabase.withDatabase(configuration) { monitor in
            try TestDatabase.ddl(monitor, "CREATE TABLE T (ID INTEGER)")
            try body(configuration, monitor)
        }
    }

    @Test func closeRollsBackOpenTransactionsAndDetaches() throws {
        try Self.withServerDatabase("close-open-tx") { configuration, monitor in
            var kept: [Transaction] = []
            for round in 1...5 {
                let attachment = try FirebirdAttachment.open(configuration)
                let reading = try attachment.beginTransaction(.readOnly)
                _ = try attachment.query("SELECT COUNT(*) FROM T", in: reading)
                let writing = try attachment.beginTransaction()
                try attachment.execute("INSERT INTO T VALUES (\(round))", in: writing)
                #expect(try Self.others(monitor) == 1)
                try attachment.close()
                #expect(!attachment.isOpen)
                #expect(!reading.isActive && !writing.isActive, "close() ended the transactions it found open")
                kept += [reading, writing]  // still referenced, as a session that outlives its connection would be
                #expect(try Self.others(monitor) == 0, "round \(round): the attachment is gone from the server")
            }
            #expect(try monitor.query("SELECT COUNT(*) FROM T")[0].decode(Int.self, at: 0) == 0, "the inserts were rolled back")
            kept.removeAll()  // their deinit finds the attachment closed and does nothing
        }
    }

    @Test func aDetachThatFailsKeepsTheHandleAndClosesLater() throws {
        try Self.withServerDatabase("close-fails") { configuration, monitor in
            var attachment: FirebirdAttachment? = try FirebirdAttachment.open(configuration)
            // A transaction started past the wrapper (through the raw handle) is not rolled back by close(),
            // so the server refuses the detach: "cannot disconnect database with open transactions".
            var raw: isc_tr_handle = 0
            var status = [ISC_STATUS](repeating: 0, count: 20)
            var db = attachment!.handle
            let tpb: [CChar] = [CChar(isc_tpb_version3)]
            _ = mislink_fb_start_transaction(&status, &raw, &db, tpb, Int32(tpb.count))
            #expect(status[1] == 0 && raw != 0)

            let error = expectCode(.server) { try attachment!.close() }
            #expect(error?.gdsCodes.contains(Int(isc_open_trans)) == true, "\(String(describing: error))")
            #expect(attachment!.isOpen, "the handle is kept for another try")
            #expect(try Self.others(monitor) == 1, "the server still holds the attachment")
            // After the refusal the client marks the attachment shut down (calls fail with "connection
            // shutdown"), but a second detach on the kept handle releases it on the server.
            attachment = nil  // deinit detaches what close() could not
            #expect(try Self.others(monitor) == 0)
        }
    }

    @Test func aKilledAttachmentClosesWithoutErrorAndWithoutALeak() throws {
        try Self.withServerDatabase("close-killed") { configuration, monitor in
            for _ in 1...3 {
                let attachment = try FirebirdAttachment.open(configuration)
                let open = try attachment.beginTransaction()
                try attachment.execute("INSERT INTO T VALUES (\(1))", in: open)
                // The database "drops" the attachment under it (a DBA, a server restart).
                try monitor.execute("DELETE FROM MON$ATTACHMENTS WHERE MON$ATTACHMENT_ID <> CURRENT_CONNECTION AND MON$SYSTEM_FLAG = 0")
                #expect(try Self.others(monitor) == 0)
                try attachment.close()  // connection lost: nothing to detach from, the handle is forgotten
                #expect(!attachment.isOpen)
                #expect(!open.isActive)
            }
            #expect(try Self.others(monitor) == 0)
        }
    }

    /// The async face: a transaction let out of `withAttachment` and kept (as a session keeps its
    /// own) does not keep the connection's attachment alive after `close()`, nor after a pool discards it.
    @Test func connectionAndPoolCloseWithATransactionLeftOpen() async throws {
        let configuration = TestDatabase.remote("close-async")
        let setup = try await FirebirdConnection.create(configuration)
        try await setup.execute("CREATE TABLE T (ID INTEGER)")
        let monitor = try FirebirdAttachment.open(configuration)
        defer { try? monitor.drop() }
        try await setup.close()

        let connection = try await FirebirdConnection.connect(configuration)
        let left = try await connection.withAttachment { Leftover(try $0.beginTransaction()) }
        #expect(try Self.others(monitor) == 1)
        try await connection.close()
        #expect(try Self.others(monitor) == 0)
        _ = left

        let pool = FirebirdPool(configuration: configuration, options: .init(maxConnections: 1, pingAfterIdle: .zero))
        let leftInPool = try await pool.withConnection { connection in
            try await connection.withAttachment { Leftover(try $0.beginTransaction()) }
        }
        #expect(try Self.others(monitor) == 1)
        await pool.shutdown()
        #expect(try Self.others(monitor) == 0, "the pool's close() detached the idle connection")
        _ = leftInPool
    }
}

/// A transaction carried out of the connection's executor by a test (never used outside it).
struct Leftover: @unchecked Sendable {
    let transaction: Transaction
    init(_ transaction: Transaction) { self.transaction = transaction }
}

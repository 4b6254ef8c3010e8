import Firebird
import Foundation
import Testing

/// Events, cancel, row streams and the pool, embedded and over the local server.
@Suite("Connections, events, cancel and pool")
struct AsyncConnectionTests {
    static let modes: [String] = ["embedded", "server"]

    static func configuration(_ mode: String) -> FirebirdConfiguration {
        mode == "embedded" ? TestDatabase.embedded("async") : TestDatabase.remote("async")
    }

    /// Creates a database with an event-posting procedure.
    static func prepare(_ configuration: FirebirdConfiguration) async throws -> FirebirdConnection {
        let connection = try await FirebirdConnection.create(configuration)
        try await connection.withAttachment { db in
            try TestDatabase.ddl(
                db, "CREATE TABLE T (ID INTEGER)",
                """
                CREATE TRIGGER T_AI FOR T AFTER INSERT AS
                BEGIN
                  POST_EVENT 'mislink_call_' || NEW.ID;
                  POST_EVENT 'mislink_any';
                END
                """)
        }
        return connection
    }

    static func drop(_ connection: FirebirdConnection) async {
        try? await connection.withAttachment { try $0.drop() }
    }

    @Test(arguments: modes)
    func eventsArriveAfterCommitNotAfterRollback(mode: String) async throws {
        let configuration = Self.configuration(mode)
        let connection = try await Self.prepare(configuration)
        let events = FirebirdConnection.events(["mislink_any", "mislink_call_1", "mislink_call_2"], configuration: configuration)
        var iterator = events.makeAsyncIterator()
        try await Task.sleep(for: .milliseconds(300))  // the listener's first, priming delivery
        // Rolled back: nothing may arrive.
        try await connection.withAttachment { db in
            let tx = try db.beginTransaction()
            try db.execute("INSERT INTO T VALUES (\(1))", in: tx)
            try tx.rollback()
        }
        // Committed twice in one transaction, then once more: counts add up.
        try await connection.withTransaction { tx in
            try tx.attachment.execute("INSERT INTO T VALUES (\(2))", in: tx)
            try tx.attachment.execute("INSERT INTO T VALUES (\(2))", in: tx)
        }
        var received: [String: Int] = [:]
        while received["mislink_any", default: 0] < 2 || received["mislink_call_2", default: 0] < 2,
            let event = try await iterator.next()
        {
            received[event.name, default: 0] += event.count
        }
        #expect(received["mislink_call_1"] == nil, "a rolled-back POST_EVENT is never delivered")
        #expect(received["mislink_call_2"] == 2, "each committed posting counts")
        #expect(received["mislink_any"] == 2)
        // Re-queued after delivery: a later commit arrives too.
        try await connection.execute("INSERT INTO T VALUES (\(1))")
        var later: [String: Int] = [:]
        while later["mislink_call_1", default: 0] < 1, let event = try await iterator.next() {
            later[event.name, default: 0] += event.count
        }
        #expect(later["mislink_call_1"] == 1)
        await Self.drop(connection)
    }

    @Test(arguments: modes)
    func cancelInterruptsALongQuery(mode: String) async throws {
        let connection = try await Self.prepare(Self.configuration(mode))
        let started = ContinuousClock.now
        let task = Task {
            try await connection.withAttachment { db in
                try db.query(
                    """
                    SELECT COUNT(*) FROM RDB$FIELDS A CROSS JOIN RDB$FIELDS B CROSS JOIN RDB$FIELDS C CROSS JOIN RDB$FIELDS D
                    """
                ).count
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        task.cancel()
        let error = await expectCode(.cancelled) { try await task.value }
        #expect(error != nil)
        #expect(started.duration(to: .now) < .seconds(20))
        // The attachment is still usable afterwards.
        #expect(try await connection.query("SELECT 1 FROM RDB$DATABASE").count == 1)
        await Self.drop(connection)
    }

    @Test func rowSequenceFetchesInBatches() async throws {
        let connection = try await Self.prepare(Self.configuration("embedded"))
        try await connection.withTransaction { tx in
            let insert = try tx.attachment.prepare("INSERT INTO T VALUES (?)", in: tx)
            for id in 1...1_000 { try insert.execute([.integer(Int32(id))], in: tx) }
        }
        var sum = 0
        var count = 0
        for try await row in connection.rows("SELECT ID FROM T ORDER BY ID", batchSize: 64) {
            sum += try row.decode(Int.self, at: 0)
            count += 1
        }
        #expect(count == 1_000)
        #expect(sum == 500_500)
        // Leaving early releases the cursor and its transaction.
        for try await row in connection.rows("SELECT ID FROM T ORDER BY ID", batchSize: 10) {
            #expect(try row.decode(Int.self, at: 0) == 1)
            break
        }
        await Self.drop(connection)
    }

    @Test func poolBoundsWaitsAndReplacesKilledAttachments() async throws {
        let configuration = Self.configuration("server")
        let setup = try await Self.prepare(configuration)
        let pool = FirebirdPool(
            configuration: configuration,
            options: .init(maxConnections: 2, acquireTimeout: .milliseconds(500), pingAfterIdle: .zero))
        // Two leases at once, a third times out.
        let holding = Task {
            try await pool.withConnection { _ in try await Task.sleep(for: .seconds(4)) }
        }
        let holding2 = Task {
            try await pool.withConnection { _ in try await Task.sleep(for: .seconds(4)) }
        }
        // Wait until both leases hold their connection (opening one takes a while on a busy machine).
        let deadline = ContinuousClock.now + .seconds(3)
        while await pool.connectionCount < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        await expectCode(.misuse) { try await pool.withConnection { _ in 1 } }
        try await holding.value
        try await holding2.value
        #expect(await pool.connectionCount == 2)
        // Kill every attachment of the pool from the outside (what a server restart does to them).
        let myID = try await setup.withAttachment { db in
            try db.queryValue("SELECT CURRENT_CONNECTION FROM RDB$DATABASE", as: Int.self, in: db.beginTransaction())!
        }
        try await setup.execute("DELETE FROM MON$ATTACHMENTS WHERE MON$ATTACHMENT_ID <> \(myID) AND MON$SYSTEM_FLAG = 0")
        // The pool pings, finds them dead, and opens new ones.
        let value = try await pool.withConnection { try await $0.query("SELECT 42 FROM RDB$DATABASE")[0].decode(Int.self, at: 0) }
        #expect(value == 42)
        await pool.shutdown()
        await Self.drop(setup)
    }

    @Test func isqlReadsWhatMisLinkWroteAndBack() throws {
        let configuration = TestDatabase.embedded("isql")
        try TestDatabase.withDatabase(configuration, charset: .win1251) { db in
            try TestDatabase.ddl(db, "CREATE TABLE X (ID INTEGER, NAME VARCHAR(40), PRICE NUMERIC(12,2))")
            try db.execute("INSERT INTO X VALUES (\(1), \("Анализ крови"), \(FirebirdDecimal("1250.50")!))")
            try db.close()
            let output = try isql(
                configuration.database,
                "SELECT NAME || '|' || PRICE FROM X;\nINSERT INTO X VALUES (2, 'Приём терапевта', 99.99);\nCOMMIT;\n")
            #expect(output.contains("Анализ крови|1250.50"))
            let reopened = try FirebirdAttachment.open(configuration)
            let rows = try reopened.query("SELECT NAME, PRICE FROM X WHERE ID = 2")
            #expect(rows.first?[0] == .text("Приём терапевта"))
            #expect(rows.first?[1] == .decimal(FirebirdDecimal(unscaled: 9999, scale: -2)))
            try reopened.drop()
        }
    }

    /// Runs isql-fb with a UTF8 connection on `database`, feeding `script`, and returns its output.
    func isql(_ database: String, _ script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/isql-fb")
        process.arguments = ["-q", "-ch", "UTF8", "-u", "SYSDBA", database]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(script.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

import Firebird
import Foundation
import Testing

@Suite("Charsets and named errors (embedded)")
struct CharsetAndErrorTests {
    @Test func cyrillicThroughWin1251DatabaseAndEmojiGivesTransliterationError() throws {
        try TestDatabase.withDatabase(charset: .win1251) { db in
            try TestDatabase.ddl(db, "CREATE TABLE P (ID INTEGER, NAME VARCHAR(60), NOTE VARCHAR(60) CHARACTER SET UTF8)")
            try db.inTransaction { tx in
                try db.execute("INSERT INTO P VALUES (\(1), \("Щербакова Ёлка Юрьевна"), \("ok 😀"))", in: tx)
                #expect(try db.queryValue("SELECT NAME FROM P", as: String.self, in: tx) == "Щербакова Ёлка Юрьевна")
                // Stored as single-byte WIN1251: 22 characters, 22 bytes.
                #expect(try db.queryValue("SELECT OCTET_LENGTH(NAME) FROM P", as: Int.self, in: tx) == 22)
                #expect(try db.queryValue("SELECT NOTE FROM P", as: String.self, in: tx) == "ok 😀")
            }
            let error = #expect(throws: FirebirdError.self) {
                try db.execute("INSERT INTO P (ID, NAME) VALUES (\(2), \("Привет 😀"))")
            }
            #expect(error?.code == .transliterationFailed)
            #expect(error?.gdsCodes.contains(335_544_565) == true)
            #expect(error?.sql == "INSERT INTO P (ID, NAME) VALUES (?, ?)")
            #expect(error?.description.contains("Привет") == false, "values are redacted from descriptions")
            #expect(try db.queryValue("SELECT COUNT(*) FROM P", as: Int.self, in: db.beginTransaction()) == 1)
        }
    }

    @Test func noneColumnsDecodeWithTheConfiguredCharset() throws {
        try TestDatabase.withDatabase { db in
            try TestDatabase.ddl(db, "CREATE TABLE L (V VARCHAR(30) CHARACTER SET NONE)")
            try db.inTransaction { tx in
                try db.execute("INSERT INTO L VALUES (\("Иванов"))", in: tx)
                // The bytes are WIN1251 (the default noneCharset): one byte per letter.
                #expect(try db.queryValue("SELECT OCTET_LENGTH(V) FROM L", as: Int.self, in: tx) == 6)
                #expect(try db.queryValue("SELECT V FROM L", as: String.self, in: tx) == "Иванов")
            }
        }
    }

    @Test func uniqueAndForeignKeyViolationsAreNamed() throws {
        try TestDatabase.withDatabase { db in
            try TestDatabase.ddl(
                db, "CREATE TABLE A (ID INTEGER NOT NULL PRIMARY KEY)",
                "CREATE TABLE B (ID INTEGER, A_ID INTEGER REFERENCES A (ID))")
            try db.execute("INSERT INTO A VALUES (\(1))")
            expectCode(.uniqueViolation) { try db.execute("INSERT INTO A VALUES (\(1))") }
            expectCode(.foreignKeyViolation) { try db.execute("INSERT INTO B VALUES (\(1), \(99))") }
            let error = expectCode(.server) { try db.execute("SELECT FROM NOWHERE") }
            #expect(error?.sqlCode == -104)
            #expect(error?.sqlState == "42000")
            #expect(error?.message.contains("Token unknown") == true)
        }
    }

    @Test func lockConflictUnderNoWait() throws {
        let configuration = TestDatabase.embedded("lock")
        try TestDatabase.withDatabase(configuration) { db in
            try TestDatabase.ddl(db, "CREATE TABLE Q (ID INTEGER NOT NULL PRIMARY KEY, V INTEGER)")
            try db.execute("INSERT INTO Q VALUES (\(1), \(0))")
            let other = try FirebirdAttachment.open(configuration)
            defer { try? other.close() }
            let holder = try db.beginTransaction()
            try db.execute("UPDATE Q SET V = \(1) WHERE ID = \(1)", in: holder)
            let noWait = TransactionOptions(lockResolution: .noWait)
            expectCode(.lockConflict) {
                try other.execute("UPDATE Q SET V = \(2) WHERE ID = \(1)", options: noWait)
            }
            let timed = TransactionOptions(lockResolution: .timeout(seconds: 2))
            let started = Date()
            expectCode(.lockConflict) {
                try other.execute("UPDATE Q SET V = \(3) WHERE ID = \(1)", options: timed)
            }
            #expect(Date().timeIntervalSince(started) >= 0.9)
            try holder.commit()
            // Table reservation: a protected write reservation blocks a NO WAIT writer.
            let reserving = try db.beginTransaction(
                TransactionOptions(isolation: .snapshot, reservations: [.init(table: "Q", write: true, protected: true)]))
            expectCode(.lockConflict) {
                try other.execute("UPDATE Q SET V = \(4) WHERE ID = \(1)", options: noWait)
            }
            try reserving.rollback()
            #expect(try other.execute("UPDATE Q SET V = \(5) WHERE ID = \(1)", options: noWait) == 1)
        }
    }

    @Test func commitRetainingRollbackAndReturning() throws {
        try TestDatabase.withDatabase { db in
            try TestDatabase.ddl(
                db, "CREATE GENERATOR G", "CREATE TABLE R (ID INTEGER NOT NULL PRIMARY KEY, V VARCHAR(10))")
            let tx = try db.beginTransaction()
            let insert = try db.prepare("INSERT INTO R (ID, V) VALUES (GEN_ID(G, 1), ?) RETURNING ID", in: tx)
            #expect(insert.type == .executeProcedure)
            #expect(insert.parameters.count == 1 && insert.columns.count == 1)
            try insert.execute([.text("a")], in: tx)
            #expect(try insert.fetch() && insert.int32(0) == 1)
            try tx.commitRetaining()
            try insert.execute([.text("b")], in: tx)
            #expect(try insert.fetch() && insert.int32(0) == 2)
            try tx.rollback()
            #expect(try db.query("SELECT V FROM R").map { try $0.decode(String.self, at: 0) } == ["a"])
            expectCode(.misuse) { try tx.commit() }
            // The closure helper rolls back on throw.
            struct Abort: Error {}
            #expect(throws: Abort.self) {
                try db.inTransaction { tx in
                    try db.execute("INSERT INTO R VALUES (\(10), \("x"))", in: tx)
                    throw Abort()
                }
            }
            #expect(try db.query("SELECT COUNT(*) FROM R")[0].decode(Int.self, at: 0) == 1)
            #expect(try db.execute("UPDATE R SET V = \("c")") == 1)
        }
    }

    @Test func interpolationBindsNeverConcatenates() {
        let phone = "'; DROP TABLE PATIENTS; --"
        let query: FirebirdQuery = "SELECT ID FROM PATIENTS WHERE PHONE = \(phone) AND ID > \(5) ORDER BY \(unescaped: "ID") \(identifier: "Desc\"")"
        #expect(query.sql == "SELECT ID FROM PATIENTS WHERE PHONE = ? AND ID > ? ORDER BY ID \"Desc\"\"\"")
        #expect(query.bindings == [.text(phone), .bigint(5)])
    }

    @Test func infoPingAndVersions() throws {
        try TestDatabase.withDatabase { db in
            try db.ping()
            let info = try db.info()
            // The engine under test: Debian's Firebird 3.0 (ODS 12.0) or the wheel's Firebird 5.0 (ODS 13.1).
            let expected = TestEngine.isFirebird3 ? ("3.0", 12, 0) : ("5.0", 13, 1)
            #expect(info.serverVersion.contains(expected.0))
            #expect(info.odsMajor == expected.1)
            #expect(info.odsMinor == expected.2)
            #expect(info.pageSize == 8192)
            #expect(info.dialect == 3)
            #expect(info.createdAt != nil)
        }
    }
}

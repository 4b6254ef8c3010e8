import Foundation
import MisLinkTestSupport
import Testing

@testable import FirebirdMigrations

@Suite struct SQLScriptTests {
    @Test func splitsLikeIsqlWithSetTermCommentsStringsAndQLiterals() throws {
        let script = try SQLScript(
            """
            -- header; with a semicolon
            /* block; comment */
            CREATE TABLE T (A VARCHAR(10));
            INSERT INTO T VALUES ('a;b');
            INSERT INTO T VALUES ('it''s; quoted');
            INSERT INTO "T" VALUES (q'{x;y}');
            INSERT INTO T VALUES (Q'!a;b!');
            SET TERM ^ ;
            CREATE TRIGGER T_BI FOR T BEFORE INSERT AS
            BEGIN
              NEW.A = 'x;^'; -- not the end^ either
            END^
            SET TERM !! ^
            EXECUTE BLOCK AS BEGIN END!!
            set term ; !!
            COMMIT;
            """)
        let texts = script.commands.map(\.text)
        #expect(texts.count == 11)
        #expect(texts[0] == "CREATE TABLE T (A VARCHAR(10))")
        #expect(texts[1] == "INSERT INTO T VALUES ('a;b')")
        #expect(texts[2] == "INSERT INTO T VALUES ('it''s; quoted')")
        #expect(texts[3] == #"INSERT INTO "T" VALUES (q'{x;y}')"#)
        #expect(texts[4] == "INSERT INTO T VALUES (Q'!a;b!')")
        #expect(script.commands[5].kind == .setTerminator("^"))
        #expect(texts[6].hasPrefix("CREATE TRIGGER T_BI") && texts[6].hasSuffix("END"))
        #expect(texts[6].contains("'x;^'") && texts[6].contains("-- not the end^ either"))
        #expect(script.commands[7].kind == .setTerminator("!!"))
        #expect(texts[8] == "EXECUTE BLOCK AS BEGIN END")
        #expect(script.commands[9].kind == .setTerminator(";"))
        #expect(script.commands[10].kind == .commit)
        #expect(script.commands.map(\.line) == [3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16])
        #expect(script.commands[0].kind == .statement(isDDL: true))
        #expect(script.commands[1].kind == .statement(isDDL: false))
        #expect(script.commands[6].kind == .statement(isDDL: true))
        #expect(script.commands[8].kind == .statement(isDDL: false))
    }

    @Test func linesCountNewlinesInsideLiteralsAndComments() throws {
        let script = try SQLScript("SELECT 'a\nb' FROM X;\n/* 1\n2\n3 */ SELECT 1 FROM Y;\n\n\nDROP TABLE Z;")
        #expect(script.commands.map(\.line) == [1, 5, 8])
        #expect(script.commands[1].text == "SELECT 1 FROM Y")
    }

    @Test func textAfterTheLastTerminatorIsReported() throws {
        let script = try SQLScript("SELECT 1 FROM X;\nSELECT 2 FROM Y")
        #expect(script.commands.count == 1)
        #expect(script.trailingText == "SELECT 2 FROM Y")
        #expect(try SQLScript("SELECT 1 FROM X; -- done\n").trailingText == nil)
    }

    @Test func unterminatedLiteralsAndIsqlOnlyCommandsAreErrorsWithTheirLine() {
        #expect(throws: SQLScriptError(line: 2, message: "a string starting here is not closed")) {
            try SQLScript("SELECT 1 FROM X;\nINSERT INTO T VALUES ('oops);\n")
        }
        #expect(throws: SQLScriptError.self) { try SQLScript("/* never closed ;") }
        #expect(throws: SQLScriptError.self) { try SQLScript("SELECT q'{x;y' FROM X;") }
        for command in ["CONNECT 'x.fdb';", "CREATE DATABASE 'x.fdb';", "INPUT other.sql;", "SET NAMES WIN1251;", "SHOW TABLES;"] {
            #expect(throws: SQLScriptError.self, "\(command)") { try SQLScript("SELECT 1 FROM X;\n" + command) }
        }
        #expect(throws: SQLScriptError.self) { try SQLScript("SET SQL DIALECT 1;") }
    }

    @Test func displaySettingsAndAutoDDLAreUnderstood() throws {
        let script = try SQLScript("SET SQL DIALECT 3;\nSET ECHO ON;\nSET AUTODDL OFF;\nSET GENERATOR G TO 5;\nSET STATISTICS INDEX I;")
        #expect(script.commands.map(\.kind) == [
            .displaySetting, .displaySetting, .setAutoDDL(false), .statement(isDDL: true), .statement(isDDL: true),
        ])
    }

    @Test func checksumIgnoresLineEndingsByteOrderMarkAndFileEncoding() throws {
        let text = "-- Пациенты\nCREATE TABLE T (A INTEGER);\n"
        let utf8 = Data(text.utf8)
        let crlf = Data(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        let bom = Data([0xEF, 0xBB, 0xBF]) + utf8
        let win1251 = Data(text.unicodeScalars.map { scalar -> UInt8 in
            switch scalar.value {
            case 0x0410...0x044F: UInt8(scalar.value - 0x0410 + 0xC0)
            default: UInt8(scalar.value)
            }
        })
        let normalised = [utf8, crlf, bom, win1251, utf8 + Data("\n\n  ".utf8)].map(MigrationFile.normalise)
        #expect(Set(normalised).count == 1)
        #expect(normalised[0] == text)
        #expect(CRC32.checksum(Array("123456789".utf8)) == Int32(bitPattern: 0xCBF4_3926))
        #expect(MigrationFile.normalise(Data("CREATE TABLE U (A INTEGER);\n".utf8)) != normalised[0])
    }

    @Test func fileNamesAndVersions() throws {
        #expect(MigrationFile.parse(fileName: "V001__patient_phones.sql")?.description == "patient phones")
        #expect(MigrationFile.parse(fileName: "U002__calls.sql")?.kind == .undo)
        #expect(MigrationFile.parse(fileName: "V1.2__x.SQL")?.version == MigrationVersion("1.2"))
        #expect(MigrationFile.parse(fileName: "README.md") == nil)
        #expect(MigrationFile.parse(fileName: "V001_single_underscore.sql") == nil)
        #expect(MigrationFile.parse(fileName: "Vx__y.sql") == nil)
        #expect(MigrationVersion("001") == MigrationVersion("1"))
        #expect(MigrationVersion("1.9")! < MigrationVersion("1.10")!)
        #expect(MigrationVersion("2")! > MigrationVersion("1.99")!)
        #expect(MigrationVersion("1.0") == MigrationVersion("1"))
    }

    @Test func preflightFindsTheTablesAStatementAlters() {
        #expect(Migrator.objectsAltered(by: "ALTER TABLE PATIENTS ADD X INTEGER") == ["PATIENTS"])
        #expect(
            Migrator.objectsAltered(by: "CREATE TRIGGER MISLINK_P_AI FOR PATIENTS ACTIVE AFTER INSERT AS BEGIN UPDATE STAFF SET X = 1; END")
                == ["PATIENTS"])
        #expect(
            Migrator.objectsAltered(by: "CREATE OR ALTER TRIGGER T1 ACTIVE AFTER UPDATE ON SCHEDULE AS BEGIN END") == ["SCHEDULE"])
        #expect(Migrator.objectsAltered(by: "CREATE INDEX I1 ON APPEALS (STATUS)") == ["APPEALS"])
        #expect(
            Migrator.objectsAltered(
                by: "CREATE TABLE MISLINK_APPEALS (APPEAL_ID INTEGER CONSTRAINT FK1 REFERENCES APPEALS (ID))")
                == ["APPEALS"])
        #expect(Migrator.objectsAltered(by: "DROP TRIGGER MISLINK_P_AI") == ["MISLINK_P_AI"])
        #expect(Migrator.objectsAltered(by: "GRANT SELECT ON PATIENTS TO ROLE R") == [])
    }
}

@Suite struct MigrationSourceTests {
    @Test func shippedScriptsAreFoundBesideAnInstalledBinaryEvenThroughASymlink() throws {
        let prefix = URL(fileURLWithPath: ClinicDatabase.directory + "/prefix-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let bin = prefix.appendingPathComponent("bin")
        let share = prefix.appendingPathComponent("share/mislink/migrations")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: share, withIntermediateDirectories: true)
        try Data("#!/bin/sh\n".utf8).write(to: bin.appendingPathComponent("mislink"))
        try Data("SELECT 1 FROM RDB$DATABASE;\n".utf8).write(to: share.appendingPathComponent("V001__x.sql"))
        let link = prefix.appendingPathComponent("mislink-link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: bin.appendingPathComponent("mislink"))

        let nowhere = "/nonexistent/Sources/FirebirdMigrations/MigrationFile.swift"
        for executable in [bin.appendingPathComponent("mislink").path, link.path] {
            let found = MigrationSource.defaultDirectory(executable: executable, environment: [:], sourceTree: nowhere)
            #expect(found?.resolvingSymlinksInPath().path == share.resolvingSymlinksInPath().path)
        }
        #expect(
            MigrationSource.defaultDirectory(executable: "/nonexistent/bin/mislink", environment: ["MISLINK_MIGRATIONS": "/x/y"])?.path
                == "/x/y")
        // Built from the source tree: the repository's Migrations folder.
        let fromTree = MigrationSource.defaultDirectory(executable: "/nonexistent/bin/mislink", environment: [:])
        #expect(fromTree?.path == ClinicDatabase.shippedMigrations.path)
        #expect(MigrationSource.defaultDirectory(executable: "/nonexistent/bin/mislink", environment: [:], sourceTree: nowhere) == nil)
    }

    @Test func twoFilesWithOneVersionAreRefused() throws {
        let folder = try ClinicDatabase.migrations([
            "V001__a.sql": "SELECT 1 FROM RDB$DATABASE;", "V1__b.sql": "SELECT 2 FROM RDB$DATABASE;",
        ])
        #expect(throws: MigrationError.self) { try MigrationSource(directory: folder) }
        #expect(throws: MigrationError.self) { try MigrationSource(directory: folder.appendingPathComponent("missing")) }
    }
}

import Firebird
import Testing

@Suite("The engine: version, ODS and the refusal of Firebird 2.5")
struct EngineInfoTests {
    @Test func serverInfoOfAnEmbeddedDatabase() throws {
        try TestDatabase.withDatabase { db in
            let server = try db.serverInfo()
            if TestEngine.isFirebird3 {
                #expect(server.major == 3 && server.minor == 0)
                #expect(server.release == 11)
                #expect(server.ods == "12.0")
                #expect(server.version.hasPrefix("LI-V3.0.11."))
                #expect(!server.hasFirebird4Types && !server.hasSkipLocked)
            } else {
                #expect(server.major == 5 && server.minor == 0)
                #expect(server.release == 4)
                #expect(server.ods == "13.1")
                #expect(server.version.hasPrefix("LI-V5.0.4."))
                #expect(server.hasFirebird4Types && server.hasSkipLocked)
            }
            #expect(server.description == "Firebird \(server.major).\(server.minor).\(server.release) (\(server.version)), ODS \(server.ods)")
            // What the engine itself says in SQL agrees.
            let engine = try db.inTransaction {
                try db.queryValue("SELECT RDB$GET_CONTEXT('SYSTEM', 'ENGINE_VERSION') FROM RDB$DATABASE", as: String.self, in: $0)
            }
            #expect(engine == "\(server.major).\(server.minor).\(server.release)")
            try FirebirdEngineSupport.check(server)
        }
    }

    /// The server tier: the first version string is the server's, the others the remote layers'. The
    /// local server is Debian's Firebird 3 on both engines (the Firebird 5 wheel has no server), so
    /// with the Firebird 5 client this checks that the server's version is reported, not the client's.
    @Test func serverInfoThroughTheServer() async throws {
        let connection = try await FirebirdConnection.create(TestDatabase.remote())
        let server = try await connection.serverInfo()
        try await connection.withAttachment { try $0.drop() }
        #expect(server.major == 3 && server.ods == "12.0")
    }

    @Test(arguments: [
        ("LI-V3.0.11.33637 Firebird 3.0", 3, 0, 11, 33637),
        ("LI-V5.0.4.1758 Firebird 5.0", 5, 0, 4, 1758),
        ("WI-T6.0.0.1234 Firebird 6.0 Initial", 6, 0, 0, 1234),
        ("WI-V2.5.9.27139 Firebird 2.5", 2, 5, 9, 27139),
        ("garbage", 0, 0, 0, 0),
    ])
    func parsesVersionStrings(text: String, major: Int, minor: Int, release: Int, build: Int) {
        let server = FirebirdServerInfo(version: text, odsMajor: 12, odsMinor: 0)
        #expect([server.major, server.minor, server.release, server.build] == [major, minor, release, build])
    }

    @Test func refusesODS11NamingTheVersion() {
        let server = FirebirdServerInfo(version: "WI-V2.5.9.27139 Firebird 2.5", odsMajor: 11, odsMinor: 2)
        do {
            try FirebirdEngineSupport.check(server)
            Issue.record("ODS 11.2 was accepted")
        } catch {
            #expect(error == FirebirdUnsupportedEngineError(odsMajor: 11, odsMinor: 2, serverVersion: "WI-V2.5.9.27139 Firebird 2.5"))
            #expect(
                error.description
                    == "the database is Firebird 2.5 (ODS 11.2, server WI-V2.5.9.27139 Firebird 2.5): this needs Firebird 3.0 or later "
                    + "(ODS 12+; BOOLEAN, identity columns and SRP users); upgrade the server and restore the database with its gbak")
        }
        #expect(throws: FirebirdUnsupportedEngineError.self) { try FirebirdEngineSupport.check(odsMajor: 10, odsMinor: 1) }
        #expect(throws: Never.self) { try FirebirdEngineSupport.check(odsMajor: 12, odsMinor: 0) }
        #expect(throws: Never.self) { try FirebirdEngineSupport.check(odsMajor: 13, odsMinor: 1) }
        #expect(FirebirdEngineSupport.firebirdVersion(odsMajor: 13, odsMinor: 0) == "4.0")
    }
}

import ArgumentParser
import Firebird
import Foundation

/// `mislink status`: what the database is and what it holds.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the server, the database and the MIS tables it holds.")

    @OptionGroup var connection: DatabaseOptions

    func run() async throws {
        let configuration = FirebirdConfiguration(database: connection.resolvedDatabase!, user: connection.user)
        let db = try await FirebirdConnection.connect(configuration)
        let info = try await db.info()
        let tables = try await db.query(
            """
            SELECT TRIM(R.RDB$RELATION_NAME) AS NAME,
                   (SELECT TRIM(C.RDB$CHARACTER_SET_NAME) FROM RDB$DATABASE D
                      JOIN RDB$CHARACTER_SETS C ON C.RDB$CHARACTER_SET_NAME = D.RDB$CHARACTER_SET_NAME) AS CHARSET
            FROM RDB$RELATIONS R
            WHERE COALESCE(R.RDB$SYSTEM_FLAG, 0) = 0 AND R.RDB$VIEW_BLR IS NULL
            ORDER BY 1
            """)
        print("database      \(configuration.dsn)\(configuration.dsn.isEmbedded ? " (embedded)" : "")")
        let server = try await db.serverInfo()
        print("server        \(server)")
        if case .failure(let refusal) = Result(catching: { try FirebirdEngineSupport.check(server) }) {
            print("              \(refusal)")
        }
        print("ods           \(info.odsVersion), page size \(info.pageSize), dialect \(info.dialect)")
        print("charset       \(tables.first.flatMap { try? $0.decode(String?.self, at: 1) } ?? "NONE")")
        print("tables        \(tables.count)")
        for table in tables {
            let name = try table.decode(String.self, at: 0)
            let count = try await db.query(FirebirdQuery(unsafeSQL: "SELECT COUNT(*) FROM \(name)"))[0].decode(Int.self, at: 0)
            print("  \(name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(count) rows")
        }
        try await db.close()
    }
}

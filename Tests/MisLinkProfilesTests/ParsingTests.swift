import Foundation
import Testing

@testable import MisLinkProfiles

@Suite("statements.sql: parameters and lines")
struct ParsingTests {
    @Test func parametersBecomeQuestionMarksInOrderWithRepeats() {
        let scanned = NamedParameters("SELECT * FROM T WHERE A = :Phone_Key AND (B = :id OR C = :phone_key)")
        #expect(scanned.sql == "SELECT * FROM T WHERE A = ? AND (B = ? OR C = ?)")
        #expect(scanned.positions == ["phone_key", "id", "phone_key"])
        #expect(scanned.names == ["phone_key", "id"])
    }

    @Test func colonsInLiteralsIdentifiersAndCommentsAreText() {
        let text = """
            SELECT 'at 10:30 :not_a' AS "A:b", q'{it's :nor_this}' AS C -- :comment_one
              /* block :comment_two
                 spanning lines */ FROM T WHERE X = :real AND Y = 'it''s :quoted'
            """
        let scanned = NamedParameters(text)
        #expect(scanned.positions == ["real"])
        #expect(scanned.sql.contains("'at 10:30 :not_a'"))
        #expect(scanned.sql.contains("\"A:b\""))
        #expect(scanned.sql.contains("q'{it's :nor_this}'"))
        #expect(scanned.sql.contains("-- :comment_one"))
        #expect(scanned.sql.contains("'it''s :quoted'"))
        #expect(scanned.sql.contains("X = ? AND"))
    }

    @Test func trailingSemicolonAndCommentsAfterItAreDropped() {
        let scanned = NamedParameters("SELECT 1 FROM RDB$DATABASE; -- done\n\n-- next section\n")
        #expect(scanned.sql == "SELECT 1 FROM RDB$DATABASE")
        #expect(NamedParameters("-- only a comment\n  /* and this */ ").isEmpty)
        // A `;` inside a literal stays.
        #expect(NamedParameters("SELECT ';' FROM RDB$DATABASE").sql == "SELECT ';' FROM RDB$DATABASE")
    }

    @Test func statementsKeepTheirLineAndTheLinesOfTheirText() throws {
        let file = StatementFile(text: """
            -- header comment
            -- name: first
            -- Says what it does.
            SELECT :a
              FROM RDB$DATABASE;

            -- name: second
            SELECT 1
              FROM RDB$DATABASE
             WHERE 1 = :b;
            """)
        #expect(file.issues.isEmpty)
        #expect(file.statements.map(\.name) == ["first", "second"])
        let first = try #require(file["first"])
        #expect(first.line == 2)
        #expect(first.comment == "Says what it does.")
        #expect(first.parameters.names == ["a"])
        // Line 2 of the statement's text ("SELECT :a") is line 4 of the file: Firebird's "line 2" maps there.
        #expect(first.fileLine(ofStatementLine: 2) == 4)
        let second = try #require(file["second"])
        #expect(second.line == 7)
        #expect(second.line(mentioning: ":b") == 10)
        #expect(second.sql.hasSuffix("WHERE 1 = ?"))
    }

    @Test func duplicatesEmptyBlocksBadNamesAndStraySQLAreIssuesWithTheirLines() {
        let file = StatementFile(text: """
            SELECT 'stray' FROM RDB$DATABASE;
            -- name: one
            SELECT 1 FROM RDB$DATABASE;
            -- name: empty
            -- nothing here
            -- name: one
            SELECT 2 FROM RDB$DATABASE;
            -- name: Bad-Name
            SELECT 3 FROM RDB$DATABASE;
            """)
        let described = file.issues.map(\.description)
        #expect(described.contains("statements.sql:1: SQL before the first \"-- name:\" line belongs to no statement and is ignored"))
        #expect(described.contains("statements.sql:4: empty has no SQL"))
        #expect(described.contains("statements.sql:6: one is written twice (first at line 2); MisLink would run the first"))
        #expect(described.contains { $0.hasPrefix("statements.sql:8: \"Bad-Name\" is not a statement name") })
        #expect(file["one"]?.sql == "SELECT 1 FROM RDB$DATABASE")
        #expect(file.issues.first { $0.line == 1 }?.severity == .warning)
    }

    @Test func bindingsFollowThePositions() throws {
        let statement = try #require(StatementFile(text: "-- name: s\nSELECT 1 FROM T WHERE A = :x OR B = :y OR C = :x").statements.first)
        #expect(try statement.bindings(["x": .integer(1), "y": .text("y")]) == [.integer(1), .text("y"), .integer(1)])
        #expect(throws: ProfileError.self) { try statement.bindings(["x": .integer(1)]) }
    }

    @Test func aNameLineAllowsSpacingAndOrdinaryCommentsAreNotNames() {
        #expect(StatementFile.name(in: "-- name: a_b") == "a_b")
        #expect(StatementFile.name(in: "--name:a_b") == "a_b")
        #expect(StatementFile.name(in: "-- name : a_b") == "a_b")
        #expect(StatementFile.name(in: "-- names: nope") == nil)
        #expect(StatementFile.name(in: "-- name of the patient: nope") == nil)
    }
}

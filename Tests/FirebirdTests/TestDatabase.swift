import Firebird
import Foundation
import Testing

/// Temporary databases for the integration tests: embedded files, or files on the local server.
///
/// The server tier reads `FIREBIRD_TEST_HOST` (default `localhost`) and `ISC_USER` / `ISC_PASSWORD`
/// (the test script exports the SYSDBA password of the local server). These tests fail, never skip,
/// when Firebird is missing.
enum TestDatabase {
    /// The folder for test databases; world-writable so the server process can create files in it.
    static let directory: String = {
        let path = ProcessInfo.processInfo.environment["FIREBIRD_TEST_DIR"] ?? "/tmp/mislink-tests"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, 0o1777)
        return path
    }()

    static var serverHost: String { ProcessInfo.processInfo.environment["FIREBIRD_TEST_HOST"] ?? "localhost" }

    /// A fresh path for a database file that does not exist yet.
    static func newPath(_ label: String = "t") -> String {
        "\(directory)/\(label)-\(UUID().uuidString.prefix(8)).fdb"
    }

    /// The configuration of a new embedded database file (not created yet).
    static func embedded(_ label: String = "t") -> FirebirdConfiguration {
        FirebirdConfiguration(database: newPath(label))
    }

    /// The configuration of a new database on the local server (not created yet).
    static func remote(_ label: String = "r") -> FirebirdConfiguration {
        FirebirdConfiguration(database: "\(serverHost):\(newPath(label))")
    }

    /// Creates a database, runs `body` with an attachment to it, then drops it.
    static func withDatabase<T>(
        _ configuration: FirebirdConfiguration = embedded(), charset: FirebirdCharset = .utf8,
        _ body: (FirebirdAttachment) throws -> T
    ) throws -> T {
        let attachment = try FirebirdAttachment.create(configuration, defaultCharset: charset)
        defer { try? attachment.drop() }
        return try body(attachment)
    }

    /// Runs DDL statements, each committed (as isql's AUTODDL does).
    static func ddl(_ attachment: FirebirdAttachment, _ statements: String...) throws {
        for sql in statements {
            try attachment.inTransaction { try attachment.executeImmediate(sql, in: $0) }
        }
    }
}

/// Expects `body` to throw a ``FirebirdError`` with `code`, and returns it.
@discardableResult
func expectCode<R>(
    _ code: FirebirdError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> R
) -> FirebirdError? {
    do {
        _ = try body()
        Issue.record("expected a \(code) error, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as FirebirdError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a \(code) FirebirdError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// The async form of ``expectCode(_:sourceLocation:_:)``.
@discardableResult
func expectCode<R>(
    _ code: FirebirdError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> R
) async -> FirebirdError? {
    do {
        _ = try await body()
        Issue.record("expected a \(code) error, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as FirebirdError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a \(code) FirebirdError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

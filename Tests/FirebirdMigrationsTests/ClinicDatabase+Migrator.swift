import Firebird
import FirebirdMigrations
import Foundation
import MisLinkTestSupport
import Testing

extension ClinicDatabase {
    /// A migrator over a new embedded attachment.
    static func migrator(_ path: String, _ folder: URL, force: Bool = false, events: (@Sendable (MigrationEvent) -> Void)? = nil)
        throws -> Migrator
    {
        Migrator(
            attachment: try FirebirdAttachment.open(FirebirdConfiguration(database: path)),
            source: try MigrationSource(directory: folder), options: .init(force: force, onEvent: events))
    }
}

/// Expects `body` to throw a ``MigrationError`` matching `matches`, and returns it.
@discardableResult
func expectMigrationError<R>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> R, where matches: (MigrationError) -> Bool
) -> MigrationError? {
    do {
        _ = try body()
        Issue.record("expected a MigrationError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as MigrationError {
        #expect(matches(error), "unexpected: \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a MigrationError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

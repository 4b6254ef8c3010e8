import ArgumentParser
import Foundation

/// `mislink`: the command line of MisLink. Subcommands arrive with the issues that build them.
@main
struct MisLink: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mislink",
        abstract: "Connects a clinic's Firebird MIS to its PBX and chat center.",
        subcommands: [Serve.self, Reconcile.self, Inbox.self, Status.self, Migrate.self, DemoDataCommand.self, Patients.self, Mis.self, Emulate.self, Report.self, Console.self])
}

/// The connection options every subcommand shares.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "The database: an embedded file path or host[/port]:path. Defaults to MISLINK_DATABASE.")
    var database: String?

    @Option(help: "The user (defaults to ISC_USER, else SYSDBA).") var user: String?

    func validate() throws {
        if resolvedDatabase == nil { throw ValidationError("give --database or set MISLINK_DATABASE") }
    }

    var resolvedDatabase: String? {
        database ?? ProcessInfo.processInfo.environment["MISLINK_DATABASE"]
    }
}

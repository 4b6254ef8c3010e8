import ArgumentParser

/// `mislink migrate`: applies MisLink's versioned SQL scripts to the MIS database.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply, check and undo MisLink's SQL migrations.")
    @OptionGroup var connection: DatabaseOptions
    func run() async throws { throw ValidationError("not built yet") }
}

import ArgumentParser

/// `mislink demo-data`: fills the reference clinic schema with realistic demo data.
struct DemoDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo-data", abstract: "Fill the clinic schema with demo data.")
    @OptionGroup var connection: DatabaseOptions
    func run() async throws { throw ValidationError("not built yet") }
}

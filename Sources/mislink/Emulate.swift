import ArgumentParser

/// `mislink emulate`: the PBX and chat-center emulator.
struct Emulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Emulate the PBX and the chat center.")
    func run() async throws { throw ValidationError("not built yet") }
}

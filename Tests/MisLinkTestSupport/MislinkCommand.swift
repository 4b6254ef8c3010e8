import Foundation

/// The `mislink` built beside the tests (`swift build --build-tests` builds it), run as a clinic runs it:
/// embedded as SYSDBA, without the caller's `MISLINK_MIS_PROFILE`.
public enum MislinkCommand {
    public static let binary = ClinicDatabase.repository.appendingPathComponent(".build/debug/mislink").path

    /// What one run printed and how it ended.
    public struct Run: Sendable {
        public var status: Int32
        public var output: Data
        public var errors: String
        /// Standard output as UTF-8 text.
        public var text: String { String(decoding: output, as: UTF8.self) }
    }

    public struct NotBuilt: Error, CustomStringConvertible {
        public var description: String { "build mislink first (swift build --build-tests): \(MislinkCommand.binary)" }
    }

    /// Runs `mislink` with `arguments`; `extra` is added to the environment.
    public static func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Run {
        guard FileManager.default.fileExists(atPath: binary) else { throw NotBuilt() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["ISC_USER"] = "SYSDBA"
        environment["ISC_PASSWORD"] = nil
        environment["MISLINK_MIS_PROFILE"] = nil
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: out, errors: String(decoding: err, as: UTF8.self))
    }
}

import Foundation
import Logging
import MisLinkServer
import MisLinkSettings

/// The worker the benchmarks drive: the embedded default on a new demo database in a folder of its
/// own (removed by ``cleanUp()``), with the demo credentials, on a free port, logging warnings only.
struct BenchWorker {
    let folder: String
    let worker: Worker
    let logger: Logger

    /// Creates and migrates the database; `adjust` changes the settings first.
    static func prepare(_ name: String, directory: String, patients: Int,
                        adjust: (inout MisLinkSettings) -> Void = { _ in }) async throws -> BenchWorker {
        let folder = "\(directory)/mislink-bench-\(name)-\(getpid())"
        var settings = MisLinkSettings().withDemoSecrets()
        settings.database.dsn = "\(folder)/mislink.fdb"
        settings.listen = "127.0.0.1:0"
        settings.intake.spoolDirectory = "\(folder)/spool"
        settings.telephony.reconcileMinutes = 0
        settings.logLevel = "warning"
        adjust(&settings)
        var logger = Logger(label: "mislink-bench")
        logger.logLevel = .warning
        var worker = Worker(settings: settings, logger: logger)
        worker.fixUTCOffset = true
        try await EmbeddedDefault.prepare(worker.databaseConfiguration, patients: patients, logger: logger)
        return BenchWorker(folder: folder, worker: worker, logger: logger)
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: folder) }
}

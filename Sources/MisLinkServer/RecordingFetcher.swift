import Firebird
import Foundation
import Logging
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkSettings
import MisLinkStore
import ServiceLifecycle

/// Downloads recordings the PBX made available (`events/record/added`): a signed
/// `queries/recording/post` answered with a 302 to a one-time link, which is followed at once and
/// never stored. The file goes to `recordings.directory`, its path (relative to that folder), size and type to
/// `MISLINK_CALL_RECORDINGS`, and the row becomes `stored`. A recording the PBX does not have yet
/// (3320, 404, a network error) is tried again with growing pauses until `recordings.max_attempts`,
/// then marked `failed` with the last error.
///
/// Several workers may run it: a row is claimed by moving its `NEXT_ATTEMPT_AT` forward in a short
/// NO WAIT transaction, so only one worker downloads it.
struct RecordingFetcher: Service {
    let pool: FirebirdPool
    let mango: MisLinkSettings.Mango
    let settings: MisLinkSettings.Recordings
    let client: HTTPClient
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do { _ = try await fetchDue() } catch { logger.warning("recording downloads failed: \(error)") }
            let pause = Duration.milliseconds(Int(settings.pollSeconds * 1000))
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
    }

    /// Downloads what is due; returns how many were stored.
    func fetchDue() async throws -> Int {
        let now = Date()
        let due = try await pool.withTransaction(.read) { tx in try CallRecordings.due(now: now, limit: 20, in: tx) }
        var stored = 0
        for row in due {
            let recording = row.pbxRecordingId
            let attempts = row.attempts + 1
            guard try await claim(row.id, now: now) else { continue }
            do {
                let (data, type) = try await download(recording)
                let path = try save(data, recording: recording)
                try await pool.withTransaction(.default) { tx in
                    try CallRecordings.markStored(row.id, path: path, size: Int64(data.count), contentType: type, at: now, in: tx)
                }
                stored += 1
            } catch {
                let failed = attempts >= settings.maxAttempts
                let pause = min(3600.0, 5 * pow(2, Double(min(attempts, 10))))
                let next = Date().addingTimeInterval(pause)
                logger.notice("recording \(recording): attempt \(attempts) failed (\(error))\(failed ? "; giving up" : "")")
                let text = String(describing: error)
                try await pool.withTransaction(.default) { tx in
                    try CallRecordings.markAttemptFailed(row.id, giveUp: failed, next: next, error: text, at: now, in: tx)
                }
            }
        }
        return stored
    }

    /// Claims the download of recording `id` for five minutes; false when another worker has it.
    private func claim(_ id: Int64, now: Date) async throws -> Bool {
        let lease = Date().addingTimeInterval(300)
        do {
            return try await pool.withTransaction(.claim) { tx in try CallRecordings.claim(id, until: lease, now: now, in: tx) }
        } catch FirebirdError.Code.lockConflict {
            return false  // another worker has it
        }
    }

    /// The signed query, then the one-time link it redirects to.
    private func download(_ recording: String) async throws -> (Data, String) {
        let json = try MangoJSON.encode(MangoRecordingPostQuery(recordingId: recording))
        let form = MangoSignedForm(json: json, credentials: MangoCredentials(apiKey: mango.apiKey, apiSalt: mango.apiSalt))
        let answer = try await client.execute(.form(HTTPClientRequest.url(mango.baseURL, "queries/recording/post"), fields: form.fields))
        guard (300..<400).contains(answer.status),
              let link = answer.headers.first(where: { $0.name.lowercased() == "location" })?.value else {
            throw RecordingError("the PBX answered \(answer.status): \(String(decoding: answer.body.prefix(200), as: UTF8.self))")
        }
        let file = try await client.execute(.get(link))
        guard file.status == 200, !file.body.isEmpty else { throw RecordingError("the one-time link answered \(file.status)") }
        let type = file.headers.first(where: { $0.name.lowercased() == "content-type" })?.value ?? "audio/mpeg"
        return (file.body, type)
    }

    private func save(_ data: Data, recording: String) throws -> String {
        let date = Calendar(identifier: .gregorian).dateComponents(in: .utc, from: Date())
        let safe = recording.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }
        let relative = String(format: "%04d/%02d/", date.year ?? 0, date.month ?? 0) + String(String.UnicodeScalarView(safe)) + ".mp3"
        let file = URL(fileURLWithPath: settings.directory).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file, options: .atomic)
        // The contract keeps FILE_PATH relative to the storage folder, so the folder can move.
        return relative
    }
}

/// A recording could not be downloaded (yet).
struct RecordingError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

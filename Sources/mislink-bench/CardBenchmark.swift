import ArgumentParser
import Firebird
import Foundation
import Logging
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkProfiles
import MisLinkServer
import MisLinkSettings

/// `mislink-bench cards`: how soon an operator's screen learns of a ringing call. The worker runs on a
/// new embedded demo database; for each call a signed `events/call` Appeared goes to an operator's
/// extension from a patient's number, and the time is taken from sending the webhook to the arrival of
/// the Firebird event `MISLINK_CARD` its card posts at commit (what the MIS screen waits for).
struct CardBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cards", abstract: "Webhook to incoming-call card committed and its Firebird event received.")

    @Option(help: "Ringing calls to time.") var calls = 500
    @Option(help: "Calls per second.") var rate = 20.0
    @Option(help: "Demo patients in the new database.") var patients = 20_000
    @Option(help: "Folder for the temporary database.") var directory = "/tmp"

    func run() async throws {
        let bench = try await BenchWorker.prepare("cards", directory: directory, patients: patients)
        defer { bench.cleanUp() }
        let worker = bench.worker
        let setup = try await FirebirdConnection.connect(worker.databaseConfiguration)
        // The demo's operators through the reference profile's staff_extensions, its callers from the phone keys.
        let staffExtensions = try MISProfile(directory: try MISProfile.resolve(MISProfile.defaultName)).statement("staff_extensions")
        let extensions = try await setup.query(try staffExtensions.query([:]))
            .compactMap { try $0.decode(String?.self, column: "EXTENSION")?.trimmingCharacters(in: .whitespaces) }
        let phones = try await setup.query("SELECT FIRST 2000 PHONE_KEY FROM MISLINK_PATIENT_PHONES")
            .map { try $0.decode(String.self, at: 0) }
        try await setup.close()
        guard !extensions.isEmpty, !phones.isEmpty else { throw ValidationError("the demo data has no extensions or phones") }

        let running = try await worker.start()
        let events = FirebirdConnection.events(["MISLINK_CARD"], configuration: worker.databaseConfiguration)
        var iterator = events.makeAsyncIterator()
        try await Task.sleep(for: .milliseconds(500))  // the listener is queued
        let client = HTTPClient(configuration: .init(maxConcurrentRequests: 1))
        let demo = MisLinkSettings.demoSecrets
        let credentials = MangoCredentials(apiKey: demo.mangoKey, apiSalt: demo.mangoSalt)
        let clock = ContinuousClock()
        var toEvent: [Double] = []
        var toAck: [Double] = []
        let interval = Duration.nanoseconds(Int64(1e9 / max(rate, 0.1)))
        var next = clock.now
        for i in 0..<calls {
            let phone = phones[i % phones.count].filter(\.isNumber)
            let json = #"{"entry_id":"card-\#(i)","call_id":"card-\#(i)-leg","timestamp":\#(Int(Date().timeIntervalSince1970)),"seq":1,"call_state":"Appeared","location":"abonent","from":{"number":"\#(phone)"},"to":{"extension":"\#(extensions[i % extensions.count])"}}"#
            let started = clock.now
            let answer = try await client.execute(.form(running.baseURL + "/mango/events/call",
                                                        fields: MangoSignedForm(json: json, credentials: credentials).fields))
            guard answer.status == 200 else { throw ValidationError("the worker answered \(answer.status)") }
            toAck.append(Self.ms(clock.now - started))
            _ = try await iterator.next()
            toEvent.append(Self.ms(clock.now - started))
            next = next + interval
            if next > clock.now { try await Task.sleep(until: next) }
        }
        await running.stop()
        for (name, samples) in [("card_event", toEvent), ("ack", toAck)] {
            let sorted = samples.sorted()
            print(String(format: "%@_ms p50 %.2f p90 %.2f p99 %.2f max %.2f", name, sorted[sorted.count / 2],
                         sorted[sorted.count * 9 / 10], sorted[min(sorted.count - 1, sorted.count * 99 / 100)], sorted.last!))
        }
        print("calls \(calls) rate \(rate)/s operators \(extensions.count)")
    }

    static func ms(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}

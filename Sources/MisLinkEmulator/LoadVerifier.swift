import Foundation
import MisLinkHTTP

/// An object the load run created and expects to find exactly once in MisLink, in its final state.
public struct ExpectedObject: Sendable, Hashable, Codable {
    /// `call` (a Mango `entry_id`) or `thread` (a chat thread / conversation id with its platform).
    public var kind: String
    /// The id as the platform sent it.
    public var id: String
    /// The platform: `mango`, `chatwoot`, `edna`.
    public var platform: String
    /// The final state the scenario drives it to (`answered`, `missed`, `abandoned`, `open`, `resolved`…).
    public var finalState: String

    /// Makes an expected object.
    public init(kind: String, id: String, platform: String, finalState: String) {
        self.kind = kind
        self.id = id
        self.platform = platform
        self.finalState = finalState
    }
}

/// The outcome of the final check of a load run.
public struct VerificationResult: Sendable {
    /// Objects not found.
    public var lost: Int
    /// Objects found more than once.
    public var duplicated: Int
    /// Objects found once but in another state.
    public var wrongState: Int
}

/// Checks, after a load run, that MisLink holds every object exactly once in its final state.
public protocol LoadVerifier: Sendable {
    /// Checks the expected objects.
    func verify(_ expected: [ExpectedObject]) async throws -> VerificationResult
}

/// A verifier over MisLink's REST API.
///
/// It calls MisLink's check endpoint `POST {baseURL}/api/v1/emulator/verify` with
/// `Authorization: Bearer <token>` (one of `api.tokens`) and the JSON body `{"objects":[ExpectedObject…]}`,
/// answered by `{"lost":n,"duplicated":n,"wrong_state":n}` (counting in one query is what makes a
/// million-object check cheap).
public struct RESTLoadVerifier: LoadVerifier {
    /// MisLink's base URL.
    public var baseURL: String
    /// The API token (`MISLINK_API_TOKEN`).
    public var token: String?
    /// The client.
    public var client: HTTPClient

    /// Makes a verifier.
    public init(baseURL: String, token: String?, client: HTTPClient = HTTPClient()) {
        self.baseURL = baseURL
        self.token = token
        self.client = client
    }

    public func verify(_ expected: [ExpectedObject]) async throws -> VerificationResult {
        struct Body: Encodable { var objects: [ExpectedObject] }
        struct Answer: Decodable {
            var lost: Int
            var duplicated: Int
            var wrong_state: Int?
        }
        let headers = token.map { [(name: "Authorization", value: "Bearer \($0)")] } ?? []
        let response = try await client.execute(
            .json("\(baseURL)/api/v1/emulator/verify", body: try JSONEncoder().encode(Body(objects: expected)), headers: headers))
        guard response.status == 200 else {
            throw EmulatorError("the verification endpoint answered \(response.status): \(response.text.prefix(200))")
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: response.body) else {
            throw EmulatorError(
                "\(baseURL)/api/v1/emulator/verify did not answer {\"lost\",\"duplicated\",\"wrong_state\"} "
                    + "(got \"\(response.text.prefix(200))\"); is it MisLink? Give --no-verify to skip the check")
        }
        return VerificationResult(lost: answer.lost, duplicated: answer.duplicated, wrongState: answer.wrong_state ?? 0)
    }
}

/// The check of a load run against `mislink emulate receive` (``LoadReceiver``), which keeps no calls
/// or threads: it counts the run's numbered webhooks instead. `lost` is webhooks that never arrived,
/// `duplicated` webhooks that arrived more often than the run sent them.
public struct ReceiverLoadCheck: Sendable {
    /// The receiver's base URL.
    public var baseURL: String
    /// The client.
    public var client: HTTPClient

    /// Makes a check.
    public init(baseURL: String, client: HTTPClient = HTTPClient()) {
        self.baseURL = baseURL
        self.client = client
    }

    /// Asks the receiver about `report`'s run; `nil` when the target is not a receiver (MisLink answers 404, or 401).
    public func check(_ report: LoadReport) async throws -> LoadReceiver.Check? {
        let response = try await client.execute(.get("\(baseURL)/emulator/load?run=\(report.runID)&events=\(report.distinct)"))
        guard response.status == 200 else { return nil }
        return try? JSONDecoder().decode(LoadReceiver.Check.self, from: response.body)
    }

    /// The receiver's CPU seconds so far; `nil` when the target is not a receiver.
    public func cpuSeconds() async -> Double? {
        guard let response = try? await client.execute(.get("\(baseURL)/emulator/load?run=&events=0")), response.status == 200
        else { return nil }
        return (try? JSONDecoder().decode(LoadReceiver.Check.self, from: response.body))?.cpuSeconds
    }
}

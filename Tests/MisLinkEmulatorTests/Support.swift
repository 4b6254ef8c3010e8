import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP

let testCredentials = MangoCredentials(apiKey: "test-key", apiSalt: "test-salt")

/// A recorder (standing in for MisLink) and a fake PBX notifying it, both on real ports.
struct PBXFixture {
    let recorder: WebhookRecorder
    let recorderServer: RunningServer
    let pbx: FakePBX
    let pbxServer: RunningServer
    let client = HTTPClient()

    static func start(_ adjust: (inout FakePBXConfiguration) -> Void = { _ in }) async throws -> PBXFixture {
        let recorder = WebhookRecorder(credentials: testCredentials)
        let recorderServer = try await RunningServer.start(router: recorder.router())
        var configuration = FakePBXConfiguration(
            credentials: testCredentials, webhooks: WebhookTargets(target: recorderServer.baseURL),
            statsDelay: .seconds(3))
        adjust(&configuration)
        let pbx = FakePBX(configuration: configuration)
        let pbxServer = try await RunningServer.start(router: pbx.router())
        return PBXFixture(recorder: recorder, recorderServer: recorderServer, pbx: pbx, pbxServer: pbxServer)
    }

    func command(_ path: String, json: String, credentials: MangoCredentials = testCredentials) async throws -> HTTPClientResponse {
        let form = MangoSignedForm(json: json, credentials: credentials)
        return try await client.execute(.form("\(pbxServer.baseURL)/\(path)", fields: form.fields))
    }

    func stop() async {
        await pbxServer.stop()
        await recorderServer.stop()
    }
}

/// `call_id state seq` for every events/call, in arrival order.
func callSummary(_ received: [WebhookRecorder.Received]) -> [String] {
    received.filter { $0.path.hasSuffix("events/call") }.compactMap { item in
        guard let value = item.value else { return nil }
        return "\(value["call_id"]?.stringValue ?? "?") \(value["call_state"]?.stringValue ?? "?") \(value["seq"]?.intValue ?? -1)"
    }
}

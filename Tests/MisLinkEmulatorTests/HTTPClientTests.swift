import Foundation
import Hummingbird
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import Testing

@Suite struct HTTPClientTests {
    @Test func refusedConnectionIsAConnectError() async throws {
        let client = HTTPClient(configuration: .init(connectTimeout: .seconds(2)))
        await #expect(throws: HTTPClientError.self) {
            _ = try await client.execute(.get("http://127.0.0.1:1/"))
        }
        do {
            _ = try await client.execute(.get("http://127.0.0.1:1/"))
        } catch let error as HTTPClientError {
            #expect(error.code == .connect)
        }
    }

    @Test func slowServerTimesOutAndHeadersAndBodiesRoundTrip() async throws {
        let router = Router()
        router.get("slow") { _, _ in
            try await Task.sleep(for: .seconds(2))
            return "late"
        }
        router.put("echo") { request, context in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            return Response(status: .created, headers: [.init("X-Seen")!: request.headers[.init("X-Test")!] ?? ""],
                            body: .init(byteBuffer: body))
        }
        let server = try await RunningServer.start(router: router)
        let client = HTTPClient()
        do {
            _ = try await client.execute(HTTPClientRequest(url: "\(server.baseURL)/slow", timeout: .milliseconds(200)))
            Issue.record("expected a timeout")
        } catch let error as HTTPClientError {
            #expect(error.code == .timeout)
        }
        let big = Data(String(repeating: "Ж", count: 5000).utf8)
        let response = try await client.execute(.json("\(server.baseURL)/echo", method: "PUT", body: big, headers: [("X-Test", "yes")]))
        #expect(response.status == 201 && response.header("x-seen") == "yes" && response.body == big)
        await server.stop()
    }

    @Test func recordingGetLinkChecksItsSignatureAndExpiry() async throws {
        let credentials = MangoCredentials(apiKey: "k", apiSalt: "s")
        let pbx = FakePBX(configuration: FakePBXConfiguration(credentials: credentials))
        let server = try await RunningServer.start(router: pbx.router())
        let client = HTTPClient()
        let expires = Int(Date().timeIntervalSince1970) + 60
        let sign = MangoSignature.recordingLinkSign(recordingId: "R9", timestamp: expires, credentials: credentials)
        let ok = try await client.execute(.get("\(server.baseURL)/vpbx/queries/recording/link/R9/download/k/\(expires)/\(sign)"))
        #expect(ok.status == 200 && ok.header("Content-Type") == "audio/mp3")
        let forged = try await client.execute(.get("\(server.baseURL)/vpbx/queries/recording/link/R8/download/k/\(expires)/\(sign)"))
        #expect(forged.status == 403 && forged.text.contains("3102"))
        await server.stop()
    }
}

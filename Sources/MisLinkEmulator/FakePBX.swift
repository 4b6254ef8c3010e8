import Foundation
import Hummingbird
import MisLinkExternalAPIs
import MisLinkHTTP
import NIOCore
import Synchronization

/// The fake Mango Office VPBX API: the command endpoints MisLink calls, checked like the real one
/// (key, signature, the 3xxx lockout), and the signed notifications the accepted commands cause.
///
/// Routes answer both at the root (`/commands/callback`) and under `/vpbx/` like the real base URL.
public final class FakePBX: Sendable {
    /// The configuration it was made with.
    public let configuration: FakePBXConfiguration
    let state = Mutex(FakePBXState())
    let sender: WebhookSender?
    let library: ScenarioLibrary

    /// Makes a fake PBX.
    /// - Parameters:
    ///   - configuration: Behaviour and credentials.
    ///   - client: The client for notifications. Defaults to a new one.
    public init(configuration: FakePBXConfiguration, client: HTTPClient = HTTPClient()) {
        self.configuration = configuration
        self.sender = configuration.webhooks.map {
            WebhookSender(client: client, credentials: configuration.credentials, targets: $0)
        }
        self.library = ScenarioLibrary()
    }

    /// Every command received so far, in arrival order.
    public var receivedCommands: [ReceivedCommand] { state.withLock { $0.commands } }

    /// Makes a recording known (served by `queries/recording/post` even when ``FakePBXConfiguration/serveAnyRecording`` is off).
    public func addRecording(_ recordingId: String) {
        state.withLock { _ = $0.knownRecordings.insert(recordingId) }
    }

    /// Makes a call known from a notification a scenario sends (`events/call` updates a leg, `events/summary`
    /// ends the call), so `commands/transfer`, `route` and `call/hangup` can act on it.
    public func learn(path: String, json: JSONValue) {
        state.withLock { $0.learn(path: path, json: json) }
    }

    /// The live legs of calls that have not ended: `entry_id`, `call_id`, `call_state`, `location`, `seq`, `from`, `to`.
    public var liveLegs: [[String: JSONValue]] {
        state.withLock { state in
            state.calls.values.filter { !$0.ended }.sorted { $0.createTime < $1.createTime }.flatMap { call in
                state.liveLegs(of: call.entryId).map { leg in
                    ["entry_id": .string(leg.entryId), "call_id": .string(leg.callId), "call_state": .string(leg.state),
                     "location": .string(leg.location), "seq": .int(leg.seq), "from": .object(leg.from), "to": .object(leg.to)]
                }
            }
        }
    }

    /// Waits until every notification caused so far has been delivered.
    public func waitForNotifications() async {
        while true {
            let pending = state.withLock { state -> [Task<Void, Never>] in
                let tasks = state.pending
                state.pending = []
                return tasks
            }
            if pending.isEmpty { return }
            for task in pending { await task.value }
        }
    }

    /// The routes.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let commands: [(MangoPath, @Sendable (MangoSignedForm, Request) async throws -> Response)] = [
            (.callback, { form, _ in try await self.callback(form) }),
            (.callbackGroup, { form, _ in try self.simpleCommand(form, path: .callbackGroup, MangoCallbackGroupCommand.self) }),
            (.transfer, { form, _ in try self.transfer(form) }),
            (.route, { form, _ in try self.route(form) }),
            (.hangup, { form, _ in try self.hangup(form) }),
            (.recordingStart, { form, _ in try self.recordingStart(form) }),
            (.sms, { form, _ in try self.sms(form) }),
            (.statsRequest, { form, _ in try self.statsRequest(form) }),
            (.statsResult, { form, _ in try self.statsResult(form) }),
            (.recordingPost, { form, request in try self.recordingPost(form, request: request) }),
            (.usersRequest, { form, _ in try self.usersRequest(form) }),
        ]
        for prefix in ["", "vpbx/"] {
            for (path, handler) in commands {
                let routePath = RouterPath(prefix + path.rawValue)
                router.post(routePath) { request, context in
                    try await self.gate(path: path, request: request, context: context, handler: handler)
                }
                router.get(routePath) { _, _ in
                    Response.json(#"{"result":3101}"#, status: HTTPResponse.Status(code: self.configuration.badRequestHTTPStatus))
                }
            }
        }
        router.get("files/:token") { _, context in
            let token = try context.parameters.require("token")
            guard self.state.withLock({ $0.oneTimeLinks.removeValue(forKey: token) }) != nil else {
                return Response.empty(.notFound)
            }
            return Response(
                status: .ok, headers: [.contentType: "audio/mp3"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: GeneratedMP3.silence())))
        }
        // The recording GET link (reference A.2): sign = sha256(key + timestamp + recording_id + salt),
        // timestamp = when the link expires.
        router.get("vpbx/queries/recording/link/:recording/:action/:key/:timestamp/:sign") { _, context in
            let recording = try context.parameters.require("recording")
            let key = try context.parameters.require("key")
            let timestamp = try context.parameters.require("timestamp", as: Int.self)
            let sign = try context.parameters.require("sign")
            let credentials = self.configuration.credentials
            guard MangoSignature.constantTimeEqual(key, credentials.apiKey) else { return Response.json(#"{"result":3105}"#, status: .forbidden) }
            let expected = MangoSignature.recordingLinkSign(recordingId: recording, timestamp: timestamp, credentials: credentials)
            guard MangoSignature.constantTimeEqual(sign.lowercased(), expected) else { return Response.json(#"{"result":3102}"#, status: .forbidden) }
            guard timestamp >= Int(Date().timeIntervalSince1970) else { return Response.empty(.gone) }
            return Response(
                status: .ok, headers: [.contentType: "audio/mp3"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: GeneratedMP3.silence())))
        }
        router.post("emulator/recordings") { request, context in
            let body = try await request.bodyText(context: context)
            guard let id = (try? JSONValue.parse(body))?["recording_id"]?.stringValue else { return Response.empty(.badRequest) }
            self.addRecording(id)
            return Response.empty(.noContent)
        }
        // A scenario tells the PBX about the calls it plays: {"send": "events/call", "json": {…}}.
        router.post("emulator/calls") { request, context in
            let body = try await request.bodyText(context: context)
            guard let step = try? JSONValue.parse(body), let path = step["send"]?.stringValue, let json = step["json"] else {
                return Response.empty(.badRequest)
            }
            self.learn(path: path, json: json)
            return Response.empty(.noContent)
        }
        router.get("emulator/calls") { _, _ in
            Response.json(JSONValue.array(self.liveLegs.map(JSONValue.object)).compactText)
        }
        router.get("emulator/commands") { _, _ in
            let data = try JSONEncoder().encode(self.receivedCommands)
            return Response.json(String(decoding: data, as: UTF8.self))
        }
        return router
    }

    /// Lockout, form, key and signature checks, then the handler.
    private func gate(
        path: MangoPath, request: Request, context: BasicRequestContext,
        handler: @Sendable (MangoSignedForm, Request) async throws -> Response
    ) async throws -> Response {
        let body = try await request.bodyText(context: context)
        let form = MangoSignedForm(form: FormURLEncoding.decode(body))
        if state.isLocked() {
            record(path, form?.json ?? body, nil)
            return .json(#"{"result":3000,"message":"Rate limit of bad requests exceeded"}"#, status: .unauthorized)
        }
        guard let form else { return reject(.missingParameter, path: path, json: body) }
        if let problem = form.verify(configuration.credentials) { return reject(problem, path: path, json: form.json) }
        do {
            let response = try await handler(form, request)
            record(path, form.json, 1000)
            return response
        } catch let error as CommandRejection {
            return reject(error.code, path: path, json: form.json)
        } catch is DecodingError {
            return reject(.badParameterFormat, path: path, json: form.json)
        }
    }

    private func reject(_ code: MangoResultCode, path: MangoPath, json: String) -> Response {
        switch state.badRequest(code, window: configuration.badRequestWindow) {
        case .locked:
            record(path, json, nil)
            return .json(#"{"result":3000,"message":"Rate limit of bad requests exceeded"}"#, status: .unauthorized)
        case .rejected(let code):
            record(path, json, code.rawValue)
            return .json(#"{"result":\#(code.rawValue)}"#, status: HTTPResponse.Status(code: configuration.badRequestHTTPStatus))
        case .accepted:
            return .json(#"{"result":\#(code.rawValue)}"#)
        }
    }

    private func record(_ path: MangoPath, _ json: String, _ result: Int?) {
        state.withLock { $0.commands.append(ReceivedCommand(path: path.rawValue, json: json, result: result)) }
    }

    /// Runs notification work in the background, tracked by ``waitForNotifications()``.
    func background(_ work: @escaping @Sendable () async -> Void) {
        let task = Task { await work() }
        state.withLock { $0.pending.append(task) }
    }
}

/// A 3xxx answer a handler decided on (missing or malformed parameters).
struct CommandRejection: Error {
    var code: MangoResultCode
}

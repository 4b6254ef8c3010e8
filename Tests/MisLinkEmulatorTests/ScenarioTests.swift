import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import Testing

/// A recorder on a real port and a runner pointed at it.
struct ScenarioFixture {
    let recorder: WebhookRecorder
    let server: RunningServer
    let client = HTTPClient()

    static func start() async throws -> ScenarioFixture {
        let recorder = WebhookRecorder(credentials: testCredentials)
        return ScenarioFixture(recorder: recorder, server: try await RunningServer.start(router: recorder.router()))
    }

    var received: [WebhookRecorder.Received] { recorder.all }

    func runner(_ roughness: Roughness = Roughness(), ednaAdmin: String? = nil) -> ScenarioRunner {
        ScenarioRunner(
            sender: WebhookSender(client: client, credentials: testCredentials, targets: WebhookTargets(target: server.baseURL)),
            roughness: roughness, ednaAdminURL: ednaAdmin)
    }

    func play(_ name: String, _ roughness: Roughness = Roughness(), ednaAdmin: String? = nil) async throws -> [Delivery] {
        try await runner(roughness, ednaAdmin: ednaAdmin).run(try ScenarioLibrary().load(name).render())
    }
}

/// Drops the per-run prefix of a call id (`3f9a…C2` → `C2`).
func shortLeg(_ id: String) -> String { String(id.suffix(2)) }

@Suite struct ScenarioTests {
    static let required = [
        "inbound-answered", "inbound-missed-ring-all", "abandoned-in-ivr", "hidden-caller-id", "consultative-transfer",
        "blind-transfer", "return-blind", "internal-call", "outbound-callback-answered", "outbound-callback-not-answered",
        "recording-completed-added", "edna-known-patient-whatsapp", "edna-unknown-client-telegram",
        "chatwoot-three-concurrent-threads", "edna-released-then-picked-up", "chatwoot-released-then-picked-up",
        "edna-closed-by-client-timeout", "chatwoot-closed-by-operator", "chatwoot-emoji-messages",
    ]

    @Test func everyShippedScenarioRendersIntoValidPayloads() throws {
        let library = ScenarioLibrary()
        #expect(Set(Self.required).isSubset(of: Set(library.names())))
        for name in library.names() {
            for step in try library.load(name).render() {
                switch step {
                case .mango(let path, let json):
                    let text = json.compactText
                    #expect(!text.contains("{"+"run}") && !text.contains("{t"), "\(name): unfilled template in \(text)")
                    switch path {
                    case "events/call": _ = try MangoJSON.decode(MangoCallEvent.self, from: text)
                    case "events/summary": _ = try MangoJSON.decode(MangoSummaryEvent.self, from: text)
                    case "events/recording": _ = try MangoJSON.decode(MangoRecordingEvent.self, from: text)
                    case "events/record/added": _ = try MangoJSON.decode(MangoRecordAddedEvent.self, from: text)
                    default: Issue.record("\(name): unexpected path \(path)")
                    }
                case .chat(.edna, let json):
                    _ = try JSONDecoder().decode(EdnaBotWebhook.self, from: Data(json.compactText.utf8))
                case .chat(.chatwoot, let json):
                    let data = Data(json.compactText.utf8)
                    let event = try JSONDecoder().decode(ChatwootWebhookHeader.self, from: data).event
                    if event == "message_created" {
                        _ = try JSONDecoder().decode(ChatwootMessage.self, from: data)
                    } else {
                        _ = try JSONDecoder().decode(ChatwootConversation.self, from: data)
                    }
                case .ednaThread(let json):
                    _ = try JSONDecoder().decode(EdnaThread.self, from: Data(json.compactText.utf8))
                case .pbxRecording: break
                }
            }
        }
    }

    /// The PDF's "Перевод вызова с консультацией" example, step by step (reference A.5).
    @Test func consultativeTransferIsThePDFSequence() async throws {
        let fixture = try await ScenarioFixture.start()
        let deliveries = try await fixture.play("consultative-transfer")
        #expect(deliveries.allSatisfy { $0.status == 200 })
        let received = fixture.received
        #expect(received.allSatisfy { $0.signatureValid })
        let legs = try received.filter { $0.path == "mango/events/call" }.map { try MangoJSON.decode(MangoCallEvent.self, from: $0.json) }
        #expect(legs.map { "\(shortLeg($0.callId)) \($0.callState) \($0.seq)" } == [
            "C1 Appeared 1", "C1 Connected 2", "C1 OnHold 3", "C2 Appeared 1", "C2 Connected 2", "C1 Disconnected 4",
            "C2 Connected 3", "C2 Disconnected 4",
        ])
        #expect(legs[3].from?.takenFromCallId == legs[0].callId && legs[3].from?.extensionNumber == "101")
        #expect(legs[5].disconnectReason == .endedByCallee)
        #expect(legs[6].from?.number == "79161234567" && legs[6].from?.takenFromCallId == legs[0].callId)
        #expect(legs[6].transfer == "blind" && legs[4].transfer == "consultative")
        #expect(legs[7].disconnectReason == .endedByCaller)
        #expect(Set(legs.map(\.entryId)).count == 1)
        #expect(received.last?.path == "mango/events/summary")
        await fixture.server.stop()
    }

    /// The PDF's summary example 2: a call that ended in the IVR.
    @Test func abandonedInIVRSummaryIsThePDFExample() async throws {
        let fixture = try await ScenarioFixture.start()
        _ = try await fixture.play("abandoned-in-ivr")
        let summary = try MangoJSON.decode(MangoSummaryEvent.self, from: try #require(fixture.received.last).json)
        #expect(summary.talkTime == 0 && summary.forwardTime == 0 && summary.entryResult == 1)
        #expect(summary.disconnectReason == .endedByScheme && summary.to == nil)
        await fixture.server.stop()
    }

    @Test func roughnessNumbersAsStringsAndEmptyAcdGroup() async throws {
        let fixture = try await ScenarioFixture.start()
        _ = try await fixture.play("inbound-missed-ring-all", Roughness(numbersAsStrings: true, emptyAcdGroup: true))
        let calls = fixture.received.filter { $0.path == "mango/events/call" }
        #expect(calls.count == 8)
        #expect(calls.allSatisfy { $0.json.contains(#""seq":""#) && !$0.json.contains(#""seq":1"#) })
        let legs = try calls.map { try MangoJSON.decode(MangoCallEvent.self, from: $0.json) }
        let ringing = legs.filter { $0.location == "abonent" }
        #expect(ringing.filter { $0.callState == .appeared }.count == 3)
        #expect(ringing.filter { $0.callState == .disconnected && $0.disconnectReason == .endedByCaller }.count == 3)
        #expect(calls.filter { $0.json.contains(#""acd_group":"""#) }.count == 6)
        #expect(ringing.allSatisfy { $0.to?.acdGroup == nil })
        await fixture.server.stop()
    }

    @Test func parallelDuplicatesDeliverEverythingTwice() async throws {
        let fixture = try await ScenarioFixture.start()
        let deliveries = try await fixture.play("inbound-answered", Roughness(parallel: true, duplicates: 1))
        #expect(deliveries.count == 12 && deliveries.filter { $0.isDuplicate }.count == 6)
        let received = await fixture.recorder.wait(for: 12)
        let keys = received.compactMap { $0.value.map { "\($0["call_id"]?.stringValue ?? "summary") \($0["seq"]?.intValue ?? 0)" } }
        #expect(Set(keys).count == 6)
        #expect(keys.count == 12)
        await fixture.server.stop()
    }

    @Test func ednaScenarioDrivesTheFakeThreadAndSendsBotConnectMessages() async throws {
        let fixture = try await ScenarioFixture.start()
        let chat = FakeChat()
        let chatServer = try await RunningServer.start(router: chat.router())
        _ = try await fixture.play("edna-released-then-picked-up", ednaAdmin: chatServer.baseURL)
        let messages = fixture.received.filter { $0.path == "edna/webhook" }
        #expect(messages.count == 1)
        let message = try JSONDecoder().decode(EdnaBotWebhook.self, from: Data(messages[0].body.utf8))
        #expect(message.action == "MESSAGE" && message.sessionId == "7003" && message.channelInfo?.channelType == "WHATSAPP")
        let client = HTTPClient()
        let login = try await client.execute(.json("\(chatServer.baseURL)/api/auth/login", body: Data(#"{"login":"integrator","password":"secret"}"#.utf8)))
        let token = try JSONDecoder().decode(EdnaLoginResponse.self, from: login.body)
        let thread = try JSONDecoder().decode(EdnaThread.self, from: try await client.execute(
            .get("\(chatServer.baseURL)/api/v1/threads/7003", headers: [("Authorization", token.authorization)])).body)
        #expect(thread.status == .reassigned && thread.currentAgentLogin == "petrov")
        await chatServer.stop()
        await fixture.server.stop()
    }

    @Test func chatwootEmojiSurviveTheWire() async throws {
        let fixture = try await ScenarioFixture.start()
        _ = try await fixture.play("chatwoot-emoji-messages")
        let messages = try fixture.received.filter { $0.body.contains(#""event":"message_created""#) }
            .map { try JSONDecoder().decode(ChatwootMessage.self, from: Data($0.body.utf8)) }
        #expect(messages.map(\.messageType) == ["incoming", "outgoing", "incoming"])
        #expect(messages[1].content == "Ждём вас в 15:00 👨‍⚕️👍🏽" && messages[1].conversationId == 430)
        await fixture.server.stop()
    }

    @Test func loadRunMeasuresAcknowledgements() async throws {
        let fixture = try await ScenarioFixture.start()
        let sender = WebhookSender(
            client: HTTPClient(configuration: .init(maxConcurrentRequests: 4)), credentials: testCredentials,
            targets: WebhookTargets(target: fixture.server.baseURL))
        let report = try await LoadGenerator(
            sender: sender, options: LoadOptions(rate: 300, duration: 1, concurrent: 10, duplicates: 0.2, reorder: 0.1)
        ).run()
        // A busy machine sends fewer than rate × duration; every one sent must be acknowledged.
        #expect(report.sent > 50 && report.failed == 0 && report.acknowledged == report.sent, "\(report.sent) sent, \(report.failed) failed")
        #expect(report.latency.totalCount == UInt64(report.sent))
        #expect(fixture.received.count == report.sent)
        #expect(!report.expected.isEmpty)
        await fixture.server.stop()
    }
}

import Foundation
import Hummingbird
import MisLinkExternalAPIs

extension FakePBX {
    static let ok = #"{"result":1000}"#

    /// `commands/callback`: answered 1000, then `result/callback` and the `events/call` legs of the
    /// outbound click-to-call scenario (answered, or not when the number is in ``FakePBXConfiguration/unansweredNumbers``).
    func callback(_ form: MangoSignedForm) async throws -> Response {
        let command = try MangoJSON.decode(MangoCallbackCommand.self, from: form.json)
        guard let ext = command.from.extensionNumber, !command.toNumber.isEmpty else {
            throw CommandRejection(code: .missingParameter)
        }
        let answered = !configuration.unansweredNumbers.contains(command.toNumber)
        let user = configuration.users.first { $0.telephony.extensionNumber == ext }
        let variables = [
            "command_id": command.commandId ?? "", "operator": ext,
            "operator_sip": user?.general.sips?.first ?? "sip:\(ext)@vpbx400000000.mangosip.ru",
            "client": command.toNumber, "line": command.lineNumber ?? configuration.defaultLine,
        ]
        let name = answered ? "outbound-callback-answered" : "outbound-callback-not-answered"
        var steps = try library.load(name).render(
            variables: variables, start: Int(Date().timeIntervalSince1970) + configuration.timestampOffset)
        if answered, !configuration.callsEndAfterCommands {
            // Stop while both legs talk; the call waits for commands/transfer or commands/call/hangup.
            let end = steps.firstIndex { step in
                if case .mango(let path, let json) = step { return path == "events/summary" || json["call_state"]?.stringValue == "Disconnected" }
                return false
            }
            if let end { steps.removeSubrange(end...) }
        }
        state.withLock { state in
            for case .mango(let path, let json) in steps { state.learn(path: path, json: json) }
        }
        if answered, configuration.callsEndAfterCommands {
            let entry = steps.compactMap { step -> String? in
                if case .mango(_, let json) = step { return json["entry_id"]?.stringValue }
                return nil
            }.first ?? ""
            // The report's row, with the times of the summary the scenario sends.
            let summary = steps.lazy.compactMap { step -> JSONValue? in
                if case .mango(let path, let json) = step, path == MangoPath.eventSummary.rawValue { return json }
                return nil
            }.first
            func time(_ field: String) -> String { summary?[field]?.intValue.map(String.init) ?? "" }
            state.withLock {
                $0.finishedCalls.append([
                    "entry_id": entry, "from_extension": ext, "to_number": command.toNumber,
                    "line_number": variables["line"]!, "start": time("create_time"), "answer": time("talk_time"),
                    "finish": time("end_time"), "disconnect_reason": time("disconnect_reason"),
                ])
            }
        }
        notify(result: .callback, commandId: command.commandId, code: .success, steps: steps)
        return .json(Self.ok)
    }

    /// Commands whose only effect here is a 1000 answer and a `result/<command>` notification.
    func simpleCommand<C: Decodable & Sendable>(_ form: MangoSignedForm, path: MangoPath, _ type: C.Type) throws -> Response {
        _ = try MangoJSON.decode(C.self, from: form.json)
        let commandId = (try? JSONValue.parse(form.json))?["command_id"]?.stringValue
        notify(result: path, commandId: commandId, code: .success, steps: [])
        return .json(Self.ok)
    }

    /// `commands/recording/start`: 1000, `result/recording/start`, then `events/recording` `Started`.
    func recordingStart(_ form: MangoSignedForm) throws -> Response {
        let command = try MangoJSON.decode(MangoRecordingStartCommand.self, from: form.json)
        let recordingId = "rec-" + UUID().uuidString.prefix(8).lowercased()
        addRecording(recordingId)
        let started = JSONValue.object([
            "recording_id": .string(recordingId), "recording_state": .string("Started"), "seq": .int(1),
            "entry_id": .string(""), "call_id": .string(command.callId), "extension": .string(command.callPartyNumber),
            "timestamp": .int(Int(Date().timeIntervalSince1970) + configuration.timestampOffset), "command_id": .string(command.commandId ?? ""),
        ])
        notify(result: .recordingStart, commandId: command.commandId, code: .success,
               steps: [.mango(path: "events/recording", json: started)])
        return .json(Self.ok)
    }

    /// `commands/sms`: 1000, `result/sms`, then `events/sms` with reason 1000.
    func sms(_ form: MangoSignedForm) throws -> Response {
        let command = try MangoJSON.decode(MangoSMSCommand.self, from: form.json)
        let event = JSONValue.object([
            "command_id": .string(command.commandId ?? ""), "timestamp": .int(Int(Date().timeIntervalSince1970) + configuration.timestampOffset),
            "reason": .int(1000),
        ])
        notify(result: .sms, commandId: command.commandId, code: .success, steps: [.mango(path: "events/sms", json: event)])
        return .json(Self.ok)
    }

    /// The longest `stats/request` window the fake accepts: "a month" (reference A.4) read as 31 days.
    static let statsMaxWindow = 31 * 86_400

    /// `stats/request`: a key at once; the report (the calls that started in `[date_from, date_to]`) is
    /// ready after ``FakePBXConfiguration/statsDelay``. A window that ends before it starts, or is longer
    /// than a month, is 3100.
    func statsRequest(_ form: MangoSignedForm) throws -> Response {
        let request = try MangoJSON.decode(MangoStatsRequest.self, from: form.json)
        guard request.dateTo >= request.dateFrom, request.dateTo - request.dateFrom <= Self.statsMaxWindow else {
            throw CommandRejection(code: .badParameters)
        }
        let fields = request.fields.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            ?? MangoStatsCSV.defaultFields
        let key = UUID().uuidString.lowercased()
        state.withLock { state in
            let rows = state.finishedCalls.filter { call in
                guard let start = Int(call["start"] ?? "") else { return false }
                return start >= request.dateFrom && start <= request.dateTo
            }.map { call in fields.map { call[$0] ?? "" } }
            state.statsReports[key] = (ContinuousClock.now + configuration.statsDelay, rows)
        }
        return .json(try MangoJSON.encode(MangoStatsKey(key: key, requestId: request.requestId)))
    }

    /// `stats/result`: 404 unknown or expired key (``FakePBXConfiguration/statsKeep``), 204 not ready, 200
    /// `;`-separated CSV.
    func statsResult(_ form: MangoSignedForm) throws -> Response {
        let key = try MangoJSON.decode(MangoStatsKey.self, from: form.json).key
        guard let report = state.withLock({ $0.statsReports[key] }) else { return .empty(.notFound) }
        let now = ContinuousClock.now
        guard now >= report.readyAt else { return .empty(.noContent) }
        guard now < report.readyAt + configuration.statsKeep else {
            state.withLock { _ = $0.statsReports.removeValue(forKey: key) }
            return .empty(.notFound)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
            body: ResponseBody(byteBuffer: .init(string: MangoStatsCSV.format(report.rows))))
    }

    /// `queries/recording/post`: 302 to a single-use link on this server.
    func recordingPost(_ form: MangoSignedForm, request: Request) throws -> Response {
        let query = try MangoJSON.decode(MangoRecordingPostQuery.self, from: form.json)
        let known = state.withLock { $0.knownRecordings.contains(query.recordingId) }
        guard known || configuration.serveAnyRecording else {
            return .json(#"{"result":3320}"#, status: .notFound)
        }
        let token = UUID().uuidString.lowercased()
        state.withLock { $0.oneTimeLinks[token] = query.recordingId }
        let host = request.head.authority ?? "127.0.0.1"
        return Response(status: .found, headers: [.location: "http://\(host)/files/\(token)"])
    }

    /// `config/users/request`: everyone, or the one `extension`.
    func usersRequest(_ form: MangoSignedForm) throws -> Response {
        let request = try MangoJSON.decode(MangoUsersRequest.self, from: form.json)
        let users = configuration.users.filter { request.extensionNumber == nil || $0.telephony.extensionNumber == request.extensionNumber }
        return .json(try MangoJSON.encode(MangoUsersResponse(users: users)))
    }

    /// Sends `result/<command>` and the steps, in the configured order.
    func notify(result command: MangoPath, commandId: String?, code: MangoResultCode, steps: [RenderedStep]) {
        guard let sender else { return }
        let resultJSON = JSONValue.object(["command_id": .string(commandId ?? ""), "result": .int(code.rawValue)])
        let resultPath = MangoPath.result(of: command).rawValue
        let order = configuration.resultOrder
        background {
            let sendResult: @Sendable () async -> Void = { _ = await sender.sendMango(path: resultPath, json: resultJSON.compactText) }
            let sendEvents: @Sendable () async -> Void = {
                for case .mango(let path, let json) in steps { _ = await sender.sendMango(path: path, json: json.compactText) }
            }
            switch order {
            case .resultFirst:
                await sendResult()
                await sendEvents()
            case .eventsFirst:
                await sendEvents()
                await sendResult()
            case .parallel:
                async let a: Void = sendResult()
                async let b: Void = sendEvents()
                _ = await (a, b)
            }
        }
    }
}

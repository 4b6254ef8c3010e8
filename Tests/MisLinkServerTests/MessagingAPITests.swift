import Foundation
import MisLinkHTTP
import MisLinkTestSupport
import Testing

/// Templates and mailings through the REST API, every answer checked against the OpenAPI document.
@Suite("Templates and mailings API")
struct MessagingAPITests {
    func send(_ harness: WorkerHarness, _ method: String, _ path: String, _ json: String) async throws -> HTTPClientResponse {
        try await harness.client.execute(.json(
            "\(harness.worker.baseURL)\(path)", method: method, body: Data(json.utf8),
            headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
    }

    func object(_ response: HTTPClientResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
    }

    @Test func templatesAreListedCreatedEditedAndDeactivated() async throws {
        let harness = try await WorkerHarness.start(label: "api-tpl")
        defer { Task { await harness.stop() } }
        let created = try await send(harness, "PUT", "/api/v1/templates/results_ready",
                                     #"{"title":"Анализы готовы","body":"{patient_name}, анализы готовы"}"#)
        #expect(created.status == 201, "\(created.text)")
        expectDocumented("PUT", "/api/v1/templates/results_ready", created)
        let edited = try await send(harness, "PUT", "/api/v1/templates/results_ready",
                                    #"{"title":"Анализы готовы","body":"{patient_name}, ваши анализы готовы"}"#)
        #expect(edited.status == 200)
        #expect(try object(edited)["body"] as? String == "{patient_name}, ваши анализы готовы")
        let reply = try await send(harness, "PUT", "/api/v1/templates/greeting",
                                   #"{"kind":"quick_reply","channel":"whatsapp","title":"Приветствие","body":"Здравствуйте!","sort_order":2}"#)
        #expect(reply.status == 201)
        expectDocumented("PUT", "/api/v1/templates/greeting", reply)

        let replies = try await harness.api("/api/v1/templates?kind=quick_reply&channel=whatsapp")
        #expect(replies.status == 200)
        expectDocumented("GET", "/api/v1/templates", replies)
        let items = try #require(try object(replies)["items"] as? [[String: Any]])
        #expect(items.map { $0["code"] as? String } == ["greeting"])
        #expect(items.first?["sort_order"] as? Int == 2)
        let telegram = try await harness.api("/api/v1/templates?channel=telegram")
        #expect(try (object(telegram)["items"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == ["results_ready"],
                "the any template, not WhatsApp's quick reply")

        let deleted = try await send(harness, "DELETE", "/api/v1/templates/results_ready", "")
        #expect(deleted.status == 200)
        expectDocumented("DELETE", "/api/v1/templates/results_ready", deleted)
        #expect(try object(deleted)["active"] as? Bool == false)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_TEMPLATES WHERE IS_ACTIVE = 1") == 1)

        for (method, path, body) in [("GET", "/api/v1/templates?kind=nope", ""), ("PUT", "/api/v1/templates/Bad%20Code", #"{"body":"x"}"#),
                                     ("PUT", "/api/v1/templates/x", #"{"body":"  "}"#), ("PUT", "/api/v1/templates/x", #"{"body":"x","channel":"fax"}"#)] {
            let refused = method == "GET" ? try await harness.api(path) : try await send(harness, method, path, body)
            #expect(refused.status == 400, "\(method) \(path) \(body): \(refused.text)")
            expectDocumented(method, path, refused)
        }
        let missing = try await send(harness, "DELETE", "/api/v1/templates/nothing", "")
        #expect(missing.status == 404)
        expectDocumented("DELETE", "/api/v1/templates/nothing", missing)
    }

    @Test func aMailingIsQueuedReportedAndCancelled() async throws {
        let harness = try await WorkerHarness.start(label: "api-mail")
        defer { Task { await harness.stop() } }
        try await harness.execute([
            "INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, PHONE_MOBILE, CONSENT_MESSENGERS, CONSENT_SMS) VALUES (1, 'А', 'Б', '89170000001', 1, 1)",
            "INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, PHONE_MOBILE, CONSENT_MESSENGERS, CONSENT_SMS) VALUES (2, 'В', 'Г', '89170000002', 0, 1)",
            "INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, PHONE_MOBILE, CONSENT_MESSENGERS, CONSENT_SMS) VALUES (3, 'Д', 'Е', '89170000003', 0, 0)",
        ])
        let template = try await send(harness, "PUT", "/api/v1/templates/results_ready", #"{"body":"{patient_name}, анализы готовы"}"#)
        #expect(template.status == 201)

        let posted = try await send(harness, "POST", "/api/v1/mailings", """
            {"title":"Анализы","kind":"results_ready","template_code":"results_ready","channel":"whatsapp",
             "patient_ids":[1,2,3,4],"window_start":"09:00","window_end":"21:00","rate_per_minute":30}
            """)
        #expect(posted.status == 201, "\(posted.text)")
        expectDocumented("POST", "/api/v1/mailings", posted)
        let created = try object(posted)
        let id = try #require(created["id"] as? Int)
        #expect(created["queued"] as? Int == 1)
        #expect(created["refused"] as? Int == 3)
        #expect(created["refused_by_reason"] as? [String: Int] == ["no consent": 2, "no such patient": 1])

        let report = try await harness.api("/api/v1/mailings/\(id)")
        #expect(report.status == 200)
        expectDocumented("GET", "/api/v1/mailings/\(id)", report)
        let body = try object(report)
        #expect(body["counts"] as? [String: Int] == ["pending": 1, "sending": 0, "sent": 0, "failed": 0, "cancelled": 3])
        #expect(body["status"] as? String == "sending")
        #expect((body["failures"] as? [[String: Any]])?.compactMap { $0["error"] as? String }.sorted()
                == ["no consent", "no consent", "no such patient"])
        let rows = try await harness.count(
            "SELECT COUNT(*) FROM MISLINK_OUTBOX WHERE BATCH_ID = ? AND SOURCE = 'mailing'", [.text(String(id))])
        #expect(rows == 4)

        let list = try await harness.api("/api/v1/mailings")
        #expect(list.status == 200)
        expectDocumented("GET", "/api/v1/mailings", list)
        #expect((try object(list)["items"] as? [[String: Any]])?.first?["id"] as? Int == id)

        let cancelled = try await send(harness, "POST", "/api/v1/mailings/\(id)/cancel", "")
        #expect(cancelled.status == 200)
        expectDocumented("POST", "/api/v1/mailings/\(id)/cancel", cancelled)
        #expect(try object(cancelled)["status"] as? String == "cancelled")
        #expect(try object(cancelled)["counts"] as? [String: Int] == ["pending": 0, "sending": 0, "sent": 0, "failed": 0, "cancelled": 4])

        let bad: [(String, String)] = [
            (#"{"title":"x","kind":"announcement","template_code":"no_such","patient_ids":[1]}"#, "неизвестный шаблон"),
            (#"{"title":"x","kind":"announcement","body":"Hi","patient_ids":[1],"window_start":"9am"}"#, "окно (start)"),
            (#"{"title":"x","kind":"announcement","body":"Hi","patient_ids":[1],"window_start":"10:00","window_end":"10:00"}"#, "нет длины"),
            (#"{"title":"x","kind":"announcement","body":"Hi","patient_ids":[]}"#, "patient_ids пуст"),
            (#"{"title":"x","kind":"spam","body":"Hi","patient_ids":[1]}"#, "kind: одно из значений"),
            (#"{"title":"x","kind":"announcement","patient_ids":[1]}"#, "укажите template_code или body"),
            (#"{"title":"x","kind":"announcement","body":"Hi","patient_ids":[1],"channel":"email"}"#, "channel: одно из значений"),
            (#"{"kind":"announcement"}"#, "не тот JSON"),
        ]
        // The API answers in Russian by default (APIMessages).
        for (json, message) in bad {
            let refused = try await send(harness, "POST", "/api/v1/mailings", json)
            #expect(refused.status == 400, "\(json)")
            #expect(refused.text.contains(message), "\(json): \(refused.text)")
            expectDocumented("POST", "/api/v1/mailings", refused)
        }
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_MAILINGS") == 1, "refused requests write nothing")
        let missing = try await harness.api("/api/v1/mailings/999")
        #expect(missing.status == 404)
        expectDocumented("GET", "/api/v1/mailings/999", missing)
    }
}

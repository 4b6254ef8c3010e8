import Foundation
import MisLinkHTTP
import MisLinkTestSupport
import Testing

/// Numbers, ids, times and lengths from query strings, paths and JSON bodies are range-checked before they
/// reach a fixed-width type or a column: out of range is a 400 that names the field, the answer is the one
/// the OpenAPI document gives, and the worker lives on.
@Suite("REST input: range checks, 400 naming the field")
struct RESTInputTests {
    static let clinic = [
        "INSERT INTO STAFF (ID, FULL_NAME, ROLE, SIP_EXTENSION) VALUES (901, 'Иванова Анна Сергеевна', 'operator', '101')",
        "INSERT INTO STAFF (ID, FULL_NAME, ROLE, SPECIALTY) VALUES (904, 'Орлов Пётр Андреевич', 'doctor', 'терапевт')",
        "INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, PHONE_MOBILE) VALUES (9010, 'Смирнова', 'Елена', '8 (916) 123-45-67')",
        "INSERT INTO MISLINK_CALLS (ID, PBX_CALL_ID, DIRECTION, STARTED_AT) VALUES (77, 'T77', 'in', '2026-11-27 09:00:00')",
    ]

    /// A request of the REST API with the token; `json` nil sends no body.
    func send(_ harness: WorkerHarness, _ method: String, _ path: String, _ json: String? = nil) async throws -> HTTPClientResponse {
        let auth = [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]
        if let json {
            return try await harness.client.execute(.json("\(harness.worker.baseURL)\(path)", method: method, body: Data(json.utf8), headers: auth))
        }
        return try await harness.client.execute(HTTPClientRequest(method: method, url: "\(harness.worker.baseURL)\(path)", headers: auth))
    }

    /// Expects a 400 whose `error` names `field`, as the document describes it.
    func expectRefused(_ harness: WorkerHarness, _ method: String, _ path: String, _ json: String? = nil, naming field: String,
                       sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let response = try await send(harness, method, path, json)
        let error = (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["error"] as? String ?? response.text
        #expect(response.status == 400, "\(method) \(path) \(json ?? ""): \(response.status) \(error)", sourceLocation: sourceLocation)
        #expect(error.contains(field), "\(method) \(path): \"\(error)\" does not name \(field)", sourceLocation: sourceLocation)
        expectDocumented(method, path, response, sourceLocation: sourceLocation)
    }

    func expectAlive(_ harness: WorkerHarness, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(try await harness.api("/api/v1/status").status == 200, "the worker stopped answering", sourceLocation: sourceLocation)
    }

    /// Past Int32 (INTEGER), Int16 (SMALLINT) and Int64: each of these trapped (`Int32(…)`) or was clamped to
    /// another id, or came back as a bare "not the JSON this endpoint takes". A MIS id (patient, employee,
    /// appeal, service) is any positive Int64, since a MIS may key with BIGINT codes: past Int64 it is refused.
    @Test func hugeIdsAreRefusedNamingTheField() async throws {
        let harness = try await WorkerHarness.start(label: "input-huge")
        defer { Task { await harness.stop() } }
        try await harness.execute(Self.clinic)
        let huge = "3000000000"
        let past64 = "99999999999999999999"
        try await expectRefused(harness, "POST", "/api/v1/commands", #"{"kind":"call","staff_id":901,"target":"101","patient_id":\#(past64)}"#, naming: "patient_id")
        try await expectRefused(harness, "POST", "/api/v1/commands", #"{"kind":"call","staff_id":901,"target":"101","appeal_id":\#(past64)}"#, naming: "appeal_id")
        try await expectRefused(harness, "POST", "/api/v1/commands", #"{"kind":"call","staff_id":\#(past64),"target":"101"}"#, naming: "staff_id")
        try await expectRefused(harness, "POST", "/api/v1/commands", #"{"kind":"hangup","staff_id":901,"call_id":1e30}"#, naming: "call_id")
        try await expectRefused(harness, "POST", "/api/v1/appeals/1/booking", #"{"doctor_id":904,"patient_id":\#(past64),"start_at":"2030-03-14T10:30"}"#, naming: "patient_id")
        try await expectRefused(harness, "POST", "/api/v1/appeals/1/booking", #"{"doctor_id":904,"service_id":\#(past64),"start_at":"2030-03-14T10:30"}"#, naming: "service_id")
        try await expectRefused(harness, "POST", "/api/v1/appeals/1/booking", #"{"doctor_id":904,"minutes":\#(huge),"start_at":"2030-03-14T10:30"}"#, naming: "minutes")
        try await expectRefused(harness, "POST", "/api/v1/appeals/\(past64)/booking", #"{"doctor_id":904,"start_at":"2030-03-14T10:30"}"#, naming: "id")
        try await expectRefused(harness, "POST", "/api/v1/appeals/\(past64)/cancel", "{}", naming: "id")
        try await expectRefused(harness, "POST", "/api/v1/threads/1/messages", #"{"text":"hi","staff_id":\#(past64)}"#, naming: "staff_id")
        try await expectRefused(harness, "POST", "/api/v1/mailings", #"{"title":"t","kind":"announcement","body":"b","patient_ids":[9010,\#(past64)]}"#, naming: "patient_ids[1]")
        try await expectRefused(harness, "POST", "/api/v1/mailings", #"{"title":"t","kind":"announcement","body":"b","patient_ids":[9010],"staff_id":\#(past64)}"#, naming: "staff_id")
        try await expectRefused(harness, "PUT", "/api/v1/templates/greeting", #"{"body":"Hello","sort_order":40000}"#, naming: "sort_order")
        try await expectRefused(harness, "GET", "/api/v1/calls?patient=\(past64)", naming: "patient")
        try await expectRefused(harness, "GET", "/api/v1/threads?operator=\(past64)", naming: "operator")
        try await expectRefused(harness, "GET", "/api/v1/reports/appeals?from=2026-11-01&to=2026-11-02&operator=\(past64)", naming: "operator")
        try await expectRefused(harness, "GET", "/api/v1/commands/99999999999999999999", naming: "id")
        try await expectRefused(harness, "GET", "/api/v1/calls/77/recordings/99999999999", naming: "n")
        try await expectAlive(harness)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_COMMANDS") == 0)
    }

    /// A 14-digit MIS code (МедБаза's 77000000000001) is an id like any other: asked of a MIS whose keys are
    /// INTEGER it finds nothing (a 400 or 404 naming it), never a trap or a 500.
    @Test func bigintMISIdsAreLookedUpNotRefused() async throws {
        let harness = try await WorkerHarness.start(label: "input-bigint")
        defer { Task { await harness.stop() } }
        try await harness.execute(Self.clinic)
        let code = "77000000000001"
        let staff = try await send(harness, "POST", "/api/v1/commands", #"{"kind":"call","staff_id":\#(code),"target":"101"}"#)
        #expect(staff.status == 400 && staff.text.contains("нет сотрудника \(code)"), "\(staff.status) \(staff.text)")
        expectDocumented("POST", "/api/v1/commands", staff)
        let doctor = try await send(harness, "POST", "/api/v1/appeals/1/booking", #"{"doctor_id":\#(code),"start_at":"2030-03-14T10:30"}"#)
        #expect(doctor.status == 400 && doctor.text.contains("doctor_id"), "\(doctor.status) \(doctor.text)")
        let appeal = try await send(harness, "POST", "/api/v1/appeals/\(code)/booking", #"{"doctor_id":904,"start_at":"2030-03-14T10:30"}"#)
        #expect(appeal.status == 404, "\(appeal.status) \(appeal.text)")
        expectDocumented("POST", "/api/v1/appeals/\(code)/booking", appeal)
        let cancel = try await send(harness, "POST", "/api/v1/appeals/\(code)/cancel", "{}")
        #expect(cancel.status == 404, "\(cancel.status) \(cancel.text)")
        let mailing = try await send(harness, "POST", "/api/v1/mailings",
                                     #"{"title":"t","kind":"announcement","body":"b","patient_ids":[9010,\#(code)]}"#)
        #expect(mailing.status == 201 && mailing.text.contains(#""no such patient":1"#), "\(mailing.status) \(mailing.text)")
        expectDocumented("POST", "/api/v1/mailings", mailing)
        let calls = try await send(harness, "GET", "/api/v1/calls?patient=\(code)&operator=\(code)")
        #expect(calls.status == 200 && calls.text == #"{"items":[]}"#, "\(calls.status) \(calls.text)")
        let report = try await send(harness, "GET", "/api/v1/reports/appeals?from=2026-11-01&to=2026-11-02&operator=\(code)")
        #expect(report.status == 200, "\(report.status) \(report.text)")
        expectDocumented("GET", "/api/v1/reports/appeals", report)
        try await expectAlive(harness)
    }

    /// Ids are positive: a negative one is a 400, not an empty page or a lookup.
    @Test func negativeIdsAreRefused() async throws {
        let harness = try await WorkerHarness.start(label: "input-negative")
        defer { Task { await harness.stop() } }
        try await harness.execute(Self.clinic)
        try await expectRefused(harness, "GET", "/api/v1/calls?patient=-5", naming: "patient")
        try await expectRefused(harness, "GET", "/api/v1/calls?operator=-1", naming: "operator")
        try await expectRefused(harness, "GET", "/api/v1/threads?operator=-1", naming: "operator")
        try await expectRefused(harness, "GET", "/api/v1/commands/-1", naming: "id")
        try await expectRefused(harness, "GET", "/api/v1/mailings/-3", naming: "id")
        try await expectRefused(harness, "GET", "/api/v1/calls/-77/recordings/1", naming: "id")
        try await expectRefused(harness, "GET", "/api/v1/calls/77/recordings/0", naming: "n")
        try await expectRefused(harness, "POST", "/api/v1/commands", #"{"kind":"call","staff_id":-901,"target":"101"}"#, naming: "staff_id")
        try await expectRefused(harness, "POST", "/api/v1/appeals/1/booking", #"{"doctor_id":-904,"start_at":"2030-03-14T10:30"}"#, naming: "doctor_id")
        try await expectRefused(harness, "POST", "/api/v1/appeals/-1/cancel", #"{}"#, naming: "id")
        try await expectRefused(harness, "POST", "/api/v1/mailings", #"{"title":"t","kind":"announcement","body":"b","patient_ids":[-9010]}"#, naming: "patient_ids[0]")
        try await expectRefused(harness, "POST", "/api/v1/mailings", #"{"title":"t","kind":"announcement","body":"b","patient_ids":[9010],"rate_per_minute":-1}"#, naming: "rate_per_minute")
        try await expectAlive(harness)
    }

    /// Empty filters are no filter; texts longer than their column (counted in code points, as Firebird
    /// counts) and times outside Firebird's range are 400s, not the database's refusal (a 500).
    @Test func emptyFiltersLongTextsAndFarTimes() async throws {
        let harness = try await WorkerHarness.start(label: "input-text")
        defer { Task { await harness.stop() } }
        try await harness.execute(Self.clinic)
        for path in ["/api/v1/calls?status=", "/api/v1/calls?status=&patient=&operator=&phone=&from=&to=&type=&result=&cursor=",
                     "/api/v1/threads?operator=&status=&cursor="] {
            let page = try await harness.api(path)
            #expect(page.status == 200, "\(path): \(page.text)")
            expectDocumented("GET", path, page)
        }
        try await expectRefused(harness, "GET", "/api/v1/calls?status=" + String(repeating: "a", count: 33), naming: "status")
        try await expectRefused(harness, "GET", "/api/v1/calls?phone=" + String(repeating: "1", count: 129), naming: "phone")
        // Five family emoji: 5 characters to Swift, 35 code points to Firebird's VARCHAR(32).
        let family = String(repeating: "👨‍👩‍👧‍👦", count: 5)
        try await expectRefused(harness, "PATCH", "/api/v1/calls/77", #"{"status":"\#(family)"}"#, naming: "status")
        let fits = try await send(harness, "PATCH", "/api/v1/calls/77", #"{"status":"👨‍👩‍👧‍👦 перезвонить"}"#)
        #expect(fits.status == 200, "\(fits.text)")
        try await expectRefused(harness, "PUT", "/api/v1/templates/greeting",
                                #"{"body":"Hello","title":"\#(String(repeating: "👨‍👩‍👧‍👦", count: 22))"}"#, naming: "title")
        try await expectRefused(harness, "DELETE", "/api/v1/templates/greeting?channel=" + String(repeating: "x", count: 40), naming: "channel")
        try await expectRefused(harness, "POST", "/api/v1/threads/1/messages", #"{"template_code":"привет"}"#, naming: "template_code")
        try await expectRefused(harness, "GET", "/api/v1/calls?from=0001-01-01T00:00:00Z", naming: "from")
        try await expectRefused(harness, "GET", "/api/v1/calls?to=9999-12-31T23:00:00Z", naming: "to")
        try await expectRefused(harness, "GET", "/api/v1/calls?cursor=300000000000000000_1", naming: "cursor")
        try await expectRefused(harness, "GET", "/api/v1/calls?cursor=1700000000000000_-1", naming: "cursor")
        try await expectRefused(harness, "GET", "/api/v1/reports/appeals?from=0000-01-01&to=0000-01-02", naming: "from")
        // The load check's lookups: a platform longer than PROVIDER's 16 was the database's 500.
        try await expectRefused(harness, "POST", "/api/v1/emulator/verify",
                                #"{"objects":[{"kind":"thread","id":"t1","platform":"chatwoot-and-more-words","finalState":"open"}]}"#,
                                naming: "objects[0].platform")
        try await expectRefused(harness, "POST", "/api/v1/emulator/verify",
                                #"{"objects":[{"kind":"call","id":"звонок","platform":"mango","finalState":"answered"}]}"#, naming: "objects[0].id")
        try await expectAlive(harness)
        #expect(try await harness.query("SELECT STATUS FROM MISLINK_CALLS WHERE ID = 77")[0].decode(String?.self, at: 0) == "👨‍👩‍👧‍👦 перезвонить")
    }

    /// Fields that do not go together, and ids of rows that do not exist, are 400s naming the field (a
    /// hangup with a transfer's `method` and a call that is not there was a 500: the foreign key refused).
    @Test func wrongCombinationsAndMissingRows() async throws {
        let harness = try await WorkerHarness.start(label: "input-combo")
        defer { Task { await harness.stop() } }
        try await harness.execute(Self.clinic)
        try await expectRefused(harness, "POST", "/api/v1/commands", #"{"kind":"hangup","staff_id":901,"call_id":77,"method":"blind"}"#, naming: "method")
        try await expectRefused(harness, "POST", "/api/v1/commands", #"{"kind":"hangup","staff_id":901,"call_id":123456}"#, naming: "call_id")
        try await expectRefused(harness, "POST", "/api/v1/commands", #"{"kind":"call","staff_id":902,"target":"101"}"#, naming: "staff_id")
        try await expectRefused(harness, "POST", "/api/v1/commands", #"{"kind":"call","staff_id":901,"target":"   "}"#, naming: "target")
        try await expectRefused(harness, "POST", "/api/v1/commands",
                                #"{"kind":"call","staff_id":901,"target":"\#(String(repeating: "9", count: 129))"}"#, naming: "target")
        try await expectRefused(harness, "POST", "/api/v1/commands", #"{"kind":"call","staff_id":"901","target":"101"}"#, naming: "staff_id")
        try await expectRefused(harness, "POST", "/api/v1/commands", #"{"kind":"call","target":"101"}"#, naming: "staff_id")
        let hangup = try await send(harness, "POST", "/api/v1/commands", #"{"kind":"hangup","staff_id":901,"call_id":77}"#)
        #expect(hangup.status == 201, "\(hangup.text)")
        expectDocumented("POST", "/api/v1/commands", hangup)

        try await expectRefused(harness, "POST", "/api/v1/appeals/1/booking", #"{"doctor_id":999,"start_at":"2030-03-14T10:30"}"#, naming: "doctor_id")
        try await expectRefused(harness, "POST", "/api/v1/appeals/1/booking", #"{"doctor_id":904,"patient_id":12,"start_at":"2030-03-14T10:30"}"#, naming: "patient_id")
        for start in ["2026-02-30T10:00", "2030-03-14T10:30:00junk", "99999-03-14T10:30", "2030-03-14T24:00", "10000-01-01T00:00"] {
            try await expectRefused(harness, "POST", "/api/v1/appeals/1/booking", #"{"doctor_id":904,"start_at":"\#(start)"}"#, naming: "start_at")
        }
        try await expectRefused(harness, "POST", "/api/v1/appeals/1/booking", #"{"doctor_id":904,"minutes":0,"start_at":"2030-03-14T10:30"}"#, naming: "minutes")
        let noAppeal = try await send(harness, "POST", "/api/v1/appeals/1/booking", #"{"doctor_id":904,"start_at":"2030-03-14T10:30"}"#)
        #expect(noAppeal.status == 404)
        try await expectAlive(harness)
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_COMMANDS") == 1)
    }
}

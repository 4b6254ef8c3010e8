import Firebird
import Foundation
import MisLinkHTTP
import Testing

/// Times, numbers and texts from the platforms, end to end into a real database: refused at the door
/// with the field named (400), or stored `failed` with the reason when only the applier can tell; the
/// worker never traps, and long emoji texts fit their columns as Firebird counts them.
@Suite("Outside input into the intake", .serialized)
struct OutsideInputIntakeTests {
    static func chatwootURL(_ harness: WorkerHarness) -> String {
        "\(harness.worker.baseURL)/chatwoot/webhook/\(WorkerHarness.secret)"
    }

    /// A Chatwoot `message_created` from a client of conversation `conversation`.
    static func chatwootMessage(id: Int, conversation: Int, content: String, createdAt: String, contactName: String) -> String {
        let object: [String: Any] = [
            "event": "message_created", "id": id, "content": content, "created_at": createdAt, "message_type": "incoming",
            "content_type": "text", "private": false,
            "sender": ["id": 3100 + conversation, "name": contactName, "phone_number": "+79160000001", "type": "contact"],
            "conversation": ["id": conversation, "inbox_id": 1, "status": "open", "channel": "Channel::Telegram"],
        ]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    static func post(_ harness: WorkerHarness, _ json: String) async throws -> (status: Int, body: String) {
        let response = try await harness.client.execute(.json(chatwootURL(harness), body: Data(json.utf8)))
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    /// 300 family emoji (7 scalars each) and 1000 flags (2 each): the whole text in the message row, a
    /// preview of at most 200 scalars in `LAST_MESSAGE_PREVIEW`, the contact's name cut to 150 scalars
    /// (and 150 WIN1251 bytes in `APPEALS`); nothing is `failed`.
    @Test func emojiTextsFitTheirColumnsAsFirebirdCountsThem() async throws {
        let harness = try await WorkerHarness.start(label: "emoji-limits")
        defer { Task { await harness.stop() } }
        let family = "👨‍👩‍👧‍👦"
        #expect(family.count == 1 && family.unicodeScalars.count == 7)
        let families = String(repeating: family, count: 300)
        let flagSet = ["🇷🇺", "🇰🇿", "🇧🇾", "🇺🇿", "🇦🇲"]
        let flags = (0..<1000).map { flagSet[$0 % flagSet.count] }.joined()
        let name = String(repeating: "👍🏽", count: 100)  // 200 scalars, 100 characters
        #expect(name.count == 100 && name.unicodeScalars.count == 200)

        let first = try await Self.post(harness, Self.chatwootMessage(
            id: 91_001, conversation: 9100, content: families, createdAt: "1790000000", contactName: name))
        #expect(first.status == 200 && first.body.contains("applied"), "\(first)")
        let rows = try await harness.query(
            "SELECT ID, LAST_MESSAGE_PREVIEW, CONTACT_NAME, APPEAL_ID FROM MISLINK_CHAT_THREADS WHERE PROVIDER = 'chatwoot' AND EXTERNAL_ID = '9100'")
        let thread = try #require(rows.first)
        let threadID = try thread.decode(Int64.self, at: 0)
        // 28 whole families are 196 scalars; a 29th would make 203.
        #expect(try thread.decode(String?.self, at: 1) == String(repeating: family, count: 28))
        // 75 whole 👍🏽 are 150 scalars.
        #expect(try thread.decode(String?.self, at: 2) == String(repeating: "👍🏽", count: 75))
        let appeal = try thread.decode(Int.self, at: 3)
        let misName = try await harness.query("SELECT CONTACT_NAME FROM APPEALS WHERE ID = ?", [.integer(Int32(appeal))])[0]
            .decode(String?.self, at: 0)
        #expect(misName == String(repeating: "?", count: 100))  // one '?' per character, within 150 bytes

        let second = try await Self.post(harness, Self.chatwootMessage(
            id: 91_002, conversation: 9100, content: flags, createdAt: "1790000060", contactName: name))
        #expect(second.status == 200 && second.body.contains("applied"), "\(second)")
        let preview = try await harness.query("SELECT LAST_MESSAGE_PREVIEW FROM MISLINK_CHAT_THREADS WHERE ID = ?", [.bigint(threadID)])[0]
            .decode(String?.self, at: 0)
        #expect(preview == (0..<100).map { flagSet[$0 % flagSet.count] }.joined())  // 100 flags, 200 scalars

        let bodies = try await harness.query(
            "SELECT BODY FROM MISLINK_CHAT_MESSAGES WHERE THREAD_ID = ? ORDER BY SENT_AT", [.bigint(threadID)])
            .map { try $0.decode(String?.self, at: 0) }
        #expect(bodies == [families, flags])
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_INBOX WHERE STATUS = 'failed'") == 0)
    }

    /// Times a platform writes as numbers out of Firebird's range are refused with the field named, and
    /// nothing is stored; the worker keeps answering.
    @Test func timesOutOfRangeAreRefusedWithTheFieldNamed() async throws {
        let harness = try await WorkerHarness.start(label: "time-range")
        defer { Task { await harness.stop() } }
        for createdAt in ["1e300", "-1e20", "1e20", "NaN"] {
            let answer = try await Self.post(harness, Self.chatwootMessage(
                id: 92_001, conversation: 9200, content: "hi", createdAt: createdAt, contactName: "Анна"))
            #expect(answer.status == 400 && answer.body.contains("created_at"), "\(createdAt): \(answer)")
        }
        for (field, value) in [("timestamp", "1e300"), ("timestamp", "-1e20"), ("seq", "1e20"), ("seq", "3000000000")] {
            let json = field == "timestamp"
                ? callEvent(entry: "E-range", call: "C-range", seq: 1, state: "Appeared", timestamp: 0)
                    .replacingOccurrences(of: "\"timestamp\":0", with: "\"timestamp\":\(value)")
                : callEvent(entry: "E-range", call: "C-range", seq: 1, state: "Appeared", timestamp: 1_790_000_000)
                    .replacingOccurrences(of: "\"seq\":1", with: "\"seq\":\(value)")
            let answer = try await harness.mango("events/call", json: json)
            #expect(answer.status == 400 && String(decoding: answer.body, as: UTF8.self).contains(field), "\(field)=\(value)")
        }
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_INBOX") == 0)
        // Still alive, and a good event is applied.
        let good = try await harness.mango("events/call", json: callEvent(
            entry: "E-good", call: "C-good", seq: 1, state: "Appeared", timestamp: 1_790_000_000))
        #expect(good.status == 200 && String(decoding: good.body, as: UTF8.self).contains("applied"))
    }

    /// A time only the applier can find out of range (the configured PBX offset pushes it past 9999) is
    /// stored `failed` with the field named: answered 200 (the PBX must not resend it forever), no
    /// trap, and the next event is applied.
    @Test func aTimePushedOutOfRangeIsStoredFailedWithTheReason() async throws {
        let harness = try await WorkerHarness.start(label: "time-offset", configure: { $0.mango.timestampOffset = -86_400 })
        defer { Task { await harness.stop() } }
        let last = callEvent(entry: "E-late", call: "C-late", seq: 1, state: "Appeared", timestamp: 253_402_300_799)
        let answer = try await harness.mango("events/call", json: last)
        #expect(answer.status == 200 && String(decoding: answer.body, as: UTF8.self).contains("failed"))
        let stored = try await harness.query("SELECT STATUS, ERROR FROM MISLINK_INBOX WHERE OBJECT_ID = 'E-late'")
        #expect(try stored.first?.decode(String.self, at: 0) == "failed")
        let reason = try stored.first?.decode(String?.self, at: 1) ?? nil
        #expect(reason?.contains("timestamp 253402300799 (mango.timestamp_offset -86400) is out of range") == true, "\(reason ?? "no reason")")
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_CALLS WHERE PBX_CALL_ID = 'E-late'") == 0)

        let good = try await harness.mango("events/call", json: callEvent(
            entry: "E-next", call: "C-next", seq: 1, state: "Appeared", timestamp: 1_790_000_000))
        #expect(good.status == 200 && String(decoding: good.body, as: UTF8.self).contains("applied"))
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_CALLS WHERE PBX_CALL_ID = 'E-next'") == 1)
    }
}

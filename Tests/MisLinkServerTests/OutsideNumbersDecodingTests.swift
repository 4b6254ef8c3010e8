import Foundation
import MisLinkExternalAPIs
import Testing

/// The adapters' decoding refuses times and numbers that would not fit their columns, naming the
/// field, instead of passing them on to trap or to be clamped into a wrong value.
@Suite("Outside numbers in webhook decoding")
struct OutsideNumbersDecodingTests {
    /// Values a buggy or hostile platform sends for a number.
    static let hostile = ["1e300", "-1e20", "1e20", "\"1e300\"", "\"-1e20\"", "\"NaN\"", "\"inf\"", "\"12abc\"", "12.5", "true",
                          "9223372036854775808", "-9223372036854775809"]

    /// The key path a `DecodingError` names (what the webhook's 400 answer says).
    static func refusedField<T: Decodable>(_ type: T.Type, _ json: String) -> String? {
        do {
            _ = try JSONDecoder().decode(type, from: Data(json.utf8))
            return nil
        } catch DecodingError.dataCorrupted(let context) {
            return context.codingPath.map(\.stringValue).joined(separator: ".")
        } catch DecodingError.keyNotFound(let key, let context) {
            return (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
        } catch {
            return "\(error)"
        }
    }

    static func call(timestamp: String = "1790000000", seq: String = "1", reason: String = "1100") -> String {
        #"{"entry_id":"E1","call_id":"C1","timestamp":\#(timestamp),"seq":\#(seq),"call_state":"Disconnected","disconnect_reason":\#(reason)}"#
    }

    @Test(arguments: hostile)
    func mangoCallTimesSeqAndCodesOutOfRangeAreRefused(value: String) {
        #expect(Self.refusedField(MangoCallEvent.self, Self.call(timestamp: value)) == "timestamp")
        #expect(Self.refusedField(MangoCallEvent.self, Self.call(seq: value)) == "seq")
        #expect(Self.refusedField(MangoCallEvent.self, Self.call(reason: value)) == "disconnect_reason")
    }

    @Test func mangoNumbersInRangeStillDecodeLoosely() throws {
        let event = try JSONDecoder().decode(MangoCallEvent.self, from: Data(Self.call(timestamp: "\"1790000000\"", seq: "\"7\"").utf8))
        #expect(event.timestamp == 1_790_000_000 && event.seq == 7 && event.disconnectReason?.rawValue == 1100)
        let float = try JSONDecoder().decode(MangoCallEvent.self, from: Data(Self.call(timestamp: "1.79e9", seq: "2147483647").utf8))
        #expect(float.timestamp == 1_790_000_000 && float.seq == Int(Int32.max))
        let empty = try JSONDecoder().decode(MangoCallEvent.self, from: Data(Self.call(timestamp: "\"\"", seq: "null").utf8))
        #expect(empty.timestamp == 0 && empty.seq == 0)
        // The last second Firebird stores is taken; one more, or a seq past INTEGER, is not.
        #expect(Self.refusedField(MangoCallEvent.self, Self.call(timestamp: "253402300799")) == nil)
        #expect(Self.refusedField(MangoCallEvent.self, Self.call(timestamp: "253402300800")) == "timestamp")
        #expect(Self.refusedField(MangoCallEvent.self, Self.call(seq: "2147483648")) == "seq")
        #expect(Self.refusedField(MangoCallEvent.self, Self.call(seq: "-1")) == "seq")
        #expect(Self.refusedField(MangoCallEvent.self, Self.call(timestamp: "-5")) == "timestamp")
    }

    @Test(arguments: ["create_time", "forward_time", "talk_time", "end_time"])
    func mangoSummaryTimesOutOfRangeAreRefused(field: String) {
        for value in ["1e300", "-1e20", "1e20", "\"NaN\""] {
            let json = #"{"entry_id":"E1","call_direction":1,"\#(field)":\#(value)}"#
            #expect(Self.refusedField(MangoSummaryEvent.self, json) == field, "\(value)")
        }
    }

    @Test func mangoRecordingsAndResultsOutOfRangeAreRefused() {
        let recording = #"{"recording_id":"R1","recording_state":"Started","seq":SEQ,"entry_id":"E1","call_id":"C1","timestamp":TS}"#
        #expect(Self.refusedField(MangoRecordingEvent.self, recording.replacingOccurrences(of: "SEQ", with: "1e20")
            .replacingOccurrences(of: "TS", with: "1")) == "seq")
        #expect(Self.refusedField(MangoRecordingEvent.self, recording.replacingOccurrences(of: "SEQ", with: "1")
            .replacingOccurrences(of: "TS", with: "1e300")) == "timestamp")
        #expect(Self.refusedField(MangoRecordAddedEvent.self, #"{"recording_id":"R1","timestamp":-1e20}"#) == "timestamp")
        #expect(Self.refusedField(MangoCommandResult.self, #"{"command_id":"c","result":99999999999}"#) == "result")
        #expect(Self.refusedField(MangoCommandResult.self, #"{"command_id":"c","result":"1000"}"#) == nil)
    }

    @Test(arguments: ["1e300", "-1e20", "1e20", "\"1e300\"", "\"NaN\"", "\"-inf\""])
    func chatwootTimesOutOfRangeAreRefused(value: String) {
        let message = #"{"event":"message_created","id":5,"content":"hi","created_at":\#(value),"message_type":"incoming","conversation":{"id":7}}"#
        #expect(Self.refusedField(ChatwootMessage.self, message) == "created_at")
        let conversation = #"{"event":"conversation_updated","id":7,"status":"open","timestamp":\#(value)}"#
        #expect(Self.refusedField(ChatwootConversation.self, conversation) == "timestamp")
        // Nested in a message, the conversation's time is refused too, not silently dropped with the object.
        let nested = #"{"event":"message_created","id":5,"content":"hi","message_type":"incoming","conversation":{"id":7,"timestamp":\#(value)}}"#
        #expect(Self.refusedField(ChatwootMessage.self, nested) == "conversation.timestamp")
    }

    @Test func chatwootTimesInRangeStillDecode() throws {
        let iso = #"{"id":5,"created_at":"2026-11-27T09:30:00Z","message_type":1,"conversation":{"id":7,"timestamp":"1790000000"}}"#
        let message = try JSONDecoder().decode(ChatwootMessage.self, from: Data(iso.utf8))
        #expect(message.createdAt == "2026-11-27T09:30:00Z" && message.conversation?.timestamp == 1_790_000_000)
        let epoch = try JSONDecoder().decode(ChatwootMessage.self, from: Data(#"{"id":5,"created_at":1790000900}"#.utf8))
        #expect(epoch.createdAt == "1790000900")
    }

    @Test(arguments: ["1e300", "-1e20", "1e20", "\"1e300\"", "\"NaN\""])
    func ednaTimesOutOfRangeAreRefused(value: String) {
        let webhook = #"{"action":"MESSAGE","text":"hi","threadsClientId":9,"receivedAt":\#(value)}"#
        #expect(Self.refusedField(EdnaBotWebhook.self, webhook) == "receivedAt")
        let thread = #"{"id":7,"status":"ASSIGNED","stateChangeTime":\#(value)}"#
        #expect(Self.refusedField(EdnaThread.self, thread) == "stateChangeTime")
        let started = #"{"id":7,"status":"ASSIGNED","startTime":\#(value)}"#
        #expect(Self.refusedField(EdnaThread.self, started) == "startTime")
        #expect(Self.refusedField(EdnaThread.self, #"{"id":7,"status":"NEW","stateChangeTime":"2026-11-27T09:30:00.123"}"#) == nil)
    }

    @Test func decimalTextIsRecognisedStrictly() {
        for text in ["1790000000", "-12.5", "+1e300", "1E-3", ".5", "5."] { #expect(LooseNumber.isDecimal(text), "\(text)") }
        for text in ["", "-", "e5", "1e", "1.2.3", "nan", "inf", "0x1p3", "12abc", "1 2", "١٢"] {
            #expect(!LooseNumber.isDecimal(text), "\(text)")
        }
    }
}

import Foundation
import MisLinkExternalAPIs
import MisLinkHTTP
import Testing

@Suite struct SignatureTests {
    /// The reference vector: key `k`, salt `s`, json `{"a":1}` → sha256 of `k{"a":1}s` (computed with sha256sum).
    @Test func referenceVector() {
        let sign = MangoSignature.sign(json: #"{"a":1}"#, apiKey: "k", apiSalt: "s")
        #expect(sign == "9eefb34c92e0fa5473558ca3806ab7cac11cace9255d5fddee556a2d720b5939")
        let credentials = MangoCredentials(apiKey: "k", apiSalt: "s")
        #expect(MangoSignature.isValid(sign: sign.uppercased(), json: #"{"a":1}"#, credentials: credentials))
        #expect(!MangoSignature.isValid(sign: sign, json: #"{"a": 1}"#, credentials: credentials))
    }

    @Test func signedFormVerifies() {
        let credentials = MangoCredentials(apiKey: "k", apiSalt: "s")
        let form = MangoSignedForm(json: #"{"a":1}"#, credentials: credentials)
        #expect(form.verify(credentials) == nil)
        #expect(form.verify(MangoCredentials(apiKey: "other", apiSalt: "s")) == .badAccessKey)
        #expect(form.verify(MangoCredentials(apiKey: "k", apiSalt: "x")) == .signMismatch)
        let decoded = MangoSignedForm(form: FormURLEncoding.decode(FormURLEncoding.encode(form.fields)))
        #expect(decoded == form)
    }

    @Test func formEncodingRoundTripsUnicodeAndReservedCharacters() {
        let json = #"{"text":"Привет 👋 & = + /"}"#
        let encoded = FormURLEncoding.encode([("json", json)])
        #expect(!encoded.contains(" "))
        #expect(FormURLEncoding.decode(encoded)["json"] == json)
    }

    @Test func looseDecodingAcceptsStringsAndEmptyGroups() throws {
        let json = #"{"entry_id":"E","call_id":"C","timestamp":"1700000000","seq":"3","call_state":"Disconnected","#
            + #""to":{"extension":29,"acd_group":""},"disconnect_reason":"1110","unknown":1}"#
        let event = try MangoJSON.decode(MangoCallEvent.self, from: json)
        #expect(event.seq == 3)
        #expect(event.timestamp == 1_700_000_000)
        #expect(event.to?.extensionNumber == "29")
        #expect(event.to?.acdGroup == nil)
        #expect(event.disconnectReason == .endedByCaller)
    }

    @Test func compactJSONKeepsSlashesAndUnicode() throws {
        let json = try MangoJSON.encode(MangoCallbackCommand(
            commandId: "c/1", from: .init(extension: "101"), toNumber: "79161234567"))
        #expect(json == #"{"command_id":"c/1","from":{"extension":"101"},"to_number":"79161234567"}"#)
    }
}

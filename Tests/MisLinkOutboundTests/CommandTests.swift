import Firebird
import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import Testing

@testable import MisLinkOutbound

/// MIS commands as signed Mango commands, against the fake PBX (which checks key and signature and
/// locks out a second bad request, as Mango does).
@Suite(.serialized) struct CommandTests {
    @Test func aClickToCallBecomesASignedCallbackThePBXAccepts() async throws {
        try await OutboundHarness.with("ob-call") { h in
            let id = try await h.insertCommand(kind: "call", staffId: 11, target: "8 (917) 123-45-67")
            #expect(try await h.dispatcher().drainOnce() == 1)

            let received = h.pbx.receivedCommands
            try #require(received.count == 1)
            #expect(received[0].path == "commands/callback")
            #expect(received[0].result == 1000, "the fake PBX checked key and signature")
            let command = try MangoJSON.decode(MangoCallbackCommand.self, from: received[0].json)
            #expect(command.commandId == "mislink-cmd-\(id)")
            #expect(command.from.extensionNumber == "101")
            #expect(command.toNumber == "79171234567")

            let row = try await h.command(id)
            #expect(try row.text("STATUS") == "sent")
            #expect(try row.text("RESULT_CODE") == "1000")
            #expect(try row.text("PBX_COMMAND_ID") == "mislink-cmd-\(id)")
            #expect(try row.text("CLAIMED_BY") == "worker-a")
            #expect(row["DONE_AT"]?.isNull == true, "done comes with the PBX's result notification")
        }
    }

    /// Transfer and hang-up act on the operator's live leg (Mango `call_id`) of the MIS call; the fake
    /// PBX knows the calls from the `events/call` it would have sent, and accepts only live legs.
    @Test func transferAndHangupGoToTheOperatorsLiveLeg() async throws {
        try await OutboundHarness.with("ob-transfer") { h in
            for (call, leg) in [(7, "leg-7-101"), (8, "leg-8-101")] {
                h.pbx.learn(path: "events/call", json: .object([
                    "entry_id": .string("entry-\(call)"), "call_id": .string(leg), "seq": .int(2),
                    "call_state": .string("Connected"), "location": .string("abonent"),
                    "timestamp": .int(Int(Date().timeIntervalSince1970)),
                    "from": .object(["number": .string("79171234567")]), "to": .object(["extension": .string("101")]),
                ]))
                try await h.execute(
                    """
                    INSERT INTO MISLINK_CALLS (ID, PBX_CALL_ID, DIRECTION, STATE, STARTED_AT)
                    VALUES (\(call), \("entry-\(call)"), 'in', 'talking', MISLINK_UTC_NOW())
                    """)
                try await h.execute(
                    "INSERT INTO MISLINK_CALL_LEGS (CALL_ID, PBX_LEG_ID, STATE) VALUES (\(call), \("ivr-\(call)"), 'ended')")
                try await h.execute(
                    "INSERT INTO MISLINK_CALL_LEGS (CALL_ID, PBX_LEG_ID, STAFF_ID, STATE) VALUES (\(call), \(leg), 11, 'talking')")
            }
            try await h.execute(
                "INSERT INTO MISLINK_CALLS (ID, PBX_CALL_ID, DIRECTION, STATE, STARTED_AT) VALUES (9, 'entry-9', 'in', 'ended', MISLINK_UTC_NOW())")
            try await h.execute("INSERT INTO MISLINK_CALL_LEGS (CALL_ID, PBX_LEG_ID, STAFF_ID, STATE) VALUES (9, 'leg-9', 11, 'ended')")

            let transfer = try await h.insertCommand(kind: "transfer", target: "102", callId: 7, payload: #"{"method":"hold"}"#)
            let hangup = try await h.insertCommand(kind: "hangup", callId: 8)
            let record = try await h.insertCommand(kind: "record", callId: 9)
            #expect(try await h.dispatcher().drainOnce() == 3)

            let received = h.pbx.receivedCommands
            try #require(received.count == 2, "the command on an ended call is not sent: \(received.map(\.path))")
            let sentTransfer = try MangoJSON.decode(
                MangoTransferCommand.self, from: try #require(received.first { $0.path == "commands/transfer" }).json)
            #expect(sentTransfer.callId == "leg-7-101")
            #expect(sentTransfer.method == "hold")
            #expect(sentTransfer.toNumber == "102")
            #expect(sentTransfer.initiator == "101")
            #expect(sentTransfer.commandId == "mislink-cmd-\(transfer)")
            let sentHangup = try MangoJSON.decode(
                MangoHangupCommand.self, from: try #require(received.first { $0.path == "commands/call/hangup" }).json)
            #expect(sentHangup.callId == "leg-8-101")

            for id in [transfer, hangup] {
                let row = try await h.command(id)
                #expect(try row.text("STATUS") == "sent", "\(row)")
                #expect(try row.text("RESULT_CODE") == "1000")
            }
            let failed = try await h.command(record)
            #expect(try failed.text("STATUS") == "failed")
            #expect(try failed.text("RESULT")?.contains("завершён") == true)
            #expect(failed["DONE_AT"]?.isNull == false)
        }
    }

    /// A command the PBX refuses (4101: the call ended meanwhile) is failed with the code, not retried.
    @Test func aRefusedCommandIsFailedWithThePBXCode() async throws {
        try await OutboundHarness.with("ob-4101") { h in
            try await h.execute(
                "INSERT INTO MISLINK_CALLS (ID, PBX_CALL_ID, DIRECTION, STATE, STARTED_AT) VALUES (5, 'entry-5', 'in', 'talking', MISLINK_UTC_NOW())")
            try await h.execute("INSERT INTO MISLINK_CALL_LEGS (CALL_ID, PBX_LEG_ID, STAFF_ID, STATE) VALUES (5, 'gone', 11, 'talking')")
            let id = try await h.insertCommand(kind: "hangup", callId: 5)
            #expect(try await h.dispatcher().drainOnce() == 1)
            let row = try await h.command(id)
            #expect(try row.text("STATUS") == "failed")
            #expect(try row.text("RESULT_CODE") == "4101")
            #expect(h.pbx.receivedCommands.count == 1, "not retried")
        }
    }

    /// A wrong salt gives 3102: the row fails at once with the code and is not retried, and the
    /// dispatcher stops sending to Mango, so the PBX never sees a second bad request (which would
    /// lock the account out).
    @Test func signatureMismatchFailsAtOnceWithoutARetryOrASecondRequest() async throws {
        try await OutboundHarness.with("ob-3102") { h in
            let dispatcher = h.dispatcher(salt: "wrong-salt")
            let sms = try await h.insertMessage(
                body: "Код 1234", channel: "sms", threadId: nil, phoneKey: "79171234567", staffId: 11)
            #expect(try await dispatcher.drainOnce() == 1)
            let row = try await h.outbox(sms)
            #expect(try row.text("STATUS") == "failed")
            #expect(try row.text("RESULT_CODE") == "3102")
            #expect(try row.int("ATTEMPTS") == 1)
            #expect(try await dispatcher.drainOnce() == 0, "a failed row is not claimed again")

            let call = try await h.insertCommand(kind: "call", target: "89171234567")
            let later = try await h.insertMessage(body: "Ещё SMS", channel: "sms", threadId: nil, phoneKey: "79171234568", staffId: 11)
            #expect(try await dispatcher.drainOnce() == 2)
            let command = try await h.command(call)
            #expect(try command.text("STATUS") == "failed")
            let waiting = try await h.outbox(later)
            #expect(try waiting.text("STATUS") == "pending", "held back while Mango is paused")
            #expect(try waiting.int("ATTEMPTS") == 0, "a held-back row has not used an attempt")
            #expect(try waiting.int("LATER") == 1)

            let received = h.pbx.receivedCommands
            #expect(received.count == 1, "exactly one request reached the PBX: \(received.map(\.path))")
            #expect(received.first?.result == 3102)
        }
    }

    @Test func aCommandOfAnEmployeeWithoutAnExtensionFails() async throws {
        try await OutboundHarness.with("ob-noext") { h in
            try await h.execute("INSERT INTO STAFF (ID, FULL_NAME, ROLE) VALUES (13, 'Без номера', 'registrar')")
            let id = try await h.insertCommand(kind: "call", staffId: 13, target: "89171234567")
            #expect(try await h.dispatcher().drainOnce() == 1)
            let row = try await h.command(id)
            #expect(try row.text("STATUS") == "failed")
            #expect(try row.text("RESULT")?.contains("внутреннего номера") == true)
            #expect(h.pbx.receivedCommands.isEmpty)
        }
    }
}

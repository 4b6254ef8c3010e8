import Firebird
import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkProfiles
import Testing

@testable import MisLinkOutbound

/// The dispatcher and the mailings read the MIS only through the profile's statements (`staff_get`,
/// `patient_message_name`, `service_get`, `visit_get`, `mailing_recipients`), by their aliases: a copy of
/// the reference profile whose statements mark what they return shows up in what is sent.
@Suite(.serialized) struct ProfileReadTests {
    /// The reference profile copied to a temporary folder, each statement's text changed by `edits`
    /// (the text to find in the statement, and what replaces it).
    static func editedReference(_ edits: [String: (String, String)]) throws -> MISProfile {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mislink-profile-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: OutboundHarness.profile.directory, to: folder)
        let file = folder.appendingPathComponent(MISProfile.statementsFile)
        var text = try String(contentsOf: file, encoding: .utf8)
        for (name, edit) in edits {
            let statement = try OutboundHarness.profile.statement(name)
            #expect(statement.text.contains(edit.0), "\(name) no longer has \(edit.0)")
            text = text.replacingOccurrences(of: statement.text, with: statement.text.replacingOccurrences(of: edit.0, with: edit.1))
        }
        try text.write(to: file, atomically: true, encoding: .utf8)
        let profile = try MISProfile(directory: folder)
        #expect(profile.issues.isEmpty)
        return profile
    }

    static let marked = Result { try editedReference([
        "staff_get": ("S.FULL_NAME AS FULL_NAME, NULLIF(TRIM(S.SIP_EXTENSION), '') AS EXTENSION",
                      "'д-р ' || S.FULL_NAME AS FULL_NAME, '7' || NULLIF(TRIM(S.SIP_EXTENSION), '') AS EXTENSION"),
        "patient_message_name": ("AS NAME", "|| '!' AS NAME"),
        "service_get": ("V.NAME AS NAME", "'услуга ' || V.NAME AS NAME"),
        "visit_get": ("S.CABINET AS CABINET", "'каб. ' || S.CABINET AS CABINET"),
        "mailing_recipients": ("P.CONSENT_MESSENGERS AS CONSENT_MESSENGERS", "0 AS CONSENT_MESSENGERS"),
    ]) }

    @Test func commandsAndSMSGoOutFromTheExtensionStaffGetGives() async throws {
        let profile = try Self.marked.get()
        try await OutboundHarness.with("ob-prof-ext") { h in
            let call = try await h.insertCommand(kind: "call", staffId: 11, target: "8 (917) 123-45-67")
            let sms = try await h.insertMessage(body: "Код 1234", channel: "sms", threadId: nil, phoneKey: "79171234567", staffId: 11)
            #expect(try await h.dispatcher(profile: profile).drainOnce() == 2)

            let callback = try #require(h.pbx.receivedCommands.first { $0.path == "commands/callback" })
            #expect(try MangoJSON.decode(MangoCallbackCommand.self, from: callback.json).from.extensionNumber == "7101")
            #expect(try await h.command(call).text("STATUS") == "sent")
            let text = try #require(h.pbx.receivedCommands.first { $0.path.contains("sms") })
            #expect(try MangoJSON.decode(MangoSMSCommand.self, from: text.json).fromExtension == "7101")
            #expect(try await h.outbox(sms).text("STATUS") == "sent")
        }
    }

    @Test func placeholdersAreFilledFromTheProfilesStatements() async throws {
        let profile = try Self.marked.get()
        try await OutboundHarness.with("ob-prof-names") { h in
            try await h.execute("INSERT INTO SERVICES (ID, NAME) VALUES (7, 'Приём терапевта')")
            try await h.execute(
                """
                INSERT INTO SCHEDULE (ID, PATIENT_ID, DOCTOR_ID, SERVICE_ID, START_AT, END_AT, STATUS, CABINET)
                VALUES (20, 1, 12, 7, TIMESTAMP '2020-01-01 10:00', TIMESTAMP '2020-01-01 10:30', 'visited', '214')
                """)
            try await h.execute(
                "INSERT INTO MISLINK_TEMPLATES (CODE, CHANNEL, BODY) VALUES ('profile_test', 'any', '{patient_name} | {doctor_name} | {service_name} | {cabinet}')")
            try await h.insertMessage(
                template: "profile_test", params: #"{"patient_id":1,"doctor_id":12,"service_id":7,"schedule_id":20}"#)
            #expect(try await h.dispatcher(profile: profile).drainOnce() == 1)
            let sent = try #require(h.chat.sent.first)
            let content = try JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any]
            #expect(content?["content"] as? String == "Мария Ивановна! | д-р Петров Олег Иванович | услуга Приём терапевта | каб. 214")
        }
    }

    @Test func aMailingTakesConsentsFromMailingRecipients() async throws {
        let profile = try Self.marked.get()
        try await OutboundHarness.with("ob-prof-mail") { h in
            let mailing = NewMailing(
                title: "Анализы", kind: "results_ready", templateCode: nil, body: "{patient_name}", channel: "whatsapp",
                patientIds: [1, 999], window: MailingTests.allDay, ratePerMinute: 0, staffId: 11, createdBy: "test")
            let created = try await h.db.withTransaction { tx in
                try MailingQueue.create(mailing, profile: profile, timeZone: MailingTests.clinic, in: tx)
            }
            #expect(created.queued == 0)
            #expect(created.refusedByReason == ["no consent": 1, "no such patient": 1])

            let reference = try await h.db.withTransaction { tx in
                try MailingQueue.create(mailing, profile: OutboundHarness.profile, timeZone: MailingTests.clinic, in: tx)
            }
            #expect(reference.queued == 1, "patient 1 consented to messengers")
            #expect(reference.refusedByReason == ["no such patient": 1])
        }
    }
}

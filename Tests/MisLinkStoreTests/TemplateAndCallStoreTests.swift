import Firebird
import Foundation
import MisLinkStore
import Testing

/// The statements the REST routes call: templates, the call log.
@Suite struct TemplateAndCallStoreTests {
    @Test func aTemplateIsCreatedReplacedListedAndDeactivated() async throws {
        try await StoreFixture.with("store-templates") { f in
            let edit = Templates.Edit(channel: "sms", kind: .auto, title: "Запись", body: "Вы записаны", active: true, sortOrder: 2)
            let created = try await f.db.withTransaction(.default) { tx in try Templates.save(code: "visit_x", edit, in: tx) }
            #expect(created.created && created.template.body == "Вы записаны" && created.template.kind == .auto)
            #expect(created.template.sortOrder == 2 && created.template.active && created.template.updatedAt != nil)

            let replaced = Templates.Edit(channel: "sms", kind: .auto, title: "Запись", body: "Вы записаны, ждём вас", active: true, sortOrder: 2)
            let again = try await f.db.withTransaction(.default) { tx in try Templates.save(code: "visit_x", replaced, in: tx) }
            #expect(again.created == false && again.template.body == "Вы записаны, ждём вас")

            let any = Templates.Edit(channel: "any", kind: .auto, title: nil, body: "Общий текст", active: true, sortOrder: 0)
            let whatsapp = Templates.Edit(channel: "whatsapp", kind: .auto, title: nil, body: "Текст для WhatsApp", active: true, sortOrder: 0)
            _ = try await f.db.withTransaction(.default) { tx in
                (try Templates.save(code: "visit_x", any, in: tx), try Templates.save(code: "visit_x", whatsapp, in: tx))
            }
            let listed = try await f.db.withTransaction(.read) { tx in
                try Templates.list(kind: .auto, channel: "sms", active: true, in: tx).filter { $0.code == "visit_x" }
            }
            #expect(Set(listed.map(\.channel)) == ["any", "sms"], "a channel's list has its own and the `any` templates")

            let body = try await f.db.withTransaction(.read) { tx in
                try Templates.autoBody(code: "visit_x", channels: ["whatsapp", "sms"], in: tx)
            }
            #expect(body == "Текст для WhatsApp", "the first channel's own template wins")

            let off = try await f.db.withTransaction(.default) { tx in try Templates.deactivate(code: "visit_x", channel: "whatsapp", in: tx) }
            #expect(off?.active == false)
            let fallback = try await f.db.withTransaction(.read) { tx in
                (try Templates.autoBody(code: "visit_x", channels: ["whatsapp"], in: tx),
                 try Templates.hasActiveAuto(code: "visit_x", channel: "whatsapp", in: tx),
                 try Templates.deactivate(code: "no_such", channel: "sms", in: tx))
            }
            #expect(fallback.0 == "Общий текст" && fallback.1 && fallback.2 == nil)
        }
    }

    /// An operator's message finds a quick reply by its code (the channel's own, then `any`); automatic
    /// messages never take one, and an automatic text is still there for operators.
    @Test func quickRepliesAreFoundByCodeForOperatorsOnly() async throws {
        try await StoreFixture.with("store-quick") { f in
            let replies = [("any", "Мы на Ленина, 1"), ("telegram", "Мы на Ленина, 1 (вход со двора)")]
            _ = try await f.db.withTransaction(.default) { tx in
                for (channel, body) in replies {
                    _ = try Templates.save(code: "directions", .init(channel: channel, kind: .quickReply, title: "Как добраться",
                                                                     body: body, active: true, sortOrder: 0), in: tx)
                }
                _ = try Templates.save(code: "visit_y", .init(channel: "any", kind: .auto, title: nil, body: "Вы записаны",
                                                              active: true, sortOrder: 0), in: tx)
            }
            let found = try await f.db.withTransaction(.read) { tx in
                (try Templates.activeBody(code: "directions", kinds: [.quickReply, .auto], channels: ["telegram"], in: tx),
                 try Templates.activeBody(code: "directions", kinds: [.quickReply, .auto], channels: ["email"], in: tx),
                 try Templates.autoBody(code: "directions", channels: ["telegram"], in: tx),
                 try Templates.activeBody(code: "visit_y", kinds: [.quickReply, .auto], channels: ["sms"], in: tx))
            }
            #expect(found.0 == "Мы на Ленина, 1 (вход со двора)")
            #expect(found.1 == "Мы на Ленина, 1")
            #expect(found.2 == nil, "an automatic message never takes a quick reply")
            #expect(found.3 == "Вы записаны")
        }
    }

    @Test func theCallLogIsPagedNewestFirstAndPatched() async throws {
        try await StoreFixture.with("store-calls") { f in
            let base = Date(timeIntervalSince1970: 1_790_000_000)
            for n in 0..<3 {
                let started = FirebirdTimestamp(base.addingTimeInterval(Double(n) * 60), in: DatabaseClock.utc)
                let pbxCallId = "pbx-\(n)", patient: Int64 = n == 1 ? 7 : 8
                try await f.execute(
                    """
                    INSERT INTO MISLINK_CALLS (ID, PBX_CALL_ID, DIRECTION, STATE, STARTED_AT, PATIENT_ID, RESULT)
                    VALUES (\(Int64(100 + n)), \(pbxCallId), 'in', 'ended', \(started), \(patient), 'missed')
                    """)
            }
            let (first, rest, patient) = try await f.db.withTransaction(.read) { tx in
                let first = try Calls.list(Calls.Filter(), limit: 2, in: tx)
                var next = Calls.Filter()
                next.after = (first[1].startedAt, first[1].id)
                var byPatient = Calls.Filter()
                byPatient.patientId = 7
                return (first, try Calls.list(next, limit: 2, in: tx), try Calls.list(byPatient, limit: 10, in: tx))
            }
            #expect(first.map(\.id) == [102, 101] && rest.map(\.id) == [100])
            #expect(first[0].pbxCallId == "pbx-2" && first[0].direction == "in" && first[0].result == "missed")
            #expect(abs(first[0].startedAt.timeIntervalSince(base.addingTimeInterval(120))) < 0.001, "STARTED_AT is UTC")
            #expect(patient.map(\.id) == [101])

            let patched = try await f.db.withTransaction(.default) { tx in
                (try Calls.update(101, comment: "перезвонить", status: nil, in: tx), try Calls.update(999, comment: "x", status: nil, in: tx))
            }
            #expect(patched.0?.comment == "перезвонить" && patched.0?.patientId == 7 && patched.1 == nil)
            let results = try await f.db.withTransaction(.read) { tx in try Calls.results(pbxCallIds: ["pbx-0", "pbx-9"], in: tx) }
            #expect(results == ["pbx-0": ["missed"]])
        }
    }
}

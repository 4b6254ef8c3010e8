import Foundation
import MisLinkHTTP
import Testing

@testable import MisLinkOutbound

/// The pure parts: backoff, texts, masking, reading Mango's answers.
struct UnitTests {
    @Test func backoffGrowsWithJitterAndIsCapped() {
        let policy = RetryPolicy(maxAttempts: 8, baseDelay: .seconds(4), maxDelay: .seconds(60))
        for _ in 0..<200 {
            let first = policy.delay(after: 1)
            #expect(first >= .seconds(2) && first <= .seconds(4))
            let third = policy.delay(after: 3)
            #expect(third >= .seconds(8) && third <= .seconds(16))
            let late = policy.delay(after: 30)
            #expect(late >= .seconds(30) && late <= .seconds(60))
        }
        #expect(policy.delay(after: 1, hint: .seconds(20)) >= .seconds(20), "Retry-After is honoured")
        #expect(policy.delay(after: 1, hint: .seconds(600)) <= .seconds(60), "…up to the cap")
        #expect(policy.allowsAnother(after: 7))
        #expect(!policy.allowsAnother(after: 8))
    }

    @Test func templatesAndBuiltInTexts() {
        let values = ["patient_name": "Мария", "start_local": "2030-03-01T09:05:00", "doctor_name": "Петров О. И."]
        #expect(MessageText.render("{patient_name}, ждём вас {start_local} ({cabinet}) {x}", values: values)
            == "Мария, ждём вас 01.03.2030 09:05 () {x}")
        #expect(MessageText.builtIn("booking_confirmed", values: values)
            == "Вы записаны на приём к врачу Петров О. И. на 01.03.2030 09:05.")
        #expect(MessageText.builtIn("booking_moved", values: ["start_local": "2030-03-02T10:00:00", "old_start_local": "2030-03-01T09:00:00"])
            == "Ваш приём перенесён с 01.03.2030 09:00 на 02.03.2030 10:00.")
        #expect(MessageText.builtIn("booking_reminder", values: [:]) == "Напоминаем: вы записаны на приём.")
        #expect(MessageText.builtIn("something_else", values: values) == nil)
        #expect(MessageText.parameters(#"{"a":1,"b":"x","c":null,"d":""}"#) == ["a": "1", "b": "x"])
    }

    @Test func phonesAreMaskedInLogs() {
        #expect(Redaction.phone("79171234567") == "********567")
        #expect(Redaction.phone("8 (917) 123-45-67") == "********567")
        #expect(Redaction.phone("101") == "101")
        #expect(Redaction.phone(nil) == "-")
        #expect(!Redaction.recipient("79171234567").contains("9171234"))
    }

    @Test func mangoAnswersAreClassified() {
        func classify(_ status: Int, _ body: String) -> SendOutcome {
            MangoSender.classify(HTTPClientResponse(status: status, body: Data(body.utf8)))
        }
        guard case .sent(_, "1000") = classify(200, #"{"result":1000}"#) else { Issue.record("1000"); return }
        guard case .failed("3102", _) = classify(200, #"{"result":3102}"#) else { Issue.record("3102"); return }
        guard case .failed("3105", _) = classify(400, #"{"result":"3105"}"#) else { Issue.record("3105"); return }
        guard case .failed("4101", _) = classify(200, #"{"result":4101}"#) else { Issue.record("4101"); return }
        guard case .failed("3000", _) = classify(401, #"{"result":3000}"#) else { Issue.record("lockout"); return }
        guard case .retry("503", _, _) = classify(503, "") else { Issue.record("503"); return }
        guard case .retry("429", _, _) = classify(429, "Rate limit exceeded") else { Issue.record("429"); return }
        guard case .retry("5008", _, _) = classify(200, #"{"result":5008}"#) else { Issue.record("5008"); return }
    }
}

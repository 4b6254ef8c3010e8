import Firebird
import Logging
import MisLinkStore

extension OutboundDispatcher {
    /// Sends one claimed outbox row and writes what came of it. Never throws: a failure to write the
    /// result is logged, and the row's lease running out makes it due again.
    func process(_ row: OutboxRow) async {
        var log = logger
        log[metadataKey: "outbox_id"] = "\(row.id)"
        log[metadataKey: "kind"] = "\(row.kind.rawValue)"
        log[metadataKey: "channel"] = "\(row.channel)"
        log[metadataKey: "recipient"] = "\(Redaction.recipient(row.phoneKey ?? row.recipient))"
        log[metadataKey: "attempt"] = "\(row.attempts)"

        let started = ContinuousClock.now
        let outcome: SendOutcome
        var chatText: String?
        var delivery: Outbox.Delivery?
        if row.attempts > retry.maxAttempts {
            // Claimed again and again without a result written (a worker died mid-send, a write-back failed).
            outcome = .failed(resultCode: nil, error: "gave up: claimed \(row.attempts) times without a result (outbound.max_attempts \(retry.maxAttempts))")
        } else if row.expired {
            outcome = .cancelled(error: "expired")
        } else if let held = await holdBack(row) {
            outcome = held
        } else if let sent = await send(row, log: log) {
            (outcome, chatText, delivery) = sent
        } else {
            metrics.leaseLost()
            log.notice("not sent: the claim was lost before the send (its lease ran out, or another worker took the row over)")
            return
        }
        metrics.sendDuration(ContinuousClock.now - started, kind: row.kind.rawValue)

        // A passing failure is retried after a backoff while attempts remain; without one it is final.
        var retryAfter: Duration?
        if case .retry(_, _, let hint) = outcome, retry.allowsAnother(after: row.attempts) {
            retryAfter = retry.delay(after: row.attempts, hint: hint)
        }
        metrics.record(outcome, givenUp: retryAfter == nil, kind: row.kind.rawValue)
        do {
            let mine = try await outbox.record(row, outcome, retryAfter: retryAfter, chatText: chatText, delivery: delivery)
            if !mine { log.warning("the row was taken over by another worker before its result was written") }
            if mine, case .sent = outcome, let thread = row.threadId, let chatText {
                await outbox.touchThread(row, thread: thread, text: chatText)
            }
        } catch {
            log.error("could not write the result back: \(error)")
        }
        switch outcome {
        case .sent(let id, _): log.info("sent", metadata: ["provider_message_id": "\(id ?? "-")"])
        case .retry(let code, let error, _) where retryAfter != nil:
            log.notice("will retry in \(retryAfter!.seconds.rounded()) s: \(error)", metadata: ["result_code": "\(code ?? "-")"])
        case .retry(let code, let error, _):
            log.warning("failed after \(row.attempts) attempts: \(error)", metadata: ["result_code": "\(code ?? "-")"])
        case .failed(let code, let error): log.warning("failed: \(error)", metadata: ["result_code": "\(code ?? "-")"])
        case .cancelled(let reason): log.info("cancelled: \(reason)")
        case .deferred(let reason, _, _): log.notice("put back: \(reason)")
        }
    }

    /// Prepares the route (thread, template, recipient) and sends it; with the text sent into a chat
    /// thread, which joins the thread's messages once the platform took it, and how it went out. Nil, and
    /// nothing sent, when the claim could not be renewed right before the request (see ``Leases``).
    private func send(_ row: OutboxRow, log: Logger) async -> (SendOutcome, chatText: String?, delivery: Outbox.Delivery?)? {
        let prepared: PreparedMessage
        do {
            let preparation = self.preparation
            prepared = try await database.withTransaction(.read) { tx in try preparation.route(for: row, in: tx) }
        } catch let problem as Unsendable {
            return (.failed(resultCode: nil, error: problem.description), nil, nil)
        } catch {
            return (.retry(resultCode: nil, error: "database: \(error)", after: nil), nil, nil)
        }
        guard await holdsLease(row.claim(by: leases.worker), log: log) else { return nil }
        log.debug("sending", metadata: ["route": "\(prepared.route.summary)"])
        return await send(prepared.route, channel: prepared.channel, row: row, log: log)
    }

    /// Sends one route; a first-contact template refused for good goes on to its SMS fallback.
    private func send(_ route: MessageRoute, channel: String, row: OutboxRow, log: Logger) async
        -> (SendOutcome, chatText: String?, delivery: Outbox.Delivery?)
    {
        switch route {
        case .chatwoot(let conversation, let text):
            return (await chat.chatwoot(conversation: conversation, text: text, key: row.idempotencyKey), text,
                    Outbox.Delivery(via: .thread, channel: channel))
        case .edna(let message):
            return (await chat.edna(message, key: row.idempotencyKey), message.threadId == nil ? nil : message.text,
                    Outbox.Delivery(via: .thread, channel: channel))
        case .mango(let path, let json):
            let outcome = await mango.send(path: path, json: json)
            let delivery = Outbox.Delivery(via: path == .sms ? .sms : .pbx, channel: path == .sms ? "sms" : "pbx")
            if case .sent(_, let code) = outcome { return (.sent(providerId: row.idempotencyKey, resultCode: code), nil, delivery) }
            return (outcome, nil, delivery)
        case .firstContact(let message, let fallback):
            let outcome = await firstContact.send(message, key: row.idempotencyKey)
            guard case .failed(let code, let error) = outcome, let fallback else {
                return (outcome, nil, Outbox.Delivery(via: .template, channel: message.channel))
            }
            // Refused for good (not approved, not on the messenger): the SMS the patient consented to, as without a template.
            let reason = "\(message.channel) template \(message.template) refused" + (code.map { " (\($0))" } ?? "") + ": \(error)"
            log.notice("first contact refused, sending by SMS", metadata: ["result_code": "\(code ?? "-")"])
            var (smsOutcome, _, delivery) = await send(fallback, channel: "sms", row: row, log: log)
            delivery?.fallbackReason = reason
            if case .failed(let smsCode, let smsError) = smsOutcome {
                smsOutcome = .failed(resultCode: smsCode, error: "\(reason); SMS: \(smsError)")
            }
            return (smsOutcome, nil, delivery)
        }
    }
}

extension OutboundDispatcher {
    /// Renews the claim of a row or command right before its send; false (logged) when it is lost or
    /// cannot be checked, and the send must not happen.
    func holdsLease(_ claim: Claim, log: Logger) async -> Bool {
        do {
            return try await leases.renew(claim)
        } catch {
            log.error("could not renew the claim, not sending: \(error)")
            return false
        }
    }
}

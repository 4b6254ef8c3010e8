import Firebird
import Logging
import MisLinkExternalAPIs

extension OutboundDispatcher {
    /// Carries out one claimed command and writes its status back. Never throws.
    ///
    /// PBX commands are retried within the claim (``Tuning/commandAttempts``, short backoff): an
    /// operator waiting for a click-to-call wants it in seconds or not at all. `sent` means the PBX
    /// answered 1000; its `result/<command>` notification (the intake's) finishes the row.
    func process(_ command: CommandRow) async {
        var log = logger
        log[metadataKey: "command_id"] = "\(command.id)"
        log[metadataKey: "kind"] = "\(command.kind)"
        log[metadataKey: "staff_id"] = "\(command.staffId)"
        log[metadataKey: "target"] = "\(Redaction.phone(command.target))"

        let cap = retry.maxAttempts
        if command.attempts > cap {
            // Taken again and again without a result written (a worker died on it, a write-back failed).
            let text = "Не выполнено: команду брали в работу \(command.attempts) раз без результата (предел outbound.max_attempts = \(cap))"
            metrics.record(.failed(resultCode: nil, error: text), kind: "command")
            do { _ = try await commands.record(command, status: "failed", code: nil, text: text) } catch {
                log.error("could not write the command's status: \(error)")
            }
            log.warning("command failed: claimed \(command.attempts) times without a result")
            return
        }
        if command.kind == "message" {
            await queueMessage(command, log: log)
            return
        }
        let (status, code, text) = await carryOut(command, log: log)
        if status == Self.claimLost {
            metrics.leaseLost()
            log.notice("not sent: the claim was lost before the send (its lease ran out, or another worker took the command over)")
            return
        }
        if status == "new" {
            // Not attempted (shutting down): back to `new`, for this or another worker.
            do { try await commands.release(command) } catch { log.error("could not release the command: \(error)") }
            return
        }
        metrics.record(status == "sent" ? .sent(providerId: nil, resultCode: code) : .failed(resultCode: code, error: text), kind: "command")
        do {
            let mine = try await commands.record(command, status: status, code: code, text: text)
            if !mine { log.notice("the command was finished or taken over before its status was written", metadata: ["status": "\(status)"]) }
        } catch {
            log.error("could not write the command's status: \(error)")
        }
        log.info("command \(status)", metadata: ["result_code": "\(code ?? "-")", "pbx_command_id": "\(command.pbxCommandId ?? "-")"])
    }

    /// What ``carryOut(_:log:)`` answers when the claim was lost before a send: nothing is written.
    static let claimLost = "claim lost"

    /// Sends the Mango command (renewing the claim before each attempt); returns the status, result
    /// code and text for the user, or ``claimLost``.
    private func carryOut(_ command: CommandRow, log: Logger) async -> (String, String?, String) {
        if command.ageSeconds > Int(tuning.commandMaxAge.seconds) {
            return ("cancelled", nil, "Команда устарела (\(command.ageSeconds) с) и не отправлена")
        }
        let request: (path: MangoPath, json: String)
        do {
            request = try await database.transaction(.read) { tx in try CommandTranslation.request(for: command, in: tx) }
        } catch let problem as Unsendable {
            return ("failed", nil, "Не выполнено: \(problem.description)")
        } catch {
            return ("failed", nil, "Не выполнено: ошибка базы данных")
        }
        let backoff = RetryPolicy(
            maxAttempts: tuning.commandAttempts, baseDelay: tuning.commandRetryDelay, maxDelay: tuning.commandRetryDelay * 8)
        var attempt = 0
        while true {
            attempt += 1
            guard await holdsLease(command.id, attempts: command.attempts, in: .commands, log: log) else {
                return (Self.claimLost, nil, "")
            }
            switch await mango.send(path: request.path, json: request.json) {
            case .sent(_, let code):
                return ("sent", code ?? "1000", "Принято АТС")
            case .failed(let code, let error):
                return ("failed", code, "Ошибка АТС: \(error)")
            case .cancelled(let error):
                return ("cancelled", nil, error)
            case .deferred(let error, let after):
                if after == .zero { return ("new", nil, error) }
                return ("failed", nil, "АТС временно не принимает команды после ошибки ключа или подписи; повторите позже")
            case .retry(let code, let error, let hint):
                guard attempt < tuning.commandAttempts, !Task.isCancelled else {
                    return ("failed", code, "АТС недоступна: \(error)")
                }
                let delay = backoff.delay(after: attempt, hint: hint)
                log.notice("retrying the command in \(delay.seconds) s: \(error)", metadata: ["result_code": "\(code ?? "-")"])
                try? await Task.sleep(for: delay)
            }
        }
    }
}

extension OutboundDispatcher {
    /// A `message` command: queued as an outbox row (sent by the next round of the drain).
    fileprivate func queueMessage(_ command: CommandRow, log: Logger) async {
        do {
            if let outboxId = try await commands.queueMessage(command) {
                log.info("message command queued", metadata: ["outbox_id": "\(outboxId)"])
            }
        } catch let problem as Unsendable {
            metrics.record(.failed(resultCode: nil, error: problem.description), kind: "command")
            _ = try? await commands.record(command, status: "failed", code: nil, text: "Не отправлено: \(problem.description)")
            log.warning("message command failed: \(problem.description)")
        } catch {
            log.error("could not queue the message command: \(error)")
        }
    }
}

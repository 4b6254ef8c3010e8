import Firebird
import Logging
import MisLinkExternalAPIs
import MisLinkStore

extension OutboundDispatcher {
    /// Carries out one claimed command and writes its status back. Never throws.
    ///
    /// PBX commands are retried within the claim (``Tuning/commandAttempts``, short backoff): an
    /// operator waiting for a click-to-call wants it in seconds or not at all. `sent` means the PBX
    /// answered 1000; its `result/<command>` notification (the intake's) finishes the row.
    func process(_ command: CommandRow) async {
        var log = logger
        log[metadataKey: "command_id"] = "\(command.id)"
        log[metadataKey: "kind"] = "\(command.kind.rawValue)"
        log[metadataKey: "staff_id"] = "\(command.staffId)"
        log[metadataKey: "target"] = "\(Redaction.phone(command.target))"

        let cap = retry.maxAttempts
        if command.attempts > cap {
            // Taken again and again without a result written (a worker died on it, a write-back failed).
            let text = "Не выполнено: команду брали в работу \(command.attempts) раз без результата (предел outbound.max_attempts = \(cap))"
            metrics.record(.failed(resultCode: nil, error: text), kind: "command")
            do { _ = try await commands.record(command, status: .failed, code: nil, text: text) } catch {
                log.error("could not write the command's status: \(error)")
            }
            log.warning("command failed: claimed \(command.attempts) times without a result")
            return
        }
        if command.kind == .message {
            await queueMessage(command, log: log)
            return
        }
        let status: CommandStatus, code: String?, text: String
        switch await carryOut(command, log: log) {
        case .claimLost:
            metrics.leaseLost()
            log.notice("not sent: the claim was lost before the send (its lease ran out, or another worker took the command over)")
            return
        case .notAttempted:
            // Not attempted (shutting down): back to `new`, for this or another worker.
            do { try await commands.release(command) } catch { log.error("could not release the command: \(error)") }
            return
        case .answered(let answered, let answeredCode, let answeredText):
            (status, code, text) = (answered, answeredCode, answeredText)
        }
        metrics.record(status == .sent ? .sent(providerId: nil, resultCode: code) : .failed(resultCode: code, error: text), kind: "command")
        do {
            let mine = try await commands.record(command, status: status, code: code, text: text)
            if !mine { log.notice("the command was finished or taken over before its status was written", metadata: ["status": "\(status.rawValue)"]) }
        } catch {
            log.error("could not write the command's status: \(error)")
        }
        log.info("command \(status.rawValue)", metadata: ["result_code": "\(code ?? "-")", "pbx_command_id": "\(command.pbxCommandId ?? "-")"])
    }

    /// What carrying out a command came to.
    enum CommandAttempt: Sendable {
        /// The status to write (`sent`, `failed`, `cancelled`), the result code and the text for the user.
        case answered(CommandStatus, code: String?, text: String)
        /// Not attempted (the PBX client is shutting down): the command goes back to `new`.
        case notAttempted
        /// The claim was lost before a send: nothing is written.
        case claimLost
    }

    /// Sends the Mango command (renewing the claim before each attempt); returns the status, result
    /// code and text for the user, or that it was not attempted or the claim was lost.
    private func carryOut(_ command: CommandRow, log: Logger) async -> CommandAttempt {
        if command.ageSeconds > Int(tuning.commandMaxAge.seconds) {
            return .answered(.cancelled, code: nil, text: "Команда устарела (\(command.ageSeconds) с) и не отправлена")
        }
        let request: (path: MangoPath, json: String)
        do {
            request = try await database.withTransaction(.read) { tx in try CommandTranslation.request(for: command, in: tx) }
        } catch let problem as Unsendable {
            return .answered(.failed, code: nil, text: "Не выполнено: \(problem.description)")
        } catch {
            return .answered(.failed, code: nil, text: "Не выполнено: ошибка базы данных")
        }
        let backoff = RetryPolicy(
            maxAttempts: tuning.commandAttempts, baseDelay: tuning.commandRetryDelay, maxDelay: tuning.commandRetryDelay * 8)
        var attempt = 0
        while true {
            attempt += 1
            guard await holdsLease(command.claim(by: leases.worker), log: log) else { return .claimLost }
            switch await mango.send(path: request.path, json: request.json) {
            case .sent(_, let code):
                return .answered(.sent, code: code ?? "1000", text: "Принято АТС")
            case .failed(let code, let error):
                return .answered(.failed, code: code, text: "Ошибка АТС: \(error)")
            case .cancelled(let error):
                return .answered(.cancelled, code: nil, text: error)
            case .deferred(_, let after, _):
                if after == .zero { return .notAttempted }
                return .answered(.failed, code: nil, text: "АТС временно не принимает команды после ошибки ключа или подписи; повторите позже")
            case .retry(let code, let error, let hint):
                guard attempt < tuning.commandAttempts, !Task.isCancelled else {
                    return .answered(.failed, code: code, text: "АТС недоступна: \(error)")
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
            _ = try? await commands.record(command, status: .failed, code: nil, text: "Не отправлено: \(problem.description)")
            log.warning("message command failed: \(problem.description)")
        } catch {
            log.error("could not queue the message command: \(error)")
        }
    }
}

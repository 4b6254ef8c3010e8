import Firebird
import Foundation
import MisLinkExternalAPIs
import MisLinkStore

/// A `MISLINK_COMMANDS` row as the Mango command that carries it out, with our `command_id`.
///
/// | KIND | Mango | from the row |
/// |---|---|---|
/// | `call` | `commands/callback` | `from.extension` = the employee's `EXTENSION` (the MIS profile's `staff_get`), `to_number` = `TARGET` (its phone key; extensions and groups as typed) |
/// | `transfer` | `commands/transfer` (`method` `hold` for PAYLOAD's `consultative`, else `blind`), or `commands/route` while the leg still rings | the employee's live leg of `CALL_ID`, `TARGET`, `initiator` = the employee's extension |
/// | `hangup` | `commands/call/hangup` | the live leg of `CALL_ID` |
/// | `record` | `commands/recording/start` | the live leg of `CALL_ID`, `call_party_number` = the employee's extension |
enum CommandTranslation {
    static func request(for command: CommandRow, in tx: Transaction) throws -> (path: MangoPath, json: String) {
        let commandId = command.pbxCommandId ?? "mislink-cmd-\(command.id)"
        let options = Self.options(command.payload)
        switch command.kind {
        case .call:
            let from = try extensionOf(command)
            let number = try destination(command, in: tx)
            let json = try MangoJSON.encode(MangoCallbackCommand(
                commandId: commandId, from: MangoCommandParty(extension: from), toNumber: number,
                lineNumber: options["line_number"]))
            return (.callback, json)
        case .transfer:
            let leg = try liveLeg(command, in: tx)
            let number = try destination(command, in: tx)
            if leg.state == "ringing" {
                return (.route, try MangoJSON.encode(MangoRouteCommand(commandId: commandId, callId: leg.legId, toNumber: number)))
            }
            let method = transferMethod(options["method"])
            let json = try MangoJSON.encode(MangoTransferCommand(
                commandId: commandId, callId: leg.legId, method: method, toNumber: number, initiator: try extensionOf(command)))
            return (.transfer, json)
        case .hangup:
            let leg = try liveLeg(command, in: tx)
            return (.hangup, try MangoJSON.encode(MangoHangupCommand(commandId: commandId, callId: leg.legId)))
        case .record:
            let leg = try liveLeg(command, in: tx)
            let json = try MangoJSON.encode(MangoRecordingStartCommand(
                commandId: commandId, callId: leg.legId, callPartyNumber: try extensionOf(command)))
            return (.recordingStart, json)
        case .message:
            throw Unsendable("a message command is queued as an outbox row, not sent to the PBX")
        }
    }

    /// Mango's `method` for the API's transfer method. The API says `consultative` (as the PBX's events
    /// name it, `transfer:"consultative"`); the command spells it `hold`: "`method` (`blind` / `hold` =
    /// consultative)" (Mango VPBX API §3.2.8). A row written with `hold` itself is taken too.
    static func transferMethod(_ method: String?) -> String {
        switch method?.trimmed.lowercased() {
        case "consultative", "hold": "hold"
        default: "blind"
        }
    }

    private static func extensionOf(_ command: CommandRow) throws -> String {
        guard let ext = command.staffExtension else { throw Unsendable("у сотрудника \(command.staffId) нет внутреннего номера") }
        return ext
    }

    private static func destination(_ command: CommandRow, in tx: Transaction) throws -> String {
        guard let target = command.target, let number = try Lookups.dialable(target, in: tx) else {
            throw Unsendable("не указан номер (TARGET)")
        }
        return number
    }

    private static func liveLeg(_ command: CommandRow, in tx: Transaction) throws -> (legId: String, state: String) {
        guard let callId = command.callId else { throw Unsendable("не указан звонок (CALL_ID)") }
        guard let leg = try Lookups.liveLeg(callId: callId, staffId: command.staffId, in: tx) else {
            throw Unsendable("звонок уже завершён")
        }
        return leg
    }

    /// PAYLOAD's JSON options (`{"method":"hold"}`) as text values; empty for plain text.
    static func options(_ payload: String?) -> [String: String] {
        guard let payload, payload.trimmed.hasPrefix("{") else { return [:] }
        return MessageText.parameters(payload)
    }
}

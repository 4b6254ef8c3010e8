import Firebird
import MisLinkExternalAPIs
import MisLinkStore

/// Recording events into `MISLINK_CALL_RECORDINGS` (one row per `recording_id`):
/// `events/recording` Started / Completed move it through `recording` → `completed`;
/// `events/record/added` makes it `available`, due at once for the worker's recording fetcher, which
/// downloads it through `queries/recording/post` and marks it `stored`. A recording whose call is not
/// known (yet) is kept in the inbox as `received`.
extension CallLogApplier {
    func applyRecording(_ event: MangoRecordingEvent, in context: ApplyContext) throws -> IntakeOutcome {
        guard let callID = try knownCall(event.entryId, in: context) else { return .stored }
        let state: RecordingState
        switch event.recordingState.lowercased() {
        case "started": state = .recording
        case "completed": state = .completed
        default: return .stored
        }
        let at = try context.utc(epoch: event.timestamp, field: "timestamp")
        try CallRecordings.recordProgress(
            state, pbxRecordingId: Self.ascii(event.recordingId, 128), call: callID, at: at.timestampValue,
            now: context.nowStamp, in: context)
        return .applied
    }

    func applyRecordAdded(_ event: MangoRecordAddedEvent, in context: ApplyContext) throws -> IntakeOutcome {
        guard let callID = try knownCall(event.entryId, in: context) else { return .stored }
        let at = try context.utc(epoch: event.timestamp, field: "timestamp")
        try CallRecordings.markAvailable(
            pbxRecordingId: Self.ascii(event.recordingId, 128), call: callID, at: at.timestampValue, now: context.nowStamp,
            in: context)
        return .applied
    }

    private func knownCall(_ entryID: String, in context: ApplyContext) throws -> Int64? {
        guard !entryID.isEmpty else { return nil }
        if let id = context.ids["call:" + entryID] { return id }
        guard let id = try Calls.id(pbxCallId: Self.ascii(entryID, 128), in: context) else { return nil }
        context.ids.remember("call:" + entryID, id)
        return id
    }
}

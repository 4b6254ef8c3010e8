import Dispatch
import Synchronization

/// The inbox lag behind ``IntakePipeline/lag``: one atomic store per committed batch, nothing per event
/// beyond the submission time each pending event carries.
final class IntakeLag: Sendable {
    /// How long the oldest event of the last committed batch waited, in nanoseconds.
    private let lastBatch = Atomic<Int>(0)

    /// A batch whose oldest event was submitted at `oldestSubmitted` (`DispatchTime` nanoseconds) committed now.
    func committed(oldestSubmitted: UInt64) {
        let now = DispatchTime.now().uptimeNanoseconds
        lastBatch.store(now > oldestSubmitted ? Int(now - oldestSubmitted) : 0, ordering: .relaxed)
    }

    /// The age of the oldest event still waiting (submitted at `oldestWaiting`), else the last batch's lag.
    func current(oldestWaiting: UInt64?) -> Duration {
        if let oldestWaiting {
            let now = DispatchTime.now().uptimeNanoseconds
            return .nanoseconds(now > oldestWaiting ? Int64(now - oldestWaiting) : 0)
        }
        return .nanoseconds(Int64(lastBatch.load(ordering: .relaxed)))
    }
}

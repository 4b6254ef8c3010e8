import Metrics
import MisLinkStore

/// The dispatcher's metrics (swift-metrics; no-ops until the process bootstraps a backend).
///
/// - `mislink_outbound_sent_total{kind}`: rows accepted by a provider.
/// - `mislink_outbound_failed_total{kind}`: rows given up on.
/// - `mislink_outbound_retried_total{kind}`: attempts that will be repeated.
/// - `mislink_outbound_cancelled_total{kind}`: rows cancelled (expired, too old).
/// - `mislink_outbound_claim_conflicts_total`: rows another worker held when this one tried to claim them.
/// - `mislink_outbound_lease_lost_total`: claimed rows and commands not sent because the claim was
///   lost before the send (the lease ran out, another worker took them over).
/// - `mislink_outbound_send_duration_seconds{kind}`: one attempt, claim to write-back excluded.
struct OutboundMetrics: Sendable {
    /// Makes the outcome counters of every kind at 0, so that `/metrics` has their series before the first send.
    init() {
        for kind in ["command", OutboxKind.message.rawValue, OutboxKind.pbxCommand.rawValue] {
            for outcome in ["sent", "failed", "retried", "cancelled"] {
                _ = Counter(label: "mislink_outbound_\(outcome)_total", dimensions: [("kind", kind)])
            }
        }
    }

    /// Counts an outcome; a `.retry` with `givenUp` (no attempts left) counts as failed.
    func record(_ outcome: SendOutcome, givenUp: Bool = false, kind: String) {
        switch outcome {
        case .retry where givenUp: Counter(label: "mislink_outbound_failed_total", dimensions: [("kind", kind)]).increment()
        case .sent: Counter(label: "mislink_outbound_sent_total", dimensions: [("kind", kind)]).increment()
        case .failed: Counter(label: "mislink_outbound_failed_total", dimensions: [("kind", kind)]).increment()
        case .retry: Counter(label: "mislink_outbound_retried_total", dimensions: [("kind", kind)]).increment()
        case .cancelled: Counter(label: "mislink_outbound_cancelled_total", dimensions: [("kind", kind)]).increment()
        case .deferred: break
        }
    }

    func claimConflict() {
        Counter(label: "mislink_outbound_claim_conflicts_total").increment()
    }

    func leaseLost() {
        Counter(label: "mislink_outbound_lease_lost_total").increment()
    }

    func sendDuration(_ duration: Duration, kind: String) {
        Metrics.Timer(label: "mislink_outbound_send_duration_seconds", dimensions: [("kind", kind)])
            .recordNanoseconds(duration.nanoseconds)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    var seconds: Double { Double(nanoseconds) / 1e9 }
}

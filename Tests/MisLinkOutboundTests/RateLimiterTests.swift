@testable import MisLinkOutbound
import Testing

/// The channel limiter keeps its pace even when the rows it put back come back late and together (a
/// loaded machine's wake-ups), which once let three mailing messages out within 0.1 s at one a second.
@Suite("Rate limiter")
struct RateLimiterTests {
    @Test func rowsComingBackLateTogetherStillGoOneIntervalApart() {
        let limiter = RateLimiter()
        let limit = [RateLimiter.Limit(key: "channel:messenger", perMinute: 60)]
        let t0 = ContinuousClock.now
        #expect(limiter.admit(1, limits: limit, now: t0) == nil)
        let wait2 = limiter.admit(2, limits: limit, now: t0)
        let wait3 = limiter.admit(3, limits: limit, now: t0)
        #expect(wait2 == .seconds(1) && wait3 == .seconds(2))
        // Both come back five seconds later, at the same moment: one goes, the other waits a second.
        let late = t0 + .seconds(5)
        #expect(limiter.admit(2, limits: limit, now: late) == nil)
        let again = limiter.admit(3, limits: limit, now: late)
        #expect(again == .seconds(1), "\(String(describing: again))")
        #expect(limiter.admit(3, limits: limit, now: late + .seconds(1)) == nil)
        // A new row after them takes the next interval.
        #expect(limiter.admit(4, limits: limit, now: late + .seconds(1)) == .seconds(1))
    }

    @Test func rowsOnTimeGoAtTheirSlots() {
        let limiter = RateLimiter()
        let limit = [RateLimiter.Limit(key: "channel:sms", perMinute: 120)]
        let t0 = ContinuousClock.now
        #expect(limiter.admit(1, limits: limit, now: t0) == nil)
        #expect(limiter.admit(2, limits: limit, now: t0) == .milliseconds(500))
        #expect(limiter.admit(2, limits: limit, now: t0 + .milliseconds(480)) == nil)
        #expect(limiter.admit(3, limits: limit, now: t0 + .milliseconds(480)) == .milliseconds(520))
    }
}

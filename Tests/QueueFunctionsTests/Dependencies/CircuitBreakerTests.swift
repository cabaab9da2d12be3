import Foundation
import Testing
@testable import QueueFunctions

@Suite("Circuit breaker state machine")
struct CircuitBreakerTests {
    let start = Date(timeIntervalSince1970: 1_767_225_600)

    @Test("a reported outage opens it; a probe after the delay half-opens it; a successful probe closes it")
    func outageProbeClose() {
        var breaker = CircuitBreaker(config: BreakerConfig(openFor: .seconds(5)))
        #expect(breaker.admit(10, now: start).allowed == 10)
        let opened = breaker.record(succeeded: 0, failed: 0, outage: DependencyUnavailable("billing-api", retryAfter: .seconds(2)), now: start)
        #expect(opened?.to == .open(since: start, probeAt: start.adding(.seconds(2)), reason: opened?.reason ?? ""))
        #expect(breaker.admit(10, now: start.adding(.seconds(1))).allowed == 0)
        let probe = breaker.admit(10, now: start.adding(.seconds(2)))
        #expect(probe.allowed == 1 && probe.transition?.to == .halfOpen(since: start))
        #expect(breaker.admit(10, now: start.adding(.seconds(2))).allowed == 0, "one probe at a time")
        let closed = breaker.record(succeeded: 1, failed: 0, outage: nil, now: start.adding(.seconds(3)))
        #expect(closed?.to == .closed)
        #expect(breaker.admit(10, now: start.adding(.seconds(3))).allowed == 10)
    }

    @Test("a failed probe opens it again for open_for")
    func failedProbe() {
        var breaker = CircuitBreaker(config: BreakerConfig(openFor: .seconds(5)))
        _ = breaker.record(succeeded: 0, failed: 0, outage: DependencyUnavailable("x"), now: start)
        #expect(breaker.admit(1, now: start.adding(.seconds(5))).allowed == 1)
        let reopened = breaker.record(succeeded: 0, failed: 1, outage: nil, now: start.adding(.seconds(6)))
        #expect(reopened?.reason == "the probe failed")
        #expect(breaker.probeAt == start.adding(.seconds(11)))
    }

    @Test("the failure ratio opens it once minimum_calls finished within the window")
    func ratio() {
        var breaker = CircuitBreaker(config: BreakerConfig(failureRatio: 0.5, minimumCalls: 10, window: .seconds(10)))
        #expect(breaker.record(succeeded: 0, failed: 4, outage: nil, now: start) == nil, "too few calls")
        #expect(breaker.record(succeeded: 5, failed: 0, outage: nil, now: start.adding(.seconds(1))) == nil)
        let opened = breaker.record(succeeded: 0, failed: 1, outage: nil, now: start.adding(.seconds(2)))
        #expect(opened?.reason.contains("5 of the last 10") == true, "\(String(describing: opened))")
    }

    @Test("a disabled breaker never opens")
    func disabled() {
        var breaker = CircuitBreaker(config: BreakerConfig(enabled: false, minimumCalls: 1))
        #expect(breaker.record(succeeded: 0, failed: 0, outage: DependencyUnavailable("x"), now: start) == nil)
        #expect(breaker.record(succeeded: 0, failed: 100, outage: nil, now: start) == nil)
        #expect(breaker.admit(3, now: start).allowed == 3)
    }

    @Test("an unused probe leaves the breaker due to probe at once")
    func unusedProbe() {
        var breaker = CircuitBreaker(config: BreakerConfig(openFor: .seconds(5)))
        _ = breaker.record(succeeded: 0, failed: 0, outage: DependencyUnavailable("x"), now: start)
        #expect(breaker.admit(1, now: start.adding(.seconds(5))).allowed == 1)
        breaker.probeNotUsed(now: start.adding(.seconds(5)))
        #expect(breaker.admit(1, now: start.adding(.seconds(5))).allowed == 1)
    }
}

@Suite("Token bucket")
struct TokenBucketTests {
    let start = Date(timeIntervalSince1970: 1_767_225_600)

    @Test("with a burst of 1, no window of one period sees more than the rate")
    func holdsTheRate() {
        var bucket = TokenBucket(rate: DependencyRate(count: 10, per: .seconds(1)), capacity: 1, now: start)
        var times: [Date] = []
        var now = start
        while now < start.adding(.seconds(5)) {
            let taken = bucket.take(5, now: now)
            for _ in 0..<taken { times.append(now) }
            now = taken > 0 ? now : bucket.nextToken(now: now)
        }
        #expect(times.count >= 49)
        for time in times {
            #expect(times.count { $0 >= time && $0 < time.adding(.seconds(1)) } <= 10)
        }
    }

    @Test("tokens given back can be taken again, up to the burst")
    func giveBack() {
        var bucket = TokenBucket(rate: DependencyRate(count: 1, per: .seconds(1)), capacity: 3, now: start)
        #expect(bucket.take(10, now: start) == 3)
        bucket.giveBack(2, now: start)
        #expect(bucket.take(10, now: start) == 2)
        #expect(bucket.nextToken(now: start) == start.adding(.seconds(1)))
    }
}

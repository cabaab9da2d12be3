import Foundation
import Testing
@testable import QueueFunctions

@Suite("Backoff")
struct BackoffTests {
    @Test("delays double from the initial value up to the cap, and reset starts again")
    func exponentialCapped() {
        var backoff = Backoff.factory
        let delays = (0..<8).map { _ in backoff.next(random: 0) }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30), .seconds(30), .seconds(30)])
        #expect(backoff.failures == 8)
        backoff.reset()
        #expect(backoff.next(random: 0) == .seconds(1))
    }

    @Test("jitter shortens a delay by at most its fraction; out-of-range randoms are clamped")
    func jitter() {
        var backoff = Backoff(initial: .seconds(10), maximum: .seconds(10), jitter: 0.2)
        #expect(backoff.next(random: 0.5) == .seconds(9))
        #expect(backoff.next(random: 1) == .seconds(8))
        #expect(backoff.next(random: 7) == .seconds(8))
        #expect(backoff.next(random: -.infinity) == .seconds(10))
        #expect(backoff.next(random: .nan) == .seconds(10))
    }

    @Test("thousands of failures never overflow")
    func manyFailures() {
        var backoff = Backoff.store
        for _ in 0..<10_000 { _ = backoff.next(random: 0) }
        #expect(backoff.next(random: 0) == .seconds(10))
    }

    @Test("a pause lasts until the clock reaches its deadline, whatever else happens")
    func pauseWaitsForTheClock() async throws {
        let clock = ManualClock()
        let deadline = clock.now().adding(.seconds(5))
        let pause = Task { await clock.pause(until: deadline) }
        #expect(try await becomesTrue { clock.sleeperCount == 1 })
        clock.advance(by: .seconds(4))
        await letRun()
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        #expect(await pause.value)
    }

    @Test("cancelling a pause ends it at once and says so")
    func pauseIsCancellable() async throws {
        let clock = ManualClock()
        let pause = Task { await clock.pause(until: clock.now().adding(.seconds(60))) }
        #expect(try await becomesTrue { clock.sleeperCount == 1 })
        pause.cancel()
        #expect(await pause.value == false)
        #expect(clock.sleeperCount == 0)
    }
}

import Foundation
import Synchronization
import Testing
@testable import QueueFunctions

/// A clock whose wall time can be set (as an operator or NTP sets it) while its monotonic
/// reading only moves with the manual clock underneath.
private final class SettableWallClock: HostClock {
    let manual = ManualClock()
    private let offset = Mutex(Duration.zero)

    func setWallClock(by change: Duration) { offset.withLock { $0 += change } }
    func now() -> Date { manual.now().adding(offset.withLock { $0 }) }
    func sleep(until deadline: Date) async throws {
        try await manual.sleep(until: deadline.adding(.zero - offset.withLock { $0 }))
    }
    func uptime() -> Duration { manual.uptime() }
    func sleep(untilUptime deadline: Duration) async throws { try await manual.sleep(untilUptime: deadline) }
}

/// Deadlines and backoff run on the monotonic reading: setting the wall clock neither
/// fires a timeout early nor holds it back.
@Suite("Monotonic deadlines")
struct MonotonicDeadlineTests {
    @Test("a timeout fires after its duration even when the wall clock is set back an hour or forward a day")
    func wallClockJumps() async throws {
        let clock = SettableWallClock()
        let scheduler = DeadlineScheduler(clock: clock)
        let runner = Task { await scheduler.run() }
        defer { runner.cancel() }
        let fired = Mutex(0)
        _ = scheduler.schedule(after: .seconds(5)) { fired.withLock { $0 += 1 } }
        #expect(try await becomesTrue { clock.manual.sleeperCount == 1 })

        clock.setWallClock(by: .seconds(86_400))
        clock.manual.advance(by: .seconds(1))
        await letRun()
        #expect(fired.withLock { $0 } == 0, "a wall-clock jump forward fired the timeout early")

        clock.setWallClock(by: .seconds(-86_400 - 3_600))
        clock.manual.advance(by: .seconds(4))
        #expect(try await becomesTrue { fired.withLock { $0 } == 1 }, "a wall-clock jump back held the timeout back")
    }

    @Test("a backoff pause lasts its duration whatever the wall clock does")
    func pauseIgnoresWallClock() async throws {
        let clock = SettableWallClock()
        let pause = Task { await clock.pause(for: .seconds(10)) }
        #expect(try await becomesTrue { clock.manual.sleeperCount == 1 })
        clock.setWallClock(by: .seconds(3_600))
        clock.manual.advance(by: .seconds(9))
        await letRun()
        #expect(clock.manual.sleeperCount == 1)
        clock.manual.advance(by: .seconds(1))
        #expect(await pause.value)
    }

    @Test("the system clock's monotonic reading only goes up, and sleeping until a reading reaches it")
    func systemUptime() async throws {
        let clock = SystemClock()
        let first = clock.uptime()
        try await clock.sleep(untilUptime: first + .milliseconds(5))
        #expect(clock.uptime() >= first + .milliseconds(5))
    }

    @Test("the manual clock's monotonic reading moves by exactly what it is advanced by")
    func manualUptime() {
        let clock = ManualClock()
        clock.advance(by: .milliseconds(1_500))
        clock.advance(to: clock.now().adding(.seconds(2)))
        clock.advance(to: clock.now().adding(.seconds(-5)))
        #expect(clock.uptime() == .milliseconds(3_500))
    }

    @Test("a sleeper on the monotonic reading, woken by advancing to its date, sees the reading it waited for")
    func uptimeSleeperWokenByDate() async throws {
        let clock = ManualClock()
        clock.advance(to: clock.now().addingTimeInterval(0.1))
        for step in 1...50 {
            let deadline = clock.uptime() + .nanoseconds(333_333_333 * Int64(step % 7 + 1))
            let sleeper = Task {
                try await clock.sleep(untilUptime: deadline)
                return clock.uptime()
            }
            #expect(try await becomesTrue { clock.sleeperCount == 1 })
            let date = try #require(clock.nextDeadline)
            clock.advance(to: date)
            #expect(try await sleeper.value >= deadline)
        }
    }
}

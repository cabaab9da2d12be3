import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

@Suite("Gateway idempotency cache")
struct GatewayIdempotencyCacheTests {
    let start = Date(timeIntervalSince1970: 1_000_000)

    @Test("a completed key replays its id until the window ends, then can be claimed again")
    func window() async {
        let cache = IdempotencyCache(window: .seconds(300))
        #expect(await cache.claim("k", now: start) == .claimed)
        cache.complete("k", id: MessageID("m1"), now: start)
        #expect(await cache.claim("k", now: start.adding(.seconds(299))) == .replay(MessageID("m1")))
        #expect(await cache.claim("k", now: start.adding(.seconds(300))) == .claimed)
        #expect(cache.count == 1)
    }

    @Test("a duplicate waits for the first request, then replays its id")
    func waitsForPending() async {
        let cache = IdempotencyCache(window: .seconds(60))
        #expect(await cache.claim("k", now: start) == .claimed)
        let waiter = Task { await cache.claim("k", now: start) }
        try? await Task.sleep(for: .milliseconds(50))
        cache.complete("k", id: MessageID("first"), now: start)
        #expect(await waiter.value == .replay(MessageID("first")))
    }

    @Test("when the first request's send fails, a waiting duplicate takes over the claim")
    func abandonHandsOver() async {
        let cache = IdempotencyCache(window: .seconds(60))
        #expect(await cache.claim("k", now: start) == .claimed)
        let waiter = Task { await cache.claim("k", now: start) }
        try? await Task.sleep(for: .milliseconds(50))
        cache.abandon("k")
        #expect(await waiter.value == .claimed)
    }

    @Test("beyond its capacity the cache forgets the oldest keys first")
    func capacity() async {
        let cache = IdempotencyCache(window: .seconds(60), capacity: 2)
        for (index, key) in ["a", "b", "c"].enumerated() {
            _ = await cache.claim(key, now: start)
            cache.complete(key, id: MessageID("m\(index)"), now: start)
        }
        #expect(cache.count == 2)
        #expect(await cache.claim("a", now: start) == .claimed)
        #expect(await cache.claim("c", now: start) == .replay(MessageID("m2")))
    }
}

import Foundation
import Testing
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

/// Runs one random script of operations against the memory engine (the reference)
/// and the SQLite engine on the same manual clock, and compares every answer and,
/// after every step, what peek, stats and queue names report.
@Suite("SQLite differential")
struct SQLiteDifferentialTests {
    @Test("the SQLite engine answers exactly like the memory engine", arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func sameAnswers(seed: UInt64) async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let memory = MemoryQueueStore(clock: clock)
            let sqlite = try await SQLiteQueueStore(path: directory.path("queues.sqlite"), clock: clock)
            var script = DifferentialScript(stores: [memory, sqlite], clock: clock, seed: seed)
            for step in 0..<300 {
                let answers = try await script.step()
                try #require(answers[0] == answers[1], "step \(step) answers differ\n\(script.log.joined(separator: "\n"))")
                let views = try await script.snapshot()
                try #require(views[0] == views[1], "step \(step) state differs\n\(script.log.joined(separator: "\n"))")
            }
            await sqlite.close()
        }
    }
}

/// A deterministic pseudo-random generator (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// The script: random operations, applied to every store with that store's own tokens.
/// Durations are random microseconds so that no two messages come due at the same
/// instant (the memory engine breaks such ties arbitrarily).
struct DifferentialScript {
    let stores: [any QueueStore]
    let clock: ManualClock
    var random: SeededGenerator
    let queues = ["a", "b", "a-dlq"]
    /// The current delivery's token per message, one per store.
    var held: [MessageID: [LeaseToken]] = [:]
    /// Tokens of earlier deliveries, one per store.
    var stale: [[LeaseToken]] = []
    var nextID = 0
    var log: [String] = []

    init(stores: [any QueueStore], clock: ManualClock, seed: UInt64) {
        self.stores = stores
        self.clock = clock
        self.random = SeededGenerator(state: seed)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }

    mutating func micros(_ range: ClosedRange<Int>) -> Duration { .microseconds(int(range)) }

    mutating func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[int(0...(items.count - 1))] }

    /// Runs one random operation on every store; returns each store's answer as text.
    mutating func step() async throws -> [String] {
        let roll = int(0...99)
        switch roll {
        case 0..<22: return try await send()
        case 22..<44: return try await receive()
        case 44..<66: return try await settle()
        case 66..<71: return try await extend()
        case 71..<88:
            let by = micros(0...8_000_000)
            log.append("advance \(by)")
            clock.advance(by: by)
            return ["", ""]
        case 88..<96: return try await redrive()
        default:
            let queue = pick(queues) ?? "a"
            log.append("purge \(queue)")
            var answers: [String] = []
            for store in stores { answers.append("\(try await store.purge(queue))") }
            return answers
        }
    }

    mutating func send() async throws -> [String] {
        let queue = int(0...2) == 0 ? "b" : "a"
        var messages: [OutgoingMessage] = []
        for _ in 0..<int(1...3) {
            nextID += 1
            let delay = int(0...9) < 6 ? Duration.zero : micros(1...20_000_000)
            messages.append(OutgoingMessage(body: Data("body \(nextID)".utf8), delay: delay, id: MessageID("m\(nextID)")))
        }
        // Now and then a bad batch: the same id twice in one send. Every engine refuses it whole.
        if let first = messages.first, int(0...7) == 0 {
            messages.append(OutgoingMessage(body: Data("duplicate".utf8), id: first.id))
        }
        log.append("send \(messages.map { "\($0.id)+\($0.delay)" }) to \(queue)")
        var answers: [String] = []
        for store in stores {
            do {
                try await store.send(messages, to: queue)
                answers.append("")
            } catch let error as QueueStoreError {
                answers.append("refused \(error.kind): \(error.message)")
            }
        }
        return answers
    }

    mutating func receive() async throws -> [String] {
        let queue = pick(queues) ?? "a"
        let count = int(1...4)
        let timeout = micros(1_000_000...15_000_000)
        log.append("receive \(count) from \(queue) for \(timeout)")
        var results: [[Lease]] = []
        for store in stores {
            results.append(try await store.receive(from: queue, maxCount: count, visibilityTimeout: timeout))
        }
        let answers = results.map { $0.map(Self.describe).joined(separator: "\n") }
        guard answers[0] == answers[1] else { return answers }
        // Give every lease but the first its own expiry, so that none come due together.
        var extensions: [Duration] = []
        for _ in results[0].dropFirst() { extensions.append(micros(1_000_000...15_000_000)) }
        for (index, leases) in results.enumerated() {
            for (offset, lease) in leases.enumerated().dropFirst() {
                _ = try await stores[index].extend(lease.token, visibilityTimeout: extensions[offset - 1])
            }
        }
        for position in results[0].indices {
            let id = results[0][position].message.id
            if let previous = held[id] { stale.append(previous) }
            held[id] = results.map { $0[position].token }
        }
        return answers
    }

    mutating func settle() async throws -> [String] {
        var chosen: [[LeaseToken]] = []
        for _ in 0..<int(1...3) {
            if int(0...9) == 0, let old = pick(stale) {
                chosen.append(old)
            } else if let id = pick(held.keys.sorted()), let tokens = held[id] {
                chosen.append(tokens)
            }
        }
        guard !chosen.isEmpty else { return ["", ""] }
        var actions: [SettlementAction] = []
        for _ in chosen {
            let failure = FailureRecord(attempt: int(1...5), at: clock.now(), error: "failure \(int(0...999))")
            switch int(0...3) {
            case 0: actions.append(.ack)
            case 1: actions.append(.retry(after: int(0...1) == 0 ? .zero : micros(1...20_000_000), failure: failure))
            case 2: actions.append(.deadLetter(queue: "a-dlq", failure: failure))
            default: actions.append(.abandon)
            }
        }
        log.append("settle \(zip(chosen, actions).map { "\($0.0[0].messageID) \($0.1)" })")
        var answers: [String] = []
        for (index, store) in stores.enumerated() {
            let settlements = zip(chosen, actions).map { Settlement($0.0[index], $0.1) }
            answers.append("\(try await store.settle(settlements))")
        }
        for tokens in chosen where held[tokens[0].messageID] == tokens {
            held[tokens[0].messageID] = nil
            stale.append(tokens)
        }
        return answers
    }

    mutating func extend() async throws -> [String] {
        guard let id = pick(held.keys.sorted()), let tokens = held[id] else { return ["", ""] }
        let timeout = micros(1_000_000...15_000_000)
        log.append("extend \(id) by \(timeout)")
        var answers: [String] = []
        for (index, store) in stores.enumerated() {
            answers.append("\(try await store.extend(tokens[index], visibilityTimeout: timeout))")
        }
        return answers
    }

    mutating func redrive() async throws -> [String] {
        let destination = int(0...2) == 0 ? "b" : nil
        let limit = int(1...3)
        log.append("redrive a-dlq to \(destination ?? "source") limit \(limit)")
        var answers: [String] = []
        for store in stores {
            answers.append("\(try await store.redrive(from: "a-dlq", to: destination, limit: limit))")
        }
        return answers
    }

    /// What each store reports about every queue.
    func snapshot() async throws -> [String] {
        var views: [String] = []
        for store in stores {
            var lines = ["names \(try await store.queueNames())"]
            for queue in queues {
                let stats = try await store.stats(for: queue)
                lines.append(
                    "\(queue): v\(stats.visible) d\(stats.delayed) f\(stats.inFlight) dl\(stats.deadLettered) "
                        + "oldest \(stats.oldestEnqueuedAt.map(Self.stamp) ?? "-")"
                )
                for message in try await store.peek(queue, limit: 1_000) {
                    lines.append("  " + Self.describe(message))
                }
            }
            views.append(lines.joined(separator: "\n"))
        }
        return views
    }

    static func stamp(_ date: Date) -> String { "\(SQLiteTime.nanos(date))" }

    static func describe(_ failures: [FailureRecord]) -> String {
        failures.map { "\($0.attempt)@\(stamp($0.at)):\($0.error)" }.joined(separator: ",")
    }

    static func describe(_ info: DeadLetterInfo?) -> String {
        guard let info else { return "-" }
        return "\(info.sourceQueue)/\(info.receiveCount)/\(info.reason)@\(stamp(info.at))"
    }

    static func describe(_ lease: Lease) -> String {
        let message = lease.message
        return "\(message.id) q=\(message.queue) body=\(String(decoding: message.body, as: UTF8.self)) "
            + "sent=\(stamp(message.sentAt)) rc=\(message.receiveCount) first=\(stamp(message.firstReceivedAt)) "
            + "expires=\(stamp(lease.expiresAt)) failures=[\(describe(message.failures))] dl=\(describe(message.deadLetter))"
    }

    static func describe(_ message: StoredMessage) -> String {
        let state: String
        switch message.state {
        case .visible: state = "visible"
        case .delayed(let until): state = "delayed \(stamp(until))"
        case .inFlight(let until): state = "inflight \(stamp(until))"
        }
        return "\(message.id) q=\(message.queue) body=\(String(decoding: message.body, as: UTF8.self)) "
            + "sent=\(stamp(message.sentAt)) rc=\(message.receiveCount) "
            + "first=\(message.firstReceivedAt.map(stamp) ?? "-") \(state) "
            + "failures=[\(describe(message.failures))] dl=\(describe(message.deadLetter))"
    }
}

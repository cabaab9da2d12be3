import Foundation

/// Why ``FunctionContext/once(key:ttl:_:)`` could not run or skip its body.
public struct OnceKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, where, and what to do.
    public var description: String

    static func unsupported(_ function: String) -> OnceKeyError {
        OnceKeyError(description: "function \(function) called context.once(key:), but its host's store keeps no once-keys; "
            + "run it on the memory, SQLite or PostgreSQL engine (--store memory:, sqlite:PATH or postgres:URL)")
    }

    static func stillRunning(_ key: String, until: Date) -> OnceKeyError {
        OnceKeyError(description: "once-key \(JSONText.string(key)) is being run by another delivery until \(until) at the latest, "
            + "past this invocation's deadline; the message is retried and then gets that run's result")
    }
}

extension FunctionContext {
    /// How long ``once(key:ttl:_:)`` remembers a key by default: 7 days.
    public static let defaultOnceTTL: Duration = .seconds(7 * 86_400)
    /// How often a duplicate checks whether the first run of its key has finished.
    static let oncePollInterval: Duration = .milliseconds(100)

    /// Runs `body` at most once per `key` for this function, across redeliveries, hosts
    /// and restarts, and returns its result, or the first run's result to a duplicate.
    ///
    /// ```swift
    /// let invoice = try await context.once(key: "invoice-\(job.orderID)") {
    ///     try await billing.createInvoice(for: job)
    /// }
    /// ```
    ///
    /// The key is recorded, with the encoded result, after `body` succeeds; if it throws,
    /// nothing is recorded and the next delivery runs it again. A duplicate that arrives
    /// while the first run is still going **waits** for it (checking every 100 ms on the
    /// host's clock) and then returns its result; if that would outlast the invocation's
    /// deadline it throws ``OnceKeyError`` and the message is retried. A run whose host
    /// dies holds its key until its deadline, then the next delivery takes it over.
    ///
    /// Keys are per function (two functions may use the same key) and kept in the host's
    /// store: memory (this process), SQLite (the file) or PostgreSQL (every host).
    ///
    /// - Parameters:
    ///   - key: What makes the work unique (an order id, an invoice number).
    ///   - ttl: How long the key and its result are remembered after the run (default 7 days).
    ///   - body: The work to do once.
    /// - Returns: The result of the one run of `body` for `key`.
    /// - Throws: What `body` throws; ``OnceKeyError``; store errors; `CancellationError`.
    public func once<Result: Codable & Sendable>(
        key: String, ttl: Duration = FunctionContext.defaultOnceTTL, _ body: () async throws -> Result
    ) async throws -> Result {
        guard let store = onceStore else { throw OnceKeyError.unsupported(functionName) }
        let scoped = functionName + " " + key
        while true {
            let claimFor = max(remainingTime, .seconds(1)) + FunctionRunner.cancellationGrace
            switch try await store.claimOnce(scoped, for: claimFor) {
            case .completed(let data):
                logger.debug("once-key already done; returning the first run's result", [("once_key", key)])
                return try JSONDecoder().decode(OnceResult<Result>.self, from: data).value
            case .running(let until):
                let next = clock.now().adding(Self.oncePollInterval)
                guard next < deadline else { throw OnceKeyError.stillRunning(key, until: until) }
                try await clock.sleep(until: min(next, until))
            case .claimed(let token):
                let value: Result
                do {
                    value = try await body()
                } catch {
                    try? await store.abandonOnce(scoped, token: token)
                    throw error
                }
                do {
                    let data = try JSONEncoder().encode(OnceResult(value: value))
                    if try await !store.completeOnce(scoped, token: token, result: data, ttl: ttl) {
                        logger.warning("once-key claim lapsed before its body finished; another delivery may have run it too",
                                       [("once_key", key)])
                    }
                } catch {
                    // The work is done; failing the message now would only run it again.
                    logger.error("once-key could not be recorded; a later redelivery would run the body again",
                                 [("once_key", key), ("error", "\(error)")])
                }
                return value
            }
        }
    }

    /// Runs `body` at most once per `key` (see ``once(key:ttl:_:)``), for work without a result.
    public func once(key: String, ttl: Duration = FunctionContext.defaultOnceTTL, _ body: () async throws -> Void) async throws {
        _ = try await once(key: key, ttl: ttl) { () async throws -> OnceNothing in
            try await body()
            return OnceNothing()
        }
    }
}

/// The stored form of a once result (a wrapper, so plain values encode as JSON objects).
struct OnceResult<Value: Codable>: Codable {
    var value: Value
}

/// The result of a once body that returns nothing.
struct OnceNothing: Codable, Sendable {}

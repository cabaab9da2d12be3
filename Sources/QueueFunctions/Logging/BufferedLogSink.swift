import Foundation
import Synchronization

/// A sink that never makes the logging task wait: records go into a bounded buffer and
/// a dedicated thread (not one of Swift's cooperative threads) formats and writes them.
///
/// When the writer cannot keep up and the buffer is full, new records are dropped and
/// counted; once there is room again, one warning line says how many were dropped.
/// ``flush()`` waits until everything accepted so far is written: call it (through
/// ``QueueLogger/flush()``) before the process exits so the last lines are not lost.
///
/// ```swift
/// let sink = BufferedLogSink(capacity: 4096, format: LogFormat.logfmt) { line in print(line) }
/// let logger = QueueLogger(sink: sink)
/// ```
public final class BufferedLogSink: LogSink {
    private struct State {
        var records = RingBuffer<LogRecord>()
        /// Dropped since the last report.
        var unreported = 0
        var droppedTotal = 0
        /// The writer thread is waiting for records.
        var sleeping = false
        /// The writer thread holds records taken from the buffer but not yet written.
        var writing = false
        var closed = false
        var flushers: [CheckedContinuation<Void, Never>] = []
    }

    /// The most records the buffer holds.
    public let capacity: Int
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let format: @Sendable (LogRecord) -> String
    private let writeLine: @Sendable (String) -> Void

    /// Creates a sink and starts its writer thread.
    ///
    /// - Parameters:
    ///   - capacity: The most records waiting to be written (at least 1); more are dropped.
    ///   - format: Turns a record into one line (without the newline), on the writer thread.
    ///   - write: Writes one line, on the writer thread; it may block.
    public init(
        capacity: Int = 10_000, format: @escaping @Sendable (LogRecord) -> String,
        write: @escaping @Sendable (String) -> Void
    ) {
        self.capacity = max(1, capacity)
        self.format = format
        self.writeLine = write
        let thread = Thread { [self] in
            Thread.current.name = "qf-log-writer"
            drain()
        }
        thread.start()
    }

    /// Queues `record` for the writer thread; drops it (and counts it) when the buffer is full.
    /// Never waits.
    public func write(_ record: LogRecord) {
        let signal: Bool = state.withLock { state in
            guard !state.closed else { return false }
            guard state.records.count < capacity else {
                state.unreported += 1
                state.droppedTotal += 1
                return false
            }
            state.records.append(record)
            guard state.sleeping else { return false }
            state.sleeping = false
            return true
        }
        if signal { wake.signal() }
    }

    /// How many records were dropped because the buffer was full, since the sink was created.
    public var droppedCount: Int {
        state.withLock { $0.droppedTotal }
    }

    /// Returns once every record accepted before the call has been written (and any
    /// pending drop report with it).
    public func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done: Bool = state.withLock { state in
                if state.records.isEmpty && !state.writing && state.unreported == 0 { return true }
                state.flushers.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Writes what is buffered, then stops the writer thread; later records are dropped silently.
    public func close() async {
        await flush()
        let signal: Bool = state.withLock { state in
            state.closed = true
            defer { state.sleeping = false }
            return state.sleeping
        }
        if signal { wake.signal() }
    }

    /// The writer thread: takes everything buffered, writes it, reports drops, repeats.
    private func drain() {
        while true {
            let (batch, dropped, flushers, exit): ([LogRecord], Int, [CheckedContinuation<Void, Never>], Bool) = state.withLock { state in
                var batch: [LogRecord] = []
                batch.reserveCapacity(state.records.count)
                while let record = state.records.popFirst() { batch.append(record) }
                let dropped = state.unreported
                state.unreported = 0
                if batch.isEmpty && dropped == 0 {
                    state.writing = false
                    let flushers = state.flushers
                    state.flushers = []
                    if !state.closed { state.sleeping = true }
                    return ([], 0, flushers, state.closed)
                }
                state.writing = true
                return (batch, dropped, [], false)
            }
            for flusher in flushers { flusher.resume() }
            if exit { return }
            if batch.isEmpty && dropped == 0 {
                wake.wait()
                continue
            }
            for record in batch { writeLine(format(record)) }
            if dropped > 0 {
                writeLine(format(LogRecord(
                    time: Date(), level: .warning,
                    message: "dropped \(dropped) log line(s): the log buffer (\(capacity) lines) was full because the log "
                        + "output could not keep up; workers never wait for logging",
                    metadata: [("dropped", "\(dropped)")]
                )))
            }
        }
    }
}

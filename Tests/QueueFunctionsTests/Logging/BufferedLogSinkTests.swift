import Foundation
import Synchronization
import Testing
import QueueFunctions

/// A writer that blocks on its first line until released, recording every line.
private final class BlockingWriter: Sendable {
    private let gate = DispatchSemaphore(value: 0)
    private let lines = Mutex<[String]>([])
    private let blocked = Mutex(false)

    func write(_ line: String) {
        let first = blocked.withLock { blocked in
            defer { blocked = true }
            return !blocked
        }
        if first { gate.wait() }
        lines.withLock { $0.append(line) }
    }

    func release() { gate.signal() }
    /// Whether the writer is stuck on its first line.
    var isBlocked: Bool { blocked.withLock { $0 } && lines.withLock { $0.isEmpty } }
    var written: [String] { lines.withLock { $0 } }
}

@Suite("Buffered logging")
struct BufferedLogSinkTests {
    private func record(_ text: String) -> LogRecord {
        LogRecord(time: Date(timeIntervalSince1970: 0), level: .info, message: text, metadata: [])
    }

    @Test("loggers never wait for a blocked writer; dropped lines are counted and reported once when space returns")
    func blockedWriterNeverBlocksLoggers() async {
        let writer = BlockingWriter()
        let sink = BufferedLogSink(capacity: 8, format: { $0.message }, write: { writer.write($0) })
        sink.write(record("first"))
        let giveUp = Date().addingTimeInterval(20)
        while !writer.isBlocked, Date() < giveUp { try? await Task.sleep(for: .milliseconds(1)) }
        #expect(writer.isBlocked)
        // 4 concurrent loggers, 250 lines each, while the writer is stuck on its first line.
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    for line in 0..<250 { sink.write(record("task \(task) line \(line)")) }
                }
            }
        }
        // The buffer took 8 lines; every other line was dropped, without waiting.
        let dropped = sink.droppedCount
        #expect(dropped == 1_000 - 8)
        #expect(writer.written.isEmpty)

        writer.release()
        await sink.flush()
        let written = writer.written
        let reports = written.filter { $0.hasPrefix("dropped ") }
        #expect(reports.count == 1)
        #expect(reports.first?.hasPrefix("dropped \(dropped) log line(s)") == true)
        #expect(written.count - reports.count == 1 + 1_000 - dropped)
        #expect(written.first == "first")
        #expect(written.last == reports.first)

        // Once the writer keeps up, nothing more is dropped or reported.
        for line in 0..<5 { sink.write(record("after \(line)")) }
        await sink.flush()
        #expect(sink.droppedCount == dropped)
        #expect(Array(writer.written.suffix(5)) == (0..<5).map { "after \($0)" })
        #expect(writer.written.filter { $0.hasPrefix("dropped ") }.count == 1)
        await sink.close()
    }

    @Test("flush returns only after every accepted line is written, in order")
    func flushWritesEverything() async {
        let lines = Mutex<[String]>([])
        let sink = BufferedLogSink(capacity: 10_000, format: LogFormat.logfmt, write: { line in lines.withLock { $0.append(line) } })
        let logger = QueueLogger(level: .info, sink: sink).with("function", "resize")
        for index in 0..<2_000 { logger.info("line \(index)") }
        await logger.flush()
        let written = lines.withLock { $0 }
        #expect(written.count == 2_000)
        #expect(written.first?.contains("msg=\"line 0\" function=resize") == true)
        #expect(written.last?.contains("msg=\"line 1999\"") == true)
        #expect(sink.droppedCount == 0)
        await sink.close()
    }
}

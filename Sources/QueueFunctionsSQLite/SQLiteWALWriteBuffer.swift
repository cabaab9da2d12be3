import CSQLite
import Foundation

/// A VFS over the system's default one that writes each commit to the WAL file with one
/// `pwrite` instead of two per page.
///
/// SQLite appends a frame to the WAL as two writes, its 24-byte header and then the page, so a
/// commit of 7 pages costs 14 system calls; for small transactions (single sends from many
/// tasks) those calls were a quarter of the store thread's time. Here the writes to a WAL file
/// gather in memory while they stay contiguous, and go out in one write as soon as the buffer
/// holds a whole commit frame (a frame whose header carries the database size, which only the
/// last frame of a transaction does), before SQLite publishes the frames to readers in the
/// shared WAL index and before COMMIT returns. A read, sync, truncate, size query, file control
/// or close of the WAL file writes out what is gathered first, as does a write elsewhere in it.
/// So the file holds exactly what SQLite wrote whenever anything could look at it; a process
/// killed between two writes of one transaction loses only frames that were not committed yet,
/// as without the buffer. Files other than WAL files are the default VFS's own, unwrapped.
///
/// The on-disk format and the locks are the default VFS's: other processes open the same file
/// with plain SQLite.
enum SQLiteWALWriteBuffer {
    /// The name the VFS is registered under, or nil when SQLite has no default VFS to wrap.
    static var vfsName: String? { registered.name }

    private static let name = "queuefunctions-wal-buffer"
    /// Bytes gathered before they are written out even without a commit frame; also the most
    /// one write passes on (the unix VFS writes at most 128 KiB − 1 bytes per call and turns
    /// a multiple of 128 KiB into a zero-byte write, which it reports as a full disk).
    private static let flushThreshold = 64 << 10
    /// `SQLITE_IOERR_WRITE`, `SQLITE_IOERR_NOMEM` (macros Swift does not import).
    private static let ioErrorWrite: Int32 = 10 | (3 << 8)
    private static let ioErrorNoMemory: Int32 = 10 | (12 << 8)
    private static let walHeaderSize = 32
    private static let frameHeaderSize = 24

    /// What a WAL file of this VFS keeps beside the default VFS's file.
    private struct Buffer {
        var bytes: UnsafeMutableRawPointer?
        var capacity = 0
        var count = 0
        /// The file offset of `bytes[0]`.
        var start: Int64 = 0
        /// The WAL's page size, from its header; 0 until known.
        var pageSize = 0
    }

    /// Our file object: SQLite's base, our buffer, then the default VFS's file.
    private static let bufferOffset = MemoryLayout<sqlite3_file>.stride
    private static let realOffset = (bufferOffset + MemoryLayout<UnsafeMutablePointer<Buffer>>.stride + 15) & ~15

    private struct Registration: @unchecked Sendable {
        var name: String?
        var real: UnsafeMutablePointer<sqlite3_vfs>?
        var methods: UnsafeMutablePointer<sqlite3_io_methods>?
    }

    private static let registered: Registration = register()

    private static func register() -> Registration {
        guard let real = sqlite3_vfs_find(nil) else { return Registration() }
        let vfs = UnsafeMutablePointer<sqlite3_vfs>.allocate(capacity: 1)
        // Every other method is the default VFS's own; none of the unix VFS's uses its
        // `sqlite3_vfs` argument beyond `xOpen`, which calls the default one with its own.
        vfs.initialize(to: real.pointee)
        vfs.pointee.pNext = nil
        vfs.pointee.zName = UnsafePointer(strdup(name))
        vfs.pointee.pAppData = UnsafeMutableRawPointer(real)
        vfs.pointee.szOsFile = Int32(realOffset) + real.pointee.szOsFile
        vfs.pointee.xOpen = { vfs, path, file, flags, outFlags in
            SQLiteWALWriteBuffer.open(vfs, path, file, flags, outFlags)
        }
        let methods = UnsafeMutablePointer<sqlite3_io_methods>.allocate(capacity: 1)
        methods.initialize(to: sqlite3_io_methods())
        methods.pointee.iVersion = 1
        methods.pointee.xClose = { file in SQLiteWALWriteBuffer.close(file) }
        methods.pointee.xRead = { file, data, amount, offset in
            SQLiteWALWriteBuffer.flushing(file) { real in real.pointee.pMethods.pointee.xRead(real, data, amount, offset) }
        }
        methods.pointee.xWrite = { file, data, amount, offset in
            SQLiteWALWriteBuffer.write(file, data, amount, offset)
        }
        methods.pointee.xTruncate = { file, size in
            SQLiteWALWriteBuffer.flushing(file) { real in real.pointee.pMethods.pointee.xTruncate(real, size) }
        }
        methods.pointee.xSync = { file, flags in
            SQLiteWALWriteBuffer.flushing(file) { real in real.pointee.pMethods.pointee.xSync(real, flags) }
        }
        methods.pointee.xFileSize = { file, size in
            SQLiteWALWriteBuffer.flushing(file) { real in real.pointee.pMethods.pointee.xFileSize(real, size) }
        }
        methods.pointee.xLock = { file, lock in
            let real = SQLiteWALWriteBuffer.realFile(file)
            return real.pointee.pMethods.pointee.xLock(real, lock)
        }
        methods.pointee.xUnlock = { file, lock in
            let real = SQLiteWALWriteBuffer.realFile(file)
            return real.pointee.pMethods.pointee.xUnlock(real, lock)
        }
        methods.pointee.xCheckReservedLock = { file, result in
            let real = SQLiteWALWriteBuffer.realFile(file)
            return real.pointee.pMethods.pointee.xCheckReservedLock(real, result)
        }
        methods.pointee.xFileControl = { file, operation, argument in
            SQLiteWALWriteBuffer.flushing(file) { real in
                real.pointee.pMethods.pointee.xFileControl(real, operation, argument)
            }
        }
        methods.pointee.xSectorSize = { file in
            let real = SQLiteWALWriteBuffer.realFile(file)
            return real.pointee.pMethods.pointee.xSectorSize(real)
        }
        methods.pointee.xDeviceCharacteristics = { file in
            let real = SQLiteWALWriteBuffer.realFile(file)
            return real.pointee.pMethods.pointee.xDeviceCharacteristics(real)
        }
        guard sqlite3_vfs_register(vfs, 0) == SQLITE_OK else { return Registration() }
        return Registration(name: name, real: real, methods: methods)
    }

    // MARK: - Files

    private static func realFile(_ file: UnsafeMutablePointer<sqlite3_file>?) -> UnsafeMutablePointer<sqlite3_file> {
        // SQLite only calls these methods on files this VFS opened.
        UnsafeMutableRawPointer(file.unsafelyUnwrapped).advanced(by: realOffset).assumingMemoryBound(to: sqlite3_file.self)
    }

    private static func buffer(_ file: UnsafeMutablePointer<sqlite3_file>?) -> UnsafeMutablePointer<Buffer> {
        UnsafeMutableRawPointer(file.unsafelyUnwrapped).advanced(by: bufferOffset)
            .assumingMemoryBound(to: UnsafeMutablePointer<Buffer>.self).pointee
    }

    private static func open(
        _ vfs: UnsafeMutablePointer<sqlite3_vfs>?, _ path: sqlite3_filename?, _ file: UnsafeMutablePointer<sqlite3_file>?,
        _ flags: Int32, _ outFlags: UnsafeMutablePointer<Int32>?
    ) -> Int32 {
        guard let file, let real = registered.real, let methods = registered.methods,
              let open = real.pointee.xOpen else { return SQLITE_CANTOPEN }
        // Anything but a WAL file is the default VFS's file itself, at the start of ours.
        guard flags & 0x0008_0000 != 0 else {  // SQLITE_OPEN_WAL
            return open(real, path, file, flags, outFlags)
        }
        file.pointee.pMethods = nil
        let inner = realFile(file)
        let code = open(real, path, inner, flags, outFlags)
        guard code == SQLITE_OK else {
            // SQLite calls no method of a file whose open failed, but close what opened.
            if inner.pointee.pMethods != nil { _ = inner.pointee.pMethods.pointee.xClose(inner) }
            return code
        }
        let state = UnsafeMutablePointer<Buffer>.allocate(capacity: 1)
        state.initialize(to: Buffer())
        UnsafeMutableRawPointer(file).advanced(by: bufferOffset)
            .assumingMemoryBound(to: UnsafeMutablePointer<Buffer>.self).initialize(to: state)
        file.pointee.pMethods = UnsafePointer(methods)
        return SQLITE_OK
    }

    private static func close(_ file: UnsafeMutablePointer<sqlite3_file>?) -> Int32 {
        let flushed = flush(file)
        let real = realFile(file)
        let closed = real.pointee.pMethods.pointee.xClose(real)
        let state = buffer(file)
        state.pointee.bytes?.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
        return flushed != SQLITE_OK ? flushed : closed
    }

    /// Writes out what is gathered, then runs `body` on the default VFS's file.
    private static func flushing(
        _ file: UnsafeMutablePointer<sqlite3_file>?, _ body: (UnsafeMutablePointer<sqlite3_file>) -> Int32
    ) -> Int32 {
        let flushed = flush(file)
        guard flushed == SQLITE_OK else { return flushed }
        return body(realFile(file))
    }

    /// Writes the gathered bytes with one write of the default VFS per ``flushThreshold`` bytes.
    private static func flush(_ file: UnsafeMutablePointer<sqlite3_file>?) -> Int32 {
        let state = buffer(file)
        guard state.pointee.count > 0, let bytes = state.pointee.bytes else { return SQLITE_OK }
        let real = realFile(file)
        var written = 0
        var code = SQLITE_OK
        while written < state.pointee.count && code == SQLITE_OK {
            let piece = Swift.min(state.pointee.count - written, flushThreshold)
            code = real.pointee.pMethods.pointee.xWrite(
                real, bytes.advanced(by: written), Int32(piece), state.pointee.start + Int64(written)
            )
            written += piece
        }
        state.pointee.count = 0
        return code
    }

    private static func write(
        _ file: UnsafeMutablePointer<sqlite3_file>?, _ data: UnsafeRawPointer?, _ amount: Int32, _ offset: sqlite3_int64
    ) -> Int32 {
        let state = buffer(file)
        let real = realFile(file)
        guard let data, amount > 0 else { return real.pointee.pMethods.pointee.xWrite(real, data, amount, offset) }
        if state.pointee.pageSize == 0 { learnPageSize(state, real, data, amount, offset) }
        let pageSize = state.pointee.pageSize
        // Without the frame layout, or for a large write, write through.
        guard pageSize > 0, Int(amount) < flushThreshold else {
            let flushed = flush(file)
            guard flushed == SQLITE_OK else { return flushed }
            return real.pointee.pMethods.pointee.xWrite(real, data, amount, offset)
        }
        if state.pointee.count > 0, offset != state.pointee.start + Int64(state.pointee.count) {
            let flushed = flush(file)
            guard flushed == SQLITE_OK else { return flushed }
        }
        if state.pointee.count == 0 { state.pointee.start = offset }
        let needed = state.pointee.count + Int(amount)
        if needed > state.pointee.capacity {
            let capacity = Swift.max(needed, 2 * state.pointee.capacity, 64 << 10)
            let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
            if let old = state.pointee.bytes {
                grown.copyMemory(from: old, byteCount: state.pointee.count)
                old.deallocate()
            }
            state.pointee.bytes = grown
            state.pointee.capacity = capacity
        }
        guard let bytes = state.pointee.bytes else { return ioErrorNoMemory }
        bytes.advanced(by: state.pointee.count).copyMemory(from: data, byteCount: Int(amount))
        state.pointee.count = needed
        if needed >= flushThreshold || holdsCommitFrame(state, touchedFrom: offset, count: Int64(amount), pageSize: pageSize) {
            return flush(file)
        }
        return SQLITE_OK
    }

    /// Whether a frame touched by the write at `offset` is a commit frame now whole in the
    /// buffer, or might be one whose start is no longer there (then the answer is yes).
    private static func holdsCommitFrame(
        _ state: UnsafeMutablePointer<Buffer>, touchedFrom offset: Int64, count: Int64, pageSize: Int
    ) -> Bool {
        let frameSize = Int64(frameHeaderSize + pageSize)
        let header = Int64(walHeaderSize)
        let end = offset + count
        guard end > header, let bytes = state.pointee.bytes else { return false }
        let start = state.pointee.start
        let bufferEnd = start + Int64(state.pointee.count)
        var frame = (Swift.max(offset, header) - header) / frameSize
        let last = (end - 1 - header) / frameSize
        while frame <= last {
            let frameStart = header + frame * frameSize
            let frameEnd = frameStart + frameSize
            if frameEnd <= bufferEnd && frameEnd > start {
                guard frameStart >= start else { return true }
                // Bytes 4–7 of a frame header: the database size after a commit, else 0.
                let field = bytes.advanced(by: Int(frameStart - start) + 4)
                if field.loadUnaligned(as: UInt32.self) != 0 { return true }
            }
            frame += 1
        }
        return false
    }

    /// Reads the page size from the WAL header, in the write at offset 0 or from the file.
    private static func learnPageSize(
        _ state: UnsafeMutablePointer<Buffer>, _ real: UnsafeMutablePointer<sqlite3_file>,
        _ data: UnsafeRawPointer, _ amount: Int32, _ offset: sqlite3_int64
    ) {
        var header = [UInt8](repeating: 0, count: walHeaderSize)
        if offset == 0 && Int(amount) >= walHeaderSize {
            header.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: data, count: walHeaderSize)) }
        } else {
            let code = header.withUnsafeMutableBytes { buffer in
                real.pointee.pMethods.pointee.xRead(real, buffer.baseAddress, Int32(walHeaderSize), 0)
            }
            guard code == SQLITE_OK else { return }
        }
        // Magic 0x377f0682 or 0x377f0683, then the format version, then the page size (1 = 65536).
        guard header[0] == 0x37, header[1] == 0x7F, header[2] == 0x06, header[3] & 0xFE == 0x82 else { return }
        let size = Int(header[8]) << 24 | Int(header[9]) << 16 | Int(header[10]) << 8 | Int(header[11])
        let pageSize = size == 1 ? 65536 : size
        guard pageSize >= 512, pageSize <= 65536, pageSize & (pageSize - 1) == 0 else { return }
        state.pointee.pageSize = pageSize
    }
}

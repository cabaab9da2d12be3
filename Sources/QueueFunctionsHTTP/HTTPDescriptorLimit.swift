#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes room in the process's open-file limit (`ulimit -n`) for the connections the
/// server means to serve.
///
/// Every connection is a file descriptor. Many systems start processes with a soft
/// limit of 256 (macOS) or 1,024 (Linux), below what `maxConnections` plus the rejection
/// slots and the host's own files need. As Go's runtime does, the server raises the soft
/// limit toward the hard one at start; when even the hard limit is too low, it serves
/// fewer connections at once and says so, rather than failing `accept` under load.
enum HTTPDescriptorLimit {
    /// Descriptors kept for everything else the process opens (store files, logs, pipes).
    static let headroom = 64

    /// What ``ensure(connections:)`` found and did.
    struct Outcome: Equatable {
        /// The connections that fit: the requested number, or fewer when the limit is too low.
        var connections: Int
        /// The soft limit before the call.
        var previousLimit: Int
        /// The soft limit after the call.
        var limit: Int
    }

    /// Raises the soft limit if `connections` (plus the rejection slots and
    /// ``headroom``) do not fit, and returns how many connections fit afterwards.
    static func ensure(connections: Int) -> Outcome {
        let needed = connections.addingReportingOverflow(HTTPEventLoop.rejectionSlots + headroom)
        var limits = rlimit()
        guard !needed.overflow, getrlimit(resource, &limits) == 0 else {
            return Outcome(connections: connections, previousLimit: -1, limit: -1)
        }
        let previous = limits.rlim_cur
        let wanted = rlim_t(needed.partialValue)
        if previous < wanted {
            var raised = limits
            raised.rlim_cur = min(wanted, limits.rlim_max)
            if setrlimit(resource, &raised) == 0 { limits = raised }
        }
        let soft = Int(clamping: limits.rlim_cur)
        let fits = max(1, min(connections, soft - HTTPEventLoop.rejectionSlots - headroom))
        return Outcome(connections: fits, previousLimit: Int(clamping: previous), limit: soft)
    }

    private static var resource: Int32 {
        #if os(Linux)
        Int32(RLIMIT_NOFILE.rawValue)
        #else
        RLIMIT_NOFILE
        #endif
    }
}

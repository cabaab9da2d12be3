import Testing

/// Tests that run the real host executable (and, once, a package of its own) as separate
/// processes. They run one at a time: they start several processes each, and one of them
/// compiles a package, which would starve the others on a small machine.
@Suite("Real processes", .serialized)
struct ProcessTests {}

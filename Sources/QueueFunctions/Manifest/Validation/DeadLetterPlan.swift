/// Where each declared queue dead-letters to, and which dead-letter queues must be
/// created implicitly.
///
/// A queue without `dead_letter_queue` gets `<name>-dlq`, unless it is itself the
/// dead-letter queue of another queue: then it is terminal (nil). Dead-letter queues
/// that are not declared are added after the declared ones, terminal, with default settings.
struct DeadLetterPlan: Sendable, Equatable {
    /// The dead-letter queue of each declared queue, by index in the draft's `queues`.
    var deadLetterQueue: [Int: String]
    /// Dead-letter queues that are not declared, in order of first mention.
    var implicitQueues: [String]
    /// Every queue some queue dead-letters to.
    var deadLetterTargets: Set<String>

    /// The suffix of a default dead-letter queue name.
    static let suffix = "-dlq"

    /// Plans the dead-letter queues of `queues`; entries without a name are skipped.
    init(queues: [ManifestDraft.Queue]) {
        var targets = Set(queues.compactMap(\.deadLetterQueue))
        var resolved: [Int: String] = [:]
        // Decide shorter names first: "a-dlq" is terminal exactly when "a" dead-letters to
        // it, and "a" is always shorter, so it has been decided by then.
        let named = queues.filter { $0.name != nil }
        for queue in named.sorted(by: { ($0.name?.count ?? 0, $0.index) < ($1.name?.count ?? 0, $1.index) }) {
            guard let name = queue.name else { continue }
            if let explicit = queue.deadLetterQueue {
                resolved[queue.index] = explicit
            } else if !targets.contains(name) {
                let target = name + Self.suffix
                resolved[queue.index] = target
                targets.insert(target)
            }
        }
        let declared = Set(named.compactMap(\.name))
        var implicit: [String] = []
        var listed = Set<String>()
        for queue in named {
            if let target = resolved[queue.index], !declared.contains(target), listed.insert(target).inserted {
                implicit.append(target)
            }
        }
        deadLetterQueue = resolved
        implicitQueues = implicit
        deadLetterTargets = targets
    }
}

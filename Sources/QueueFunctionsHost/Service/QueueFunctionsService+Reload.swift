import Foundation
import QueueFunctions

extension QueueFunctionsService {
    /// What a manifest reload did.
    public enum ReloadOutcome: Sendable, Equatable, CustomStringConvertible {
        /// The new manifest runs now.
        case applied(FunctionHost.ManifestChange)
        /// The file is unchanged or the host is stopping; nothing was done.
        case unchanged
        /// The new manifest is invalid; the running configuration keeps going. Every error is listed.
        case rejected(String)

        /// One line for the log.
        public var description: String {
            switch self {
            case .applied(let change): "manifest reloaded: \(change)"
            case .unchanged: "manifest unchanged"
            case .rejected(let errors): "manifest not reloaded, the running configuration keeps going: \(errors)"
            }
        }
    }

    struct ReloadState {
        var fingerprint: ManifestFingerprint?
    }

    /// Re-reads the manifest file and applies it if it is valid (`serve --watch` and
    /// SIGHUP call this). A valid change takes effect without losing a message or
    /// delivering one twice: new functions start, removed ones drain and stop, changed
    /// ones get a new pool while the old one finishes its batches. An invalid change is
    /// logged with every error and the running configuration keeps going.
    ///
    /// - Returns: What happened.
    @discardableResult
    public func reload() -> ReloadOutcome {
        reloads.withLock { state in
            state.fingerprint = ManifestFingerprint(of: source.url)
            return reloadLocked()
        }
    }

    private func reloadLocked() -> ReloadOutcome {
        guard source.url != nil, !host.isStopping else { return .unchanged }
        let logger = options.logger
        let loaded: LoadedManifest
        do {
            loaded = try source.load(registeredHandlers: Set(registry.names))
        } catch {
            let outcome = ReloadOutcome.rejected("\(error)")
            logger.error("\(outcome)")
            host.events.record(HostEvent(time: host.clock.now(), kind: .failure, function: nil,
                                         message: "manifest reload rejected; the running configuration keeps going"))
            return outcome
        }
        let previous = host.manifest
        do {
            let change = try host.apply(loaded.manifest)
            gateway?.manifestChanged()
            if previous.host != loaded.manifest.host {
                logger.warning("the manifest's host settings changed; functions and producer routes follow at once, "
                    + "the store, the host-wide worker cap and the grace period take effect at the next start")
            }
            let outcome = ReloadOutcome.applied(change)
            logger.notice("\(outcome)")
            return outcome
        } catch {
            let outcome = ReloadOutcome.rejected("\(error)")
            logger.error("\(outcome)")
            return outcome
        }
    }

    /// Checks the manifest file every `interval` and reloads it when it changed, until cancelled.
    func watchManifest(every interval: Duration) async {
        while !Task.isCancelled, !host.isStopping {
            guard (try? await options.clock.sleep(for: interval)) != nil else { return }
            let current = ManifestFingerprint(of: source.url)
            let changed = reloads.withLock { state -> Bool in
                guard current != state.fingerprint else { return false }
                state.fingerprint = current
                return true
            }
            if changed {
                reloads.withLock { _ in _ = reloadLocked() }
            }
        }
    }
}

/// What identifies a version of the manifest file: its modification time, size and contents.
struct ManifestFingerprint: Equatable {
    var modified: Date?
    var contents: Data?

    init?(of url: URL?) {
        guard let url else { return nil }
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        modified = attributes?[.modificationDate] as? Date
        contents = FileManager.default.contents(atPath: url.path)
    }
}

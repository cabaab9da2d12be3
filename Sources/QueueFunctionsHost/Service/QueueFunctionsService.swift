import Foundation
import QueueFunctions
import QueueFunctionsGateway
import Synchronization

/// A whole QueueFunctions host to embed in a service of your own (Vapor, Hummingbird,
/// swift-service-lifecycle): the functions of a manifest on a store, the autoscaler,
/// and optionally the HTTP gateway.
///
/// ``run()`` runs until the task running it is cancelled or ``shutdown()`` is called.
/// Either way it stops gracefully: no new batches, in-flight batches get the grace
/// period, the rest are cancelled and retried, shared resources close, then it returns. It never
/// ends the process. Its shape is swift-service-lifecycle's `Service`, so one line
/// adds it to a `ServiceGroup`:
///
/// ```swift
/// import QueueFunctionsHost
/// import ServiceLifecycle
///
/// extension QueueFunctionsService: @retroactive Service {}
///
/// let store = try await SQLiteQueueStore(path: "queues.sqlite")
/// let functions = try QueueFunctionsService(
///     manifest: .file("functions.json"), registry: registry, store: store,
///     options: .init(gateway: GatewayOptions(port: 7071))
/// )
/// let group = ServiceGroup(services: [functions, httpServer], logger: logger)
/// try await group.run()
/// ```
///
/// The store is yours: the service does not close it.
public final class QueueFunctionsService: Sendable {
    /// How the embedded host runs.
    public struct Options: Sendable {
        /// The HTTP gateway, or nil for none (the default).
        public var gateway: GatewayOptions?
        /// Whether the autoscaler sets worker counts (default true); false runs `max_workers` per function.
        public var autoscale: Bool
        /// How long in-flight batches may finish at shutdown; nil for the manifest's `host.shutdown_grace_period`.
        public var gracePeriod: Duration?
        /// Where the host logs.
        public var logger: QueueLogger
        /// The clock for leases, backoff and scaling.
        public var clock: any HostClock
        /// When set, the manifest file is checked for changes this often and reloaded (`serve --watch`).
        public var watchInterval: Duration?
        /// Whether manifest warnings are logged at start-up (default true).
        public var logsManifestWarnings: Bool

        /// Creates options; every parameter has the default described on its property.
        public init(
            gateway: GatewayOptions? = nil, autoscale: Bool = true, gracePeriod: Duration? = nil,
            logger: QueueLogger = QueueLogger(), clock: any HostClock = SystemClock(), watchInterval: Duration? = nil,
            logsManifestWarnings: Bool = true
        ) {
            self.gateway = gateway
            self.autoscale = autoscale
            self.gracePeriod = gracePeriod
            self.logger = logger
            self.clock = clock
            self.watchInterval = watchInterval
            self.logsManifestWarnings = logsManifestWarnings
        }
    }

    /// The running host: its runners, metrics and events.
    public let host: FunctionHost
    /// The warnings the manifest raised when it was loaded.
    public let warnings: [ManifestDiagnostic]
    /// The options the service was created with.
    public let options: Options

    let source: ManifestSource
    let registry: FunctionRegistry
    let gateway: Gateway?
    let autoscaler: Autoscaler?
    let reloads = Mutex(ReloadState())
    /// This process run's id in the store's host registry.
    let hostID = UUID().uuidString.lowercased()
    let startedAt: Date
    /// The machine's name, read once (it may ask the resolver).
    let machineName = ProcessInfo.processInfo.hostName
    let lifecycle = Mutex(Lifecycle.created)
    let lifecycleSignal = QueueSignal()

    enum Lifecycle { case created, started, ended }

    /// Creates the host: loads and validates the manifest and checks every handler name.
    /// Nothing runs and nothing listens until ``run()``.
    ///
    /// - Throws: ``ManifestError`` listing every problem of the manifest;
    ///   ``FunctionHost/StartError`` for a handler that is not registered; an error naming
    ///   the gateway's address or token when the gateway options are unusable.
    public init(manifest: ManifestSource, registry: FunctionRegistry, store: any QueueStore, options: Options = Options()) throws {
        let loaded = try manifest.load(registeredHandlers: Set(registry.names))
        self.source = manifest
        self.registry = registry
        self.options = options
        self.warnings = loaded.warnings
        let host = try FunctionHost(
            manifest: loaded.manifest, registry: registry, store: store, clock: options.clock, logger: options.logger
        )
        self.host = host
        host.registryID = hostID
        startedAt = options.clock.now()
        gateway = try options.gateway.map { try Gateway(host: host, configuration: $0.configuration) }
        autoscaler = options.autoscale ? Autoscaler() : nil
        reloads.withLock { $0.fingerprint = ManifestFingerprint(of: manifest.url) }
        if options.logsManifestWarnings {
            let file = manifest.url?.lastPathComponent ?? "manifest"
            for warning in loaded.warnings { options.logger.warning(warning.formatted(file: file)) }
        }
    }

    /// The gateway's address (`http://127.0.0.1:7071/`) once ``run()`` has started it; nil without a gateway.
    public var gatewayURL: String? {
        guard let gateway, gateway.boundPort > 0 else { return nil }
        return gateway.url
    }

    /// Runs until the calling task is cancelled or ``shutdown()`` is called, then stops
    /// gracefully and returns.
    ///
    /// - Throws: ``FunctionHost/StartError`` when a shared resource fails to start, or an
    ///   error naming the address when the gateway cannot listen; nothing runs then.
    public func run() async throws {
        defer { moveTo(.ended) }
        try await host.startResources()
        if let gateway {
            do {
                try gateway.start()
            } catch {
                await host.resources.close(logger: options.logger)
                throw error
            }
        }
        moveTo(.started)
        let host = host
        let autoscaler = autoscaler
        let grace = options.gracePeriod
        await withTaskGroup(of: Void.self) { group in
            if let interval = options.watchInterval, source.url != nil {
                group.addTask { await self.watchManifest(every: interval) }
            }
            if let registry = host.store as? any HostRegistry {
                group.addTask { await self.heartbeat(into: registry) }
            }
            if let autoscaler {
                await host.run(scaling: { await autoscaler.run(host: $0) }, gracePeriod: grace)
            } else {
                await host.run(gracePeriod: grace)
            }
            group.cancelAll()
        }
        await leaveRegistry()
        await gateway?.shutdown()
        await options.logger.flush()
    }

    /// Waits until ``run()`` has started the resources and the gateway (true), or has
    /// ended without starting (false).
    public func waitUntilStarted() async -> Bool {
        while true {
            let generation = lifecycleSignal.generation(of: Self.lifecycleKey)
            switch lifecycle.withLock({ $0 }) {
            case .started: return true
            case .ended: return false
            case .created: await lifecycleSignal.wait(on: Self.lifecycleKey, ifGeneration: generation)
            }
        }
    }

    private static let lifecycleKey = "lifecycle"

    private func moveTo(_ next: Lifecycle) {
        lifecycle.withLock { state in
            if state != .ended { state = next }
        }
        lifecycleSignal.notify(Self.lifecycleKey)
    }

    /// Stops gracefully: no new batches; in-flight ones get the grace period, then are
    /// cancelled and handed back. ``run()`` returns when that is done. Returns at once.
    public func shutdown() {
        host.shutdown(gracePeriod: options.gracePeriod ?? host.manifest.host.shutdownGracePeriod)
    }

    /// Stops at once: running invocations are cancelled and their messages handed back.
    public func shutdownNow() {
        host.stopNow()
    }
}

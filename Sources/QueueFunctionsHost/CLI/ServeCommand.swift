import Foundation
import QueueFunctions
import QueueFunctionsGateway
import QueueFunctionsHTTP

/// `serve`: runs the manifest's functions until SIGINT/SIGTERM.
///
/// Signals: the first stops gracefully (in-flight batches get the grace period, then
/// they are cancelled and handed back); the second cancels running invocations at
/// once; the third, or a hard deadline one grace period after the cancellation, ends
/// `serve` even when a handler ignores cancellation (its leases lapse). SIGHUP, and a
/// change of the file with `--watch`, reload the manifest.
enum ServeCommand {
    static func run(_ context: CommandContext) async throws {
        let manifest = try context.loadManifest(printWarnings: true)
        let logger = try context.makeLogger()
        let location = try context.storeLocation()
        let grace = try context.duration("--grace-period", in: InputLimits.wait) ?? manifest.host.shutdownGracePeriod
        let access = try gatewayConfiguration(context)
        let watch = try context.duration("--watch-interval", in: InputLimits.interval)
            ?? (context.arguments.has("--watch") ? .seconds(1) : nil)
        let store = try await context.openStore()
        let service: QueueFunctionsService
        do {
            service = try QueueFunctionsService(
                manifest: .file(context.manifestURL), registry: context.registry, store: store,
                options: .init(
                    gateway: access, autoscale: !context.arguments.has("--no-autoscale"), gracePeriod: grace,
                    logger: logger, watchInterval: watch, logsManifestWarnings: false
                )
            )
        } catch {
            await store.close()
            throw CommandError.manifest("\(error)")
        }
        let signals = SignalCounter()
        let hangups = SignalCounter([SIGHUP])
        let runTask = Task { try await service.run() }
        let watcher = Task {
            await watchSignals(signals, hangups: hangups, service: service, grace: grace, logger: logger)
        }
        defer {
            watcher.cancel()
            signals.cancel()
            hangups.cancel()
        }
        if await service.waitUntilStarted(), let url = service.gatewayURL {
            let bind = access.bind
            let address = AdminAuth.isLoopback(bind) ? url : "\(url) (bound to \(bind), admin token required)"
            printBanner(manifest, store: location, url: address, watching: watch != nil, context: context)
        }
        let ended = await firstOf(runTask, orAbandonAfter: watcher)
        switch ended {
        case .finished(.success):
            await store.close()
            logger.notice("host stopped")
        case .finished(.failure(let error)):
            await store.close()
            throw CommandError.failed("\(error)")
        case .abandoned:
            // A handler ignores cancellation: leave it running and end; its leases lapse and the
            // messages are delivered again. The store is not closed under a running handler.
            logger.error("host stopped without waiting for handlers that ignore cancellation; their messages are delivered again when their leases lapse")
            throw CommandError.failed("stopped with handlers still running")
        }
    }

    /// How `serve` ended.
    private enum Ending {
        case finished(Result<Void, any Error>)
        case abandoned
    }

    /// Waits for the host, or for the signal watcher to give up on it (third signal, hard deadline).
    private static func firstOf(_ run: Task<Void, any Error>, orAbandonAfter watcher: Task<Void, Never>) async -> Ending {
        let (endings, ending) = AsyncStream.makeStream(of: Ending.self)
        let waitRun = Task {
            ending.yield(.finished(await run.result))
        }
        let waitWatcher = Task {
            await watcher.value
            if !Task.isCancelled { ending.yield(.abandoned) }
        }
        defer {
            waitRun.cancel()
            waitWatcher.cancel()
        }
        for await first in endings { return first }
        return .abandoned
    }

    /// Turns signals into stops: graceful, then now, then give up; SIGHUP reloads. Returns
    /// only when `serve` should end without waiting for the host any longer.
    private static func watchSignals(
        _ signals: SignalCounter, hangups: SignalCounter, service: QueueFunctionsService, grace: Duration, logger: QueueLogger
    ) async {
        let reloads = Task {
            var seen: UInt64 = 0
            while !Task.isCancelled {
                await hangups.wait(after: seen)
                guard !Task.isCancelled else { return }
                seen = hangups.count
                logger.notice("SIGHUP: reloading the manifest")
                service.reload()
            }
        }
        defer { reloads.cancel() }
        await signals.wait(after: 0)
        guard !Task.isCancelled else { return }
        logger.notice("shutting down: finishing in-flight batches", [("grace_period", DurationText.format(grace))])
        service.shutdown()
        // The second signal, or the grace period, cancels running invocations (the host does
        // the latter itself); the third, or another grace period after that, gives up on them.
        let second = await signalOrTimeout(signals, after: 1, timeout: grace)
        guard !Task.isCancelled else { return }
        if second {
            logger.warning("second signal: cancelling running invocations; their messages are handed back")
            service.shutdownNow()
        }
        _ = await signalOrTimeout(signals, after: 2, timeout: second ? grace : grace + grace)
        guard !Task.isCancelled else { return }
        logger.warning("third signal or hard deadline: ending without waiting for running handlers")
    }

    /// Waits for more than `seen` signals (true) or `timeout` (false).
    private static func signalOrTimeout(_ signals: SignalCounter, after seen: UInt64, timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            group.addTask {
                await signals.wait(after: seen)
                return signals.count > seen
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// The gateway's address from `--port` and `--bind`, its admin token from
    /// `--admin-token` or `QUEUEFUNCTIONS_ADMIN_TOKEN`, and the host names and web origins
    /// it accepts from `--allowed-host` / `QUEUEFUNCTIONS_ALLOWED_HOSTS` and `--cors-origin` /
    /// `QUEUEFUNCTIONS_CORS_ORIGINS` (comma-separated); refused before anything opens when a
    /// non-loopback address has no token or a name or origin is malformed.
    static func gatewayConfiguration(_ context: CommandContext) throws -> GatewayOptions {
        let port = try context.integer("--port", in: InputLimits.port) ?? 7071
        let bind = context.arguments.value("--bind") ?? "127.0.0.1"
        let environmentToken = context.environment["QUEUEFUNCTIONS_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let listed = { (option: String, variable: String) -> [String] in
            let fromEnvironment = (context.environment[variable] ?? "").split(separator: ",").map { String($0.trimmingSpaces) }
            return fromEnvironment.filter { !$0.isEmpty } + context.arguments.allValues(option)
        }
        let options = GatewayOptions(
            bind: bind, port: port, adminToken: context.arguments.value("--admin-token") ?? environmentToken,
            allowedHosts: listed("--allowed-host", "QUEUEFUNCTIONS_ALLOWED_HOSTS"),
            corsOrigins: listed("--cors-origin", "QUEUEFUNCTIONS_CORS_ORIGINS")
        )
        do {
            try Gateway.checkAccess(options.configuration)
        } catch {
            throw CommandError.usage("\(error)")
        }
        return options
    }

    private static func printBanner(_ manifest: Manifest, store: StoreLocation, url: String, watching: Bool, context: CommandContext) {
        var table = TextTable(["FUNCTION", "QUEUE", "HANDLER", "BATCH", "WORKERS"])
        for function in manifest.functions {
            table.add([function.name, function.trigger.queue, function.handler, "\(function.trigger.batchSize)",
                       "\(function.scale.minWorkers)…\(function.scale.maxWorkers)"])
        }
        let routes = manifest.producers.isEmpty ? "none" : manifest.producers.map(\.route).joined(separator: ", ")
        context.output.message("QueueFunctions host: \(manifest.functions.count) function(s), store \(store)")
        context.output.message(table.render())
        context.output.message("Listening on \(url): dashboard at /, producer routes \(routes), /metrics, admin API under /api/")
        if watching {
            context.output.message("Watching \(context.manifestURL.relativePath): valid changes apply without a restart (SIGHUP reloads too).")
        }
        context.output.message("Press Ctrl-C to stop.")
    }
}

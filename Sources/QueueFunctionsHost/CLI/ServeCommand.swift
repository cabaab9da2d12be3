import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import Foundation

/// `serve`: runs the manifest's functions until SIGINT/SIGTERM.
enum ServeCommand {
    static func run(_ context: CommandContext) async throws {
        let manifest = try context.loadManifest()
        let logger = try context.makeLogger()
        let location = try context.storeLocation()
        let grace = try context.duration("--grace-period", in: InputLimits.wait) ?? manifest.host.shutdownGracePeriod
        let access = try gatewayConfiguration(context)
        let store = try await context.openStore()
        let host: FunctionHost
        do {
            host = try FunctionHost(manifest: manifest, registry: context.registry, store: store, logger: logger)
        } catch {
            await store.close()
            throw CommandError.manifest("\(error)")
        }
        let gateway: Gateway
        do {
            gateway = try Gateway(host: host, configuration: access)
            try gateway.start()
        } catch {
            await store.close()
            throw CommandError.failed("\(error)")
        }
        let bind = access.server.host
        let address = AdminAuth.isLoopback(bind) ? gateway.url : "\(gateway.url) (bound to \(bind), admin token required)"
        printBanner(manifest, store: location, url: address, context: context)
        let signals = ShutdownSignals()
        let autoscaler: Autoscaler? = context.arguments.has("--no-autoscale") ? nil : Autoscaler()
        let runTask = Task {
            if let autoscaler {
                await host.run(scaling: { await autoscaler.run(host: $0) })
            } else {
                await host.run()
            }
        }
        let firstSignal = Task {
            await signals.wait(after: 0)
            guard !Task.isCancelled else { return }
            logger.notice("shutting down: finishing in-flight batches", [("grace_period", DurationText.format(grace))])
            host.stop()
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await Task.sleep(for: grace) }
                group.addTask { await signals.wait(after: 1) }
                await group.next()
                group.cancelAll()
            }
            guard !Task.isCancelled else { return }
            logger.warning("grace period over or second signal: cancelling running invocations; their messages are handed back")
            runTask.cancel()
        }
        await runTask.value
        firstSignal.cancel()
        signals.cancel()
        await gateway.shutdown()
        await store.close()
        logger.notice("host stopped")
    }

    /// The gateway's address from `--port` and `--bind`, and its admin token from
    /// `--admin-token` or `QUEUEFUNCTIONS_ADMIN_TOKEN`; refused before anything opens
    /// when a non-loopback address has no token.
    static func gatewayConfiguration(_ context: CommandContext) throws -> Gateway.Configuration {
        let port = try context.integer("--port", in: InputLimits.port) ?? 7071
        let bind = context.arguments.value("--bind") ?? "127.0.0.1"
        let environmentToken = context.environment["QUEUEFUNCTIONS_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let configuration = Gateway.Configuration(
            server: HTTPServer.Configuration(host: bind, port: port),
            adminToken: context.arguments.value("--admin-token") ?? environmentToken
        )
        do {
            try Gateway.checkAccess(configuration)
        } catch {
            throw CommandError.usage("\(error)")
        }
        return configuration
    }

    private static func printBanner(_ manifest: Manifest, store: StoreLocation, url: String, context: CommandContext) {
        var table = TextTable(["FUNCTION", "QUEUE", "HANDLER", "BATCH", "WORKERS"])
        for function in manifest.functions {
            table.add([function.name, function.trigger.queue, function.handler, "\(function.trigger.batchSize)",
                       "\(function.scale.minWorkers)…\(function.scale.maxWorkers)"])
        }
        let routes = manifest.producers.isEmpty ? "none" : manifest.producers.map(\.route).joined(separator: ", ")
        context.output.message("QueueFunctions host: \(manifest.functions.count) function(s), store \(store)")
        context.output.message(table.render())
        context.output.message("Listening on \(url): dashboard at /, producer routes \(routes), /metrics, admin API under /api/")
        context.output.message("Press Ctrl-C to stop.")
    }
}

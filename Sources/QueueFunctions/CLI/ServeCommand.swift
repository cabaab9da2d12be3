import Foundation

/// `serve`: runs the manifest's functions until SIGINT/SIGTERM.
enum ServeCommand {
    static func run(_ context: CommandContext) async throws {
        let manifest = try context.loadManifest()
        let logger = try context.makeLogger()
        let location = try context.storeLocation()
        let grace = try context.duration("--grace-period") ?? manifest.host.shutdownGracePeriod
        let store = try await context.openStore()
        let host: FunctionHost
        do {
            host = try FunctionHost(manifest: manifest, registry: context.registry, store: store, logger: logger)
        } catch {
            await store.close()
            throw CommandError.manifest("\(error)")
        }
        printBanner(manifest, store: location, context: context)
        let signals = ShutdownSignals()
        let runTask = Task { await host.run() }
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
        await store.close()
        logger.notice("host stopped")
    }

    private static func printBanner(_ manifest: Manifest, store: StoreLocation, context: CommandContext) {
        var table = TextTable(["FUNCTION", "QUEUE", "HANDLER", "BATCH", "WORKERS"])
        for function in manifest.functions {
            table.add([function.name, function.trigger.queue, function.handler, "\(function.trigger.batchSize)",
                       "\(function.scale.minWorkers)…\(function.scale.maxWorkers)"])
        }
        context.output.message("QueueFunctions host: \(manifest.functions.count) function(s), store \(store)")
        context.output.message(table.render())
        context.output.message("Press Ctrl-C to stop.")
    }
}

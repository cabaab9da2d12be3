import QueueFunctions
import QueueFunctionsSQLite
import QueueFunctionsHTTP
import QueueFunctionsGateway
import QueueFunctionsSimulator
import Foundation

/// `validate`: checks `functions.json` and prints every error and warning.
enum ValidateCommand {
    struct Report: Encodable {
        var valid: Bool
        var file: String
        var queues: Int
        var functions: Int
        var producers: Int
        var errors: [Diagnostic]
        var warnings: [Diagnostic]
    }

    struct Diagnostic: Encodable {
        var path: String
        var line: Int?
        var column: Int?
        var message: String
        var fix: String
    }

    static func run(_ context: CommandContext) throws {
        let url = context.manifestURL
        let file = url.lastPathComponent
        do {
            let loaded = try ManifestLoader.load(contentsOf: url, registeredHandlers: Set(context.registry.names))
            let manifest = loaded.manifest
            if context.wantsJSON {
                try context.printJSON(Report(
                    valid: true, file: url.path, queues: manifest.queues.count, functions: manifest.functions.count,
                    producers: manifest.producers.count, errors: [], warnings: loaded.warnings.map(diagnostic)
                ))
            } else {
                for warning in loaded.warnings { context.output.line(warning.formatted(file: file)) }
                context.output.line("\(url.path) is valid: \(manifest.queues.count) queues, \(manifest.functions.count) functions, "
                                    + "\(manifest.producers.count) producers, \(loaded.warnings.count) warning(s).")
            }
        } catch let error as ManifestError {
            if context.wantsJSON {
                let errors = error.diagnostics.filter { $0.severity == .error }.map(diagnostic)
                let warnings = error.diagnostics.filter { $0.severity == .warning }.map(diagnostic)
                try context.printJSON(Report(valid: false, file: url.path, queues: 0, functions: 0, producers: 0, errors: errors, warnings: warnings))
                throw CommandError.manifest("\(url.path) is invalid: \(errors.count) error(s)")
            }
            throw CommandError.manifest("\(error)")
        } catch {
            throw CommandError.manifest("\(error)")
        }
    }

    static func diagnostic(_ item: ManifestDiagnostic) -> Diagnostic {
        Diagnostic(path: item.path, line: item.line, column: item.column, message: item.message, fix: item.fix)
    }
}

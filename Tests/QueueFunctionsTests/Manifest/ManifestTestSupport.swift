import Foundation
@testable import QueueFunctions
@testable import QueueFunctionsSQLite
@testable import QueueFunctionsHTTP
@testable import QueueFunctionsGateway
@testable import QueueFunctionsSimulator
@testable import QueueFunctionsHost

/// Parses manifest text as `functions.json`.
func loadManifest(_ json: String, handlers: Set<String>? = nil) throws(ManifestError) -> LoadedManifest {
    try ManifestLoader.parse(Data(json.utf8), fileName: "functions.json", registeredHandlers: handlers)
}

/// The error parsing `json` throws, or nil when it parses.
func manifestError(_ json: String, handlers: Set<String>? = nil) -> ManifestError? {
    do {
        _ = try loadManifest(json, handlers: handlers)
        return nil
    } catch {
        return error
    }
}

/// A manifest with one queue `jobs` triggering function `work` (handler `Worker`), with
/// `queue` and `function` spliced into the queue and function objects.
func oneFunctionManifest(queue: String = "", function: String = "", trigger: String = "") -> String {
    let queueExtra = queue.isEmpty ? "" : ", " + queue
    let functionExtra = function.isEmpty ? "" : ", " + function
    let triggerExtra = trigger.isEmpty ? "" : ", " + trigger
    return """
    {
      "queues": [{"name": "jobs"\(queueExtra)}],
      "functions": [{"name": "work", "handler": "Worker", "trigger": {"queue": "jobs"\(triggerExtra)}\(functionExtra)}]
    }
    """
}

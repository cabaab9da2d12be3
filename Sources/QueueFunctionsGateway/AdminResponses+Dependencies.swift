import QueueFunctions
import Foundation

extension AdminResponses {
    /// A dependency with its breaker state (`GET /api/dependencies`); `text` reads
    /// "billing-api: open since 12:01:00, next probe 12:01:05".
    struct Dependency: Encodable {
        var name: String
        var state: String
        var inUse: Int
        var maxConcurrency: Int?
        var rate: String?
        var admitted: Int
        var waits: Int
        var openSince: Date?
        var nextProbe: Date?
        var reason: String?
        var text: String

        init(_ status: DependencyStatus) {
            name = status.name
            state = status.state.rawValue
            inUse = status.inUse
            maxConcurrency = status.maxConcurrency
            rate = status.rate?.description
            admitted = status.admitted
            waits = status.waits
            openSince = status.openSince
            nextProbe = status.nextProbe
            reason = status.reason
            text = status.description
        }
    }
}

extension MetricsExposition {
    /// Per dependency: the breaker's state (0 closed, 1 half-open, 2 open), permits in use,
    /// messages admitted and waits.
    static func writeDependencies(_ out: inout PrometheusTextWriter, _ dependencies: [DependencyStatus]) {
        guard !dependencies.isEmpty else { return }
        out.family("queuefunctions_dependency_breaker_state", .gauge, help: "A dependency's circuit breaker: 0 closed, 1 half-open, 2 open.")
        for dependency in dependencies {
            let value = switch dependency.state { case .closed: 0; case .halfOpen: 1; case .open: 2 }
            out.sample("queuefunctions_dependency_breaker_state", [("dependency", dependency.name)], value)
        }
        out.family("queuefunctions_dependency_in_use", .gauge, help: "Messages of a dependency's functions in handlers now, holding a permit.")
        for dependency in dependencies {
            out.sample("queuefunctions_dependency_in_use", [("dependency", dependency.name)], dependency.inUse)
        }
        out.family("queuefunctions_dependency_admitted_total", .counter, help: "Messages a dependency's gate let workers receive.")
        for dependency in dependencies {
            out.sample("queuefunctions_dependency_admitted_total", [("dependency", dependency.name)], dependency.admitted)
        }
        out.family("queuefunctions_dependency_waits_total", .counter,
                   help: "Times a worker waited for a dependency (permits, rate or an open breaker) instead of receiving.")
        for dependency in dependencies {
            out.sample("queuefunctions_dependency_waits_total", [("dependency", dependency.name)], dependency.waits)
        }
    }
}

import QueueFunctions
import QueueFunctionsHTTP

/// Why a ``Gateway`` could not start.

package enum GatewayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bind address is reachable from other machines and no admin token was given.
    case adminTokenRequired(bind: String)
    /// The admin token is unusable (empty, or holding spaces or control characters).
    case invalidAdminToken(String)
    /// The HTTP server could not listen.
    case server(HTTPServerError)

    /// What happened and what to do about it.
    package var description: String {
        switch self {
        case .adminTokenRequired(let bind):
            "Refusing to listen on \(bind) without an admin token: that address is reachable from other machines, "
                + "and the admin API can read, redrive and purge queues. Give a token with --admin-token TOKEN or the "
                + "QUEUEFUNCTIONS_ADMIN_TOKEN environment variable, or listen on this machine only with --bind 127.0.0.1."
        case .invalidAdminToken(let reason):
            "The admin token is unusable: \(reason). Use a long random string of letters, digits and -._~+/ "
                + "(for example the output of `openssl rand -hex 32`)."
        case .server(let error):
            error.description
        }
    }
}

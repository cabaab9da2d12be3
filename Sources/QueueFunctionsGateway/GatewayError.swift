import QueueFunctions
import QueueFunctionsHTTP

/// Why a ``Gateway`` could not start.

package enum GatewayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bind address is reachable from other machines and no admin token was given.
    case adminTokenRequired(bind: String)
    /// The admin token is unusable (empty, or holding spaces or control characters).
    case invalidAdminToken(String)
    /// An allowed host name (``Gateway/Configuration/allowedHosts``) is not a host name.
    case invalidAllowedHost(String)
    /// A CORS origin (``Gateway/Configuration/corsOrigins``) is not an origin.
    case invalidCORSOrigin(String)
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
        case .invalidAllowedHost(let name):
            "--allowed-host '\(name)' is not a host name. Give a bare name such as 'queues.test' or 'my-laptop.local' "
                + "(no scheme, port or path), or '.test' to allow every name under test."
        case .invalidCORSOrigin(let text):
            "--cors-origin '\(text)' is not an origin. Give the scheme, host and port of the page that calls the host, "
                + "such as 'http://localhost:5173' (no path; '*' and 'null' are not accepted)."
        case .server(let error):
            error.description
        }
    }
}

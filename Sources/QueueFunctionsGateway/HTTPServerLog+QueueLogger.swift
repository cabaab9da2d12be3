import QueueFunctions
import QueueFunctionsHTTP

extension HTTPServerLog {
    /// An HTTP server log that writes through the host's logger, at the same levels.
    package init(_ logger: QueueLogger) {
        self.init { level, message, metadata in
            switch level {
            case .debug: logger.debug(message, metadata)
            case .notice: logger.notice(message, metadata)
            case .warning: logger.warning(message, metadata)
            case .error: logger.error(message, metadata)
            }
        }
    }
}

import QueueFunctionsHTTP

/// The admin API takes JSON bodies only. A web page can send a form-encoded or
/// `text/plain` body to any address without the browser asking first (a CORS "simple
/// request"); a JSON content type always makes the browser ask. Refusing other content
/// types keeps cross-site forms away from the admin API even where `Origin` is missing.
enum AdminContentType {
    /// The methods whose body is checked.
    static let checkedMethods: Set<HTTPMethod> = [.post, .put, .patch, .delete]

    /// Nil when `request` may proceed, else the `415` to answer with.
    static func refusal(for request: HTTPRequest) -> HTTPResponse? {
        guard checkedMethods.contains(request.method), !request.body.isEmpty else { return nil }
        let contentType = request.headers["Content-Type"]
        if let contentType, mediaType(contentType) == "application/json" { return nil }
        let sent = contentType.map { "'Content-Type: \($0.prefix(100))'" } ?? "no Content-Type"
        var response = HTTPResponse.error(status: 415, "\(request.method) \(request.path.prefix(200)) takes a JSON body "
            + "and the request has \(sent). Send 'Content-Type: application/json' (with curl: "
            + "-H 'Content-Type: application/json'), or no body at all. Forms and plain text are refused so that a web "
            + "page cannot post them to the admin API.")
        response.headers.add(name: "Accept-Post", value: "application/json")
        return response
    }

    /// `application/json` for `Application/JSON; charset=utf-8`.
    static func mediaType(_ value: String) -> String {
        String(value.split(separator: ";", maxSplits: 1).first?.trimmingSpaces ?? "").lowercased()
    }
}

/// Text that is not valid JSON: what is wrong, where, and how to fix it.
struct JSONSyntaxError: Error, Sendable, Equatable {
    /// Where the problem is.
    var location: SourceLocation
    /// The JSON path of the value being read when the problem was found (`$.queues[1]`).
    var path: String
    /// What is wrong ("expected ',' or '}' after an object member, found '\"'").
    var message: String
    /// What to do about it.
    var fix: String
}

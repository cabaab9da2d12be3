/// Text that is not valid JSON: what is wrong, where, and how to fix it.
package struct JSONSyntaxError: Error, Sendable, Equatable {
    /// Where the problem is.
    package var location: SourceLocation
    /// The JSON path of the value being read when the problem was found (`$.queues[1]`).
    package var path: String
    /// What is wrong ("expected ',' or '}' after an object member, found '\"'").
    package var message: String
    /// What to do about it.
    package var fix: String
}

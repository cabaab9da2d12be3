/// Finds where bytes stop being valid UTF-8, as a line and column.
package enum UTF8Location {
    /// The location of the first byte that is not valid UTF-8, or nil when all are valid.
    package static func firstInvalid<Bytes: Collection>(in bytes: Bytes) -> SourceLocation? where Bytes.Element == UInt8 {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var line = 1, column = 1
        var previousWasCR = false
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let first = encoded.first
                if first == 0x0A, previousWasCR {
                    // The CR already ended the line.
                } else if first == 0x0A || first == 0x0D {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
                previousWasCR = first == 0x0D
            case .error:
                return SourceLocation(line: line, column: column)
            case .emptyInput:
                return nil
            }
        }
    }
}

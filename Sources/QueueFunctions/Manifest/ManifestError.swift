/// `functions.json` could not be loaded: every error found, and any warnings, at once.
///
/// Its description lists one diagnostic per line, errors first in file order:
///
/// ```text
/// functions.json:14:21: error: $.functions[0].trigger.batch_size: 0 is out of range 1…10000. Fix: set batch_size between 1 and 10000 (default 10).
/// functions.json:20:18: error: $.functions[1].handler: handler "ImportProcesor" is not registered. Fix: did you mean "ImportProcessor"? …
/// ```
public struct ManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The manifest's name or path as given (`functions.json`).
    public var file: String
    /// Every problem found: errors first, then warnings.
    public var diagnostics: [ManifestDiagnostic]

    /// Creates an error.
    public init(file: String, diagnostics: [ManifestDiagnostic]) {
        self.file = file
        self.diagnostics = diagnostics
    }

    /// Only the diagnostics with severity `.error`.
    public var errors: [ManifestDiagnostic] { diagnostics.filter { $0.severity == .error } }

    /// Only the diagnostics with severity `.warning`.
    public var warnings: [ManifestDiagnostic] { diagnostics.filter { $0.severity == .warning } }

    /// Every diagnostic formatted, one per line.
    public var description: String {
        diagnostics.map { $0.formatted(file: file) }.joined(separator: "\n")
    }
}

import Foundation

/// A manifest that passed validation, with the warnings it raised.
public struct LoadedManifest: Sendable, Equatable {
    /// The validated manifest, defaults applied and implicit dead-letter queues added.
    public var manifest: Manifest
    /// Advice the manifest goes against; the host starts anyway and should log them.
    public var warnings: [ManifestDiagnostic]

    /// Creates a loaded manifest.
    public init(manifest: Manifest, warnings: [ManifestDiagnostic]) {
        self.manifest = manifest
        self.warnings = warnings
    }
}

/// Reads and validates `functions.json`, reporting every problem at once.
///
/// ```swift
/// let loaded = try ManifestLoader.load(
///     contentsOf: URL(fileURLWithPath: "functions.json"),
///     registeredHandlers: Set(registry.names)
/// )
/// for warning in loaded.warnings { print(warning.formatted(file: "functions.json")) }
/// ```
public enum ManifestLoader {
    /// Reads, parses and validates the manifest at `url`.
    ///
    /// - Parameters:
    ///   - url: The manifest file. Diagnostics name it by `url.relativePath`.
    ///   - registeredHandlers: The handler names the host can run, or nil to skip checking
    ///     that handlers are registered and used.
    /// - Returns: The manifest and its warnings.
    /// - Throws: ``ManifestError`` when the file is missing, unreadable or not UTF-8, is not
    ///   JSON, or has any validation error; it lists every error (and warning) found.
    public static func load(contentsOf url: URL, registeredHandlers: Set<String>?) throws(ManifestError) -> LoadedManifest {
        let file = url.relativePath
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw fileError(file, "the manifest file does not exist",
                            #"create it, starting from {"queues": [], "functions": []}, or pass its path with --manifest PATH"#)
        }
        guard !isDirectory.boolValue else {
            throw fileError(file, "the manifest path is a directory", "point at the functions.json file inside it")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw fileError(file, "the manifest file cannot be read (\(error.localizedDescription))",
                            "check that the file is readable by this user")
        }
        return try parse(data, fileName: file, registeredHandlers: registeredHandlers)
    }

    /// Parses and validates manifest text.
    ///
    /// - Parameters:
    ///   - data: The file's bytes, UTF-8 (a byte order mark is allowed).
    ///   - fileName: The name diagnostics use for the file (`functions.json`).
    ///   - registeredHandlers: The handler names the host can run, or nil to skip the handler checks.
    /// - Returns: The manifest and its warnings.
    /// - Throws: ``ManifestError`` listing every error (and warning) found.
    public static func parse(_ data: Data, fileName: String, registeredHandlers: Set<String>?) throws(ManifestError) -> LoadedManifest {
        guard let text = String(data: data, encoding: .utf8) else {
            let location = UTF8Location.firstInvalid(in: data)
            throw ManifestError(file: fileName, diagnostics: [ManifestDiagnostic(
                severity: .error, kind: .unreadableFile, path: "", line: location?.line, column: location?.column,
                message: "the manifest is not valid UTF-8", fix: "save the file as UTF-8"
            )])
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw ManifestError(file: fileName, diagnostics: [ManifestDiagnostic(
                severity: .error, kind: .syntax, path: error.path, line: error.location.line, column: error.location.column,
                message: error.message, fix: error.fix
            )])
        }
        var (draft, decodingDiagnostics) = ManifestDecoder.decode(root, registeredHandlers: registeredHandlers)
        draft.applyProfileDefaults()
        let diagnostics = decodingDiagnostics + ManifestValidator.validate(draft, registeredHandlers: registeredHandlers)
        let errors = inFileOrder(diagnostics.filter { $0.severity == .error })
        let warnings = inFileOrder(diagnostics.filter { $0.severity == .warning })
        guard errors.isEmpty else {
            throw ManifestError(file: fileName, diagnostics: errors + warnings)
        }
        guard let manifest = ManifestAssembler.assemble(draft) else {
            // Unreachable when validation is complete: a missing required value is always reported.
            let incomplete = ManifestDiagnostic(
                severity: .error, kind: .missingKey, path: JSONPath.root,
                message: "the manifest is incomplete", fix: "check that every queue, function and producer has its required keys"
            )
            throw ManifestError(file: fileName, diagnostics: [incomplete] + warnings)
        }
        return LoadedManifest(manifest: manifest, warnings: warnings)
    }

    private static func fileError(_ file: String, _ message: String, _ fix: String) -> ManifestError {
        ManifestError(file: file, diagnostics: [ManifestDiagnostic(severity: .error, kind: .unreadableFile, path: "", message: message, fix: fix)])
    }

    /// Sorts by line and column (stable), diagnostics without a location last.
    private static func inFileOrder(_ diagnostics: [ManifestDiagnostic]) -> [ManifestDiagnostic] {
        diagnostics.enumerated().sorted { lhs, rhs in
            let left = (lhs.element.line ?? .max, lhs.element.column ?? .max, lhs.offset)
            let right = (rhs.element.line ?? .max, rhs.element.column ?? .max, rhs.offset)
            return left < right
        }.map(\.element)
    }
}

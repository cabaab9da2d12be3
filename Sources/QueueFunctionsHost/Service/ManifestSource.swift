import Foundation
import QueueFunctions

/// Where an embedded host's manifest comes from: a `functions.json` file (which can be
/// reloaded) or a ``Manifest`` value built in code.
public struct ManifestSource: Sendable {
    enum Kind: Sendable {
        case file(URL)
        case value(Manifest)
    }

    let kind: Kind

    /// The manifest in the file at `path` (`functions.json`), validated on load and on every reload.
    public static func file(_ path: String) -> ManifestSource {
        ManifestSource(kind: .file(URL(fileURLWithPath: path)))
    }

    /// The manifest in the file at `url`.
    public static func file(_ url: URL) -> ManifestSource {
        ManifestSource(kind: .file(url))
    }

    /// A manifest value built in code.
    public static func value(_ manifest: Manifest) -> ManifestSource {
        ManifestSource(kind: .value(manifest))
    }

    /// The file, when the manifest comes from one.
    var url: URL? {
        if case .file(let url) = kind { return url }
        return nil
    }

    /// Loads and validates the manifest.
    ///
    /// - Throws: ``ManifestError`` listing every problem.
    func load(registeredHandlers: Set<String>) throws -> LoadedManifest {
        switch kind {
        case .file(let url): try ManifestLoader.load(contentsOf: url, registeredHandlers: registeredHandlers)
        case .value(let manifest): LoadedManifest(manifest: manifest, warnings: [])
        }
    }
}

import QueueFunctions
import Foundation

/// Where a SQLite store's file lives, and making a place for it.
enum SQLiteStoreFile {
    /// `path` with `~` expanded and made absolute against the current directory.
    static func resolve(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        let base = FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: expanded, relativeTo: URL(fileURLWithPath: base, isDirectory: true))
            .standardizedFileURL.path
    }

    /// Creates the directory that will hold `path`, with any missing parents.
    ///
    /// - Throws: ``QueueStoreError`` `.unusableLocation` naming the directory when it
    ///   cannot be created or is not a directory.
    static func createParentDirectory(of path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty else { return }
        // The nearest folder on the way that exists must be a directory; otherwise say which
        // file is in the way instead of passing on the file system's opaque error.
        var existing = directory
        var isDirectory: ObjCBool = false
        while !FileManager.default.fileExists(atPath: existing, isDirectory: &isDirectory) {
            let parent = (existing as NSString).deletingLastPathComponent
            guard !parent.isEmpty, parent != existing else { break }
            existing = parent
        }
        if FileManager.default.fileExists(atPath: existing), !isDirectory.boolValue {
            throw QueueStoreError(
                .unusableLocation,
                "cannot create the queue store \(path): \(existing) is a file, not a directory; "
                    + "choose another path with --store sqlite:PATH"
            )
        }
        if existing == directory { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw QueueStoreError(
                .unusableLocation,
                "cannot create the directory \(directory) for the queue store \(path) (\(error.localizedDescription)); "
                    + "check its permissions or choose another path with --store sqlite:PATH"
            )
        }
    }
}

import Foundation
import Testing

/// The module boundaries of ARCHITECTURE.md, checked on the sources and on Package.swift:
/// the core imports no engine, server or CLI module, and no module imports one above it.
@Suite("Module boundaries")
struct ModuleBoundaryTests {
    /// What each module may import, besides the toolchain's own modules.
    static let allowed: [String: Set<String>] = [
        "QueueFunctions": [],
        "QueueFunctionsTesting": ["QueueFunctions"],
        "QueueFunctionsSQLite": ["QueueFunctions", "CSQLite"],
        "QueueFunctionsPostgres": ["QueueFunctions", "CLibPQ"],
        "QueueFunctionsHTTP": [],
        "QueueFunctionsGateway": ["QueueFunctions", "QueueFunctionsHTTP"],
        "QueueFunctionsSimulator": ["QueueFunctions"],
        "QueueFunctionsHost": [
            "QueueFunctions", "QueueFunctionsSQLite", "QueueFunctionsPostgres", "QueueFunctionsHTTP",
            "QueueFunctionsGateway", "QueueFunctionsSimulator",
        ],
    ]

    /// The toolchain's modules any target may import.
    static let toolchain: Set<String> = [
        "Foundation", "FoundationEssentials", "FoundationNetworking", "Dispatch", "Synchronization", "Glibc", "Darwin", "Musl",
    ]

    /// Modules that bring sockets or C engines, which the core must not use even through the toolchain.
    static let forbiddenInCore: Set<String> = ["Glibc", "Darwin", "Musl", "FoundationNetworking"]

    private static func swiftFiles(in module: String) throws -> [URL] {
        let folder = RepositoryPaths.root.appendingPathComponent("Sources/\(module)")
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
    }

    /// The modules a file imports (`import X`, `@testable import X`, `@_exported import X`).
    static func imports(of text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").map(String.init)
            guard let index = words.firstIndex(of: "import"), index + 1 < words.count,
                  words[..<index].allSatisfy({ $0.hasPrefix("@") }) else { return nil }
            return words[index + 1].split(separator: ".").first.map(String.init)
        }
    }

    @Test("every module imports only what it may", arguments: allowed.keys.sorted())
    func importsStayWithinTheirLayer(module: String) throws {
        let files = try Self.swiftFiles(in: module)
        let mayImport = (Self.allowed[module] ?? []).union(Self.toolchain)
        var offences: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for imported in Self.imports(of: text) {
                let forbiddenSystem = module == "QueueFunctions" && Self.forbiddenInCore.contains(imported)
                if !mayImport.contains(imported) || forbiddenSystem {
                    offences.append("\(file.lastPathComponent) imports \(imported)")
                }
            }
        }
        #expect(offences.isEmpty, "\(module) may import only \(mayImport.sorted()): \(offences)")
        if module != "QueueFunctionsPostgres" {
            #expect(!files.isEmpty, "no sources found for \(module)")
        }
    }

    @Test("Package.swift declares the same layering")
    func packageManifestMatches() throws {
        let text = try String(contentsOf: RepositoryPaths.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        for (module, allowed) in Self.allowed {
            guard let declared = Self.dependencies(of: module, in: text) else {
                #expect(module == "QueueFunctionsPostgres", "Package.swift has no target \(module)")
                continue
            }
            let extra = Set(declared).subtracting(allowed)
            #expect(extra.isEmpty, "Package.swift lets \(module) depend on \(extra.sorted()), above its layer")
        }
    }

    @Test("the check notices a core file that imports the SQLite engine")
    func checkCatchesAViolation() {
        let imports = Self.imports(of: "import Foundation\n@testable import QueueFunctionsSQLite\nlet x = 1 // import Nothing\n")
        #expect(imports == ["Foundation", "QueueFunctionsSQLite"])
        #expect(!(Self.allowed["QueueFunctions"] ?? []).union(Self.toolchain).contains("QueueFunctionsSQLite"))
    }

    /// The names in `dependencies: [...]` of `.target(name: "module", …)`, or nil without such a target.
    static func dependencies(of module: String, in manifest: String) -> [String]? {
        guard let start = manifest.range(of: "name: \"\(module)\"") else { return nil }
        let rest = manifest[start.upperBound...]
        let end = rest.range(of: ".target(")?.lowerBound ?? rest.range(of: ".executableTarget(")?.lowerBound ?? rest.endIndex
        let declaration = rest[..<end]
        guard let list = declaration.range(of: "dependencies: [") else { return [] }
        let body = declaration[list.upperBound...].prefix { $0 != "]" }
        return body.split(separator: "\"").map(String.init).filter { name in
            !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber }
        }
    }
}

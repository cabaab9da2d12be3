// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "QueueFunctions",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "QueueFunctions", targets: ["QueueFunctions"]),
        .library(name: "QueueFunctionsTesting", targets: ["QueueFunctionsTesting"]),
        .executable(name: "SampleHost", targets: ["SampleHost"]),
        .executable(name: "QueueBenchmarks", targets: ["QueueBenchmarks"]),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "QueueFunctions", dependencies: ["CSQLite"]),
        .target(name: "QueueFunctionsTesting", dependencies: ["QueueFunctions"]),
        .target(
            name: "SampleFunctions",
            dependencies: ["QueueFunctions"],
            path: "Samples/SampleFunctions"
        ),
        .executableTarget(
            name: "SampleHost",
            dependencies: ["QueueFunctions", "SampleFunctions"],
            path: "Samples/SampleHost"
        ),
        .executableTarget(
            name: "QueueBenchmarks",
            dependencies: ["QueueFunctions", "QueueFunctionsTesting"],
            path: "Benchmarks/QueueBenchmarks"
        ),
        .testTarget(
            name: "QueueFunctionsTests",
            dependencies: ["QueueFunctions", "QueueFunctionsTesting", "SampleFunctions"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version:6.0
import PackageDescription

// Modules and what each may import (ARCHITECTURE.md; enforced by ModuleBoundaryTests):
//
//   QueueFunctionsHost ──► QueueFunctionsGateway ──► QueueFunctionsHTTP
//          │   ├──► QueueFunctionsSQLite ──► CSQLite
//          │   ├──► QueueFunctionsPostgres ──► CLibPQ
//          │   └──► QueueFunctionsSimulator
//          ▼
//   QueueFunctions (core)  ◄── QueueFunctionsTesting
//
// The core has no C module and no sockets: a package that writes and tests handlers
// imports QueueFunctions and QueueFunctionsTesting and compiles nothing else.
let package = Package(
    name: "QueueFunctions",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "QueueFunctions", targets: ["QueueFunctions"]),
        .library(name: "QueueFunctionsTesting", targets: ["QueueFunctionsTesting"]),
        .library(name: "QueueFunctionsSQLite", targets: ["QueueFunctionsSQLite"]),
        .library(name: "QueueFunctionsPostgres", targets: ["QueueFunctionsPostgres"]),
        .library(name: "QueueFunctionsHost", targets: ["QueueFunctionsHost"]),
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
        .systemLibrary(
            name: "CLibPQ",
            path: "Sources/CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(name: "QueueFunctions"),
        .target(name: "QueueFunctionsTesting", dependencies: ["QueueFunctions"]),
        .target(name: "QueueFunctionsSQLite", dependencies: ["QueueFunctions", "CSQLite"]),
        .target(name: "QueueFunctionsPostgres", dependencies: ["QueueFunctions", "CLibPQ"]),
        .target(name: "QueueFunctionsHTTP"),
        .target(name: "QueueFunctionsGateway", dependencies: ["QueueFunctions", "QueueFunctionsHTTP"]),
        .target(name: "QueueFunctionsSimulator", dependencies: ["QueueFunctions"]),
        .target(
            name: "QueueFunctionsHost",
            dependencies: [
                "QueueFunctions", "QueueFunctionsSQLite", "QueueFunctionsHTTP", "QueueFunctionsGateway",
                "QueueFunctionsSimulator",
                "QueueFunctionsPostgres",
            ]
        ),
        .target(
            name: "SampleFunctions",
            dependencies: ["QueueFunctions"],
            path: "Samples/SampleFunctions"
        ),
        .executableTarget(
            name: "SampleHost",
            dependencies: ["QueueFunctionsHost", "SampleFunctions"],
            path: "Samples/SampleHost"
        ),
        .executableTarget(
            name: "QueueBenchmarks",
            dependencies: ["QueueFunctionsHost", "QueueFunctionsTesting", "CSQLite"],
            path: "Benchmarks/QueueBenchmarks"
        ),
        .testTarget(
            name: "QueueFunctionsTests",
            dependencies: [
                "QueueFunctions", "QueueFunctionsTesting", "QueueFunctionsSQLite", "QueueFunctionsHTTP",
                "QueueFunctionsGateway", "QueueFunctionsSimulator", "QueueFunctionsHost", "SampleFunctions",
                "QueueFunctionsPostgres",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

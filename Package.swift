// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Minnow",
    products: [
        .library(name: "MinnowRuntime", targets: ["MinnowRuntime"]),
        .library(name: "MinnowData", targets: ["MinnowData"]),
        .library(name: "MinnowTrain", targets: ["MinnowTrain"]),
        .library(name: "MinnowQuantize", targets: ["MinnowQuantize"]),
        .library(name: "MinnowProfile", targets: ["MinnowProfile"]),
        .library(name: "MinnowParity", targets: ["MinnowParity"]),
        .library(name: "MinnowExport", targets: ["MinnowExport"]),
        .executable(name: "minnow", targets: ["minnow"]),
        .executable(name: "minnow-sim-host", targets: ["minnow-sim-host"]),
    ],
    targets: [
        // Embedded-Swift clean: no Foundation, no existentials, typed throws only.
        .target(
            name: "MinnowRuntime",
            dependencies: ["CMinnowInt8Kernels"],
            swiftSettings: [.enableExperimentalFeature("Extern")],
            linkerSettings: [.linkedLibrary("m")]
        ),
        // C micro-kernels with per-ISA variants chosen at run time (CPUID).
        .target(
            name: "CMinnowKernels"
        ),
        // int8 GEMM micro-kernels (AVX-512 VNNI, AVX2, NEON dot product, scalar) with run-time
        // dispatch; an explicit module map so an Embedded build can use the headers with -I.
        .target(
            name: "CMinnowInt8Kernels"
        ),
        // Host-side dataset readers: IDX (gzip or raw), CSV, NumPy .npy.
        .target(
            name: "MinnowData",
            resources: [.copy("Resources/fashion-mnist-subset")]
        ),
        // Host-side float trainer and exporter.
        .target(
            name: "MinnowTrain",
            dependencies: ["MinnowRuntime", "MinnowData", "CMinnowKernels"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        // Host-side float → int8 conversion: calibration, observers, BN folding, graph rewrite.
        .target(
            name: "MinnowQuantize",
            dependencies: ["MinnowRuntime", "MinnowData"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        // Host-side cost reports: inspection, MACs, flash/RAM breakdown, latency, HTML.
        .target(
            name: "MinnowProfile",
            dependencies: ["MinnowRuntime"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        // Host-side int8-vs-float comparison: accuracy, agreement, per-layer error, reports.
        .target(
            name: "MinnowParity",
            dependencies: ["MinnowRuntime", "MinnowData"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        // Host-side model exports: C header for firmware, one-time-step recurrent models.
        .target(
            name: "MinnowExport",
            dependencies: ["MinnowRuntime"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "minnow",
            dependencies: ["MinnowTrain", "MinnowRuntime", "MinnowData", "MinnowQuantize", "MinnowProfile", "MinnowParity",
                           "MinnowExport"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        // Host half of firmware-sim: reference outputs and input blobs for the simulated boards.
        .executableTarget(
            name: "minnow-sim-host",
            dependencies: ["MinnowRuntime", "MinnowData"],
            path: "firmware-sim/host",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        // Int8 GEMM speed against ONNX Runtime (driven by tools/bench-gemm).
        .executableTarget(
            name: "minnow-bench",
            dependencies: ["MinnowRuntime"]
        ),
        // Test only: counts heap allocations (interposes malloc) for the zero-allocation tests.
        .target(name: "CMallocCounter", path: "Tests/CMallocCounter"),
        .testTarget(
            name: "MinnowRuntimeTests",
            dependencies: ["MinnowRuntime", "CMallocCounter"],
            exclude: ["Fuzz"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(
            name: "MinnowDataTests",
            dependencies: ["MinnowData"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(
            name: "MinnowQuantizeTests",
            dependencies: ["MinnowQuantize", "MinnowRuntime", "MinnowData", "MinnowTrain"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(
            name: "MinnowParityTests",
            dependencies: ["MinnowParity", "MinnowRuntime", "MinnowData", "MinnowTrain", "MinnowQuantize"],
            exclude: ["Golden"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(
            name: "MinnowProfileTests",
            dependencies: ["MinnowProfile", "MinnowRuntime", "MinnowTrain"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(
            name: "MinnowExportTests",
            dependencies: ["MinnowExport", "MinnowRuntime", "MinnowTrain", "MinnowQuantize", "MinnowData"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(
            name: "MinnowTrainTests",
            dependencies: ["MinnowTrain", "MinnowRuntime", "MinnowData"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)

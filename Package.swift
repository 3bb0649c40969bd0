// swift-tools-version:6.0
import PackageDescription

// No target uses unsafe flags: SwiftPM refuses them in a package that is a version-tagged
// dependency (tools/consumer-check). Hot loops are unchecked in the source instead (`&+`,
// unchecked pointers, `@exclusivity(unchecked)`; in C, `MINNOW_UNROLL` where -O3 did more).
let package = Package(
    name: "Minnow",
    products: [
        .library(name: "MinnowRuntime", targets: ["MinnowRuntime"]),
        .library(name: "MinnowData", targets: ["MinnowData"]),
        .library(name: "MinnowTrain", targets: ["MinnowTrain"]),
        .library(name: "MinnowQuantize", targets: ["MinnowQuantize"]),
        .library(name: "MinnowProfile", targets: ["MinnowProfile"]),
        .library(name: "MinnowParity", targets: ["MinnowParity"]),
        .library(name: "MinnowMetrics", targets: ["MinnowMetrics"]),
        .library(name: "MinnowTFLite", targets: ["MinnowTFLite"]),
        .library(name: "MinnowPredict", targets: ["MinnowPredict"]),
        .library(name: "MinnowExport", targets: ["MinnowExport"]),
        .executable(name: "minnow", targets: ["minnow"]),
        .executable(name: "minnow-sim-host", targets: ["minnow-sim-host"]),
    ],
    targets: [
        // Embedded-Swift clean: no Foundation, no existentials, typed throws only.
        .target(
            name: "MinnowRuntime",
            dependencies: ["CMinnowInt8Kernels"],
            exclude: ["Operators/ADDING_AN_OPERATOR.md"],
            swiftSettings: [.enableExperimentalFeature("Extern"), .define("MINNOW_C_KERNELS")],
            linkerSettings: [.linkedLibrary("m")]
        ),
        // C micro-kernels with per-ISA variants chosen at run time (CPUID).
        .target(name: "CMinnowKernels"),
        // int8 GEMM micro-kernels (AVX-512 VNNI, AVX2, NEON dot product, scalar) with run-time
        // dispatch; an explicit module map so an Embedded build can use the headers with -I.
        .target(name: "CMinnowInt8Kernels"),
        // Host-side dataset readers: IDX (gzip or raw), CSV, NumPy .npy.
        .target(
            name: "MinnowData",
            resources: [.copy("Resources/fashion-mnist-subset")]
        ),
        // Task metrics shared by training, evaluation and parity: accuracy, binary accuracy and
        // AUC, MSE/MAE/R². No dependencies (not even Foundation).
        .target(name: "MinnowMetrics"),
        // Host-side float trainer and exporter.
        .target(
            name: "MinnowTrain",
            dependencies: ["MinnowRuntime", "MinnowData", "MinnowMetrics", "CMinnowKernels"]
        ),
        // Host-side float → int8 conversion: calibration, observers, BN folding, graph rewrite.
        .target(
            name: "MinnowQuantize",
            dependencies: ["MinnowRuntime", "MinnowData"]
        ),
        // Host-side cost reports: inspection, MACs, flash/RAM breakdown, latency, HTML.
        .target(
            name: "MinnowProfile",
            dependencies: ["MinnowRuntime"]
        ),
        // Host-side int8-vs-float comparison: accuracy, agreement, per-layer error, reports.
        .target(
            name: "MinnowParity",
            dependencies: ["MinnowRuntime", "MinnowData", "MinnowMetrics"]
        ),
        // Host-side TFLite interop: bounds-checked FlatBuffers reader and builder, .tflite decoder/writer.
        .target(name: "MinnowTFLite"),
        // Host-side `minnow predict`: runs a model on every item of a .npy, .csv or IDX file.
        .target(name: "MinnowPredict", dependencies: ["MinnowRuntime", "MinnowData"]),
        // Host-side model exports: C header for firmware, one-time-step recurrent models.
        .target(name: "MinnowExport", dependencies: ["MinnowRuntime"]),
        .executableTarget(
            name: "minnow",
            dependencies: ["MinnowTrain", "MinnowRuntime", "MinnowData", "MinnowQuantize", "MinnowProfile", "MinnowParity",
                           "MinnowMetrics", "MinnowPredict", "MinnowExport"]
        ),
        // Host half of firmware-sim: reference outputs and input blobs for the simulated boards.
        .executableTarget(
            name: "minnow-sim-host",
            dependencies: ["MinnowRuntime", "MinnowData"],
            path: "firmware-sim/host"
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
            exclude: ["Fuzz", "Fixtures"]
        ),
        .testTarget(
            name: "MinnowDataTests",
            dependencies: ["MinnowData"],
            exclude: ["Fuzz"]
        ),
        .testTarget(
            name: "MinnowQuantizeTests",
            dependencies: ["MinnowQuantize", "MinnowRuntime", "MinnowData", "MinnowTrain"]
        ),
        .testTarget(
            name: "MinnowParityTests",
            dependencies: ["MinnowParity", "MinnowRuntime", "MinnowData", "MinnowTrain", "MinnowQuantize", "MinnowMetrics"],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "MinnowProfileTests",
            dependencies: ["MinnowProfile", "MinnowRuntime", "MinnowTrain"]
        ),
        .testTarget(
            name: "MinnowTFLiteTests",
            dependencies: ["MinnowTFLite"],
            exclude: ["Fuzz"]
        ),
        .testTarget(
            name: "MinnowPredictTests",
            dependencies: ["MinnowPredict", "MinnowRuntime"]
        ),
        .testTarget(
            name: "MinnowTrainTests",
            dependencies: ["MinnowTrain", "MinnowRuntime", "MinnowData", "MinnowMetrics"]
        ),
        .testTarget(
            name: "MinnowExportTests",
            dependencies: ["MinnowExport", "MinnowRuntime", "MinnowTrain", "MinnowQuantize", "MinnowData"]
        ),
        .testTarget(
            name: "MinnowMetricsTests",
            dependencies: ["MinnowMetrics"]
        ),
    ]
)

// swift-tools-version:6.0
import PackageDescription

/// Release builds drop runtime bounds checks: every bound is validated when a model or
/// dataset is loaded, so the hot loops run unchecked (see README, "Safety model").
let fastRelease: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

let package = Package(
    name: "Minnow",
    products: [
        .library(name: "MinnowRuntime", targets: ["MinnowRuntime"]),
        .library(name: "MinnowData", targets: ["MinnowData"]),
        .library(name: "MinnowTrain", targets: ["MinnowTrain"]),
        .library(name: "MinnowQuantize", targets: ["MinnowQuantize"]),
        .executable(name: "minnow", targets: ["minnow"]),
    ],
    targets: [
        // Embedded-Swift clean: no Foundation, no existentials, typed throws only.
        .target(
            name: "MinnowRuntime",
            swiftSettings: [.enableExperimentalFeature("Extern")] + fastRelease,
            linkerSettings: [.linkedLibrary("m")]
        ),
        // C micro-kernels with per-ISA variants chosen at run time (CPUID).
        .target(
            name: "CMinnowKernels",
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=off"])]
        ),
        // Host-side dataset readers: IDX (gzip or raw), CSV, NumPy .npy.
        .target(
            name: "MinnowData",
            resources: [.copy("Resources/fashion-mnist-subset")],
            swiftSettings: fastRelease
        ),
        // Host-side float trainer and exporter.
        .target(
            name: "MinnowTrain",
            dependencies: ["MinnowRuntime", "MinnowData", "CMinnowKernels"],
            swiftSettings: [.swiftLanguageMode(.v5)] + fastRelease
        ),
        // Host-side float → int8 conversion: calibration, observers, BN folding, graph rewrite.
        .target(
            name: "MinnowQuantize",
            dependencies: ["MinnowRuntime", "MinnowData"],
            swiftSettings: [.swiftLanguageMode(.v5)] + fastRelease
        ),
        .executableTarget(
            name: "minnow",
            dependencies: ["MinnowTrain", "MinnowRuntime", "MinnowData", "MinnowQuantize"],
            swiftSettings: [.swiftLanguageMode(.v5)] + fastRelease
        ),
        // Test only: counts heap allocations (interposes malloc) for the zero-allocation tests.
        .target(name: "CMallocCounter", path: "Tests/CMallocCounter"),
        .testTarget(
            name: "MinnowRuntimeTests",
            dependencies: ["MinnowRuntime", "CMallocCounter"],
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
            name: "MinnowTrainTests",
            dependencies: ["MinnowTrain", "MinnowRuntime", "MinnowData"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)

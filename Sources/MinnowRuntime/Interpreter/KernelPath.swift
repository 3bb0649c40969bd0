// The one kernel setting of the runtime, and the one place that asks the CPU what it can run.
#if MINNOW_C_KERNELS
import CMinnowInt8Kernels
#endif

/// Which implementation of every kernel an interpreter runs. All paths give the same bytes; the
/// tests run each path the CPU supports against `reference`.
///
/// - `reference`: plain loops with per-element index math, the twins the others are checked against.
/// - `portable`: restructured Swift, the kernels Embedded builds without C run (e.g. Cortex-M).
/// - `native`: the C micro-kernels for the best instruction set of this CPU (`native(_:)` picks a
///   family explicitly, for tests and benchmarks); where no C kernels are compiled in, `portable`.
public struct KernelPath: Hashable, Sendable {
    enum Kind: UInt8 { case reference, portable, native }
    let kind: Kind
    /// The C kernel family (`InstructionSet.rawValue`) of a native path.
    let family: Int32

    init(kind: Kind, family: Int32) {
        self.kind = kind
        self.family = family
    }

    public static var reference: KernelPath { KernelPath(kind: .reference, family: -1) }
    public static var portable: KernelPath { KernelPath(kind: .portable, family: -1) }

    /// The fastest kernels this CPU runs.
    public static var native: KernelPath {
        #if MINNOW_C_KERNELS
        return KernelPath(kind: .native, family: minnow_qgemm_best_kernel())
        #else
        return portable
        #endif
    }

    #if MINNOW_C_KERNELS
    /// The C kernels of one instruction set (an unsupported one runs the best supported family).
    public static func native(_ set: InstructionSet) -> KernelPath {
        KernelPath(kind: .native, family: set.isSupported ? set.rawValue : minnow_qgemm_best_kernel())
    }

    /// The instruction set of a native path.
    public var instructionSet: InstructionSet? { kind == .native ? InstructionSet(rawValue: family) : nil }
    #endif

    /// Embedded builds never run the reference twins (they exist for host tests), so firmware does
    /// not link them: the reference path runs the portable kernels there.
    @inline(__always) var isReference: Bool {
        #if hasFeature(Embedded)
        return false
        #else
        return kind == .reference
        #endif
    }
    @inline(__always) var isNative: Bool { kind == .native }
}

#if MINNOW_C_KERNELS
/// Instruction-set families of the C micro-kernels, as XNNPACK's hardware config names them.
public enum InstructionSet: Int32, Sendable, CaseIterable {
    /// Portable C.
    case scalar = 0
    /// x86 AVX2 (`vpmaddwd` on widened int16).
    case avx2 = 1
    /// x86 AVX-512 with VNNI (`vpdpbusd`).
    case avx512VNNI = 2
    /// AArch64 NEON without dot product (`smull`/`sadalp`), e.g. Cortex-A72.
    case neon = 3
    /// AArch64 with the ARMv8.2 dot product (`sdot`), e.g. Cortex-A76.
    case neonDot = 4

    /// Whether the family is compiled in and this CPU executes it.
    public var isSupported: Bool { minnow_qgemm_kernel_supported(rawValue) != 0 }

    /// The fastest supported family.
    public static var best: InstructionSet { InstructionSet(rawValue: minnow_qgemm_best_kernel()) ?? .scalar }

    /// Every supported family.
    public static var supported: [InstructionSet] { allCases.filter { $0.isSupported } }

    /// The int8 LSTM/GRU kernel family of the C library for this instruction set, or 0 when the Swift
    /// kernel runs (portable C has none: the Swift kernel is the portable one).
    var recurrentFamily: Int32 {
        let family: Int32
        switch self {
        case .scalar: return 0
        case .avx2: family = Int32(MINNOW_RNN_AVX2)
        case .avx512VNNI: family = Int32(MINNOW_RNN_AVX512)
        case .neon: family = Int32(MINNOW_RNN_NEON)
        case .neonDot: family = Int32(MINNOW_RNN_NEONDOT)
        }
        return minnow_int8_rnn_kernel_supported(family) != 0 ? family : 0
    }
}
#endif

#if !hasFeature(Embedded) && MINNOW_C_KERNELS
extension InstructionSet: CustomStringConvertible {
    /// The C library's short name, e.g. "avx512vnni".
    public var description: String {
        guard let name = minnow_qgemm_kernel_name(rawValue) else { return "kernel \(rawValue)" }
        return String(cString: name)
    }
}
#endif

#if !hasFeature(Embedded)
extension KernelPath: CustomStringConvertible {
    public var description: String {
        switch kind {
        case .reference: return "reference"
        case .portable: return "portable"
        case .native:
            #if MINNOW_C_KERNELS
            if let name = minnow_qgemm_kernel_name(family) { return "native (\(String(cString: name)))" }
            #endif
            return "native"
        }
    }

    /// Every path this build and CPU can run: reference, portable and each supported C family.
    /// (The C library's kernel limit, `MINNOW_INT8_KERNEL` or `minnow_int8_set_kernel_limit`, can
    /// hide families from it, to emulate a smaller CPU.)
    public static var available: [KernelPath] {
        var paths: [KernelPath] = [.reference, .portable]
        #if MINNOW_C_KERNELS
        paths += InstructionSet.supported.map { KernelPath.native($0) }
        #endif
        return paths
    }
}
#endif

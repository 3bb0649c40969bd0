// Hosts always use the C kernels; an Embedded build uses them when it is given the module map
// (`-Xcc -I Sources/CMinnowInt8Kernels/include`) and `-D MINNOW_C_KERNELS`, and links the C
// files itself (firmware-sim does this for aarch64-linux); otherwise the portable Swift kernel.
#if canImport(CMinnowInt8Kernels) && (!hasFeature(Embedded) || MINNOW_C_KERNELS)
import CMinnowInt8Kernels
#endif

/// Requantization parameters for the output stage of an int8 GEMM (see `Int8Conventions`).
public struct Int8OutputStage {
    /// Folded int32 bias per output channel (`n` values).
    public var bias: UnsafePointer<Int32>
    /// Q31 multiplier and shift per output channel (`n` values each).
    public var multipliers: UnsafePointer<Int32>
    public var shifts: UnsafePointer<Int32>
    public var outputZeroPoint: Int32
    /// Clamp range after adding the zero point (−128…127, narrowed by fused ReLU/ReLU6).
    public var lowerBound: Int32
    public var upperBound: Int32

    public init(bias: UnsafePointer<Int32>, multipliers: UnsafePointer<Int32>, shifts: UnsafePointer<Int32>,
                outputZeroPoint: Int32, lowerBound: Int32, upperBound: Int32) {
        self.bias = bias
        self.multipliers = multipliers
        self.shifts = shifts
        self.outputZeroPoint = outputZeroPoint
        self.lowerBound = lowerBound
        self.upperBound = upperBound
    }
}

#if canImport(CMinnowInt8Kernels) && (!hasFeature(Embedded) || MINNOW_C_KERNELS)
extension Int8OutputStage {
    /// The same parameters as the C kernels take them.
    var cOutputStage: minnow_qgemm_output {
        minnow_qgemm_output(bias: bias, multipliers: multipliers, shifts: shifts, output_zero_point: outputZeroPoint,
                            lower_bound: lowerBound, upper_bound: upperBound)
    }
}
#endif

/// int8 GEMM with fused requantization: `C[m][c] = requantize(Σ_k (A[m][k] + 128) · W[c][k] + bias[c])`.
///
/// `A` is `m × k` signed int8 activations, row-major with leading dimension `lda`; `W` is the
/// `n × k` weight matrix in the "n16k4" packed layout (`WeightPacking`); `C` is `m × n` int8
/// with leading dimension `ldc`. Integer arithmetic is exact, so every implementation must
/// give the same bytes as `reference`.
public enum Int8Gemm {
    /// The dispatching entry point the int8 ops call: the fastest C micro-kernel for this CPU on
    /// hosts (`CMinnowInt8Kernels`), the portable Swift kernel in Embedded builds.
    ///
    /// `scratch` receives packed activations: at least `scratchByteCount(m:k:)` bytes of arena
    /// memory, so inference allocates nothing. Without it (tests, benchmarks) the C kernels
    /// allocate a per-thread buffer once.
    @inline(__always)
    public static func run(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Int8>, lda: Int,
        packedWeights: UnsafePointer<Int8>,
        output: Int8OutputStage,
        c: UnsafeMutablePointer<Int8>, ldc: Int,
        scratch: UnsafeMutableRawPointer? = nil, scratchBytes: Int = 0
    ) {
        #if !hasFeature(Embedded)
        // Host tools only (parity cross-checks); firmware links no reference twin.
        if RuntimeTesting.usesReferenceKernels || RuntimeTesting.breaksRounding {
            reference(m: m, n: n, k: k, a: a, lda: lda, packedWeights: packedWeights, output: output, c: c, ldc: ldc)
            return
        }
        #endif
        #if canImport(CMinnowInt8Kernels) && !hasFeature(Embedded)
        run(kernel: .best, m: m, n: n, k: k, a: a, lda: lda, packedWeights: packedWeights,
            output: output, c: c, ldc: ldc, scratch: scratch, scratchBytes: scratchBytes)
        #elseif canImport(CMinnowInt8Kernels) && MINNOW_C_KERNELS
        var stage = output.cOutputStage
        minnow_qgemm(minnow_qgemm_best_kernel(), m, n, k, a, lda, packedWeights, &stage, c, ldc, scratch, scratchBytes)
        #else
        portable(m: m, n: n, k: k, a: a, lda: lda, packedWeights: packedWeights, output: output, c: c, ldc: ldc)
        #endif
    }

    #if canImport(CMinnowInt8Kernels) && !hasFeature(Embedded)
    /// Runs one C kernel family (`Int8GemmKernel.available` lists those this CPU supports;
    /// an unsupported one falls back to `.best`). Same bytes as `reference`.
    public static func run(
        kernel: Int8GemmKernel,
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Int8>, lda: Int,
        packedWeights: UnsafePointer<Int8>,
        output: Int8OutputStage,
        c: UnsafeMutablePointer<Int8>, ldc: Int,
        scratch: UnsafeMutableRawPointer? = nil, scratchBytes: Int = 0
    ) {
        var stage = output.cOutputStage
        minnow_qgemm(kernel.rawValue, m, n, k, a, lda, packedWeights, &stage, c, ldc, scratch, scratchBytes)
    }
    #endif

    /// Arena bytes `run` needs as scratch for an `m × k` activation matrix (0 where the portable
    /// Swift kernel runs: it reads activations in place).
    public static func scratchByteCount(m: Int, k: Int) -> Int {
        #if canImport(CMinnowInt8Kernels) && !hasFeature(Embedded)
        return minnow_qgemm_scratch_bytes(Int8GemmKernel.best.rawValue, m, k)
        #elseif canImport(CMinnowInt8Kernels) && MINNOW_C_KERNELS
        return minnow_qgemm_scratch_bytes(minnow_qgemm_best_kernel(), m, k)
        #else
        return 0
        #endif
    }

    /// Bytes per activation row in the layout `runPrepacked` reads (`4·⌈k/4⌉` where the C kernels
    /// run), or `k` where only the Swift kernels exist (they read plain rows).
    public static func prepackedRowBytes(k: Int) -> Int {
        #if canImport(CMinnowInt8Kernels) && (!hasFeature(Embedded) || MINNOW_C_KERNELS)
        return 4 &* ((k &+ 3) / 4)
        #else
        return k
        #endif
    }

    #if canImport(CMinnowInt8Kernels) && (!hasFeature(Embedded) || MINNOW_C_KERNELS)
    /// `run` on activations already packed for the micro-kernel (no copy, no scratch): row `r` is
    /// `a + r·aStride` with `prepackedRowBytes(k:)` bytes, the `k` values (as `q ^ 0x80` when
    /// `kernel` reads unsigned activations, see `Int8GemmKernel.readsUnsignedActivations`), then
    /// zeros. im2col writes this layout directly (`Int8SpatialKernels.im2colPacked`). Same bytes
    /// as `reference` on the plain rows.
    @inline(__always)
    public static func runPrepacked(
        kernel: Int32,
        m: Int, n: Int, k: Int,
        a: UnsafePointer<UInt8>, aStride: Int,
        packedWeights: UnsafePointer<Int8>,
        output: Int8OutputStage,
        c: UnsafeMutablePointer<Int8>, ldc: Int
    ) {
        var stage = output.cOutputStage
        minnow_qgemm_prepacked(kernel, m, n, k, a, aStride, packedWeights, &stage, c, ldc)
    }
    #endif

    /// Portable Swift kernel (the one Embedded builds use, e.g. on Cortex-M): plain int32
    /// loops over the packed layout, two channels per pass so each activation load feeds two
    /// multiply-adds. Same bytes as `reference`.
    public static func portable(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Int8>, lda: Int,
        packedWeights: UnsafePointer<Int8>,
        output: Int8OutputStage,
        c: UnsafeMutablePointer<Int8>, ldc: Int
    ) {
        let groups = WeightPacking.groupCount(depth: k)
        let fullGroups = k / 4
        let tail = k - 4 * fullGroups
        let offset = Int8Conventions.activationOffset
        var panel = packedWeights
        var first = 0
        while first < n {
            let lanes = min(Int8Conventions.panelChannels, n - first)
            let groupBytes = lanes * 4
            for row in 0..<m {
                let aRow = a + row * lda
                let cRow = c + row * ldc + first
                var j = 0
                while j < lanes {
                    let pair = j + 1 < lanes
                    var w = panel + j * 4
                    var x = aRow
                    var acc0: Int32 = 0, acc1: Int32 = 0
                    for _ in 0..<fullGroups {
                        let u0 = Int32(x[0]) &+ offset, u1 = Int32(x[1]) &+ offset
                        let u2 = Int32(x[2]) &+ offset, u3 = Int32(x[3]) &+ offset
                        acc0 &+= u0 &* Int32(w[0]) &+ u1 &* Int32(w[1]) &+ u2 &* Int32(w[2]) &+ u3 &* Int32(w[3])
                        if pair {
                            acc1 &+= u0 &* Int32(w[4]) &+ u1 &* Int32(w[5]) &+ u2 &* Int32(w[6]) &+ u3 &* Int32(w[7])
                        }
                        x += 4
                        w += groupBytes
                    }
                    for i in 0..<tail {
                        let u = Int32(x[i]) &+ offset
                        acc0 &+= u &* Int32(w[i])
                        if pair { acc1 &+= u &* Int32(w[4 + i]) }
                    }
                    cRow[j] = requantize(acc0, channel: first + j, output)
                    if pair { cRow[j + 1] = requantize(acc1, channel: first + j + 1, output) }
                    j += 2
                }
            }
            panel += lanes * groups * 4
            first += lanes
        }
    }

    /// Plain loops over the packed layout: the twin the optimized kernels are tested against.
    public static func reference(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Int8>, lda: Int,
        packedWeights: UnsafePointer<Int8>,
        output: Int8OutputStage,
        c: UnsafeMutablePointer<Int8>, ldc: Int
    ) {
        for row in 0..<m {
            for channel in 0..<n {
                var acc: Int32 = 0
                for i in 0..<k {
                    let u = Int32(a[row * lda + i]) + Int8Conventions.activationOffset
                    let w = Int32(packedWeights[WeightPacking.packedIndex(channel: channel, input: i, channels: n, depth: k)])
                    acc &+= u &* w
                }
                c[row * ldc + channel] = requantize(acc, channel: channel, output)
            }
        }
    }

    /// The output stage for one accumulator: add bias, requantize, add zero point, clamp.
    @inline(__always)
    public static func requantize(_ acc: Int32, channel: Int, _ stage: Int8OutputStage) -> Int8 {
        let scaled = QuantizedMultiplier(multiplier: stage.multipliers[channel], shift: stage.shifts[channel])
            .apply(acc &+ stage.bias[channel])
        let shifted = scaled &+ stage.outputZeroPoint
        return Int8(truncatingIfNeeded: min(max(shifted, stage.lowerBound), stage.upperBound))
    }
}


#if canImport(CMinnowInt8Kernels) && !hasFeature(Embedded)
/// A family of C int8 GEMM micro-kernels (host builds only). All give the same bytes.
public struct Int8GemmKernel: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Portable C, 1×16 tiles.
    public static let scalar = Int8GemmKernel(rawValue: 0)
    /// x86 AVX2 (`vpmaddwd` on widened int16), 6×8 tiles over activations packed as u16.
    public static let avx2 = Int8GemmKernel(rawValue: 1)
    /// x86 AVX-512 VNNI (`vpdpbusd`), 6×64 tiles.
    public static let avx512VNNI = Int8GemmKernel(rawValue: 2)
    /// AArch64 NEON (`smull`/`sadalp`), 2×16 tiles.
    public static let neon = Int8GemmKernel(rawValue: 3)
    /// AArch64 ARMv8.2 dot product (`sdot`), 4×16 tiles.
    public static let neonDot = Int8GemmKernel(rawValue: 4)

    /// The fastest family this CPU supports.
    public static var best: Int8GemmKernel { Int8GemmKernel(rawValue: minnow_qgemm_best_kernel()) }

    /// Every family compiled in and supported by this CPU.
    public static var available: [Int8GemmKernel] {
        [scalar, avx2, avx512VNNI, neon, neonDot].filter { minnow_qgemm_kernel_supported($0.rawValue) != 0 }
    }

    /// True when this family reads activation rows as `u8 = q ^ 0x80` (x86, scalar C), false
    /// when it reads the raw int8 rows (ARM): the form `Int8Gemm.runPrepacked` expects.
    public var readsUnsignedActivations: Bool { minnow_qgemm_unsigned_activations(rawValue) != 0 }

    public var description: String {
        guard let name = minnow_qgemm_kernel_name(rawValue) else { return "kernel \(rawValue)" }
        return String(cString: name)
    }
}
#endif

// The C kernels are compiled in where `MINNOW_C_KERNELS` is set: every host build (Package.swift),
// and Embedded builds given the module map (`-Xcc -I Sources/CMinnowInt8Kernels/include`) that link
// the C files themselves (firmware-sim does for aarch64-linux). Elsewhere the portable Swift kernel runs.
#if MINNOW_C_KERNELS
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

#if MINNOW_C_KERNELS
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
    /// The entry point the int8 operators call: the kernels of `path` (`KernelPath`).
    ///
    /// `scratch` receives packed activations on the native path: at least
    /// `scratchByteCount(m:k:path:)` bytes of arena memory, so inference allocates nothing.
    /// Without it (tests, benchmarks) the C kernels allocate a per-thread buffer once.
    @inline(__always)
    public static func run(
        _ path: KernelPath,
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Int8>, lda: Int,
        packedWeights: UnsafePointer<Int8>,
        output: Int8OutputStage,
        c: UnsafeMutablePointer<Int8>, ldc: Int,
        scratch: UnsafeMutableRawPointer? = nil, scratchBytes: Int = 0
    ) {
        if path.isReference {
            reference(m: m, n: n, k: k, a: a, lda: lda, packedWeights: packedWeights, output: output, c: c, ldc: ldc)
            return
        }
        #if MINNOW_C_KERNELS
        if path.isNative {
            var stage = output.cOutputStage
            minnow_qgemm(path.family, m, n, k, a, lda, packedWeights, &stage, c, ldc, scratch, scratchBytes)
            return
        }
        #endif
        portable(m: m, n: n, k: k, a: a, lda: lda, packedWeights: packedWeights, output: output, c: c, ldc: ldc)
    }

    /// Arena bytes `run` needs as scratch for an `m × k` activation matrix on `path` (0 where the
    /// Swift kernels run: they read activations in place).
    public static func scratchByteCount(m: Int, k: Int, path: KernelPath) -> Int {
        #if MINNOW_C_KERNELS
        if path.isNative { return minnow_qgemm_scratch_bytes(path.family, m, k) }
        #endif
        return 0
    }

    /// Bytes per activation row in the layout `runPrepacked` reads (`4·⌈k/4⌉`) on the native path,
    /// or `k` where the Swift kernels run (they read plain rows).
    public static func prepackedRowBytes(k: Int, path: KernelPath) -> Int {
        #if MINNOW_C_KERNELS
        if path.isNative { return 4 &* ((k &+ 3) / 4) }
        #endif
        return k
    }

    #if MINNOW_C_KERNELS
    /// `run` on activations already packed for the native micro-kernel of `path` (no copy, no
    /// scratch): row `r` is `a + r·aStride` with `prepackedRowBytes(k:path:)` bytes, the `k` values
    /// (as `q ^ 0x80` when the family reads unsigned activations, see `readsUnsignedActivations`),
    /// then zeros. im2col writes this layout directly. Same bytes as `reference` on the plain rows.
    @inline(__always)
    public static func runPrepacked(
        _ path: KernelPath,
        m: Int, n: Int, k: Int,
        a: UnsafePointer<UInt8>, aStride: Int,
        packedWeights: UnsafePointer<Int8>,
        output: Int8OutputStage,
        c: UnsafeMutablePointer<Int8>, ldc: Int
    ) {
        var stage = output.cOutputStage
        minnow_qgemm_prepacked(path.family, m, n, k, a, aStride, packedWeights, &stage, c, ldc)
    }

    /// True when the native family of `path` reads activation rows as `u8 = q ^ 0x80` (x86, scalar
    /// C), false when it reads the raw int8 rows (ARM): the form `runPrepacked` expects.
    public static func readsUnsignedActivations(_ path: KernelPath) -> Bool {
        minnow_qgemm_unsigned_activations(path.family) != 0
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



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

/// int8 GEMM with fused requantization: `C[m][c] = requantize(Σ_k (A[m][k] + 128) · W[c][k] + bias[c])`.
///
/// `A` is `m × k` signed int8 activations, row-major with leading dimension `lda`; `W` is the
/// `n × k` weight matrix in the "n16k4" packed layout (`WeightPacking`); `C` is `m × n` int8
/// with leading dimension `ldc`. Integer arithmetic is exact, so every implementation must
/// give the same bytes as `reference`.
public enum Int8Gemm {
    /// The dispatching entry point the int8 ops call (optimized kernels replace the body).
    @inline(__always)
    public static func run(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Int8>, lda: Int,
        packedWeights: UnsafePointer<Int8>,
        output: Int8OutputStage,
        c: UnsafeMutablePointer<Int8>, ldc: Int
    ) {
        reference(m: m, n: n, k: k, a: a, lda: lda, packedWeights: packedWeights, output: output, c: c, ldc: ldc)
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

/// # Int8 conventions shared by the quantizer (`MinnowQuantize`) and the int8 kernels
///
/// Real value `r` of a quantized tensor element `q`: `r = scale · (q − zeroPoint)`.
///
/// - **Activations**: `int8`, asymmetric, one scale and zero point per tensor.
/// - **Weights**: `int8`, symmetric per output channel (zero point 0, values in −127…127).
///   Channel axis: the output-channel axis of the operator's weights (0 for fully-connected
///   `[out, in]` and conv OHWI weights; each operator file says), 0 (the gate row) for LSTM/GRU.
/// - **Biases**: `int32`, scale `s_in · s_w[c]`, zero point 0 — and stored *folded* (below).
/// - **Fixed output ranges**: softmax and logistic outputs use scale 1/256, zero point −128;
///   tanh uses scale 1/128, zero point 0 (as TFLite).
///
/// ## GEMM-backed ops (fully connected, conv 2D)
/// Weights are stored **packed** for the kernels, in panels of 16 output channels × 4 inputs
/// (`WeightPacking`, layout "n16k4"): the bytes one AVX-512 VNNI `vpdpbusd` or four NEON
/// `sdot` lanes consume, so nothing is repacked at load time. Kernels treat activations as
/// unsigned, `u = q + 128` (`q ^ 0x80`), and compute `acc[c] = Σ_k u[k] · w[c][k]` exactly in
/// int32 — the same integer on every ISA. The stored bias is folded:
///
///     foldedBias[c] = bias[c] − (zeroPoint_in + 128) · Σ_k w[c][k]
///
/// so `acc[c] + foldedBias[c] = bias[c] + Σ_k (q[k] − zeroPoint_in) · w[c][k]`, and then
///
///     out = clamp(zeroPoint_out + requantize(acc + foldedBias, M[c], shift[c]), lo, hi)
///
/// where `(M[c], shift[c])` encode `s_in · s_w[c] / s_out` (`QuantizedMultiplier`) and
/// `lo…hi` is −128…127 narrowed by a fused ReLU/ReLU6. Convolutions pad with
/// `zeroPoint_in`, which keeps the folded bias exact at the borders.
///
/// ## Requantization: single rounding (TFLite ≥ 2.x reference)
/// One 64-bit multiply and one rounding shift:
/// `(x · M + 2^(30 − shift)) >> (31 − shift)` with `M` in [2^30, 2^31) (Q31) and
/// `shift` in −31…30 (positive = left). TFLite-Micro's gemmlowp path rounds twice
/// (SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT) and differs by 1 LSB on a few
/// percent of outputs; we follow TFLite's current int8 spec. See `QuantizedMultiplier`.
public enum Int8Conventions {
    /// Offset that turns int8 activations into the unsigned operand of the GEMM kernels.
    public static let activationOffset: Int32 = 128
    /// Output channels per packed weight panel.
    public static let panelChannels = 16
    /// Inputs per packed group (one 32-bit lane of a VNNI/`sdot` instruction).
    public static let groupDepth = 4
}

/// A real multiplier `0 < m < 2^31` encoded as a Q31 integer and a power-of-two exponent:
/// `m ≈ multiplier · 2^(shift − 31)`.
public struct QuantizedMultiplier: Equatable, Sendable {
    public var multiplier: Int32
    public var shift: Int32

    public init(multiplier: Int32, shift: Int32) {
        self.multiplier = multiplier
        self.shift = shift
    }

    /// Encodes `real` (> 0) as TFLite's `QuantizeMultiplier` does: frexp, round the mantissa
    /// to 31 bits, renormalize when rounding reaches 2^31. Returns a zero multiplier for 0.
    public init(_ real: Double) {
        guard real > 0, real.isFinite else { self.init(multiplier: 0, shift: 0); return }
        var exponent: Int32 = 0
        var fraction = real
        // frexp without libm: fraction in [0.5, 1).
        while fraction >= 1 { fraction /= 2; exponent += 1 }
        while fraction < 0.5 { fraction *= 2; exponent -= 1 }
        var q = (fraction * 2147483648.0).rounded()  // 2^31
        if q == 2147483648.0 { q /= 2; exponent += 1 }
        if exponent < -31 { self.init(multiplier: 0, shift: 0); return }
        if exponent > 30 { exponent = 30; q = 2147483647 }
        self.init(multiplier: Int32(q), shift: exponent)
    }

    /// `round(x · multiplier · 2^(shift − 31))` with one rounding (half up), as TFLite's
    /// `MultiplyByQuantizedMultiplier` (single-rounding variant).
    @inline(__always)
    public func apply(_ x: Int32) -> Int32 {
        let totalShift = Int64(31 - shift)
        let round = Int64(1) << (totalShift - 1)
        let product = Int64(x) * Int64(multiplier) + round
        let result = product >> totalShift
        return Int32(truncatingIfNeeded: min(max(result, Int64(Int32.min)), Int64(Int32.max)))
    }
}

/// The "n16k4" packed weight layout of the GEMM-backed int8 ops.
///
/// For a logical `[n, k]` int8 weight matrix (n output channels, k inputs), inputs are padded
/// with zeros to a multiple of 4 (`groups = ceil(k/4)`), and channels are stored in panels of
/// 16; the last panel holds only the `lanes = n − 16p` channels that remain (no padding, so
/// the file stays within its size budget):
///
///     for panel p in 0..<ceil(n/16)      (lanes(p) = min(16, n − 16p))
///       for group g in 0..<groups, for lane j in 0..<lanes(p), for i in 0..<4:
///         byte panelStart(p) + (g · lanes(p) + j) · 4 + i  =  w[16p + j][4g + i]
///
/// with `panelStart(p) = 16p · groups · 4`. A full panel's group is 64 bytes: one AVX-512
/// VNNI `vpdpbusd` operand, or four NEON `sdot` operands.
public enum WeightPacking {
    public static func packedByteCount(channels n: Int, depth k: Int) -> Int {
        n * groupCount(depth: k) * Int8Conventions.groupDepth
    }

    public static func groupCount(depth k: Int) -> Int {
        (k + Int8Conventions.groupDepth - 1) / Int8Conventions.groupDepth
    }

    /// Byte offset of `w[c][i]` in the packed layout.
    @inline(__always)
    public static func packedIndex(channel c: Int, input i: Int, channels n: Int, depth k: Int) -> Int {
        let groups = groupCount(depth: k)
        let p = c / 16, j = c % 16
        let lanes = min(16, n - 16 * p)
        return 16 * p * groups * 4 + ((i / 4) * lanes + j) * 4 + i % 4
    }

    /// Packs row-major `weights[c * k + i]`.
    public static func pack(_ weights: [Int8], channels n: Int, depth k: Int) -> [Int8] {
        precondition(weights.count == n * k, "pack: \(weights.count) weights for [\(n), \(k)]")
        var packed = [Int8](repeating: 0, count: packedByteCount(channels: n, depth: k))
        for c in 0..<n {
            for i in 0..<k {
                packed[packedIndex(channel: c, input: i, channels: n, depth: k)] = weights[c * k + i]
            }
        }
        return packed
    }

    /// `Σ_k w[c][k]` per channel (for bias folding).
    public static func channelSums(_ weights: [Int8], channels n: Int, depth k: Int) -> [Int32] {
        (0..<n).map { c in
            var s: Int32 = 0
            for i in 0..<k { s &+= Int32(weights[c * k + i]) }
            return s
        }
    }

    /// `bias[c] − (zeroPointIn + 128) · Σ_k w[c][k]`.
    public static func foldedBias(_ bias: [Int32], channelSums: [Int32], inputZeroPoint: Int32) -> [Int32] {
        zip(bias, channelSums).map { b, s in b &- (inputZeroPoint &+ Int8Conventions.activationOffset) &* s }
    }
}

/// Quantization of one tensor: per-tensor (one scale) or per-channel along `axis`.
public struct QuantizationParameters: Equatable, Sendable {
    public var scales: [Float]
    public var zeroPoints: [Int32]
    /// Channel axis for per-channel parameters; ignored when there is one scale.
    public var axis: Int

    public init(scales: [Float], zeroPoints: [Int32], axis: Int = 0) {
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.axis = axis
    }

    /// Per-tensor parameters.
    public init(scale: Float, zeroPoint: Int32) {
        self.init(scales: [scale], zeroPoints: [zeroPoint])
    }
}

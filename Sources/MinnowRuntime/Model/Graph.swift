// The vocabulary shared by the model file, the builder and the interpreter.
// Everything here is Embedded-Swift clean: no Foundation, no existentials.

/// Element type of a tensor, stored as one byte in the model file.
public enum ElementType: UInt8, Sendable {
    case float32 = 1
    case int8 = 2
    case int16 = 3
    case int32 = 4
    case uint8 = 5

    /// Size of one element in bytes.
    public var byteCount: Int {
        switch self {
        case .float32, .int32: return 4
        case .int16: return 2
        case .int8, .uint8: return 1
        }
    }
}

/// Operators the runtime executes. Raw values are stored in the model file: never renumber.
///
/// Tensor conventions (activations are NHWC with a leading batch dimension of 1):
/// - `fullyConnected`: inputs `[x, weights [out, in], bias [out]]`; `x` is flattened over its
///   non-batch dimensions. Output `[1, out]`.
/// - `conv2D`: inputs `[x [1,H,W,C], weights [O, kH, kW, C] (OHWI), bias [O]]`.
/// - `depthwiseConv2D`: inputs `[x [1,H,W,C], weights [1, kH, kW, C], bias [C]]` (multiplier 1).
/// - `maxPool2D`, `averagePool2D`: input `[x]`; `kernel*`, `stride*`, `padding` options.
///   Average pooling divides by the number of valid (non-padding) cells.
/// - `globalAveragePool`: `[1,H,W,C]` → `[1,C]`.
/// - `add`: inputs `[a, b]` of equal shape.
/// - `reshape`: input `[x]`; the output tensor's shape is the target shape.
/// - `softmax`, `logistic`, `tanh`, `relu`, `relu6`: element-wise (softmax over the last axis).
/// - `batchNorm`: inference form, inputs `[x, scale [C], offset [C]]`: `y = x * scale + offset`
///   over the last axis (scale = γ/√(σ²+ε), offset = β − μ·scale).
/// - `lstm`: inputs `[x [1,T,F], inputWeights [4H, F], recurrentWeights [4H, H], bias [4H]]`,
///   gate order i, f, g (cell candidate), o; sigmoid gates, tanh cell. Output `[1, H]` (last
///   step) or `[1, T, H]` when `returnSequences` is set. State starts at zero each invocation.
/// - `gru`: inputs `[x [1,T,F], inputWeights [3H, F], recurrentWeights [3H, H],
///   inputBias [3H], recurrentBias [3H]]`, gate order z (update), r (reset), n (candidate),
///   "reset after" form as in Keras: `n = tanh(Wx_n·x + bx_n + r ⊙ (Wh_n·h + bh_n))`,
///   `h' = z ⊙ h + (1 − z) ⊙ n`.
/// - `quantize`, `dequantize`: int8 only (below).
///
/// ## Int8 operators (dispatched by the first input's element type)
/// Activations are int8 with per-tensor quantization (`Model.quantization`); requantization,
/// "n16k4" packing and bias folding follow `Int8Conventions`. A requantization constant
/// `rq` is int32 `[2, n]`: row 0 the Q31 multipliers (≥ 0), row 1 the shifts (−31…30), one
/// per output channel — int32 shifts so the kernels read both rows in place from flash.
/// Fused activations clamp to TFLite's quantized activation range.
/// - `fullyConnected`: `[x int8, weights int8 n16k4 [out, in], foldedBias int32 [out], rq [2, out]]`
///   → int8 `[1, out]`; one `Int8Gemm.run` with `m = 1`.
/// - `conv2D`: `[x [1,H,W,C], weights int8 n16k4 [O, kH, kW, C] (K = kH·kW·C in (ky, kx, c)
///   order), foldedBias int32 [O], rq [2, O]]`; im2col in arena scratch a block of output pixels
///   at a time (≤ one output row, ≤ 2 KiB), padding with the input zero point; a 1×1 stride-1
///   conv reads the input directly.
/// - `depthwiseConv2D`: `[x, weights int8 dense [1, kH, kW, C], foldedBias int32 [C], rq [2, C]]`,
///   direct loops; bias folded as for the GEMM ops (`Σ_k w` over the taps, padding = zero point).
/// - `maxPool2D`, `averagePool2D`, `globalAveragePool`: `[x]`, output quantization equal to the
///   input's; average = `Σ q / cells` rounded half away from zero.
/// - `add`: `[a, b]`, any per-tensor parameters; TFLite's scheme (20-bit left shift, input
///   multipliers below one, output multiplier) with multipliers derived from the tensor scales.
/// - `reshape`: `[x]`, same quantization; the output aliases the input (no copy).
/// - `relu`, `relu6`: `[x]`, same quantization; clamp to the activation range.
/// - `logistic`, `tanh`: `[x, table int8 [256]]`, `y = table[q + 128]`; outputs fixed at scale
///   1/256, zero point −128 (logistic) and 1/128, 0 (tanh).
/// - `softmax`: `[x, table int32 [256]]` with `table[d] = round(2^16·exp(−s_in·d))`; output fixed
///   at 1/256, −128 (see `softmaxInt8`).
/// - `quantize`: `[x float32]` → int8 (round half away from zero, clamp); `dequantize`:
///   `[x int8]` → float32.
/// - `lstm`, `gru`: int8 input and output; operands and state are `Int8Recurrent`'s contract.
public enum OperatorCode: UInt16, Sendable {
    case fullyConnected = 1
    case conv2D = 2
    case depthwiseConv2D = 3
    case maxPool2D = 4
    case averagePool2D = 5
    case globalAveragePool = 6
    case add = 7
    case reshape = 8
    case softmax = 9
    case logistic = 10
    case tanh = 11
    case relu = 12
    case relu6 = 13
    case batchNorm = 14
    case lstm = 15
    case gru = 16
    case quantize = 17
    case dequantize = 18
}

/// Spatial padding, as in TFLite and Keras.
public enum Padding: UInt8, Sendable {
    case valid = 0
    case same = 1
}

/// Activation fused into the producing operator's output.
public enum FusedActivation: UInt8, Sendable {
    case none = 0
    case relu = 1
    case relu6 = 2
}

/// Fixed-size options record for every operator; unused fields stay zero.
public struct OperatorOptions: Equatable, Sendable {
    public var kernelHeight: Int32 = 0
    public var kernelWidth: Int32 = 0
    public var strideHeight: Int32 = 1
    public var strideWidth: Int32 = 1
    public var padding: Padding = .valid
    public var activation: FusedActivation = .none
    /// LSTM/GRU hidden size.
    public var units: Int32 = 0
    /// LSTM/GRU: emit every step instead of the last one.
    public var returnSequences: Bool = false

    public init(
        kernelHeight: Int32 = 0, kernelWidth: Int32 = 0,
        strideHeight: Int32 = 1, strideWidth: Int32 = 1,
        padding: Padding = .valid, activation: FusedActivation = .none,
        units: Int32 = 0, returnSequences: Bool = false
    ) {
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padding = padding
        self.activation = activation
        self.units = units
        self.returnSequences = returnSequences
    }
}

import MinnowRuntime

/// Asymmetric per-tensor int8 parameters for activations.
public enum ActivationQuantization {
    /// Parameters covering `[minimum, maximum]` widened to include 0, with the zero point
    /// rounded to an integer in −128…127 ("nudged") so that the real value 0 is exactly
    /// representable (zero padding and ReLU clamps are then exact).
    public static func parameters(minimum: Float, maximum: Float) -> QuantizationParameters {
        var lo = min(minimum, 0), hi = max(maximum, 0)
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if hi - lo < 1e-8 { hi = lo + 1e-8 * 255 }
        let scale = (hi - lo) / 255
        let zeroPointReal = -128 - Double(lo) / Double(scale)
        let zeroPoint = Int32(min(max(zeroPointReal.rounded(), -128), 127))
        return QuantizationParameters(scale: scale, zeroPoint: zeroPoint)
    }

    /// `clamp(round(x / scale) + zeroPoint, −128, 127)`.
    @inline(__always)
    public static func quantize(_ x: Float, scale: Float, zeroPoint: Int32) -> Int8 {
        let q = (x / scale).rounded() + Float(zeroPoint)
        return Int8(min(max(q, -128), 127))
    }

    /// `quantize` then back to real: the value the int8 model carries for `x`.
    @inline(__always)
    public static func fakeQuantize(_ x: Float, scale: Float, zeroPoint: Int32) -> Float {
        scale * Float(Int32(quantize(x, scale: scale, zeroPoint: zeroPoint)) - zeroPoint)
    }

    /// Fixed output parameters of softmax/logistic (1/256, −128) and tanh (1/128, 0), as TFLite.
    public static func fixedOutput(of code: OperatorCode) -> QuantizationParameters? {
        switch code {
        case .softmax, .logistic: return QuantizationParameters(scale: 1.0 / 256, zeroPoint: -128)
        case .tanh: return QuantizationParameters(scale: 1.0 / 128, zeroPoint: 0)
        default: return nil
        }
    }
}

/// Symmetric per-channel int8 weights (zero point 0, values in −127…127).
public struct ChannelQuantizedWeights: Sendable, Equatable {
    /// Quantized values in the float tensor's own (row-major) layout.
    public var values: [Int8]
    /// One scale per channel.
    public var scales: [Float]
    /// Channel axis of the tensor (the operator's `weightChannelAxis`: 0 for `[O, …]`).
    public var axis: Int

    /// Quantizes `weights` of `shape` per channel along `axis`: `scale[c] = max|w_c| / 127`
    /// (1 for an all-zero channel), `q = clamp(round(w / scale[c]), −127, 127)`, so every
    /// value's error is at most `scale[c] / 2`.
    public init(weights: [Float], shape: [Int], axis: Int) {
        let channels = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        var maxAbs = [Float](repeating: 0, count: channels)
        for (i, w) in weights.enumerated() {
            let c = (i / inner) % channels
            maxAbs[c] = max(maxAbs[c], abs(w))
        }
        let scales = maxAbs.map { $0 > 0 ? $0 / 127 : 1 }
        var values = [Int8](repeating: 0, count: weights.count)
        for (i, w) in weights.enumerated() {
            let q = (w / scales[(i / inner) % channels]).rounded()
            values[i] = Int8(min(max(q, -127), 127))
        }
        self.values = values
        self.scales = scales
        self.axis = axis
    }

    /// The real values the int8 weights represent, in the original layout.
    public func dequantized(shape: [Int]) -> [Float] {
        let channels = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        return values.enumerated().map { i, q in Float(q) * scales[(i / inner) % channels] }
    }

    public var parameters: QuantizationParameters {
        QuantizationParameters(scales: scales, zeroPoints: [Int32](repeating: 0, count: scales.count), axis: axis)
    }
}

/// int32 biases at scale `s_in · s_w[c]`.
public enum BiasQuantization {
    public static func quantize(_ bias: [Float], inputScale: Float, weightScales: [Float]) -> [Int32] {
        bias.enumerated().map { c, b in
            let q = (Double(b) / (Double(inputScale) * Double(weightScales[c]))).rounded()
            return Int32(min(max(q, Double(Int32.min) + 1), Double(Int32.max)))
        }
    }
}

/// Output size and leading padding of one spatial axis, with Keras/TensorFlow rules.
///
/// - `valid`: `out = (in − k) / stride + 1` (needs `in ≥ k`), no padding.
/// - `same`: `out = ceil(in / stride)`, `padTotal = max((out − 1)·stride + k − in, 0)`,
///   `padBefore = padTotal / 2` (the extra cell, if any, goes after).
public struct AxisGeometry: Equatable, Sendable {
    public var outputSize: Int
    public var padBefore: Int

    /// `nil` when the axis has no valid output (valid padding with a kernel larger than the input,
    /// or a non-positive size, kernel or stride).
    public init?(input: Int, kernel: Int, stride: Int, padding: Padding) {
        guard input >= 1, kernel >= 1, stride >= 1 else { return nil }
        switch padding {
        case .valid:
            guard input >= kernel else { return nil }
            outputSize = (input - kernel) / stride + 1
            padBefore = 0
        case .same:
            outputSize = (input + stride - 1) / stride
            let padTotal = max((outputSize - 1) * stride + kernel - input, 0)
            padBefore = padTotal / 2
        }
    }
}

/// Geometry of a 2-D window operation (convolution or pooling) over an NHWC tensor.
struct WindowGeometry {
    var inputHeight: Int, inputWidth: Int, channels: Int
    var kernelHeight: Int, kernelWidth: Int
    var strideHeight: Int, strideWidth: Int
    var outputHeight: Int, outputWidth: Int
    var padTop: Int, padLeft: Int
}

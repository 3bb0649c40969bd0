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

/// Geometry of a 2-D window operation (convolution or pooling) over one NHWC image: the one
/// definition the runtime's kernels, the trainer's layers and the quantizer share (the C kernels
/// take the same fields as `minnow_window`).
public struct WindowGeometry: Equatable, Sendable {
    public var inputHeight: Int, inputWidth: Int, channels: Int
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var outputHeight: Int, outputWidth: Int
    public var padTop: Int, padLeft: Int

    /// Every field given explicitly.
    public init(inputHeight: Int, inputWidth: Int, channels: Int, kernelHeight: Int, kernelWidth: Int,
                strideHeight: Int, strideWidth: Int, outputHeight: Int, outputWidth: Int, padTop: Int, padLeft: Int) {
        self.inputHeight = inputHeight; self.inputWidth = inputWidth; self.channels = channels
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.outputHeight = outputHeight; self.outputWidth = outputWidth
        self.padTop = padTop; self.padLeft = padLeft
    }

    /// Output size and padding from Keras/TensorFlow `padding` rules (`AxisGeometry`); `nil` when
    /// an axis has no valid output. Never inlined: loader and kernels share one copy in firmware.
    @inline(never)
    public init?(inputHeight: Int, inputWidth: Int, channels: Int, kernelHeight: Int, kernelWidth: Int,
                 strideHeight: Int, strideWidth: Int, padding: Padding) {
        guard let rows = AxisGeometry(input: inputHeight, kernel: kernelHeight, stride: strideHeight, padding: padding),
              let cols = AxisGeometry(input: inputWidth, kernel: kernelWidth, stride: strideWidth, padding: padding) else {
            return nil
        }
        self.init(inputHeight: inputHeight, inputWidth: inputWidth, channels: channels,
                  kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideHeight: strideHeight, strideWidth: strideWidth,
                  outputHeight: rows.outputSize, outputWidth: cols.outputSize, padTop: rows.padBefore, padLeft: cols.padBefore)
    }

    /// Output pixels.
    public var outputPixels: Int { outputHeight &* outputWidth }

    /// Cells of the window (kernel height × width).
    public var windowCells: Int { kernelHeight &* kernelWidth }

    /// True when no window reaches into leading padding, so an output written over its input never
    /// overwrites a cell a later window still reads (in-place pooling).
    public var hasNoLeadingPadding: Bool { padTop == 0 && padLeft == 0 }
}

import MinnowRuntime

/// The trainer's view of the runtime's `WindowGeometry` (one geometry type for runtime, trainer and
/// quantizer): construction that names the layer when a size is invalid, and the counts the layers
/// use.
extension WindowGeometry {
    /// The geometry with Keras/TensorFlow padding rules (`AxisGeometry`).
    /// - Throws: `TrainError` naming `layer` when a size is not positive or a 'valid' window does
    ///   not fit in the input.
    public init(
        inputHeight: Int, inputWidth: Int, channels: Int,
        kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
        padding: Padding, layer: String
    ) throws {
        guard inputHeight > 0, inputWidth > 0, channels > 0 else {
            throw TrainError.invalidLayer(layer: layer, reason: "input size \(inputHeight)×\(inputWidth)×\(channels) must be positive")
        }
        guard kernelHeight > 0, kernelWidth > 0 else {
            throw TrainError.invalidLayer(layer: layer, reason: "window \(kernelHeight)×\(kernelWidth) must be positive")
        }
        guard strideHeight > 0, strideWidth > 0 else {
            throw TrainError.invalidLayer(layer: layer, reason: "stride \(strideHeight)×\(strideWidth) must be positive")
        }
        guard let g = WindowGeometry(inputHeight: inputHeight, inputWidth: inputWidth, channels: channels,
                                     kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                                     strideHeight: strideHeight, strideWidth: strideWidth, padding: padding) else {
            throw TrainError.invalidLayer(layer: layer, reason: "'valid' window \(kernelHeight)×\(kernelWidth) is larger than the input \(inputHeight)×\(inputWidth)")
        }
        self = g
    }

    /// Builds the geometry from a per-item shape `[H, W, C]`.
    public init(
        itemShape: [Int], kernel: (Int, Int), strides: (Int, Int), padding: Padding, layer: String
    ) throws {
        guard itemShape.count == 3 else {
            throw TrainError.invalidLayer(layer: layer, reason: "expected an input shape [H, W, C], found \(itemShape)")
        }
        try self.init(
            inputHeight: itemShape[0], inputWidth: itemShape[1], channels: itemShape[2],
            kernelHeight: kernel.0, kernelWidth: kernel.1, strideHeight: strides.0, strideWidth: strides.1,
            padding: padding, layer: layer)
    }

    /// Values in one input item (H·W·C).
    public var inputItemCount: Int { inputHeight * inputWidth * channels }
    /// Output positions per item (outH·outW).
    public var outputPositions: Int { outputHeight * outputWidth }
    /// Values in one im2col row: kH·kW·C, ordered (ky, kx, c) to match OHWI weights.
    public var patchSize: Int { kernelHeight * kernelWidth * channels }

    /// The input rows `lower..<upper` of the window that starts at input row `origin`
    /// (possibly negative), as kernel offsets clipped to the input.
    @inline(__always)
    func validRows(origin: Int) -> (lower: Int, upper: Int) {
        let lower = max(0, 0 &- origin)
        return (lower, max(lower, min(kernelHeight, inputHeight &- origin)))
    }

    /// Like `validRows` for columns.
    @inline(__always)
    func validColumns(origin: Int) -> (lower: Int, upper: Int) {
        let lower = max(0, 0 &- origin)
        return (lower, max(lower, min(kernelWidth, inputWidth &- origin)))
    }
}

/// Patch extraction for GEMM-based convolution and its adjoint.
///
/// For one item, `im2col` writes `outH·outW` rows of `kH·kW·C` values each (padding cells are
/// zero); `col2im` adds such rows back into an input-shaped gradient. Each row's (kx, c) run
/// for one kernel row is contiguous in the NHWC input, so both copy whole runs — for C = 1
/// that is still `kW` values per copy rather than one value per branch. Index arithmetic wraps
/// (`&+`, `&*`): the geometry was validated when the layer was built, so the hot loops skip the
/// overflow checks.
enum Im2Col {
    /// Fills `columns` (outH·outW × patchSize) from one item `input` (H·W·C).
    static func im2col(
        _ g: WindowGeometry, input: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>
    ) {
        let c = g.channels
        let rowStride = g.inputWidth * c
        let kernelRun = g.kernelWidth * c
        var dst = columns
        for oy in 0..<g.outputHeight {
            let iy0 = oy &* g.strideHeight &- g.padTop
            let rows = g.validRows(origin: iy0)
            for ox in 0..<g.outputWidth {
                let ix0 = ox &* g.strideWidth &- g.padLeft
                let cols = g.validColumns(origin: ix0)
                if rows.lower == 0 && rows.upper == g.kernelHeight && cols.lower == 0 && cols.upper == g.kernelWidth {
                    // Interior window: kH straight runs of kW·C values.
                    var src = input + (iy0 &* rowStride &+ ix0 &* c)
                    for _ in 0..<g.kernelHeight {
                        for i in 0..<kernelRun { dst[i] = src[i] }
                        dst += kernelRun
                        src += rowStride
                    }
                    continue
                }
                let leading = cols.lower &* c
                let copied = (cols.upper &- cols.lower) &* c
                let trailing = kernelRun &- leading &- copied
                for ky in 0..<g.kernelHeight {
                    if ky < rows.lower || ky >= rows.upper {
                        for i in 0..<kernelRun { dst[i] = 0 }
                    } else {
                        let src = input + ((iy0 &+ ky) &* rowStride &+ (ix0 &+ cols.lower) &* c)
                        for i in 0..<leading { dst[i] = 0 }
                        let mid = dst + leading
                        for i in 0..<copied { mid[i] = src[i] }
                        let tail = mid + copied
                        for i in 0..<trailing { tail[i] = 0 }
                    }
                    dst += kernelRun
                }
            }
        }
    }

    /// Overwrites `inputGradient` (H·W·C) with the sum of the patch gradients in `columns`,
    /// visiting rows in order so the result does not depend on threading.
    static func col2im(
        _ g: WindowGeometry, columns: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>
    ) {
        let c = g.channels
        let rowStride = g.inputWidth * c
        let kernelRun = g.kernelWidth * c
        inputGradient.update(repeating: 0, count: g.inputItemCount)
        var src = columns
        for oy in 0..<g.outputHeight {
            let iy0 = oy &* g.strideHeight &- g.padTop
            let rows = g.validRows(origin: iy0)
            for ox in 0..<g.outputWidth {
                let ix0 = ox &* g.strideWidth &- g.padLeft
                let cols = g.validColumns(origin: ix0)
                if rows.lower == 0 && rows.upper == g.kernelHeight && cols.lower == 0 && cols.upper == g.kernelWidth {
                    var dst = inputGradient + (iy0 &* rowStride &+ ix0 &* c)
                    for _ in 0..<g.kernelHeight {
                        for i in 0..<kernelRun { dst[i] += src[i] }
                        src += kernelRun
                        dst += rowStride
                    }
                    continue
                }
                let leading = cols.lower &* c
                let copied = (cols.upper &- cols.lower) &* c
                for ky in rows.lower..<rows.upper {
                    let dst = inputGradient + ((iy0 &+ ky) &* rowStride &+ (ix0 &+ cols.lower) &* c)
                    let run = src + (ky &* kernelRun &+ leading)
                    for i in 0..<copied { dst[i] += run[i] }
                }
                src += g.patchSize
            }
        }
    }
}

/// An array of `count` floats whose every element `body` must write (no zero fill first).
@inline(__always)
func uninitializedFloats(count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        if count > 0 { body(buffer.baseAddress!) }
        initialized = count
    }
}

/// A growable scratch area kept by a layer between calls, so the hot loops allocate nothing
/// once the batch size is stable. Contents are unspecified after growth: callers write before
/// they read.
final class ScratchBuffer<Element: BitwiseCopyable> {
    private(set) var capacity = 0
    private var storage: UnsafeMutablePointer<Element>?

    /// A pointer to at least `count` elements.
    func pointer(count: Int) -> UnsafeMutablePointer<Element> {
        if let storage, count <= capacity { return storage }
        storage?.deallocate()
        let size = max(count, 1)
        let fresh = UnsafeMutablePointer<Element>.allocate(capacity: size)
        storage = fresh
        capacity = size
        return fresh
    }

    deinit { storage?.deallocate() }
}

#if canImport(CMinnowInt8Kernels) && !hasFeature(Embedded)
import CMinnowInt8Kernels
#endif

/// Which implementation of an int8 spatial kernel runs. All give the same bytes; tests compare
/// them (`Int8SpatialKernels`).
public enum Int8KernelPath: Sendable, CaseIterable {
    /// Plain loops with per-element index math: the twin the others are checked against.
    case reference
    /// Restructured Swift (the path Embedded builds run).
    case portable
    /// The C kernels with run-time ISA dispatch on hosts (`CMinnowInt8Kernels`); `portable`
    /// where they are not compiled in.
    case native

    /// The path the interpreter runs.
    static var fastest: Int8KernelPath { .native }
}

/// Geometry of a 2-D window over one NHWC image (public mirror of `WindowGeometry` for tests
/// and tools).
public struct Int8WindowGeometry: Equatable, Sendable {
    public var inputHeight: Int, inputWidth: Int, channels: Int
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var outputHeight: Int, outputWidth: Int
    public var padTop: Int, padLeft: Int

    public init(inputHeight: Int, inputWidth: Int, channels: Int, kernelHeight: Int, kernelWidth: Int,
                strideHeight: Int, strideWidth: Int, outputHeight: Int, outputWidth: Int, padTop: Int, padLeft: Int) {
        self.inputHeight = inputHeight; self.inputWidth = inputWidth; self.channels = channels
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.outputHeight = outputHeight; self.outputWidth = outputWidth
        self.padTop = padTop; self.padLeft = padLeft
    }

    init(_ g: WindowGeometry) {
        self.init(inputHeight: g.inputHeight, inputWidth: g.inputWidth, channels: g.channels,
                  kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth,
                  strideHeight: g.strideHeight, strideWidth: g.strideWidth,
                  outputHeight: g.outputHeight, outputWidth: g.outputWidth, padTop: g.padTop, padLeft: g.padLeft)
    }

    var window: WindowGeometry {
        WindowGeometry(inputHeight: inputHeight, inputWidth: inputWidth, channels: channels,
                       kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                       strideHeight: strideHeight, strideWidth: strideWidth,
                       outputHeight: outputHeight, outputWidth: outputWidth, padTop: padTop, padLeft: padLeft)
    }

    #if canImport(CMinnowInt8Kernels) && !hasFeature(Embedded)
    var c: minnow_window {
        minnow_window(input_height: inputHeight, input_width: inputWidth, channels: channels,
                      kernel_height: kernelHeight, kernel_width: kernelWidth,
                      stride_height: strideHeight, stride_width: strideWidth,
                      output_height: outputHeight, output_width: outputWidth, pad_top: padTop, pad_left: padLeft)
    }
    #endif
}

/// int8 spatial kernels (pooling, im2col) with a selectable implementation, so tests can check
/// that every optimized path gives the bytes of the plain reference.
public enum Int8SpatialKernels {
    /// Max (`isMax`) or average pooling over NHWC, input and output sharing one quantization,
    /// result clamped to `lower…upper` (see `pool2DInt8`). `output` may alias `input` when the
    /// window has no leading padding.
    public static func pool(_ path: Int8KernelPath, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
                            geometry: Int8WindowGeometry, isMax: Bool, lower: Int32, upper: Int32) {
        let range = Int8ActivationRange(lower: lower, upper: upper)
        switch path {
        case .reference:
            pool2DInt8Reference(input: input, output: output, geometry: geometry.window, isMax: isMax, range: range)
        case .portable:
            pool2DInt8Portable(input: input, output: output, geometry: geometry.window, isMax: isMax, range: range)
        case .native:
            #if canImport(CMinnowInt8Kernels) && !hasFeature(Embedded)
            var g = geometry.c
            if isMax {
                minnow_max_pool_int8(input, &g, lower, upper, output)
            } else {
                minnow_average_pool_int8(input, &g, lower, upper, output)
            }
            #else
            pool2DInt8Portable(input: input, output: output, geometry: geometry.window, isMax: isMax, range: range)
            #endif
        }
    }
}

/// int8 max and average pooling over NHWC, input and output sharing one quantization.
///
/// Padding cells are ignored. Average: `Σ q / cells` rounded half away from zero (TFLite's
/// integer average pool), then clamped to the fused activation's range. Runs the fastest path
/// (C with SIMD over channels on hosts, `pool2DInt8Portable` in Embedded builds).
@inline(__always)
func pool2DInt8(input x: UnsafePointer<Int8>, output y: UnsafeMutablePointer<Int8>, geometry g: WindowGeometry,
                isMax: Bool, range: Int8ActivationRange) {
    // Calls the variant directly (not through `Int8SpatialKernels.pool`'s switch) so firmware
    // links only the kernel it runs, not the reference twin.
    #if canImport(CMinnowInt8Kernels) && !hasFeature(Embedded)
    Int8SpatialKernels.pool(.native, input: x, output: y, geometry: Int8WindowGeometry(g), isMax: isMax,
                            lower: range.lower, upper: range.upper)
    #else
    pool2DInt8Portable(input: x, output: y, geometry: g, isMax: isMax, range: range)
    #endif
}

/// Pooling with channel-contiguous inner loops: per output pixel the valid cell range is
/// computed once, then each cell's channel row is folded into the output with pointer steps
/// (no per-element index math; the compiler vectorizes the max over channels).
///
/// In-place safe: the output pixel starts as a copy of its window's first cell (the only cell
/// that can share its bytes) and every other cell lies after it.
func pool2DInt8Portable(input x: UnsafePointer<Int8>, output y: UnsafeMutablePointer<Int8>, geometry g: WindowGeometry,
                        isMax: Bool, range: Int8ActivationRange) {
    let c = g.channels
    let rowStep = g.inputWidth &* c
    var out = y
    for oy in 0..<g.outputHeight {
        let y0 = oy &* g.strideHeight &- g.padTop
        let kyStart = max(0, -y0), kyEnd = min(g.kernelHeight, g.inputHeight &- y0)
        for ox in 0..<g.outputWidth {
            let x0 = ox &* g.strideWidth &- g.padLeft
            let kxStart = max(0, -x0), kxEnd = min(g.kernelWidth, g.inputWidth &- x0)
            let cells = (kyEnd &- kyStart) &* (kxEnd &- kxStart)
            let first = x + ((y0 &+ kyStart) &* g.inputWidth &+ (x0 &+ kxStart)) &* c
            if cells <= 0 {
                for ch in 0..<c { out[ch] = range.clamp(isMax ? -128 : 0) }
            } else if isMax {
                for ch in 0..<c { out[ch] = first[ch] }
                var row = first
                for ky in kyStart..<kyEnd {
                    var cell = row
                    for kx in kxStart..<kxEnd {
                        if ky != kyStart || kx != kxStart {
                            for ch in 0..<c { out[ch] = max(out[ch], cell[ch]) }
                        }
                        cell += c
                    }
                    row += rowStep
                }
                for ch in 0..<c { out[ch] = range.clamp(Int32(out[ch])) }
            } else {
                let count = Int32(truncatingIfNeeded: cells)
                for ch in 0..<c {
                    var acc: Int32 = 0
                    var row = first + ch
                    for _ in kyStart..<kyEnd {
                        var cell = row
                        for _ in kxStart..<kxEnd { acc &+= Int32(cell.pointee); cell += c }
                        row += rowStep
                    }
                    out[ch] = range.clamp(roundedDivide(acc, count))
                }
            }
            out += c
        }
    }
}

/// Plain loops with per-element index math: the reference twin of the pooling kernels.
func pool2DInt8Reference(input x: UnsafePointer<Int8>, output y: UnsafeMutablePointer<Int8>, geometry g: WindowGeometry,
                         isMax: Bool, range: Int8ActivationRange) {
    let c = g.channels
    for oy in 0..<g.outputHeight {
        let y0 = oy &* g.strideHeight &- g.padTop
        let kyStart = max(0, -y0), kyEnd = min(g.kernelHeight, g.inputHeight &- y0)
        for ox in 0..<g.outputWidth {
            let x0 = ox &* g.strideWidth &- g.padLeft
            let kxStart = max(0, -x0), kxEnd = min(g.kernelWidth, g.inputWidth &- x0)
            let out = y + (oy &* g.outputWidth &+ ox) &* c
            let cells = Int32(truncatingIfNeeded: (kyEnd &- kyStart) &* (kxEnd &- kxStart))
            for ch in 0..<c {
                var acc: Int32 = isMax ? -128 : 0
                var ky = kyStart
                while ky < kyEnd {
                    var kx = kxStart
                    while kx < kxEnd {
                        let v = Int32(x[((y0 &+ ky) &* g.inputWidth &+ (x0 &+ kx)) &* c &+ ch])
                        if isMax { acc = max(acc, v) } else { acc &+= v }
                        kx &+= 1
                    }
                    ky &+= 1
                }
                out[ch] = range.clamp(isMax ? acc : roundedDivide(acc, cells))
            }
        }
    }
}

/// int8 global average pool `[1, H, W, C]` → `[1, C]`, same quantization in and out.
func globalAveragePoolInt8(input x: UnsafePointer<Int8>, output y: UnsafeMutablePointer<Int8>,
                           positions: Int, channels: Int) {
    for ch in 0..<channels {
        var acc: Int32 = 0
        for p in 0..<positions { acc &+= Int32(x[p &* channels &+ ch]) }
        y[ch] = Int8(truncatingIfNeeded: min(max(roundedDivide(acc, Int32(truncatingIfNeeded: positions)), -128), 127))
    }
}

/// `a / b` rounded half away from zero (`b > 0`).
@inline(__always)
func roundedDivide(_ a: Int32, _ b: Int32) -> Int32 {
    a >= 0 ? (a &+ b / 2) / b : (a &- b / 2) / b
}

extension Int8ActivationRange {
    /// A range from explicit bounds (within −128…127).
    init(lower: Int32, upper: Int32) {
        self.init(.none, scale: 1, zeroPoint: 0)
        self.lower = lower
        self.upper = upper
    }
}

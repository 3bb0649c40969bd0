#if MINNOW_C_KERNELS
import CMinnowInt8Kernels
#endif

/// int8 max and average pooling over NHWC, input and output sharing one quantization.
///
/// Padding cells are ignored. Average: `Σ q / cells` rounded half away from zero (TFLite's integer
/// average pool), then clamped to `lower…upper` (the fused activation's range). `output` may alias
/// `input` when the window has no leading padding. Every path gives the same bytes.
public enum Int8Pooling {
    public static func run(_ path: KernelPath, input x: UnsafePointer<Int8>, output y: UnsafeMutablePointer<Int8>,
                           geometry g: WindowGeometry, isMax: Bool, lower: Int32, upper: Int32) {
        let range = Int8ActivationRange(lower: lower, upper: upper)
        if path.isReference {
            pool2DInt8Reference(input: x, output: y, geometry: g, isMax: isMax, range: range)
            return
        }
        #if MINNOW_C_KERNELS
        if path.isNative {
            var window = g.cWindow
            if isMax {
                minnow_max_pool_int8_kernel(path.family, x, &window, lower, upper, y)
            } else {
                minnow_average_pool_int8_kernel(path.family, x, &window, lower, upper, y)
            }
            return
        }
        #endif
        pool2DInt8Portable(input: x, output: y, geometry: g, isMax: isMax, range: range)
    }
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

/// int8 max and average pooling over NHWC, input and output sharing one quantization.
///
/// Padding cells are ignored. Average: `Σ q / cells` rounded half away from zero (TFLite's
/// integer average pool), then clamped to the fused activation's range.
func pool2DInt8(input x: UnsafePointer<Int8>, output y: UnsafeMutablePointer<Int8>, geometry g: WindowGeometry,
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

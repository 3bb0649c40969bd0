/// Float max or average pooling over NHWC `[1, H, W, C]`.
///
/// Padding cells are ignored: max takes the largest valid cell, average divides by the number
/// of valid cells in the window (TensorFlow semantics).
func pool2DFloat(
    input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
    geometry g: WindowGeometry, isMax: Bool
) {
    let c = g.channels
    for oy in 0..<g.outputHeight {
        let y0 = oy &* g.strideHeight &- g.padTop
        let kyStart = max(0, -y0), kyEnd = min(g.kernelHeight, g.inputHeight &- y0)
        for ox in 0..<g.outputWidth {
            let x0 = ox &* g.strideWidth &- g.padLeft
            let kxStart = max(0, -x0), kxEnd = min(g.kernelWidth, g.inputWidth &- x0)
            let out = y + (oy &* g.outputWidth &+ ox) &* c
            let cells = Float((kyEnd &- kyStart) &* (kxEnd &- kxStart))
            for ch in 0..<c {
                var acc: Float = isMax ? -Float.infinity : 0
                var ky = kyStart
                while ky < kyEnd {
                    var kx = kxStart
                    while kx < kxEnd {
                        let v = x[((y0 &+ ky) &* g.inputWidth &+ (x0 &+ kx)) &* c &+ ch]
                        if isMax { acc = max(acc, v) } else { acc += v }
                        kx &+= 1
                    }
                    ky &+= 1
                }
                out[ch] = isMax ? acc : acc / cells
            }
        }
    }
}

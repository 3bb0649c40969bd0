/// Float depthwise 2-D convolution (multiplier 1): input `[1, H, W, C]`, weights
/// `[1, kH, kW, C]`, bias `[C]`. Each channel is filtered on its own; sums run in (ky, kx) order.
func depthwiseConv2DFloat(
    input x: UnsafePointer<Float>, weights w: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    output y: UnsafeMutablePointer<Float>, geometry g: WindowGeometry
) {
    let c = g.channels
    for oy in 0..<g.outputHeight {
        let y0 = oy &* g.strideHeight &- g.padTop
        let kyStart = max(0, -y0), kyEnd = min(g.kernelHeight, g.inputHeight &- y0)
        for ox in 0..<g.outputWidth {
            let x0 = ox &* g.strideWidth &- g.padLeft
            let kxStart = max(0, -x0), kxEnd = min(g.kernelWidth, g.inputWidth &- x0)
            let out = y + (oy &* g.outputWidth &+ ox) &* c
            for ch in 0..<c {
                var acc: Float = 0
                var ky = kyStart
                while ky < kyEnd {
                    var kx = kxStart
                    while kx < kxEnd {
                        let pixel = x + ((y0 &+ ky) &* g.inputWidth &+ (x0 &+ kx)) &* c
                        acc += pixel[ch] * w[(ky &* g.kernelWidth &+ kx) &* c &+ ch]
                        kx &+= 1
                    }
                    ky &+= 1
                }
                out[ch] = acc + bias[ch]
            }
        }
    }
}

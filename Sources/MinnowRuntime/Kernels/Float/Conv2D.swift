/// Float 2-D convolution, NHWC input `[1, H, W, C]`, OHWI weights `[O, kH, kW, C]`, bias `[O]`.
///
/// Direct loops (no im2col, no scratch). Padding cells contribute nothing; each output's dot
/// product accumulates in increasing (ky, kx, c) order, then the bias is added.
func conv2DFloat(
    input x: UnsafePointer<Float>, weights w: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    output y: UnsafeMutablePointer<Float>, outputChannels: Int, geometry g: WindowGeometry
) {
    let c = g.channels
    for oy in 0..<g.outputHeight {
        let y0 = oy &* g.strideHeight &- g.padTop
        let kyStart = max(0, -y0), kyEnd = min(g.kernelHeight, g.inputHeight &- y0)
        for ox in 0..<g.outputWidth {
            let x0 = ox &* g.strideWidth &- g.padLeft
            let kxStart = max(0, -x0), kxEnd = min(g.kernelWidth, g.inputWidth &- x0)
            let out = y + (oy &* g.outputWidth &+ ox) &* outputChannels
            for oc in 0..<outputChannels {
                var acc: Float = 0
                let filter = w + oc &* g.kernelHeight &* g.kernelWidth &* c
                var ky = kyStart
                while ky < kyEnd {
                    var kx = kxStart
                    while kx < kxEnd {
                        let pixel = x + ((y0 &+ ky) &* g.inputWidth &+ (x0 &+ kx)) &* c
                        let tap = filter + (ky &* g.kernelWidth &+ kx) &* c
                        for ic in 0..<c { acc += pixel[ic] * tap[ic] }
                        kx &+= 1
                    }
                    ky &+= 1
                }
                out[oc] = acc + bias[oc]
            }
        }
    }
}

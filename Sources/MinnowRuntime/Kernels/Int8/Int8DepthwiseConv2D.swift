/// int8 depthwise convolution (multiplier 1), direct loops.
///
/// Weights are dense `[1, kH, kW, C]`. Per channel `c`:
/// `acc = foldedBias[c] + Σ_taps (q + 128) · w[ky, kx, c]`, padding cells reading the input zero
/// point (the same folding as the GEMM ops, with `Σ_k w` over the taps), then the shared int8
/// output stage.
func depthwiseConv2DInt8(input x: UnsafePointer<Int8>, weights w: UnsafePointer<Int8>, stage: Int8OutputStage,
                         inputZeroPoint: Int32, geometry g: WindowGeometry, output y: UnsafeMutablePointer<Int8>) {
    let c = g.channels
    let padValue = inputZeroPoint &+ Int8Conventions.activationOffset
    for oy in 0..<g.outputHeight {
        let y0 = oy &* g.strideHeight &- g.padTop
        for ox in 0..<g.outputWidth {
            let x0 = ox &* g.strideWidth &- g.padLeft
            let out = y + (oy &* g.outputWidth &+ ox) &* c
            for ch in 0..<c {
                var acc: Int32 = 0
                for ky in 0..<g.kernelHeight {
                    let iy = y0 &+ ky
                    let rowInside = iy >= 0 && iy < g.inputHeight
                    for kx in 0..<g.kernelWidth {
                        let ix = x0 &+ kx
                        let u = rowInside && ix >= 0 && ix < g.inputWidth
                            ? Int32(x[(iy &* g.inputWidth &+ ix) &* c &+ ch]) &+ Int8Conventions.activationOffset
                            : padValue
                        acc &+= u &* Int32(w[(ky &* g.kernelWidth &+ kx) &* c &+ ch])
                    }
                }
                out[ch] = Int8Gemm.requantize(acc, channel: ch, stage)
            }
        }
    }
}

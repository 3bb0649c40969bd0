/// int8 2-D convolution through `Int8Gemm.run`: NHWC input, OHWI weights packed "n16k4" with
/// `K = kH·kW·C` in (ky, kx, c) order.
///
/// A 1×1 stride-1 convolution reads the input directly as the GEMM's `[H·W, C]` matrix.
/// Otherwise the input is unfolded (im2col) `blockPixels` output pixels at a time into
/// `scratch` (`blockPixels · K` bytes of arena, never the whole matrix), padding cells taking
/// the input zero point so the folded bias stays exact at the borders.
func conv2DInt8(input x: UnsafePointer<Int8>, packedWeights w: UnsafePointer<Int8>, outputChannels: Int,
                stage: Int8OutputStage, inputZeroPoint: Int32, geometry g: WindowGeometry,
                output y: UnsafeMutablePointer<Int8>, scratch: UnsafeMutablePointer<Int8>?, blockPixels: Int,
                gemmScratch: UnsafeMutableRawPointer, gemmScratchBytes: Int) {
    let c = g.channels
    let depth = g.kernelHeight &* g.kernelWidth &* c
    let pixels = g.outputHeight &* g.outputWidth
    guard let scratch else {
        Int8Gemm.run(m: pixels, n: outputChannels, k: c, a: x, lda: c, packedWeights: w, output: stage,
                     c: y, ldc: outputChannels, scratch: gemmScratch, scratchBytes: gemmScratchBytes)
        return
    }
    let pad = Int8(truncatingIfNeeded: inputZeroPoint)
    var p0 = 0
    while p0 < pixels {
        let rows = min(blockPixels, pixels &- p0)
        for r in 0..<rows {
            let p = p0 &+ r
            let oy = p / g.outputWidth, ox = p &- oy &* g.outputWidth
            let y0 = oy &* g.strideHeight &- g.padTop, x0 = ox &* g.strideWidth &- g.padLeft
            var dst = scratch + r &* depth
            for ky in 0..<g.kernelHeight {
                let iy = y0 &+ ky
                for kx in 0..<g.kernelWidth {
                    let ix = x0 &+ kx
                    if iy >= 0 && iy < g.inputHeight && ix >= 0 && ix < g.inputWidth {
                        dst.update(from: x + (iy &* g.inputWidth &+ ix) &* c, count: c)
                    } else {
                        dst.update(repeating: pad, count: c)
                    }
                    dst += c
                }
            }
        }
        Int8Gemm.run(m: rows, n: outputChannels, k: depth, a: scratch, lda: depth, packedWeights: w,
                     output: stage, c: y + p0 &* outputChannels, ldc: outputChannels,
                     scratch: gemmScratch, scratchBytes: gemmScratchBytes)
        p0 &+= rows
    }
}

#if canImport(CMinnowInt8Kernels) && !hasFeature(Embedded)
import CMinnowInt8Kernels
#endif

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
    let geometry = Int8WindowGeometry(g)
    var p0 = 0
    while p0 < pixels {
        let rows = min(blockPixels, pixels &- p0)
        Int8SpatialKernels.im2col(.fastest, input: x, geometry: geometry, firstPixel: p0, pixels: rows,
                                  padValue: pad, output: scratch)
        Int8Gemm.run(m: rows, n: outputChannels, k: depth, a: scratch, lda: depth, packedWeights: w,
                     output: stage, c: y + p0 &* outputChannels, ldc: outputChannels,
                     scratch: gemmScratch, scratchBytes: gemmScratchBytes)
        p0 &+= rows
    }
}

extension Int8SpatialKernels {
    /// Unfolds `pixels` output pixels of a convolution starting at `firstPixel` (row-major over
    /// the output) into `output`: one row of `K = kH·kW·C` bytes per pixel in (ky, kx, c) order,
    /// padding cells set to `padValue` (the input zero point).
    public static func im2col(_ path: Int8KernelPath, input: UnsafePointer<Int8>, geometry: Int8WindowGeometry,
                              firstPixel: Int, pixels: Int, padValue: Int8, output: UnsafeMutablePointer<Int8>) {
        switch path {
        case .reference:
            im2colInt8Reference(input: input, geometry: geometry.window, firstPixel: firstPixel, pixels: pixels,
                                padValue: padValue, output: output)
        case .portable:
            im2colInt8Portable(input: input, geometry: geometry.window, firstPixel: firstPixel, pixels: pixels,
                               padValue: padValue, output: output)
        case .native:
            #if canImport(CMinnowInt8Kernels) && !hasFeature(Embedded)
            var g = geometry.c
            minnow_im2col_int8(input, &g, firstPixel, pixels, padValue, output)
            #else
            im2colInt8Portable(input: input, geometry: geometry.window, firstPixel: firstPixel, pixels: pixels,
                               padValue: padValue, output: output)
            #endif
        }
    }
}

/// im2col with one copy per kernel row: the `kW` taps of a kernel row are `kW·C` contiguous
/// input bytes, so interior pixels copy each row straight; only border pixels go tap by tap.
func im2colInt8Portable(input x: UnsafePointer<Int8>, geometry g: WindowGeometry, firstPixel: Int, pixels: Int,
                        padValue: Int8, output: UnsafeMutablePointer<Int8>) {
    let c = g.channels
    let rowBytes = g.kernelWidth &* c
    var dst = output
    var oy = firstPixel / g.outputWidth
    var ox = firstPixel &- oy &* g.outputWidth
    for _ in 0..<pixels {
        let y0 = oy &* g.strideHeight &- g.padTop, x0 = ox &* g.strideWidth &- g.padLeft
        let columnsInside = x0 >= 0 && x0 &+ g.kernelWidth <= g.inputWidth
        for ky in 0..<g.kernelHeight {
            let iy = y0 &+ ky
            if iy < 0 || iy >= g.inputHeight {
                dst.update(repeating: padValue, count: rowBytes)
            } else if columnsInside {
                dst.update(from: x + (iy &* g.inputWidth &+ x0) &* c, count: rowBytes)
            } else {
                for kx in 0..<g.kernelWidth {
                    let ix = x0 &+ kx
                    if ix >= 0 && ix < g.inputWidth {
                        (dst + kx &* c).update(from: x + (iy &* g.inputWidth &+ ix) &* c, count: c)
                    } else {
                        (dst + kx &* c).update(repeating: padValue, count: c)
                    }
                }
            }
            dst += rowBytes
        }
        ox &+= 1
        if ox == g.outputWidth { ox = 0; oy &+= 1 }
    }
}

/// Tap-by-tap im2col with a bounds check per tap: the reference twin.
func im2colInt8Reference(input x: UnsafePointer<Int8>, geometry g: WindowGeometry, firstPixel: Int, pixels: Int,
                         padValue: Int8, output: UnsafeMutablePointer<Int8>) {
    let c = g.channels
    let depth = g.kernelHeight &* g.kernelWidth &* c
    for r in 0..<pixels {
        let p = firstPixel &+ r
        let oy = p / g.outputWidth, ox = p &- oy &* g.outputWidth
        let y0 = oy &* g.strideHeight &- g.padTop, x0 = ox &* g.strideWidth &- g.padLeft
        for ky in 0..<g.kernelHeight {
            for kx in 0..<g.kernelWidth {
                let iy = y0 &+ ky, ix = x0 &+ kx
                let inside = iy >= 0 && iy < g.inputHeight && ix >= 0 && ix < g.inputWidth
                for ch in 0..<c {
                    output[r &* depth &+ (ky &* g.kernelWidth &+ kx) &* c &+ ch] =
                        inside ? x[(iy &* g.inputWidth &+ ix) &* c &+ ch] : padValue
                }
            }
        }
    }
}

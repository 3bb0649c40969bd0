// Hosts use the C kernels; an Embedded build does when given `-D MINNOW_C_KERNELS` and the module
// map (see Int8Gemm.swift), otherwise the portable Swift kernels.
#if canImport(CMinnowInt8Kernels) && (!hasFeature(Embedded) || MINNOW_C_KERNELS)
import CMinnowInt8Kernels
#endif

/// int8 2-D convolution through the int8 GEMM: NHWC input, OHWI weights packed "n16k4" with
/// `K = kH·kW·C` in (ky, kx, c) order.
///
/// A 1×1 stride-1 convolution reads the input directly as the GEMM's `[H·W, C]` matrix
/// (`gemmScratch` receives its packed rows). Otherwise the input is unfolded (im2col)
/// `blockPixels` output pixels at a time into `scratch` (`blockPixels ·
/// Int8Gemm.prepackedRowBytes(k: K)` bytes of arena, never the whole matrix), padding cells
/// taking the input zero point so the folded bias stays exact at the borders. With the C
/// kernels im2col writes the micro-kernels' packed rows directly and the GEMM runs on them in
/// place (`Int8Gemm.runPrepacked`): one copy of the activations and no GEMM scratch. Where the
/// AVX-512 VNNI kernel runs, the whole convolution is one call (`minnow_conv2d_int8_whole`): an
/// indirect GEMM that reads every tap in place when the input has a multiple of 4 channels, else
/// one im2col of the whole image on the C stack and one GEMM.
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
    #if canImport(CMinnowInt8Kernels) && (!hasFeature(Embedded) || MINNOW_C_KERNELS)
    if !RuntimeTesting.usesReferenceKernels && !RuntimeTesting.breaksRounding {
        let kernel = minnow_qgemm_best_kernel()
        var window = minnowWindow(g)
        // The VNNI kernel does the whole convolution in one call, without arena scratch.
        var cStage = stage.cOutputStage
        if minnow_conv2d_int8_whole(kernel, x, &window, pad, w, outputChannels, &cStage, y) != 0 { return }
        let flip = minnow_qgemm_unsigned_activations(kernel)
        let rowBytes = Int8Gemm.prepackedRowBytes(k: depth)
        let packed = UnsafeMutableRawPointer(scratch).assumingMemoryBound(to: UInt8.self)
        var p0 = 0
        while p0 < pixels {
            let rows = min(blockPixels, pixels &- p0)
            minnow_im2col_int8_packed(x, &window, p0, rows, pad, rowBytes, flip, packed)
            Int8Gemm.runPrepacked(kernel: kernel, m: rows, n: outputChannels, k: depth, a: packed, aStride: rowBytes,
                                  packedWeights: w, output: stage, c: y + p0 &* outputChannels, ldc: outputChannels)
            p0 &+= rows
        }
        return
    }
    #endif
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

#if canImport(CMinnowInt8Kernels) && (!hasFeature(Embedded) || MINNOW_C_KERNELS)
/// The C kernels' view of a window geometry.
@inline(__always)
func minnowWindow(_ g: WindowGeometry) -> minnow_window {
    minnow_window(input_height: g.inputHeight, input_width: g.inputWidth, channels: g.channels,
                  kernel_height: g.kernelHeight, kernel_width: g.kernelWidth,
                  stride_height: g.strideHeight, stride_width: g.strideWidth,
                  output_height: g.outputHeight, output_width: g.outputWidth, pad_top: g.padTop, pad_left: g.padLeft)
}
#endif

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

#if canImport(CMinnowInt8Kernels) && !hasFeature(Embedded)
extension Int8SpatialKernels {
    /// The whole int8 convolution in one call where `kernel` has such a path (AVX-512 VNNI: an
    /// indirect GEMM for inputs with a multiple of 4 channels and at least 24 output pixels, else
    /// one im2col of the whole image; C-side buffers up to 16 KiB): `output` gets every output
    /// pixel's `outputChannels` bytes (row stride `outputChannels`), the same bytes as im2col +
    /// `Int8Gemm.runPrepacked` block by block. Returns false, writing nothing, where there is none.
    public static func conv2DWhole(kernel: Int32, input: UnsafePointer<Int8>, geometry: Int8WindowGeometry,
                                      padValue: Int8, packedWeights: UnsafePointer<Int8>, outputChannels: Int,
                                      stage: Int8OutputStage, output: UnsafeMutablePointer<Int8>) -> Bool {
        var g = minnowWindow(geometry.window)
        var cStage = stage.cOutputStage
        return minnow_conv2d_int8_whole(kernel, input, &g, padValue, packedWeights, outputChannels, &cStage, output) != 0
    }

    /// im2col into the packed activation rows `Int8Gemm.runPrepacked` reads: row `r` (pixel
    /// `firstPixel + r`) starts at `output + r·rowStride` and holds the `K = kH·kW·C` values in
    /// (ky, kx, c) order — XOR 0x80 when `flipsSign` (kernels reading unsigned activations),
    /// padding cells `padValue` likewise — then zeros up to `rowStride` (≥ K).
    public static func im2colPacked(input: UnsafePointer<Int8>, geometry: Int8WindowGeometry, firstPixel: Int,
                                    pixels: Int, padValue: Int8, rowStride: Int, flipsSign: Bool,
                                    output: UnsafeMutablePointer<UInt8>) {
        var g = minnowWindow(geometry.window)
        minnow_im2col_int8_packed(input, &g, firstPixel, pixels, padValue, rowStride, flipsSign ? 1 : 0, output)
    }
}
#endif

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

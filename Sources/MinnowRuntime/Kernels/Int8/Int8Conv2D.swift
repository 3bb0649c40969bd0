#if MINNOW_C_KERNELS
import CMinnowInt8Kernels
#endif

/// int8 2-D convolution through the int8 GEMM: NHWC input, OHWI weights packed "n16k4" with
/// `K = kH·kW·C` in (ky, kx, c) order.
public enum Int8Convolution {
    /// True when the convolution reads its input directly as the GEMM's `[H·W, C]` matrix (1×1
    /// kernel, stride 1), so it needs no im2col.
    public static func isPointwise(_ g: WindowGeometry) -> Bool {
        g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1
    }

    /// Output pixels per im2col block: at most one output row and 2 KiB of scratch (at least one pixel).
    public static func blockPixels(_ g: WindowGeometry, path: KernelPath) -> Int {
        let rowBytes = Int8Gemm.prepackedRowBytes(k: g.kernelHeight &* g.kernelWidth &* g.channels, path: path)
        return max(1, min(g.outputWidth, 2048 / max(rowBytes, 1)))
    }

    /// Arena scratch of the convolution on `path`: the im2col block (16-byte rounded) and the GEMM's
    /// packing scratch (only a pointwise convolution packs; im2col writes the packed rows itself).
    public static func scratchBytes(_ g: WindowGeometry, outputChannels: Int, path: KernelPath) -> Int {
        let depth = g.kernelHeight &* g.kernelWidth &* g.channels
        if isPointwise(g) { return Int8Gemm.scratchByteCount(m: g.outputPixels, k: depth, path: path) }
        let block = blockPixels(g, path: path) &* Int8Gemm.prepackedRowBytes(k: depth, path: path)
        return (block &+ 15) & ~15
    }

    /// Runs the convolution on `path`. `scratch` holds `scratchBytes` bytes of arena.
    ///
    /// A 1×1 stride-1 convolution reads the input directly as the GEMM's A matrix. Otherwise the
    /// input is unfolded (im2col) `blockPixels` output pixels at a time into `scratch`, padding
    /// cells taking the input zero point so the folded bias stays exact at the borders. On the
    /// native path im2col writes the micro-kernels' packed rows directly and the GEMM runs on them
    /// in place; where the AVX-512 VNNI kernel runs, the whole convolution is one call
    /// (`minnow_conv2d_int8_whole`: an indirect GEMM reading every tap in place when the input has a
    /// multiple of 4 channels, else one whole-image im2col on the C stack, at most 16 KiB).
    public static func run(_ path: KernelPath, input x: UnsafePointer<Int8>, packedWeights w: UnsafePointer<Int8>,
                           outputChannels: Int, stage: Int8OutputStage, inputZeroPoint: Int32, geometry g: WindowGeometry,
                           output y: UnsafeMutablePointer<Int8>, scratch: UnsafeMutableRawPointer) {
        let depth = g.kernelHeight &* g.kernelWidth &* g.channels
        let pixels = g.outputPixels
        if isPointwise(g) {
            Int8Gemm.run(path, m: pixels, n: outputChannels, k: g.channels, a: x, lda: g.channels, packedWeights: w,
                         output: stage, c: y, ldc: outputChannels, scratch: scratch,
                         scratchBytes: Int8Gemm.scratchByteCount(m: pixels, k: depth, path: path))
            return
        }
        let pad = Int8(truncatingIfNeeded: inputZeroPoint)
        let block = blockPixels(g, path: path)
        #if MINNOW_C_KERNELS
        if path.isNative {
            var window = g.cWindow
            var cStage = stage.cOutputStage
            if minnow_conv2d_int8_whole(path.family, x, &window, pad, w, outputChannels, &cStage, y) != 0 { return }
            let flip: Int32 = Int8Gemm.readsUnsignedActivations(path) ? 1 : 0
            let rowBytes = Int8Gemm.prepackedRowBytes(k: depth, path: path)
            let packed = scratch.assumingMemoryBound(to: UInt8.self)
            var p0 = 0
            while p0 < pixels {
                let rows = min(block, pixels &- p0)
                minnow_im2col_int8_packed(x, &window, p0, rows, pad, rowBytes, flip, packed)
                Int8Gemm.runPrepacked(path, m: rows, n: outputChannels, k: depth, a: packed, aStride: rowBytes,
                                      packedWeights: w, output: stage, c: y + p0 &* outputChannels, ldc: outputChannels)
                p0 &+= rows
            }
            return
        }
        #endif
        let unfolded = scratch.assumingMemoryBound(to: Int8.self)
        var p0 = 0
        while p0 < pixels {
            let rows = min(block, pixels &- p0)
            im2col(path, input: x, geometry: g, firstPixel: p0, pixels: rows, padValue: pad, output: unfolded)
            Int8Gemm.run(path, m: rows, n: outputChannels, k: depth, a: unfolded, lda: depth, packedWeights: w,
                         output: stage, c: y + p0 &* outputChannels, ldc: outputChannels)
            p0 &+= rows
        }
    }

    /// Unfolds `pixels` output pixels starting at `firstPixel` (row-major over the output) into
    /// `output`: one row of `K = kH·kW·C` bytes per pixel in (ky, kx, c) order, padding cells set to
    /// `padValue` (the input zero point).
    public static func im2col(_ path: KernelPath, input: UnsafePointer<Int8>, geometry g: WindowGeometry,
                              firstPixel: Int, pixels: Int, padValue: Int8, output: UnsafeMutablePointer<Int8>) {
        if path.isReference {
            im2colReference(input: input, geometry: g, firstPixel: firstPixel, pixels: pixels, padValue: padValue, output: output)
            return
        }
        #if MINNOW_C_KERNELS
        if path.isNative {
            var window = g.cWindow
            minnow_im2col_int8(input, &window, firstPixel, pixels, padValue, output)
            return
        }
        #endif
        im2colPortable(input: input, geometry: g, firstPixel: firstPixel, pixels: pixels, padValue: padValue, output: output)
    }

    /// im2col with one copy per kernel row: the `kW` taps of a kernel row are `kW·C` contiguous
    /// input bytes, so interior pixels copy each row straight; only border pixels go tap by tap.
    static func im2colPortable(input x: UnsafePointer<Int8>, geometry g: WindowGeometry, firstPixel: Int, pixels: Int,
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
    static func im2colReference(input x: UnsafePointer<Int8>, geometry g: WindowGeometry, firstPixel: Int, pixels: Int,
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

    #if MINNOW_C_KERNELS
    /// The whole convolution in one call where the native family of `path` has such a path (AVX-512
    /// VNNI), the same bytes as block by block. Returns false, writing nothing, where there is none.
    public static func runWhole(_ path: KernelPath, input: UnsafePointer<Int8>, geometry g: WindowGeometry,
                                padValue: Int8, packedWeights: UnsafePointer<Int8>, outputChannels: Int,
                                stage: Int8OutputStage, output: UnsafeMutablePointer<Int8>) -> Bool {
        var window = g.cWindow
        var cStage = stage.cOutputStage
        return minnow_conv2d_int8_whole(path.family, input, &window, padValue, packedWeights, outputChannels, &cStage, output) != 0
    }

    /// im2col into the packed activation rows `Int8Gemm.runPrepacked` reads: row `r` (pixel
    /// `firstPixel + r`) starts at `output + r·rowStride` and holds the `K` values in (ky, kx, c)
    /// order — XOR 0x80 when `flipsSign`, padding cells `padValue` likewise — then zeros up to
    /// `rowStride` (≥ K).
    public static func im2colPacked(input: UnsafePointer<Int8>, geometry g: WindowGeometry, firstPixel: Int,
                                    pixels: Int, padValue: Int8, rowStride: Int, flipsSign: Bool,
                                    output: UnsafeMutablePointer<UInt8>) {
        var window = g.cWindow
        minnow_im2col_int8_packed(input, &window, firstPixel, pixels, padValue, rowStride, flipsSign ? 1 : 0, output)
    }
    #endif
}

#if MINNOW_C_KERNELS
extension WindowGeometry {
    /// The C kernels' view of the geometry.
    @inline(__always)
    var cWindow: minnow_window {
        minnow_window(input_height: inputHeight, input_width: inputWidth, channels: channels,
                      kernel_height: kernelHeight, kernel_width: kernelWidth,
                      stride_height: strideHeight, stride_width: strideWidth,
                      output_height: outputHeight, output_width: outputWidth, pad_top: padTop, pad_left: padLeft)
    }
}
#endif

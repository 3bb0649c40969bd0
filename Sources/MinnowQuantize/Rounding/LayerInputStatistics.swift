import MinnowRuntime

/// Second-moment statistics of a GEMM layer's inputs as the int8 layer sees them: the rows
/// of its im2col patch matrix (a fully connected layer has one patch per item, the whole input).
///
/// `gram = E[p pᵀ]` is GPTQ's Hessian; `mean = E[p]` and `floatMean` (the same before input
/// quantization) drive bias correction.
public struct LayerInputStatistics: Sendable {
    /// Patch length `K` (`in` for FC, `kH·kW·C` for conv, ordered as the OHWI weights).
    public var depth: Int
    /// `E[p pᵀ]`, `depth × depth`, row-major.
    public var gram: [Double]
    /// `E[p]` over the quantized inputs.
    public var mean: [Double]
    /// `E[p]` over the float inputs.
    public var floatMean: [Double]
    /// Number of patches averaged.
    public var patchCount: Int

    /// Statistics of `items` (each one input tensor's values), fake-quantized with `input`
    /// parameters, cut into patches by `window` (`nil` for a fully connected layer).
    init(items: [[Float]], depth: Int, window: WindowGeometry?, input: QuantizationParameters) {
        self.depth = depth
        let scale = input.scales[0], zeroPoint = input.zeroPoints[0]
        var gram = [Double](repeating: 0, count: depth * depth)
        var mean = [Double](repeating: 0, count: depth), floatMean = [Double](repeating: 0, count: depth)
        var count = 0
        // Per-item accumulation in Float (few patches), flushed to Double per item.
        var itemGram = [Float](repeating: 0, count: depth * depth)
        var patch = [Float](repeating: 0, count: depth), quantized = [Float](repeating: 0, count: depth)
        for item in items {
            for i in itemGram.indices { itemGram[i] = 0 }
            let patches = window.map { $0.outputPixels } ?? 1
            for position in 0..<patches {
                if let g = window {
                    Self.extractPatch(item, window: g, position: position, into: &patch)
                } else {
                    for i in 0..<depth { patch[i] = item[i] }
                }
                for i in 0..<depth {
                    quantized[i] = ActivationQuantization.fakeQuantize(patch[i], scale: scale, zeroPoint: zeroPoint)
                    mean[i] += Double(quantized[i]); floatMean[i] += Double(patch[i])
                }
                quantized.withUnsafeBufferPointer { qp in
                    itemGram.withUnsafeMutableBufferPointer { gp in
                        let q = qp.baseAddress!, g = gp.baseAddress!
                        for i in 0..<depth {
                            let a = q[i]
                            if a == 0 { continue }
                            let row = g + i * depth
                            for j in i..<depth { row[j] += a * q[j] }
                        }
                    }
                }
                count += 1
            }
            for i in 0..<depth { for j in i..<depth { gram[i * depth + j] += Double(itemGram[i * depth + j]) } }
        }
        let n = Double(max(count, 1))
        for i in 0..<depth {
            for j in i..<depth { gram[i * depth + j] /= n; gram[j * depth + i] = gram[i * depth + j] }
            mean[i] /= n; floatMean[i] /= n
        }
        self.gram = gram
        self.mean = mean
        self.floatMean = floatMean
        self.patchCount = count
    }

    /// The `(ky, kx, c)`-ordered patch of output position `position`; padding cells are 0.
    static func extractPatch(_ x: [Float], window g: WindowGeometry, position: Int, into patch: inout [Float]) {
        let oy = position / g.outputWidth, ox = position % g.outputWidth, c = g.channels
        var k = 0
        for ky in 0..<g.kernelHeight {
            let iy = oy * g.strideHeight + ky - g.padTop
            for kx in 0..<g.kernelWidth {
                let ix = ox * g.strideWidth + kx - g.padLeft
                let inside = iy >= 0 && iy < g.inputHeight && ix >= 0 && ix < g.inputWidth
                for ic in 0..<c {
                    patch[k] = inside ? x[(iy * g.inputWidth + ix) * c + ic] : 0
                    k += 1
                }
            }
        }
    }
}

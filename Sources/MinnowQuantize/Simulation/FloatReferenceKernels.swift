import Foundation
import MinnowRuntime

/// Plain float kernels of every graph operator, for the fake-quant simulation (the runtime's
/// own kernels are internal to it). Same conventions as `OperatorCode`'s documentation.
enum FloatReferenceKernels {
    struct Window {
        var height: Int, width: Int, channels: Int
        var outHeight: Int, outWidth: Int, padTop: Int, padLeft: Int
        var kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int

        init(input: [Int], kernelHeight: Int, kernelWidth: Int, options: OperatorOptions) throws {
            let sh = Int(options.strideHeight), sw = Int(options.strideWidth)
            guard input.count == 4,
                  let rows = AxisGeometry(input: input[1], kernel: kernelHeight, stride: sh, padding: options.padding),
                  let cols = AxisGeometry(input: input[2], kernel: kernelWidth, stride: sw, padding: options.padding)
            else { throw QuantizationError("window \(kernelHeight)x\(kernelWidth) does not fit input \(input)") }
            height = input[1]; width = input[2]; channels = input[3]
            outHeight = rows.outputSize; outWidth = cols.outputSize
            padTop = rows.padBefore; padLeft = cols.padBefore
            self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
            strideHeight = sh; strideWidth = sw
        }
    }

    static func activate(_ y: inout [Float], _ activation: FusedActivation) {
        switch activation {
        case .none: break
        case .relu: for i in y.indices { y[i] = max(y[i], 0) }
        case .relu6: for i in y.indices { y[i] = min(max(y[i], 0), 6) }
        }
    }

    static func fullyConnected(_ x: [Float], weights w: [Float], bias: [Float]) -> [Float] {
        let n = bias.count, k = x.count
        var y = bias
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                for c in 0..<n {
                    var acc: Float = 0
                    let row = wp.baseAddress! + c * k
                    for i in 0..<k { acc += row[i] * xp[i] }
                    y[c] += acc
                }
            }
        }
        return y
    }

    /// OHWI weights; padding cells contribute 0.
    static func conv2D(_ x: [Float], window g: Window, weights w: [Float], bias: [Float]) -> [Float] {
        let o = bias.count, c = g.channels
        var y = [Float](repeating: 0, count: g.outHeight * g.outWidth * o)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                for oy in 0..<g.outHeight {
                    for ox in 0..<g.outWidth {
                        for oc in 0..<o {
                            var acc = bias[oc]
                            for ky in 0..<g.kernelHeight {
                                let iy = oy * g.strideHeight + ky - g.padTop
                                if iy < 0 || iy >= g.height { continue }
                                for kx in 0..<g.kernelWidth {
                                    let ix = ox * g.strideWidth + kx - g.padLeft
                                    if ix < 0 || ix >= g.width { continue }
                                    let xRow = xp.baseAddress! + (iy * g.width + ix) * c
                                    let wRow = wp.baseAddress! + ((oc * g.kernelHeight + ky) * g.kernelWidth + kx) * c
                                    for ic in 0..<c { acc += xRow[ic] * wRow[ic] }
                                }
                            }
                            y[(oy * g.outWidth + ox) * o + oc] = acc
                        }
                    }
                }
            }
        }
        return y
    }

    /// `[1, kH, kW, C]` weights, multiplier 1.
    static func depthwise(_ x: [Float], window g: Window, weights w: [Float], bias: [Float]) -> [Float] {
        let c = g.channels
        var y = [Float](repeating: 0, count: g.outHeight * g.outWidth * c)
        for oy in 0..<g.outHeight {
            for ox in 0..<g.outWidth {
                for ch in 0..<c {
                    var acc = bias[ch]
                    for ky in 0..<g.kernelHeight {
                        let iy = oy * g.strideHeight + ky - g.padTop
                        if iy < 0 || iy >= g.height { continue }
                        for kx in 0..<g.kernelWidth {
                            let ix = ox * g.strideWidth + kx - g.padLeft
                            if ix < 0 || ix >= g.width { continue }
                            acc += x[(iy * g.width + ix) * c + ch] * w[(ky * g.kernelWidth + kx) * c + ch]
                        }
                    }
                    y[(oy * g.outWidth + ox) * c + ch] = acc
                }
            }
        }
        return y
    }

    /// Max or average (over valid cells) pooling.
    static func pool(_ x: [Float], window g: Window, isMax: Bool) -> [Float] {
        let c = g.channels
        var y = [Float](repeating: 0, count: g.outHeight * g.outWidth * c)
        for oy in 0..<g.outHeight {
            for ox in 0..<g.outWidth {
                for ch in 0..<c {
                    var acc: Float = isMax ? -.infinity : 0
                    var n = 0
                    for ky in 0..<g.kernelHeight {
                        let iy = oy * g.strideHeight + ky - g.padTop
                        if iy < 0 || iy >= g.height { continue }
                        for kx in 0..<g.kernelWidth {
                            let ix = ox * g.strideWidth + kx - g.padLeft
                            if ix < 0 || ix >= g.width { continue }
                            let v = x[(iy * g.width + ix) * c + ch]
                            if isMax { acc = max(acc, v) } else { acc += v }
                            n += 1
                        }
                    }
                    y[(oy * g.outWidth + ox) * c + ch] = isMax ? acc : acc / Float(max(n, 1))
                }
            }
        }
        return y
    }

    static func globalAveragePool(_ x: [Float], channels: Int) -> [Float] {
        var y = [Float](repeating: 0, count: channels)
        let positions = x.count / channels
        for (i, v) in x.enumerated() { y[i % channels] += v }
        return y.map { $0 / Float(positions) }
    }

    static func softmax(_ x: [Float], depth: Int) -> [Float] {
        var y = x
        for row in stride(from: 0, to: x.count, by: depth) {
            let m = x[row..<row + depth].max()!
            var sum: Float = 0
            for i in row..<row + depth { y[i] = Foundation.exp(x[i] - m); sum += y[i] }
            for i in row..<row + depth { y[i] /= sum }
        }
        return y
    }

    static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

    /// Gate order i, f, g, o; state starts at zero.
    static func lstm(_ x: [Float], steps: Int, features: Int, wx: [Float], wh: [Float], bias: [Float],
                     units: Int, returnSequences: Bool) -> [Float] {
        var h = [Float](repeating: 0, count: units), c = h
        var out: [Float] = []
        for t in 0..<steps {
            let xt = Array(x[t * features..<(t + 1) * features])
            let z = zip(fullyConnected(xt, weights: wx, bias: bias), fullyConnected(h, weights: wh, bias: [Float](repeating: 0, count: 4 * units))).map(+)
            for k in 0..<units {
                let i = sigmoid(z[k]), f = sigmoid(z[units + k])
                let g = Foundation.tanh(z[2 * units + k]), o = sigmoid(z[3 * units + k])
                c[k] = f * c[k] + i * g
                h[k] = o * Foundation.tanh(c[k])
            }
            if returnSequences { out += h }
        }
        return returnSequences ? out : h
    }

    /// Gate order z, r, n; reset-after form.
    static func gru(_ x: [Float], steps: Int, features: Int, wx: [Float], wh: [Float], inputBias: [Float],
                    recurrentBias: [Float], units: Int, returnSequences: Bool) -> [Float] {
        var h = [Float](repeating: 0, count: units)
        var out: [Float] = []
        for t in 0..<steps {
            let xt = Array(x[t * features..<(t + 1) * features])
            let zx = fullyConnected(xt, weights: wx, bias: inputBias)
            let zh = fullyConnected(h, weights: wh, bias: recurrentBias)
            for k in 0..<units {
                let z = sigmoid(zx[k] + zh[k]), r = sigmoid(zx[units + k] + zh[units + k])
                let n = Foundation.tanh(zx[2 * units + k] + r * zh[2 * units + k])
                h[k] = z * h[k] + (1 - z) * n
            }
            if returnSequences { out += h }
        }
        return returnSequences ? out : h
    }
}

import Foundation

// Plain reference implementations written independently of the runtime's kernels, in Double,
// with explicit zero padding (convolution) and bounds checks (pooling).

struct Image {
    var height: Int, width: Int, channels: Int
    var values: [Float]
    subscript(y: Int, x: Int, c: Int) -> Float { values[(y * width + x) * channels + c] }
}

/// Keras 'same' padding for one axis: (output size, padding before).
func samePadding(input: Int, kernel: Int, stride: Int) -> (output: Int, before: Int) {
    let output = Int((Double(input) / Double(stride)).rounded(.up))
    let total = max((output - 1) * stride + kernel - input, 0)
    return (output, total / 2)
}

func validOutput(input: Int, kernel: Int, stride: Int) -> Int { (input - kernel) / stride + 1 }

/// Returns the input surrounded by zeros: `top`/`left` before and enough after for `outH`×`outW`.
func zeroPad(_ image: Image, top: Int, left: Int, height: Int, width: Int) -> Image {
    var out = Image(height: height, width: width, channels: image.channels,
                    values: [Float](repeating: 0, count: height * width * image.channels))
    for y in 0..<image.height { for x in 0..<image.width { for c in 0..<image.channels {
        let py = y + top, px = x + left
        if py < height && px < width { out.values[(py * width + px) * image.channels + c] = image[y, x, c] }
    } } }
    return out
}

/// Convolution (OHWI weights) or depthwise convolution ([1, kH, kW, C] weights).
func referenceConv(_ input: Image, weights: [Float], bias: [Float], outChannels: Int, kernelH: Int, kernelW: Int,
                   strideH: Int, strideW: Int, same: Bool, depthwise: Bool) -> Image {
    let (outH, top) = same ? samePadding(input: input.height, kernel: kernelH, stride: strideH)
        : (validOutput(input: input.height, kernel: kernelH, stride: strideH), 0)
    let (outW, left) = same ? samePadding(input: input.width, kernel: kernelW, stride: strideW)
        : (validOutput(input: input.width, kernel: kernelW, stride: strideW), 0)
    let padded = zeroPad(input, top: top, left: left,
                         height: (outH - 1) * strideH + kernelH, width: (outW - 1) * strideW + kernelW)
    let c = input.channels
    var out = Image(height: outH, width: outW, channels: outChannels,
                    values: [Float](repeating: 0, count: outH * outW * outChannels))
    for oy in 0..<outH { for ox in 0..<outW { for o in 0..<outChannels {
        var sum = 0.0
        for ky in 0..<kernelH { for kx in 0..<kernelW {
            if depthwise {
                sum += Double(padded[oy * strideH + ky, ox * strideW + kx, o]) * Double(weights[(ky * kernelW + kx) * c + o])
            } else {
                for ic in 0..<c {
                    sum += Double(padded[oy * strideH + ky, ox * strideW + kx, ic])
                        * Double(weights[((o * kernelH + ky) * kernelW + kx) * c + ic])
                }
            }
        } }
        out.values[(oy * outW + ox) * outChannels + o] = Float(sum + Double(bias[o]))
    } } }
    return out
}

/// Max or average pooling that ignores padding cells.
func referencePool(_ input: Image, kernelH: Int, kernelW: Int, strideH: Int, strideW: Int,
                   same: Bool, isMax: Bool) -> Image {
    let (outH, top) = same ? samePadding(input: input.height, kernel: kernelH, stride: strideH)
        : (validOutput(input: input.height, kernel: kernelH, stride: strideH), 0)
    let (outW, left) = same ? samePadding(input: input.width, kernel: kernelW, stride: strideW)
        : (validOutput(input: input.width, kernel: kernelW, stride: strideW), 0)
    var out = Image(height: outH, width: outW, channels: input.channels,
                    values: [Float](repeating: 0, count: outH * outW * input.channels))
    for oy in 0..<outH { for ox in 0..<outW { for c in 0..<input.channels {
        var cells: [Double] = []
        for ky in 0..<kernelH { for kx in 0..<kernelW {
            let y = oy * strideH - top + ky, x = ox * strideW - left + kx
            if y >= 0 && y < input.height && x >= 0 && x < input.width { cells.append(Double(input[y, x, c])) }
        } }
        let value = isMax ? cells.max()! : cells.reduce(0, +) / Double(cells.count)
        out.values[(oy * outW + ox) * input.channels + c] = Float(value)
    } } }
    return out
}

func referenceDense(_ x: [Float], weights: [Float], bias: [Float], outputs: Int) -> [Float] {
    (0..<outputs).map { o in
        var sum = Double(bias[o])
        for i in 0..<x.count { sum += Double(x[i]) * Double(weights[o * x.count + i]) }
        return Float(sum)
    }
}

func referenceSoftmax(_ x: [Float]) -> [Float] {
    let m = Double(x.max()!)
    let e = x.map { Foundation.exp(Double($0) - m) }
    let s = e.reduce(0, +)
    return e.map { Float($0 / s) }
}

private func dsigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

/// Row `j` of a row-major matrix with `columns` columns, times `v`.
private func rowDot(_ m: [Float], _ j: Int, _ columns: Int, _ v: [Double]) -> Double {
    var s = 0.0
    for k in 0..<columns { s += Double(m[j * columns + k]) * v[k] }
    return s
}

/// Keras LSTM (gates i, f, g, o) step by step; returns every step's hidden state.
func referenceLSTM(_ x: [[Float]], wx: [Float], wh: [Float], bias: [Float], hidden: Int) -> [[Float]] {
    var h = [Double](repeating: 0, count: hidden), c = [Double](repeating: 0, count: hidden)
    var sequence: [[Float]] = []
    for xt in x {
        let xd = xt.map(Double.init)
        func gate(_ g: Int, _ k: Int) -> Double {
            let j = g * hidden + k
            return rowDot(wx, j, xt.count, xd) + rowDot(wh, j, hidden, h) + Double(bias[j])
        }
        var newH = h
        for k in 0..<hidden {
            let i = dsigmoid(gate(0, k)), f = dsigmoid(gate(1, k))
            let g = Foundation.tanh(gate(2, k)), o = dsigmoid(gate(3, k))
            c[k] = f * c[k] + i * g
            newH[k] = o * Foundation.tanh(c[k])
        }
        h = newH
        sequence.append(h.map { Float($0) })
    }
    return sequence
}

/// Keras GRU, reset_after = true (gates z, r, n); returns every step's hidden state.
func referenceGRU(_ x: [[Float]], wx: [Float], wh: [Float], bx: [Float], bh: [Float], hidden: Int) -> [[Float]] {
    var h = [Double](repeating: 0, count: hidden)
    var sequence: [[Float]] = []
    for xt in x {
        let xd = xt.map(Double.init)
        var newH = h
        for k in 0..<hidden {
            func inputPart(_ g: Int) -> Double { rowDot(wx, g * hidden + k, xt.count, xd) + Double(bx[g * hidden + k]) }
            func recurrentPart(_ g: Int) -> Double { rowDot(wh, g * hidden + k, hidden, h) + Double(bh[g * hidden + k]) }
            let z = dsigmoid(inputPart(0) + recurrentPart(0))
            let r = dsigmoid(inputPart(1) + recurrentPart(1))
            let n = Foundation.tanh(inputPart(2) + r * recurrentPart(2))
            newH[k] = z * h[k] + (1 - z) * n
        }
        h = newH
        sequence.append(h.map { Float($0) })
    }
    return sequence
}

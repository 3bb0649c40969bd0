import MinnowRuntime
import XCTest

/// Depthwise convolution with a depth multiplier (TensorFlow Lite's layout: input channel c feeds
/// output channels c·m … c·m + m − 1), float and int8, on every kernel path, against the
/// definition computed here.
final class DepthwiseMultiplierTests: XCTestCase {
    func testInt8DepthwiseWithMultiplierMatchesDefinitionOnEveryPath() throws {
        var rng = IntRandom(seed: 301)
        for trial in 0..<24 {
            let c = [1, 3, 8, 5][trial % 4], m = [1, 2, 3, 4][trial / 4 % 4]
            let h = rng.int(3...9), w = rng.int(3...9), kh = rng.int(1...3), kw = rng.int(1...3)
            let stride = rng.int(1...2)
            let padding: Padding = trial % 2 == 0 ? .same : .valid
            guard let g = WindowGeometry(inputHeight: h, inputWidth: w, channels: c, kernelHeight: kh, kernelWidth: kw,
                                         strideHeight: stride, strideWidth: stride, padding: padding) else { continue }
            let n = c * m, taps = kh * kw
            let zpIn = Int32(rng.int(-20...20))
            // Weights [1, kH, kW, N]: QuantizedLayer's [n, k] rows are the channels, so transpose.
            let layer = QuantizedLayer(channels: n, depth: taps, rng: &rng, inputZeroPoint: zpIn)
            var dense = [Int8](repeating: 0, count: taps * n)
            for o in 0..<n { for t in 0..<taps { dense[t * n + o] = layer.weights[o * taps + t] } }
            let activation: FusedActivation = [.none, .relu, .relu6][trial % 3]
            var b = ModelBuilder()
            let x = b.addTensor(name: "x", type: .int8, shape: [1, h, w, c], quantization: .init(scale: 0.1, zeroPoint: zpIn))
            let wt = b.addConstant(name: "w", shape: [1, kh, kw, n], int8s: dense)
            let folded = layer.foldedBias { o in (0..<taps).reduce(Int32(0)) { $0 + Int32(layer.weights[o * taps + $1]) } }
            let bias = b.addConstant(name: "b", shape: [n], int32s: folded)
            let rq = layer.addRequantization(to: &b)
            let y = b.addTensor(name: "y", type: .int8, shape: [1, g.outputHeight, g.outputWidth, n],
                                quantization: .init(scale: layer.outputScale, zeroPoint: layer.outputZeroPoint))
            b.addOperator(.depthwiseConv2D, inputs: [x, wt, bias, rq], outputs: [y],
                          options: OperatorOptions(strideHeight: Int32(stride), strideWidth: Int32(stride), padding: padding,
                                                   activation: activation, depthMultiplier: Int32(m)))
            b.inputs = [x]; b.outputs = [y]
            let input = rng.int8s(h * w * c)
            var expected: [Int8] = []
            for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth { for o in 0..<n {
                var acc = Int64(layer.bias[o])
                for ky in 0..<kh { for kx in 0..<kw {
                    let iy = oy * stride - g.padTop + ky, ix = ox * stride - g.padLeft + kx
                    guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }  // padding is the zero point: adds 0
                    acc += Int64(Int32(input[(iy * w + ix) * c + o / m]) - zpIn) * Int64(layer.weights[o * taps + ky * kw + kx])
                } }
                expected.append(layer.requantize(acc, channel: o, activation: activation))
            } } }
            for path in KernelPath.available {
                assertEqualInt8(try runInt8Model(b, inputs: [input], kernels: path)[0], expected,
                                "\(path) trial \(trial) c \(c) m \(m) \(g)")
            }
        }
    }

    func testFloatDepthwiseWithMultiplierMatchesDefinition() throws {
        var rng = TestRandom(seed: 302)
        let (h, w, c, m, k) = (6, 5, 3, 2, 3)
        let n = c * m
        let weights = rng.floats(k * k * n), biasValues = rng.floats(n)
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, h, w, c])
        let wt = b.addConstant(name: "w", shape: [1, k, k, n], floats: weights)
        let bias = b.addConstant(name: "b", shape: [n], floats: biasValues)
        let y = b.addTensor(name: "y", shape: [1, h, w, n])
        b.addOperator(.depthwiseConv2D, inputs: [x, wt, bias], outputs: [y],
                      options: OperatorOptions(padding: .same, depthMultiplier: Int32(m)))
        b.inputs = [x]; b.outputs = [y]
        let input = rng.floats(h * w * c)
        var expected: [Float] = []
        for oy in 0..<h { for ox in 0..<w { for o in 0..<n {
            var acc: Float = 0
            for ky in 0..<k { for kx in 0..<k {
                let iy = oy - 1 + ky, ix = ox - 1 + kx
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                acc += input[(iy * w + ix) * c + o / m] * weights[(ky * k + kx) * n + o]
            } }
            expected.append(acc + biasValues[o])
        } } }
        assertClose(try runModel(b, inputs: [input])[0], expected, tolerance: 1e-5)
    }

    func testMultiplierMustMatchTheWeights() {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 4, 4, 2])
        let wt = b.addConstant(name: "w", shape: [1, 3, 3, 2], floats: [Float](repeating: 0.1, count: 18))
        let bias = b.addConstant(name: "b", shape: [2], floats: [0, 0])
        let y = b.addTensor(name: "y", shape: [1, 4, 4, 4])
        b.addOperator(.depthwiseConv2D, inputs: [x, wt, bias], outputs: [y], options: OperatorOptions(padding: .same, depthMultiplier: 2))
        b.inputs = [x]; b.outputs = [y]
        let file = AlignedBuffer(b.serializedBytes())
        XCTAssertThrowsError(try Model(bytes: file.bytes)) { error in
            XCTAssertEqual(error as? ModelError, .shapeMismatch(op: 0, detail: .weightsShape))
        }
    }
}

import Foundation
import MinnowRuntime
import XCTest

/// Each float operator run through Model + Interpreter and compared with the plain references
/// in ReferenceKernels.swift or with hand-computed values.
final class FloatKernelTests: XCTestCase {
    /// A model with one operator: input 0 is the model input, constants follow in order.
    func singleOp(_ code: OperatorCode, input: [Int], constants: [([Int], [Float])] = [],
                  output: [Int], options: OperatorOptions = OperatorOptions(), secondInput: [Int]? = nil) -> ModelBuilder {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: input)
        var inputs = [x]
        b.inputs = [x]
        if let shape = secondInput {
            let x2 = b.addTensor(name: "x2", shape: shape)
            inputs.append(x2)
            b.inputs.append(x2)
        }
        for (k, c) in constants.enumerated() { inputs.append(b.addConstant(name: "c\(k)", shape: c.0, floats: c.1)) }
        let y = b.addTensor(name: "y", shape: output)
        b.addOperator(code, inputs: inputs, outputs: [y], options: options)
        b.outputs = [y]
        return b
    }

    // MARK: Fully connected

    func testFullyConnectedHandComputed() throws {
        // x = [1, 2, 3]; W = [[1, 0, -1], [2, 2, 2]]; b = [0.5, -1] → [-1.5, 11]
        let model = singleOp(.fullyConnected, input: [1, 3], constants: [([2, 3], [1, 0, -1, 2, 2, 2]), ([2], [0.5, -1])],
                             output: [1, 2])
        XCTAssertEqual(try runModel(model, inputs: [[1, 2, 3]])[0], [-1.5, 11])
    }

    func testFullyConnectedFlattensImageInput() throws {
        var rng = TestRandom(seed: 1)
        let x = rng.floats(2 * 3 * 4), w = rng.floats(5 * 24), b = rng.floats(5)
        let model = singleOp(.fullyConnected, input: [1, 2, 3, 4], constants: [([5, 24], w), ([5], b)], output: [1, 5],
                             options: OperatorOptions(activation: .relu))
        let expected = referenceDense(x, weights: w, bias: b, outputs: 5).map { max($0, 0) }
        XCTAssertTrue(expected.contains(0) && expected.contains { $0 > 0 }, "relu should matter for this data")
        assertClose(try runModel(model, inputs: [x])[0], expected)
    }

    // MARK: Convolution

    func testConvSamePaddingHandComputed() throws {
        // 3×3 input 1…9, 2×2 ones kernel, same, stride 1: padTotal = 1, all of it after.
        let model = singleOp(.conv2D, input: [1, 3, 3, 1], constants: [([1, 2, 2, 1], [1, 1, 1, 1]), ([1], [0])],
                             output: [1, 3, 3, 1], options: OperatorOptions(padding: .same))
        let out = try runModel(model, inputs: [(1...9).map(Float.init)])[0]
        XCTAssertEqual(out, [12, 16, 9, 24, 28, 15, 15, 17, 9])
    }

    func testConvMatchesReference() throws {
        // (H, W, C, O, kH, kW, strideH, strideW, same)
        let cases: [(Int, Int, Int, Int, Int, Int, Int, Int, Bool)] = [
            (7, 6, 3, 4, 3, 3, 1, 1, true),
            (7, 6, 3, 4, 3, 3, 2, 2, true),
            (9, 7, 2, 5, 3, 2, 2, 2, false),
            (5, 5, 1, 2, 5, 5, 1, 1, false),
            (6, 5, 3, 2, 4, 4, 3, 3, true),
            (8, 9, 2, 3, 3, 1, 2, 1, true),
            (2, 3, 2, 2, 5, 5, 1, 1, true),
        ]
        var rng = TestRandom(seed: 11)
        for (h, w, c, o, kh, kw, sh, sw, same) in cases {
            let input = Image(height: h, width: w, channels: c, values: rng.floats(h * w * c))
            let weights = rng.floats(o * kh * kw * c), bias = rng.floats(o)
            let expected = referenceConv(input, weights: weights, bias: bias, outChannels: o, kernelH: kh, kernelW: kw,
                                         strideH: sh, strideW: sw, same: same, depthwise: false)
            let options = OperatorOptions(kernelHeight: Int32(kh), kernelWidth: Int32(kw), strideHeight: Int32(sh),
                                          strideWidth: Int32(sw), padding: same ? .same : .valid)
            let model = singleOp(.conv2D, input: [1, h, w, c], constants: [([o, kh, kw, c], weights), ([o], bias)],
                                 output: [1, expected.height, expected.width, o], options: options)
            assertClose(try runModel(model, inputs: [input.values])[0], expected.values, tolerance: 1e-5,
                        "conv \(h)x\(w)x\(c) k\(kh)x\(kw) s\(sh)x\(sw) \(same ? "same" : "valid")")
        }
    }

    func testDepthwiseConvMatchesReference() throws {
        let cases: [(Int, Int, Int, Int, Int, Int, Int, Bool)] = [
            (7, 6, 3, 3, 3, 1, 1, true),
            (7, 6, 4, 3, 3, 2, 2, true),
            (9, 7, 2, 3, 2, 2, 2, false),
            (5, 4, 5, 2, 2, 1, 1, true),
        ]
        var rng = TestRandom(seed: 12)
        for (h, w, c, kh, kw, sh, sw, same) in cases {
            let input = Image(height: h, width: w, channels: c, values: rng.floats(h * w * c))
            let weights = rng.floats(kh * kw * c), bias = rng.floats(c)
            let expected = referenceConv(input, weights: weights, bias: bias, outChannels: c, kernelH: kh, kernelW: kw,
                                         strideH: sh, strideW: sw, same: same, depthwise: true)
            let options = OperatorOptions(strideHeight: Int32(sh), strideWidth: Int32(sw), padding: same ? .same : .valid)
            let model = singleOp(.depthwiseConv2D, input: [1, h, w, c], constants: [([1, kh, kw, c], weights), ([c], bias)],
                                 output: [1, expected.height, expected.width, c], options: options)
            assertClose(try runModel(model, inputs: [input.values])[0], expected.values, tolerance: 1e-5,
                        "depthwise \(h)x\(w)x\(c) k\(kh)x\(kw) s\(sh)")
        }
    }

    // MARK: Pooling

    func testPoolingWithPaddingHandComputed() throws {
        // 3×3 input 1…9, 2×2 window, stride 2, same: windows {1,2,4,5} {3,6} {7,8} {9}.
        let options = OperatorOptions(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2, padding: .same)
        let input = (1...9).map(Float.init)
        let average = singleOp(.averagePool2D, input: [1, 3, 3, 1], output: [1, 2, 2, 1], options: options)
        XCTAssertEqual(try runModel(average, inputs: [input])[0], [3, 4.5, 7.5, 9])
        let maximum = singleOp(.maxPool2D, input: [1, 3, 3, 1], output: [1, 2, 2, 1], options: options)
        XCTAssertEqual(try runModel(maximum, inputs: [input.map { -$0 }])[0], [-1, -3, -7, -9])
    }

    func testPoolingMatchesReference() throws {
        let cases: [(Int, Int, Int, Int, Int, Int, Int, Bool)] = [
            (7, 6, 3, 2, 2, 2, 2, false),
            (7, 6, 3, 3, 3, 2, 2, true),
            (5, 5, 2, 3, 3, 1, 1, true),
            (6, 7, 2, 3, 2, 3, 2, true),
        ]
        var rng = TestRandom(seed: 13)
        for (h, w, c, kh, kw, sh, sw, same) in cases {
            let input = Image(height: h, width: w, channels: c, values: rng.floats(h * w * c))
            let options = OperatorOptions(kernelHeight: Int32(kh), kernelWidth: Int32(kw), strideHeight: Int32(sh),
                                          strideWidth: Int32(sw), padding: same ? .same : .valid)
            for isMax in [true, false] {
                let expected = referencePool(input, kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, same: same, isMax: isMax)
                let model = singleOp(isMax ? .maxPool2D : .averagePool2D, input: [1, h, w, c],
                                     output: [1, expected.height, expected.width, c], options: options)
                assertClose(try runModel(model, inputs: [input.values])[0], expected.values, tolerance: 1e-6,
                            "\(isMax ? "max" : "avg") pool \(h)x\(w) k\(kh)x\(kw) s\(sh)x\(sw)")
            }
        }
    }

    func testGlobalAveragePool() throws {
        var rng = TestRandom(seed: 14)
        let x = rng.floats(3 * 4 * 5)
        let expected = (0..<5).map { c in Float((0..<12).map { Double(x[$0 * 5 + c]) }.reduce(0, +) / 12) }
        let model = singleOp(.globalAveragePool, input: [1, 3, 4, 5], output: [1, 5])
        assertClose(try runModel(model, inputs: [x])[0], expected, tolerance: 1e-6)
    }

    // MARK: Element-wise

    func testElementwiseOperators() throws {
        let x: [Float] = [-7, -1, -0.25, 0, 0.5, 2, 6.5, 9]
        XCTAssertEqual(try runModel(singleOp(.relu, input: [1, 8], output: [1, 8]), inputs: [x])[0],
                       [0, 0, 0, 0, 0.5, 2, 6.5, 9])
        XCTAssertEqual(try runModel(singleOp(.relu6, input: [1, 8], output: [1, 8]), inputs: [x])[0],
                       [0, 0, 0, 0, 0.5, 2, 6, 6])
        assertClose(try runModel(singleOp(.logistic, input: [2, 4], output: [2, 4]), inputs: [x])[0],
                    x.map(sigmoidRef), tolerance: 1e-6)
        assertClose(try runModel(singleOp(.tanh, input: [8], output: [8]), inputs: [x])[0], x.map(tanhRef), tolerance: 1e-6)
        XCTAssertEqual(try runModel(singleOp(.logistic, input: [1, 1], output: [1, 1]), inputs: [[0]])[0], [0.5])
    }

    func testAddWithFusedRelu6() throws {
        let a: [Float] = [1, -2, 3, 4.5, -0.5, 2]
        let b: [Float] = [0.5, 1, 4, 2, 0.25, -3]
        let model = singleOp(.add, input: [1, 2, 3], output: [1, 2, 3], options: OperatorOptions(activation: .relu6),
                             secondInput: [1, 2, 3])
        XCTAssertEqual(try runModel(model, inputs: [a, b])[0], [1.5, 0, 6, 6, 0, 0])
    }

    func testSoftmaxRowsSumToOne() throws {
        var rng = TestRandom(seed: 15)
        let x = rng.floats(3 * 7, scale: 5) + [1000, 999, -1000, 0, 1, 2, 3]
        let model = singleOp(.softmax, input: [4, 7], output: [4, 7])
        let out = try runModel(model, inputs: [x])[0]
        for r in 0..<4 {
            let row = Array(out[(r * 7)..<(r * 7 + 7)])
            XCTAssertEqual(row.map(Double.init).reduce(0, +), 1, accuracy: 1e-6, "row \(r)")
            XCTAssertTrue(row.allSatisfy { $0.isFinite && $0 >= 0 })
            assertClose(row, referenceSoftmax(Array(x[(r * 7)..<(r * 7 + 7)])), tolerance: 1e-6, "row \(r)")
        }
    }

    func testBatchNormMatchesNormalizationFormula() throws {
        let gamma: [Float] = [1, 0.5, 2], beta: [Float] = [0, 1, -1]
        let mean: [Float] = [0.5, -1, 2], variance: [Float] = [4, 0.25, 1]
        let epsilon: Float = 1e-3
        let scale = (0..<3).map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
        let offset = (0..<3).map { beta[$0] - mean[$0] * scale[$0] }
        var rng = TestRandom(seed: 16)
        let x = rng.floats(2 * 2 * 3, scale: 3)
        let expected = x.enumerated().map { i, v -> Float in
            let c = i % 3
            return Float(Double(gamma[c]) * (Double(v) - Double(mean[c])) / (Double(variance[c]) + Double(epsilon)).squareRoot()
                + Double(beta[c]))
        }
        let model = singleOp(.batchNorm, input: [1, 2, 2, 3], constants: [([3], scale), ([3], offset)], output: [1, 2, 2, 3])
        assertClose(try runModel(model, inputs: [x])[0], expected, tolerance: 1e-5)
    }

    func testReshapeKeepsOrder() throws {
        let x = (0..<12).map(Float.init)
        XCTAssertEqual(try runModel(singleOp(.reshape, input: [1, 3, 4], output: [1, 2, 6]), inputs: [x])[0], x)
    }

    // MARK: Recurrent

    func testLSTMMatchesStepByStepReference() throws {
        let steps = 5, features = 3, hidden = 4
        var rng = TestRandom(seed: 17)
        let x = rng.floats(steps * features)
        let wx = rng.floats(4 * hidden * features), wh = rng.floats(4 * hidden * hidden), bias = rng.floats(4 * hidden)
        let rows = (0..<steps).map { Array(x[($0 * features)..<($0 * features + features)]) }
        let expected = referenceLSTM(rows, wx: wx, wh: wh, bias: bias, hidden: hidden)
        for returnSequences in [false, true] {
            let model = singleOp(.lstm, input: [1, steps, features],
                                 constants: [([4 * hidden, features], wx), ([4 * hidden, hidden], wh), ([4 * hidden], bias)],
                                 output: returnSequences ? [1, steps, hidden] : [1, hidden],
                                 options: OperatorOptions(units: Int32(hidden), returnSequences: returnSequences))
            let want = returnSequences ? expected.flatMap { $0 } : expected.last!
            assertClose(try runModel(model, inputs: [x])[0], want, tolerance: 1e-5, "returnSequences \(returnSequences)")
        }
    }

    func testGRUMatchesStepByStepReference() throws {
        let steps = 6, features = 2, hidden = 3
        var rng = TestRandom(seed: 18)
        let x = rng.floats(steps * features, scale: 2)
        let wx = rng.floats(3 * hidden * features), wh = rng.floats(3 * hidden * hidden)
        let bx = rng.floats(3 * hidden), bh = rng.floats(3 * hidden)
        let rows = (0..<steps).map { Array(x[($0 * features)..<($0 * features + features)]) }
        let expected = referenceGRU(rows, wx: wx, wh: wh, bx: bx, bh: bh, hidden: hidden)
        for returnSequences in [false, true] {
            let model = singleOp(.gru, input: [1, steps, features],
                                 constants: [([3 * hidden, features], wx), ([3 * hidden, hidden], wh),
                                             ([3 * hidden], bx), ([3 * hidden], bh)],
                                 output: returnSequences ? [1, steps, hidden] : [1, hidden],
                                 options: OperatorOptions(units: Int32(hidden), returnSequences: returnSequences))
            let want = returnSequences ? expected.flatMap { $0 } : expected.last!
            assertClose(try runModel(model, inputs: [x])[0], want, tolerance: 1e-5, "returnSequences \(returnSequences)")
        }
    }

    func testRecurrentStateResetsOnEveryInvoke() throws {
        let hidden = 2
        var rng = TestRandom(seed: 19)
        let wx = rng.floats(4 * hidden * 2), wh = rng.floats(4 * hidden * hidden), bias = rng.floats(4 * hidden)
        let builder = singleOp(.lstm, input: [1, 3, 2], constants: [([8, 2], wx), ([8, 2], wh), ([8], bias)],
                               output: [1, hidden], options: OperatorOptions(units: Int32(hidden)))
        let file = AlignedBuffer(builder.serializedBytes())
        let model = try Model(bytes: file.bytes)
        let arena = AlignedBuffer(count: Interpreter.requiredArenaBytes(for: model))
        let interpreter = try Interpreter(model: model, arena: arena.raw)
        let input: [Float] = [0.5, -1, 1, 0.25, -0.5, 2]
        _ = interpreter.inputFloats(0).update(from: input)
        try interpreter.invoke()
        let first = Array(interpreter.outputFloats(0))
        try interpreter.invoke()
        XCTAssertEqual(Array(interpreter.outputFloats(0)), first)
    }

    // MARK: End to end

    func testThreeLayerNetworkEndToEnd() throws {
        // conv 3×3 same relu (4 filters) → max pool 2 → reshape → dense 6 relu → dense 3 → softmax
        var rng = TestRandom(seed: 20)
        let convW = rng.floats(4 * 3 * 3 * 2), convB = rng.floats(4, scale: 0.1)
        let d1W = rng.floats(6 * 3 * 3 * 4), d1B = rng.floats(6, scale: 0.1)
        let d2W = rng.floats(3 * 6), d2B = rng.floats(3, scale: 0.1)
        var b = ModelBuilder()
        let x = b.addTensor(name: "image", shape: [1, 7, 6, 2])
        let cw = b.addConstant(name: "conv/w", shape: [4, 3, 3, 2], floats: convW)
        let cb = b.addConstant(name: "conv/b", shape: [4], floats: convB)
        let conv = b.addTensor(name: "conv", shape: [1, 7, 6, 4])
        b.addOperator(.conv2D, inputs: [x, cw, cb], outputs: [conv],
                      options: OperatorOptions(kernelHeight: 3, kernelWidth: 3, padding: .same, activation: .relu))
        let pool = b.addTensor(name: "pool", shape: [1, 3, 3, 4])
        b.addOperator(.maxPool2D, inputs: [conv], outputs: [pool],
                      options: OperatorOptions(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2))
        let flat = b.addTensor(name: "flat", shape: [1, 36])
        b.addOperator(.reshape, inputs: [pool], outputs: [flat])
        let w1 = b.addConstant(name: "d1/w", shape: [6, 36], floats: d1W)
        let b1 = b.addConstant(name: "d1/b", shape: [6], floats: d1B)
        let h = b.addTensor(name: "hidden", shape: [1, 6])
        b.addOperator(.fullyConnected, inputs: [flat, w1, b1], outputs: [h], options: OperatorOptions(activation: .relu))
        let w2 = b.addConstant(name: "d2/w", shape: [3, 6], floats: d2W)
        let b2 = b.addConstant(name: "d2/b", shape: [3], floats: d2B)
        let logits = b.addTensor(name: "logits", shape: [1, 3])
        b.addOperator(.fullyConnected, inputs: [h, w2, b2], outputs: [logits])
        let probs = b.addTensor(name: "probs", shape: [1, 3])
        b.addOperator(.softmax, inputs: [logits], outputs: [probs])
        b.inputs = [x]
        b.outputs = [probs]

        let image = Image(height: 7, width: 6, channels: 2, values: rng.floats(7 * 6 * 2))
        var c = referenceConv(image, weights: convW, bias: convB, outChannels: 4, kernelH: 3, kernelW: 3,
                              strideH: 1, strideW: 1, same: true, depthwise: false)
        c.values = c.values.map { max($0, 0) }
        let p = referencePool(c, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, same: false, isMax: true)
        let hidden = referenceDense(p.values, weights: d1W, bias: d1B, outputs: 6).map { max($0, 0) }
        let expected = referenceSoftmax(referenceDense(hidden, weights: d2W, bias: d2B, outputs: 3))
        assertClose(try runModel(b, inputs: [image.values])[0], expected, tolerance: 1e-5)
    }
}

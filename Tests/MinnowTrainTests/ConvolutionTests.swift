import XCTest
import MinnowRuntime
import MinnowTrain

final class ConvolutionTests: XCTestCase {
    // MARK: - Output shapes and construction

    func testConv2DOutputShapesForSameAndValidPaddingAndStrides() throws {
        // (input H, W), kernel, stride, padding → hand-computed (outH, outW).
        let cases: [((Int, Int), (Int, Int), (Int, Int), Padding, (Int, Int))] = [
            ((7, 5), (3, 3), (1, 1), .same, (7, 5)),
            ((7, 5), (3, 3), (2, 2), .same, (4, 3)),
            ((7, 5), (3, 3), (1, 1), .valid, (5, 3)),
            ((7, 5), (3, 3), (2, 2), .valid, (3, 2)),
            ((7, 5), (2, 3), (2, 2), .valid, (3, 2)),
            ((7, 5), (2, 3), (3, 1), .same, (3, 5)),
            ((28, 28), (3, 3), (1, 1), .same, (28, 28)),
        ]
        for (size, kernel, stride, padding, expected) in cases {
            var generator = SeededGenerator(seed: 1)
            let conv = Conv2D(filters: 4, kernelSize: kernel, strides: stride, padding: padding)
            let shape = try conv.build(inputShape: [size.0, size.1, 3], generator: &generator)
            XCTAssertEqual(shape, [expected.0, expected.1, 4], "\(size) k\(kernel) s\(stride) \(padding)")
            let y = conv.forward(Tensor(zeros: [2, size.0, size.1, 3]), training: false)
            XCTAssertEqual(y.shape, [2, expected.0, expected.1, 4])

            let depthwise = DepthwiseConv2D(kernelSize: kernel, strides: stride, padding: padding)
            XCTAssertEqual(
                try depthwise.build(inputShape: [size.0, size.1, 3], generator: &generator),
                [expected.0, expected.1, 3])
        }
    }

    func testBuildRejectsBadShapes() {
        var generator = SeededGenerator(seed: 1)
        XCTAssertThrowsError(try Conv2D(filters: 2, kernelSize: (3, 3)).build(inputShape: [8, 8], generator: &generator))
        XCTAssertThrowsError(try Conv2D(filters: 2, kernelSize: (5, 3)).build(inputShape: [4, 8, 1], generator: &generator))
        XCTAssertThrowsError(try DepthwiseConv2D(kernelSize: (3, 3)).build(inputShape: [2, 2, 1], generator: &generator))
        XCTAssertNoThrow(try Conv2D(filters: 2, kernelSize: (5, 3), padding: .same).build(inputShape: [4, 8, 1], generator: &generator))
    }

    func testConv2DInitializationIsGlorotUniformWithZeroBias() throws {
        var generator = SeededGenerator(seed: 3)
        let conv = Conv2D(filters: 8, kernelSize: (3, 2))
        _ = try conv.build(inputShape: [6, 6, 5], generator: &generator)
        XCTAssertEqual(conv.weights.shape, [8, 3, 2, 5])
        XCTAssertEqual(conv.bias.shape, [8])
        XCTAssertEqual(conv.bias.value, [Float](repeating: 0, count: 8))
        // Keras: fanIn = 3·2·5 = 30, fanOut = 3·2·8 = 48.
        let limit = (6.0 / Float(30 + 48)).squareRoot()
        XCTAssertTrue(conv.weights.value.allSatisfy { abs($0) <= limit })
        XCTAssertGreaterThan(conv.weights.value.map { abs($0) }.max()!, limit * 0.9, "values should fill the range")
        XCTAssertEqual(conv.parameterCount, 8 * 30 + 8)
    }

    // MARK: - Forward values

    func testConv2DSamePaddingPutsTheExtraRowAndColumnAfter() throws {
        // 3×3 input 1…9, 2×2 all-ones kernel, 'same': padTotal = 1, all of it after.
        var generator = SeededGenerator(seed: 1)
        let conv = Conv2D(filters: 1, kernelSize: (2, 2), padding: .same)
        _ = try conv.build(inputShape: [3, 3, 1], generator: &generator)
        conv.weights.value = [1, 1, 1, 1]
        conv.bias.value = [0.5]
        let y = conv.forward(Tensor(shape: [1, 3, 3, 1], data: (1...9).map(Float.init)), training: false)
        XCTAssertEqual(y.data, [12, 16, 9, 24, 28, 15, 15, 17, 9].map { $0 + 0.5 })
    }

    func testConv2DStrideTwoSamePaddingByHand() throws {
        // 4×4 input 1…16, 3×3 kernel with a single 1 at the centre, stride 2, 'same':
        // out 2×2, padTotal = 1 → pad top/left 0, so centres are input (1,1),(1,3),(3,1),(3,3).
        var generator = SeededGenerator(seed: 1)
        let conv = Conv2D(filters: 1, kernelSize: (3, 3), strides: (2, 2), padding: .same)
        _ = try conv.build(inputShape: [4, 4, 1], generator: &generator)
        conv.weights.value = [0, 0, 0, 0, 1, 0, 0, 0, 0]
        let y = conv.forward(Tensor(shape: [1, 4, 4, 1], data: (1...16).map(Float.init)), training: false)
        XCTAssertEqual(y.data, [6, 8, 14, 16])
    }

    func testConv2DForwardMatchesDirectConvolution() throws {
        let configs: [([Int], (Int, Int), (Int, Int), Padding)] = [
            ([7, 5, 1], (3, 3), (1, 1), .same),
            ([7, 5, 3], (2, 3), (2, 2), .same),
            ([7, 5, 3], (3, 3), (2, 1), .valid),
            ([6, 6, 2], (3, 3), (2, 2), .same),
            ([9, 8, 4], (5, 2), (1, 3), .valid),
        ]
        for (index, (shape, kernel, stride, padding)) in configs.enumerated() {
            for activation in Activation.allCases {
                var generator = SeededGenerator(seed: UInt64(10 + index))
                let conv = Conv2D(filters: 3, kernelSize: kernel, strides: stride, padding: padding, activation: activation)
                _ = try conv.build(inputShape: shape, generator: &generator)
                conv.bias.value = (0..<3).map { _ in generator.uniform(-0.5, 0.5) }
                let x = randomTensor([3] + shape, &generator, scale: 2)
                let y = conv.forward(x, training: false)
                let expected = directConvolution(
                    x, weights: conv.weights.value, bias: conv.bias.value, filters: 3,
                    kernel: kernel, stride: stride, same: padding == .same, depthwise: false, activation: activation)
                XCTAssertEqual(y.shape, expected.shape)
                assertClose(y.data, expected.data, tolerance: 1e-5, "config \(index) \(activation)")
            }
        }
    }

    func testConv2DLargeBatchUsesSeveralChunksWithIdenticalResults() throws {
        var generator = SeededGenerator(seed: 5)
        let x = randomTensor([7, 6, 5, 3], &generator)
        func run(maximumColumnElements: Int) throws -> (Tensor, Tensor, [Float], [Float]) {
            var g = SeededGenerator(seed: 9)
            let conv = Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, activation: .tanh)
            _ = try conv.build(inputShape: [6, 5, 3], generator: &g)
            conv.maximumColumnElements = maximumColumnElements
            let y = conv.forward(x, training: true)
            let dy = randomTensor(y.shape, &g)
            let dx = conv.backward(dy)
            return (y, dx, conv.weights.gradient, conv.bias.gradient)
        }
        let whole = try run(maximumColumnElements: 1 << 20)
        // 30 positions × 27 patch values per item: 2 items per chunk → 4 chunks of 7 items.
        let chunked = try run(maximumColumnElements: 2 * 30 * 27)
        XCTAssertEqual(whole.0, chunked.0)
        XCTAssertEqual(whole.1, chunked.1)
        XCTAssertEqual(whole.2, chunked.2)
        XCTAssertEqual(whole.3, chunked.3)
    }

    func testDepthwiseConv2DForwardMatchesDirectConvolution() throws {
        let configs: [([Int], (Int, Int), (Int, Int), Padding)] = [
            ([7, 5, 1], (3, 3), (1, 1), .same),
            ([7, 5, 3], (2, 3), (2, 2), .same),
            ([7, 5, 3], (3, 3), (2, 1), .valid),
            ([6, 6, 4], (3, 3), (2, 2), .same),
        ]
        for (index, (shape, kernel, stride, padding)) in configs.enumerated() {
            for activation in Activation.allCases {
                var generator = SeededGenerator(seed: UInt64(20 + index))
                let layer = DepthwiseConv2D(kernelSize: kernel, strides: stride, padding: padding, activation: activation)
                _ = try layer.build(inputShape: shape, generator: &generator)
                layer.bias.value = (0..<shape[2]).map { _ in generator.uniform(-0.5, 0.5) }
                let x = randomTensor([2] + shape, &generator, scale: 2)
                let y = layer.forward(x, training: false)
                let expected = directConvolution(
                    x, weights: layer.weights.value, bias: layer.bias.value, filters: shape[2],
                    kernel: kernel, stride: stride, same: padding == .same, depthwise: true, activation: activation)
                XCTAssertEqual(y.shape, expected.shape)
                assertClose(y.data, expected.data, tolerance: 1e-5, "config \(index) \(activation)")
            }
        }
    }

    // MARK: - Gradients

    func testConv2DGradientsMatchFiniteDifferences() throws {
        var checks = 0
        for channels in [1, 3] {
            for kernel in [(3, 3), (2, 3)] {
                for stride in [(1, 1), (2, 2)] {
                    for padding in [Padding.same, .valid] {
                        for activation in Activation.allCases {
                            let label = "C=\(channels) k\(kernel) s\(stride) \(padding) \(activation)"
                            // Larger inputs for relu6 so some outputs reach the upper clamp.
                            let scale: Float = activation == .relu6 ? 10 : 1
                            let found = try kinkFreeCase(activation: activation, seed: UInt64(1000 * checks)) { act, generator in
                                let conv = Conv2D(filters: 2, kernelSize: kernel, strides: stride, padding: padding, activation: act)
                                _ = try conv.build(inputShape: [7, 5, channels], generator: &generator)
                                conv.bias.value = [0.1, -0.2]
                                return (conv, randomTensor([2, 7, 5, channels], &generator, scale: scale), scale)
                            }
                            guard let (conv, x) = found else { XCTFail("no kink-free case for \(label)"); continue }
                            if activation == .relu6 {
                                XCTAssertTrue(conv.forward(x, training: false).data.contains(6), "relu6 clamp not exercised: \(label)")
                            }
                            let result = GradientCheck.run(layer: conv, input: x, step: gradientStep)
                            XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(label): \(result)")
                            XCTAssertGreaterThan(result.checkedEntries, 40)
                            checks += 1
                        }
                    }
                }
            }
        }
        XCTAssertEqual(checks, 80)
    }

    func testDepthwiseConv2DGradientsMatchFiniteDifferences() throws {
        var checks = 0
        for channels in [1, 3] {
            for kernel in [(3, 3), (2, 3)] {
                for stride in [(1, 1), (2, 2)] {
                    for padding in [Padding.same, .valid] {
                        for activation in Activation.allCases {
                            let label = "C=\(channels) k\(kernel) s\(stride) \(padding) \(activation)"
                            let scale: Float = activation == .relu6 ? 16 : 1
                            let found = try kinkFreeCase(activation: activation, seed: UInt64(1000 * checks + 7)) { act, generator in
                                let layer = DepthwiseConv2D(kernelSize: kernel, strides: stride, padding: padding, activation: act)
                                _ = try layer.build(inputShape: [7, 5, channels], generator: &generator)
                                layer.bias.value = (0..<channels).map { _ in generator.uniform(-0.3, 0.3) }
                                return (layer, randomTensor([2, 7, 5, channels], &generator, scale: scale), scale)
                            }
                            guard let (layer, x) = found else { XCTFail("no kink-free case for \(label)"); continue }
                            if activation == .relu6 {
                                XCTAssertTrue(layer.forward(x, training: false).data.contains(6), "relu6 clamp not exercised: \(label)")
                            }
                            let result = GradientCheck.run(layer: layer, input: x, step: gradientStep)
                            XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(label): \(result)")
                            checks += 1
                        }
                    }
                }
            }
        }
        XCTAssertEqual(checks, 80)
    }

    func testConv2DBackwardAccumulatesIntoParameterGradients() throws {
        var generator = SeededGenerator(seed: 8)
        let conv = Conv2D(filters: 3, kernelSize: (3, 3), padding: .same)
        _ = try conv.build(inputShape: [5, 5, 2], generator: &generator)
        let x = randomTensor([2, 5, 5, 2], &generator)
        let dy = randomTensor([2, 5, 5, 3], &generator)
        _ = conv.forward(x, training: true)
        _ = conv.backward(dy)
        let once = conv.weights.gradient
        let onceBias = conv.bias.gradient
        _ = conv.forward(x, training: true)
        _ = conv.backward(dy)
        assertClose(conv.weights.gradient, once.map { 2 * $0 }, tolerance: 1e-5, "weights")
        assertClose(conv.bias.gradient, onceBias.map { 2 * $0 }, tolerance: 1e-5, "bias")
        // The bias gradient of a linear conv is the sum of dy per filter.
        for f in 0..<3 {
            let sum = stride(from: f, to: dy.count, by: 3).reduce(0.0) { $0 + Double(dy.data[$1]) }
            XCTAssertEqual(Double(onceBias[f]), sum, accuracy: 1e-4)
        }
    }

    func testConv2DWithoutInputGradientKeepsParameterGradients() throws {
        var generator = SeededGenerator(seed: 12)
        let x = randomTensor([3, 6, 6, 1], &generator)
        let dy = randomTensor([3, 6, 6, 4], &generator)
        func run(_ computesInputGradient: Bool) throws -> (Tensor, [Float], [Float]) {
            var g = SeededGenerator(seed: 13)
            let conv = Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, activation: .relu)
            _ = try conv.build(inputShape: [6, 6, 1], generator: &g)
            conv.computesInputGradient = computesInputGradient
            _ = conv.forward(x, training: true)
            return (conv.backward(dy), conv.weights.gradient, conv.bias.gradient)
        }
        let full = try run(true)
        let skipped = try run(false)
        XCTAssertEqual(full.1, skipped.1)
        XCTAssertEqual(full.2, skipped.2)
        XCTAssertEqual(skipped.0, Tensor(zeros: [3, 6, 6, 1]))
        XCTAssertTrue(full.0.data.contains { $0 != 0 })
    }

    // MARK: - Determinism

    func testConvolutionGradientsAreBitIdenticalForOneAndTwoWorkers() throws {
        let saved = Parallel.workerCount
        defer { Parallel.workerCount = saved }
        func run(workers: Int) throws -> [[Float]] {
            Parallel.workerCount = workers
            var generator = SeededGenerator(seed: 42)
            let conv = Conv2D(filters: 5, kernelSize: (3, 3), padding: .same, activation: .relu)
            let depthwise = DepthwiseConv2D(kernelSize: (3, 3), strides: (2, 2), padding: .same, activation: .relu6)
            _ = try conv.build(inputShape: [9, 8, 3], generator: &generator)
            _ = try depthwise.build(inputShape: [9, 8, 5], generator: &generator)
            let x = randomTensor([5, 9, 8, 3], &generator)
            let y = depthwise.forward(conv.forward(x, training: true), training: true)
            let dy = randomTensor(y.shape, &generator)
            let dx = conv.backward(depthwise.backward(dy))
            return [y.data, dx.data, conv.weights.gradient, conv.bias.gradient,
                    depthwise.weights.gradient, depthwise.bias.gradient]
        }
        let one = try run(workers: 1)
        let two = try run(workers: 2)
        for (a, b) in zip(one, two) {
            XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern))
        }
        XCTAssertTrue(one[2].contains { $0 != 0 }, "gradients should be non-trivial")
    }

    // MARK: - Export

    func testConv2DExportWithFusedRelu() throws {
        var generator = SeededGenerator(seed: 4)
        let conv = Conv2D(filters: 4, kernelSize: (3, 2), strides: (2, 1), padding: .same, activation: .relu, name: "conv1")
        _ = try conv.build(inputShape: [5, 4, 3], generator: &generator)
        conv.bias.value = [1, -2, 3.5, 0.25]
        var builder = ModelBuilder()
        let input = builder.addTensor(name: "image", shape: [1, 5, 4, 3])
        let output = try conv.export(to: &builder, input: input)

        XCTAssertEqual(builder.operators.count, 1)
        let op = builder.operators[0]
        XCTAssertEqual(op.code, .conv2D)
        XCTAssertEqual(op.inputs.count, 3)
        XCTAssertEqual(op.inputs[0], input)
        XCTAssertEqual(op.outputs, [output])
        XCTAssertEqual(op.options, OperatorOptions(
            kernelHeight: 3, kernelWidth: 2, strideHeight: 2, strideWidth: 1, padding: .same, activation: .relu))
        let weights = builder.tensors[op.inputs[1]]
        let bias = builder.tensors[op.inputs[2]]
        XCTAssertEqual(weights.name, "conv1/weights")
        XCTAssertEqual(weights.shape, [4, 3, 2, 3])
        XCTAssertEqual(decodeFloats(weights.constantBytes), conv.weights.value)
        XCTAssertEqual(bias.name, "conv1/bias")
        XCTAssertEqual(bias.shape, [4])
        XCTAssertEqual(decodeFloats(bias.constantBytes), [1, -2, 3.5, 0.25])
        XCTAssertEqual(builder.tensors[output].name, "conv1")
        XCTAssertEqual(builder.tensors[output].shape, [1, 3, 4, 4])
        XCTAssertNil(builder.tensors[output].constantBytes)
    }

    func testConv2DExportWithStandaloneSigmoidAndLinear() throws {
        var generator = SeededGenerator(seed: 4)
        let conv = Conv2D(filters: 2, kernelSize: (3, 3), activation: .sigmoid, name: "c")
        _ = try conv.build(inputShape: [5, 5, 1], generator: &generator)
        var builder = ModelBuilder()
        let input = builder.addTensor(name: "x", shape: [1, 5, 5, 1])
        let output = try conv.export(to: &builder, input: input)
        XCTAssertEqual(builder.operators.map(\.code), [.conv2D, .logistic])
        XCTAssertEqual(builder.operators[0].options.activation, FusedActivation.none)
        XCTAssertEqual(builder.operators[1].inputs, builder.operators[0].outputs)
        XCTAssertEqual(builder.operators[1].outputs, [output])
        XCTAssertEqual(builder.tensors[output].name, "c")
        XCTAssertEqual(builder.tensors[output].shape, [1, 3, 3, 2])

        let linear = Conv2D(filters: 2, kernelSize: (3, 3), name: "l")
        _ = try linear.build(inputShape: [5, 5, 1], generator: &generator)
        var plain = ModelBuilder()
        let x = plain.addTensor(name: "x", shape: [1, 5, 5, 1])
        _ = try linear.export(to: &plain, input: x)
        XCTAssertEqual(plain.operators.map(\.code), [.conv2D])
        XCTAssertEqual(plain.operators[0].options.activation, FusedActivation.none)

        var wrong = ModelBuilder()
        let bad = wrong.addTensor(name: "x", shape: [1, 25])
        XCTAssertThrowsError(try linear.export(to: &wrong, input: bad))
    }

    func testDepthwiseConv2DExport() throws {
        var generator = SeededGenerator(seed: 6)
        let layer = DepthwiseConv2D(kernelSize: (3, 3), strides: (2, 2), padding: .same, activation: .relu6, name: "dw")
        _ = try layer.build(inputShape: [6, 6, 4], generator: &generator)
        layer.bias.value = [0.5, 1, 1.5, 2]
        var builder = ModelBuilder()
        let input = builder.addTensor(name: "x", shape: [1, 6, 6, 4])
        let output = try layer.export(to: &builder, input: input)
        XCTAssertEqual(builder.operators.count, 1)
        let op = builder.operators[0]
        XCTAssertEqual(op.code, .depthwiseConv2D)
        XCTAssertEqual(op.options, OperatorOptions(
            kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padding: .same, activation: .relu6))
        XCTAssertEqual(builder.tensors[op.inputs[1]].name, "dw/weights")
        XCTAssertEqual(builder.tensors[op.inputs[1]].shape, [1, 3, 3, 4])
        XCTAssertEqual(decodeFloats(builder.tensors[op.inputs[1]].constantBytes), layer.weights.value)
        XCTAssertEqual(builder.tensors[op.inputs[2]].shape, [4])
        XCTAssertEqual(decodeFloats(builder.tensors[op.inputs[2]].constantBytes), [0.5, 1, 1.5, 2])
        XCTAssertEqual(builder.tensors[output].shape, [1, 3, 3, 4])
        XCTAssertEqual(builder.tensors[output].name, "dw")
    }

    // MARK: - Helpers

    /// Plain direct convolution in Double (independent of im2col): NHWC input, OHWI weights
    /// (or [1, kH, kW, C] when `depthwise`), TF 'same' padding with the odd cell after.
    private func directConvolution(
        _ x: Tensor, weights: [Float], bias: [Float], filters: Int, kernel: (Int, Int), stride: (Int, Int),
        same: Bool, depthwise: Bool, activation: Activation
    ) -> Tensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw) = kernel
        let outH = same ? Int((Double(h) / Double(stride.0)).rounded(.up)) : (h - kh) / stride.0 + 1
        let outW = same ? Int((Double(w) / Double(stride.1)).rounded(.up)) : (w - kw) / stride.1 + 1
        let padTop = same ? max((outH - 1) * stride.0 + kh - h, 0) / 2 : 0
        let padLeft = same ? max((outW - 1) * stride.1 + kw - w, 0) / 2 : 0
        var out = [Float](repeating: 0, count: n * outH * outW * filters)
        for b in 0..<n {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    for f in 0..<filters {
                        var sum = Double(bias[f])
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = oy * stride.0 + ky - padTop
                                let ix = ox * stride.1 + kx - padLeft
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                let channels = depthwise ? [f] : Array(0..<c)
                                for ch in channels {
                                    let xv = x.data[((b * h + iy) * w + ix) * c + ch]
                                    let wv = depthwise
                                        ? weights[(ky * kw + kx) * c + ch]
                                        : weights[((f * kh + ky) * kw + kx) * c + ch]
                                    sum += Double(xv) * Double(wv)
                                }
                            }
                        }
                        let v: Double
                        switch activation {
                        case .linear: v = sum
                        case .relu: v = max(sum, 0)
                        case .relu6: v = min(max(sum, 0), 6)
                        case .sigmoid: v = 1 / (1 + Foundation.exp(-sum))
                        case .tanh: v = Foundation.tanh(sum)
                        }
                        out[((b * outH + oy) * outW + ox) * filters + f] = Float(v)
                    }
                }
            }
        }
        return Tensor(shape: [n, outH, outW, filters], data: out)
    }

    private let gradientStep: Float = 1e-3

    /// Builds a layer and input with `make`, trying successive seeds until no pre-activation
    /// lies within one finite-difference step of a ReLU/ReLU6 kink (where central differences
    /// are meaningless). `make` must draw the same random numbers for every activation, so a
    /// linear twin built from the same seed yields the pre-activations.
    private func kinkFreeCase(
        activation: Activation, seed: UInt64,
        make: (Activation, inout SeededGenerator) throws -> (Layer, Tensor, Float)
    ) throws -> (Layer, Tensor)? {
        for attempt in 0..<100 {
            var generator = SeededGenerator(seed: seed + UInt64(attempt))
            var twinGenerator = generator
            let (layer, x, scale) = try make(activation, &generator)
            guard activation == .relu || activation == .relu6 else { return (layer, x) }
            let (twin, _, _) = try make(.linear, &twinGenerator)
            let largestWeight = twin.parameters[0].value.map { abs($0) }.max() ?? 1
            // One perturbed entry moves a pre-activation by at most step × its largest coefficient.
            let margin = 2 * gradientStep * max(1, scale, largestWeight)
            let kinks: [Float] = activation == .relu ? [0] : [0, 6]
            let preactivations = twin.forward(x, training: false).data
            if preactivations.allSatisfy({ v in kinks.allSatisfy { abs(v - $0) > margin } }) { return (layer, x) }
        }
        return nil
    }

    private func randomTensor(_ shape: [Int], _ generator: inout SeededGenerator, scale: Float = 1) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.uniform(-scale, scale) })
    }

    private func assertClose(_ a: [Float], _ b: [Float], tolerance: Float, _ message: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        for i in 0..<min(a.count, b.count) where abs(a[i] - b[i]) > tolerance * max(1, abs(b[i])) {
            XCTFail("\(message): [\(i)] \(a[i]) vs \(b[i])", file: file, line: line)
            return
        }
    }

    private func decodeFloats(_ bytes: [UInt8]?) -> [Float] {
        guard let bytes else { return [] }
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }
}

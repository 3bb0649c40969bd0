import Foundation
import MinnowRuntime
import MinnowTrain
import XCTest

final class DenseTests: XCTestCase {
    private func randomTensor(_ shape: [Int], seed: UInt64, range: ClosedRange<Float> = -1...1) -> Tensor {
        var g = SeededGenerator(seed: seed)
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, data: (0..<n).map { _ in g.uniform(range.lowerBound, range.upperBound) })
    }

    private func decodeFloats(_ bytes: [UInt8]?) -> [Float] {
        guard let bytes else { return [] }
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }

    /// Plain reference `X · Wᵀ + b` with W stored [out, in].
    private func preactivation(_ layer: Dense, _ x: Tensor) -> [Float] {
        let (n, k, u) = (x.batchSize, layer.inputCount, layer.units)
        var z = [Float](repeating: 0, count: n * u)
        for r in 0..<n {
            for j in 0..<u {
                var s = Double(layer.bias.value[j])
                for p in 0..<k { s += Double(x.data[r * k + p]) * Double(layer.weights.value[j * k + p]) }
                z[r * u + j] = Float(s)
            }
        }
        return z
    }

    private func builtDense(units: Int, inputs: Int, activation: Activation = .linear, seed: UInt64 = 1) throws -> Dense {
        let layer = Dense(units: units, activation: activation, name: "fc")
        var g = SeededGenerator(seed: seed)
        XCTAssertEqual(try layer.build(inputShape: [inputs], generator: &g), [units])
        return layer
    }

    func testForwardMatchesHandComputedValues() throws {
        let layer = try builtDense(units: 2, inputs: 3)
        layer.weights.value = [1, 2, 3, -1, 0, 0.5]   // rows: unit 0, unit 1
        layer.bias.value = [0.5, -1]
        let x = Tensor(shape: [2, 3], data: [1, 2, 3, -1, 0, 1])
        let y = layer.forward(x, training: false)
        XCTAssertEqual(y.shape, [2, 2])
        // unit0: 1+4+9+0.5 = 14.5, unit1: -1+0+1.5-1 = -0.5; row 2: -1+0+3+0.5 = 2.5, 1+0+0.5-1 = 0.5
        XCTAssertEqual(y.data, [14.5, -0.5, 2.5, 0.5])
    }

    func testBuildInitializesGlorotWeightsAndZeroBias() throws {
        let layer = try builtDense(units: 30, inputs: 50)
        XCTAssertEqual(layer.weights.shape, [30, 50])
        XCTAssertEqual(layer.bias.value, [Float](repeating: 0, count: 30))
        XCTAssertTrue(layer.weights.isRegularized)
        XCTAssertFalse(layer.bias.isRegularized)
        let limit = (6.0 / 80.0).squareRoot()
        XCTAssertTrue(layer.weights.value.allSatisfy { abs(Double($0)) <= limit })
        // Uniform on [-l, l] has variance l²/3.
        let variance = layer.weights.value.reduce(0.0) { $0 + Double($1 * $1) } / 1500
        XCTAssertEqual(variance, limit * limit / 3, accuracy: limit * limit / 3 * 0.15)
        XCTAssertEqual(layer.parameterCount, 30 * 50 + 30)
    }

    func testBuildRejectsNonFlatInputAndSuggestsFlatten() {
        let layer = Dense(units: 4, name: "head")
        var g = SeededGenerator(seed: 1)
        XCTAssertThrowsError(try layer.build(inputShape: [4, 4, 3], generator: &g)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("Flatten"), text)
            XCTAssertTrue(text.contains("head"), text)
        }
    }

    func testGradientCheckForEveryActivation() throws {
        for activation in Activation.allCases {
            let layer = try builtDense(units: 5, inputs: 7, activation: activation, seed: 3)
            layer.bias.value = (0..<5).map { Float($0) * 0.3 - 0.6 }
            // Pick an input whose pre-activations stay away from the ReLU / ReLU6 kinks.
            var seed: UInt64 = 10
            var x = randomTensor([4, 7], seed: seed)
            while preactivation(layer, x).contains(where: { abs($0) < 0.1 || abs($0 - 6) < 0.1 }) {
                seed += 1
                x = randomTensor([4, 7], seed: seed)
            }
            let result = GradientCheck.run(layer: layer, input: x)
            XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(activation): \(result)")
            XCTAssertEqual(result.checkedEntries, 28 + 35 + 5)
        }
    }

    func testForwardMatchesReferenceWithActivation() throws {
        let layer = try builtDense(units: 6, inputs: 9, activation: .tanh, seed: 5)
        let x = randomTensor([3, 9], seed: 8)
        let y = layer.forward(x, training: true)
        let expected = preactivation(layer, x).map { Float(Foundation.tanh(Double($0))) }
        for (a, b) in zip(y.data, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testBackwardAccumulatesParameterGradients() throws {
        let layer = try builtDense(units: 3, inputs: 4)
        let x = randomTensor([2, 4], seed: 4)
        let dy = randomTensor([2, 3], seed: 5)
        _ = layer.forward(x, training: true)
        _ = layer.backward(dy)
        let once = layer.weights.gradient
        let onceBias = layer.bias.gradient
        // Bias gradient is the column sum of dy.
        for j in 0..<3 { XCTAssertEqual(onceBias[j], dy.data[j] + dy.data[3 + j], accuracy: 1e-6) }
        _ = layer.backward(dy)
        for (a, b) in zip(layer.weights.gradient, once) { XCTAssertEqual(a, 2 * b, accuracy: 1e-6) }
        for (a, b) in zip(layer.bias.gradient, onceBias) { XCTAssertEqual(a, 2 * b, accuracy: 1e-6) }
    }

    func testSkippingInputGradientKeepsParameterGradients() throws {
        let full = try builtDense(units: 3, inputs: 4, activation: .sigmoid, seed: 2)
        let skipping = try builtDense(units: 3, inputs: 4, activation: .sigmoid, seed: 2)
        skipping.computesInputGradient = false
        let x = randomTensor([2, 4], seed: 4)
        let dy = randomTensor([2, 3], seed: 5)
        _ = full.forward(x, training: true)
        _ = skipping.forward(x, training: true)
        XCTAssertNotEqual(full.backward(dy).data, [Float](repeating: 0, count: 8))
        XCTAssertEqual(skipping.backward(dy).data, [Float](repeating: 0, count: 8))
        XCTAssertEqual(full.weights.gradient, skipping.weights.gradient)
        XCTAssertEqual(full.bias.gradient, skipping.bias.gradient)
    }

    func testExportFusesReLUAndStoresOIWeights() throws {
        let layer = try builtDense(units: 2, inputs: 3, activation: .relu)
        layer.bias.value = [0.25, -0.75]
        var builder = ModelBuilder()
        let input = builder.addTensor(name: "input", shape: [1, 3])
        let output = try layer.export(to: &builder, input: input)
        XCTAssertEqual(builder.operators.count, 1)
        let op = builder.operators[0]
        XCTAssertEqual(op.code, .fullyConnected)
        XCTAssertEqual(op.options.activation, .relu)
        XCTAssertEqual(op.inputs.count, 3)
        XCTAssertEqual(op.inputs[0], input)
        XCTAssertEqual(op.outputs, [output])
        let weights = builder.tensors[op.inputs[1]]
        XCTAssertEqual(weights.name, "fc/weights")
        XCTAssertEqual(weights.shape, [2, 3])
        XCTAssertEqual(decodeFloats(weights.constantBytes), layer.weights.value)
        let bias = builder.tensors[op.inputs[2]]
        XCTAssertEqual(bias.name, "fc/bias")
        XCTAssertEqual(bias.shape, [2])
        XCTAssertEqual(decodeFloats(bias.constantBytes), [0.25, -0.75])
        XCTAssertEqual(builder.tensors[output].name, "fc")
        XCTAssertEqual(builder.tensors[output].shape, [1, 2])
        XCTAssertNil(builder.tensors[output].constantBytes)
    }

    func testExportSigmoidAddsStandaloneLogistic() throws {
        let layer = try builtDense(units: 4, inputs: 3, activation: .sigmoid)
        var builder = ModelBuilder()
        let input = builder.addTensor(name: "input", shape: [1, 3])
        let output = try layer.export(to: &builder, input: input)
        XCTAssertEqual(builder.operators.map(\.code), [.fullyConnected, .logistic])
        XCTAssertEqual(builder.operators[0].options.activation, FusedActivation.none)
        XCTAssertEqual(builder.operators[1].inputs, builder.operators[0].outputs)
        XCTAssertEqual(builder.operators[1].outputs, [output])
        XCTAssertEqual(builder.tensors[output].name, "fc")
        XCTAssertEqual(builder.tensors[output].shape, [1, 4])
    }

    func testExportRejectsMismatchedInputTensor() throws {
        let layer = try builtDense(units: 2, inputs: 3)
        var builder = ModelBuilder()
        let input = builder.addTensor(name: "input", shape: [1, 5])
        XCTAssertThrowsError(try layer.export(to: &builder, input: input))
    }

    // MARK: Flatten

    func testFlattenReshapesAndRestoresGradientShape() throws {
        let layer = Flatten(name: "flat")
        var g = SeededGenerator(seed: 1)
        XCTAssertEqual(try layer.build(inputShape: [2, 3, 4], generator: &g), [24])
        let x = randomTensor([5, 2, 3, 4], seed: 2)
        let y = layer.forward(x, training: true)
        XCTAssertEqual(y.shape, [5, 24])
        XCTAssertEqual(y.data, x.data)
        let dx = layer.backward(y)
        XCTAssertEqual(dx.shape, [5, 2, 3, 4])
        let result = GradientCheck.run(layer: layer, input: x)
        XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(result)")
    }

    func testFlattenExportsReshape() throws {
        let layer = Flatten(name: "flat")
        var g = SeededGenerator(seed: 1)
        _ = try layer.build(inputShape: [4, 4, 3], generator: &g)
        var builder = ModelBuilder()
        let input = builder.addTensor(name: "input", shape: [1, 4, 4, 3])
        let output = try layer.export(to: &builder, input: input)
        XCTAssertEqual(builder.operators.count, 1)
        XCTAssertEqual(builder.operators[0].code, .reshape)
        XCTAssertEqual(builder.operators[0].inputs, [input])
        XCTAssertEqual(builder.operators[0].outputs, [output])
        XCTAssertEqual(builder.tensors[output].shape, [1, 48])
        XCTAssertEqual(builder.tensors[output].name, "flat")
    }

    func testFlattenThenDenseExportChain() throws {
        let flatten = Flatten(name: "flat")
        let dense = Dense(units: 3, activation: .relu6, name: "fc")
        var g = SeededGenerator(seed: 9)
        let shape = try flatten.build(inputShape: [2, 2, 2], generator: &g)
        _ = try dense.build(inputShape: shape, generator: &g)
        var builder = ModelBuilder()
        let input = builder.addTensor(name: "input", shape: [1, 2, 2, 2])
        let output = try dense.export(to: &builder, input: try flatten.export(to: &builder, input: input))
        XCTAssertEqual(builder.operators.map(\.code), [.reshape, .fullyConnected])
        XCTAssertEqual(builder.operators[1].options.activation, .relu6)
        XCTAssertEqual(builder.tensors[output].shape, [1, 3])
    }
}

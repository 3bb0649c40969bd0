import Foundation
import MinnowRuntime
import MinnowTrain
import XCTest

final class ActivationLayerTests: XCTestCase {
    /// Values away from the ReLU (0) and ReLU6 (6) kinks, spread over both signs.
    private let awayFromKinks: [Float] = [-2.3, -1.1, -0.35, 0.4, 1.7, 3.2, 5.5, 6.8, -4.2, 0.9, 2.6, 7.4]

    private func built(_ layer: Layer, shape: [Int]) throws -> Layer {
        var g = SeededGenerator(seed: 1)
        XCTAssertEqual(try layer.build(inputShape: shape, generator: &g), shape)
        return layer
    }

    func testForwardValues() throws {
        let x = Tensor(shape: [1, 4], data: [-1, 0.5, 7, Float(Foundation.log(3.0))])
        XCTAssertEqual(try built(ReLU(), shape: [4]).forward(x, training: false).data, [0, 0.5, 7, x.data[3]])
        XCTAssertEqual(try built(ReLU6(), shape: [4]).forward(x, training: false).data, [0, 0.5, 6, x.data[3]])
        let s = try built(Sigmoid(), shape: [4]).forward(x, training: false).data
        XCTAssertEqual(s[3], 0.75, accuracy: 1e-6)   // σ(ln 3) = 3/4
        XCTAssertEqual(s[0], Float(1 / (1 + M_E)), accuracy: 1e-6)
        let t = try built(Tanh(), shape: [4]).forward(Tensor(shape: [1, 2], data: [Float(Foundation.log(2.0)), 0]), training: false).data
        XCTAssertEqual(t[0], 0.6, accuracy: 1e-6)    // tanh(ln 2) = (4 − 1)/(4 + 1)
        XCTAssertEqual(t[1], 0)
    }

    func testKindsAndNames() {
        XCTAssertEqual(ReLU().kind, "ReLU")
        XCTAssertEqual(ReLU6().kind, "ReLU6")
        XCTAssertEqual(Sigmoid().kind, "Sigmoid")
        XCTAssertEqual(Tanh(name: "t1").name, "t1")
        XCTAssertEqual(ActivationLayer(.tanh).kind, "Tanh")
        XCTAssertEqual(Softmax().kind, "Softmax")
    }

    func testGradientCheckElementwiseLayers() throws {
        let x = Tensor(shape: [3, 4], data: awayFromKinks)
        for layer in [ReLU(), ReLU6(), Sigmoid(), Tanh(), ActivationLayer(.linear)] as [Layer] {
            _ = try built(layer, shape: [4])
            let result = GradientCheck.run(layer: layer, input: x)
            XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(layer.kind): \(result)")
        }
    }

    func testReLUGradientIsMaskedByOutput() throws {
        let layer = try built(ReLU6(), shape: [3])
        _ = layer.forward(Tensor(shape: [1, 3], data: [-1, 2, 8]), training: true)
        XCTAssertEqual(layer.backward(Tensor(shape: [1, 3], data: [5, 5, 5])).data, [0, 5, 0])
    }

    func testLargeTensorTakesParallelPathWithSameResult() throws {
        // 2^17 elements crosses the parallel threshold; compare with a scalar reference.
        let n = 1 << 17
        var g = SeededGenerator(seed: 3)
        let x = Tensor(shape: [n / 64, 64], data: (0..<n).map { _ in g.uniform(-4, 4) })
        let layer = try built(Sigmoid(), shape: [64])
        let y = layer.forward(x, training: true)
        for i in stride(from: 0, to: n, by: 997) {
            XCTAssertEqual(y.data[i], Float(1 / (1 + Foundation.exp(-Double(x.data[i])))), accuracy: 1e-6)
        }
        let dx = layer.backward(Tensor(shape: x.shape, data: [Float](repeating: 1, count: n)))
        for i in stride(from: 0, to: n, by: 997) {
            XCTAssertEqual(dx.data[i], y.data[i] * (1 - y.data[i]), accuracy: 1e-6)
        }
    }

    func testSoftmaxForwardValuesAndStability() throws {
        let layer = try built(Softmax(), shape: [3])
        let x = Tensor(shape: [2, 3], data: [0, Float(Foundation.log(2.0)), Float(Foundation.log(3.0)), 1000, 1001, 999])
        let y = layer.forward(x, training: false).data
        XCTAssertEqual(y[0], 1.0 / 6, accuracy: 1e-6)
        XCTAssertEqual(y[1], 2.0 / 6, accuracy: 1e-6)
        XCTAssertEqual(y[2], 3.0 / 6, accuracy: 1e-6)
        // Huge logits: shift-invariant, same as softmax([1, 2, 0]).
        let e = [M_E, M_E * M_E, 1.0]
        let sum = e.reduce(0, +)
        for j in 0..<3 { XCTAssertEqual(Double(y[3 + j]), e[j] / sum, accuracy: 1e-6) }
    }

    func testSoftmaxGradientCheck() throws {
        let layer = try built(Softmax(), shape: [5])
        var g = SeededGenerator(seed: 12)
        let x = Tensor(shape: [4, 5], data: (0..<20).map { _ in g.uniform(-2, 2) })
        let result = GradientCheck.run(layer: layer, input: x)
        XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(result)")
        XCTAssertEqual(result.checkedEntries, 20)
    }

    func testSoftmaxGradientOfConstantUpstreamIsZero() throws {
        // Rows sum to one, so adding the same value to every output gradient changes nothing.
        let layer = try built(Softmax(), shape: [3])
        _ = layer.forward(Tensor(shape: [1, 3], data: [0.2, -1, 0.7]), training: true)
        for v in layer.backward(Tensor(shape: [1, 3], data: [2, 2, 2])).data { XCTAssertEqual(v, 0, accuracy: 1e-6) }
    }

    func testExportOperators() throws {
        let cases: [(Layer, OperatorCode)] = [(ReLU(), .relu), (ReLU6(), .relu6), (Sigmoid(), .logistic), (Tanh(), .tanh), (Softmax(), .softmax)]
        for (layer, code) in cases {
            layer.name = "act"
            _ = try built(layer, shape: [10])
            var builder = ModelBuilder()
            let input = builder.addTensor(name: "input", shape: [1, 10])
            let output = try layer.export(to: &builder, input: input)
            XCTAssertEqual(builder.operators.count, 1, layer.kind)
            XCTAssertEqual(builder.operators[0].code, code)
            XCTAssertEqual(builder.operators[0].inputs, [input])
            XCTAssertEqual(builder.operators[0].outputs, [output])
            XCTAssertEqual(builder.tensors[output].shape, [1, 10])
            XCTAssertEqual(builder.tensors[output].name, "act")
        }
        var builder = ModelBuilder()
        let input = builder.addTensor(name: "input", shape: [1, 10])
        XCTAssertEqual(try ActivationLayer(.linear).export(to: &builder, input: input), input)
        XCTAssertTrue(builder.operators.isEmpty)
    }
}

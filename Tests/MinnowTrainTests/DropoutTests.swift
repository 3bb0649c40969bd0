import MinnowRuntime
import MinnowTrain
import XCTest

/// Rebuilds a Dropout from the same seed on every forward, so the training mask is the same
/// each time and the finite-difference check sees a deterministic function.
private final class FixedMaskDropout: Layer {
    var name = "fixed"
    var kind: String { "FixedMaskDropout" }
    let rate: Float
    let seed: UInt64
    private var shape: [Int] = []
    private var current: Dropout?

    init(rate: Float, seed: UInt64) {
        self.rate = rate
        self.seed = seed
    }

    func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        shape = inputShape
        return inputShape
    }

    func forward(_ input: Tensor, training: Bool) -> Tensor {
        let layer = Dropout(rate: rate)
        var g = SeededGenerator(seed: seed)
        _ = try? layer.build(inputShape: shape, generator: &g)
        current = layer
        return layer.forward(input, training: training)
    }

    func backward(_ outputGradient: Tensor) -> Tensor { current!.backward(outputGradient) }

    func export(to builder: inout ModelBuilder, input: Int) throws -> Int { input }
}

final class DropoutTests: XCTestCase {
    private func built(rate: Float, seed: UInt64, shape: [Int]) throws -> Dropout {
        let layer = Dropout(rate: rate, name: "drop")
        var g = SeededGenerator(seed: seed)
        XCTAssertEqual(try layer.build(inputShape: shape, generator: &g), shape)
        return layer
    }

    private func ramp(_ shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, data: (0..<n).map { Float($0 % 17) * 0.25 + 0.5 })
    }

    func testInferenceIsIdentity() throws {
        let layer = try built(rate: 0.5, seed: 1, shape: [8])
        let x = ramp([3, 8])
        XCTAssertEqual(layer.forward(x, training: false), x)
        XCTAssertEqual(layer.backward(x), x)
        let result = GradientCheck.run(layer: layer, input: x, training: false)
        XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(result)")
    }

    func testTrainingDropsAboutRateAndScalesSurvivors() throws {
        let rate: Float = 0.3
        let layer = try built(rate: rate, seed: 2, shape: [100])
        let x = ramp([100, 100])
        let y = layer.forward(x, training: true)
        var dropped = 0
        for i in 0..<x.count {
            if y.data[i] == 0 {
                dropped += 1
            } else {
                XCTAssertEqual(y.data[i], x.data[i] / (1 - rate), accuracy: 1e-5)
            }
        }
        XCTAssertEqual(Double(dropped) / Double(x.count), Double(rate), accuracy: 0.02)
    }

    func testMaskIsDeterministicFromSeedAndFreshPerStep() throws {
        let x = ramp([4, 50])
        let a = try built(rate: 0.5, seed: 42, shape: [50])
        let b = try built(rate: 0.5, seed: 42, shape: [50])
        let c = try built(rate: 0.5, seed: 43, shape: [50])
        let first = a.forward(x, training: true)
        XCTAssertEqual(first, b.forward(x, training: true))
        XCTAssertNotEqual(first, c.forward(x, training: true))
        XCTAssertNotEqual(first, a.forward(x, training: true), "each training step draws a new mask")
    }

    func testBackwardUsesTheForwardMask() throws {
        let layer = try built(rate: 0.4, seed: 5, shape: [30])
        let ones = Tensor(shape: [2, 30], data: [Float](repeating: 1, count: 60))
        let mask = layer.forward(ones, training: true)
        let g = ramp([2, 30])
        let dx = layer.backward(g)
        for i in 0..<60 { XCTAssertEqual(dx.data[i], g.data[i] * mask.data[i], accuracy: 1e-6) }
    }

    func testGradientCheckTrainingModeWithFixedMask() throws {
        let layer = FixedMaskDropout(rate: 0.5, seed: 11)
        var g = SeededGenerator(seed: 0)
        _ = try layer.build(inputShape: [10], generator: &g)
        let x = ramp([4, 10])
        let y = layer.forward(x, training: true)
        XCTAssertTrue(y.data.contains(0), "the mask should drop something at rate 0.5")
        let result = GradientCheck.run(layer: layer, input: x, training: true)
        XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(result)")
    }

    func testExportAddsNothing() throws {
        let layer = try built(rate: 0.2, seed: 1, shape: [6])
        var builder = ModelBuilder()
        let input = builder.addTensor(name: "input", shape: [1, 6])
        XCTAssertEqual(try layer.export(to: &builder, input: input), input)
        XCTAssertTrue(builder.operators.isEmpty)
        XCTAssertEqual(builder.tensors.count, 1)
    }
}

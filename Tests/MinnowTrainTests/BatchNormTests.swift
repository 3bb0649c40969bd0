import MinnowRuntime
import MinnowTrain
import XCTest

final class BatchNormTests: XCTestCase {
    private func built(_ shape: [Int], momentum: Float = 0.99, epsilon: Float = 1e-3) throws -> BatchNorm {
        let layer = BatchNorm(momentum: momentum, epsilon: epsilon, name: "bn")
        var g = SeededGenerator(seed: 1)
        XCTAssertEqual(try layer.build(inputShape: shape, generator: &g), shape)
        return layer
    }

    private func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        var g = SeededGenerator(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in g.uniform(low, high) })
    }

    private func decodeFloats(_ bytes: [UInt8]?) -> [Float] {
        guard let bytes else { return [] }
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }

    func testDefaultsMatchKeras() {
        let layer = BatchNorm()
        XCTAssertEqual(layer.momentum, 0.99)
        XCTAssertEqual(layer.epsilon, 1e-3)
    }

    func testTrainingForwardUsesBatchStatisticsAndUpdatesMovingAverages() throws {
        let layer = try built([2])
        layer.gamma.value = [2, 1]
        layer.beta.value = [0.5, 0]
        // Channel 0: 1,2,3,4 (mean 2.5, biased variance 1.25); channel 1: all 10 (variance 0).
        let x = Tensor(shape: [4, 2], data: [1, 10, 2, 10, 3, 10, 4, 10])
        let y = layer.forward(x, training: true)
        let s = 1 / (1.25 + 0.001).squareRoot()
        for (r, v) in [1.0, 2, 3, 4].enumerated() {
            XCTAssertEqual(Double(y.data[2 * r]), 2 * (v - 2.5) * s + 0.5, accuracy: 1e-5)
            XCTAssertEqual(y.data[2 * r + 1], 0, accuracy: 1e-6)
        }
        XCTAssertFalse(layer.gamma.isRegularized)
        XCTAssertFalse(layer.beta.isRegularized)
        XCTAssertEqual(layer.movingMean[0], 0.01 * 2.5, accuracy: 1e-6)
        XCTAssertEqual(layer.movingMean[1], 0.01 * 10, accuracy: 1e-6)
        XCTAssertEqual(layer.movingVariance[0], 0.99 + 0.01 * 1.25, accuracy: 1e-6)
        XCTAssertEqual(layer.movingVariance[1], 0.99, accuracy: 1e-6)
    }

    func testInferenceUsesMovingStatistics() throws {
        let layer = try built([2])
        layer.gamma.value = [1.5, -1]
        layer.beta.value = [0.25, 2]
        layer.movingMean = [1, -2]
        layer.movingVariance = [4, 0.25]
        let x = Tensor(shape: [2, 2], data: [3, -2, 0, 0])
        let y = layer.forward(x, training: false)
        XCTAssertEqual(y.data[0], 1.5 * 2 / (4.001 as Float).squareRoot() + 0.25, accuracy: 1e-5)
        XCTAssertEqual(y.data[1], 2, accuracy: 1e-6)
        XCTAssertEqual(y.data[2], 1.5 * -1 / (4.001 as Float).squareRoot() + 0.25, accuracy: 1e-5)
        XCTAssertEqual(y.data[3], -1 * 2 / (0.251 as Float).squareRoot() + 2, accuracy: 1e-5)
        // Inference does not move the statistics.
        XCTAssertEqual(layer.movingMean, [1, -2])
    }

    func testGradientCheckTrainingModeFeatures() throws {
        let layer = try built([4])
        layer.gamma.value = [1.2, 0.7, -0.5, 2]
        layer.beta.value = [0.1, -0.3, 0.2, 0]
        let result = GradientCheck.run(layer: layer, input: randomTensor([6, 4], seed: 5, low: -2, high: 2), training: true)
        XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(result)")
    }

    func testGradientCheckTrainingModeNHWCChannels() throws {
        let layer = try built([2, 2, 3])
        layer.gamma.value = [0.8, 1.5, -1]
        layer.beta.value = [0, 0.4, -0.2]
        let result = GradientCheck.run(layer: layer, input: randomTensor([3, 2, 2, 3], seed: 6, low: -1, high: 3), training: true)
        XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(result)")
        XCTAssertEqual(result.checkedEntries, 36 + 3 + 3)
    }

    func testGradientCheckInferenceMode() throws {
        let layer = try built([3])
        layer.gamma.value = [0.8, 1.5, -1]
        layer.movingMean = [0.2, -0.1, 0.5]
        layer.movingVariance = [0.5, 2, 1.5]
        let result = GradientCheck.run(layer: layer, input: randomTensor([5, 3], seed: 7), training: false)
        XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(result)")
    }

    func testLargeBatchMatchesDoublePrecisionReference() throws {
        // 4096 rows × 16 channels: many row blocks and the parallel path.
        let layer = try built([8, 8, 16])
        let x = randomTensor([64, 8, 8, 16], seed: 9, low: -3, high: 5)
        let y = layer.forward(x, training: true)
        let rows = x.count / 16
        for c in [0, 7, 15] {
            var mean = 0.0
            for r in 0..<rows { mean += Double(x.data[r * 16 + c]) }
            mean /= Double(rows)
            var variance = 0.0
            for r in 0..<rows { variance += (Double(x.data[r * 16 + c]) - mean) * (Double(x.data[r * 16 + c]) - mean) }
            variance /= Double(rows)
            let s = 1 / (variance + 1e-3).squareRoot()
            for r in stride(from: 0, to: rows, by: 131) {
                XCTAssertEqual(Double(y.data[r * 16 + c]), (Double(x.data[r * 16 + c]) - mean) * s, accuracy: 1e-4)
            }
            XCTAssertEqual(Double(layer.movingMean[c]), 0.01 * mean, accuracy: 1e-5)
        }
    }

    func testExportFoldsScaleAndOffset() throws {
        let layer = try built([4, 4, 2])
        layer.gamma.value = [2, 0.5]
        layer.beta.value = [1, -1]
        layer.movingMean = [0.5, 3]
        layer.movingVariance = [3.999, 0.249]
        var builder = ModelBuilder()
        let input = builder.addTensor(name: "input", shape: [1, 4, 4, 2])
        let output = try layer.export(to: &builder, input: input)
        XCTAssertEqual(builder.operators.count, 1)
        let op = builder.operators[0]
        XCTAssertEqual(op.code, .batchNorm)
        XCTAssertEqual(op.inputs.count, 3)
        XCTAssertEqual(op.inputs[0], input)
        XCTAssertEqual(op.outputs, [output])
        XCTAssertEqual(builder.tensors[output].shape, [1, 4, 4, 2])
        XCTAssertEqual(builder.tensors[output].name, "bn")
        XCTAssertEqual(builder.tensors[op.inputs[1]].shape, [2])
        // √(3.999 + 0.001) = 2, √(0.249 + 0.001) = 0.5 → scale [1, 1], offset [1 − 0.5, −1 − 3].
        let scale = decodeFloats(builder.tensors[op.inputs[1]].constantBytes)
        let offset = decodeFloats(builder.tensors[op.inputs[2]].constantBytes)
        XCTAssertEqual(scale[0], 1, accuracy: 1e-6)
        XCTAssertEqual(scale[1], 1, accuracy: 1e-6)
        XCTAssertEqual(offset[0], 0.5, accuracy: 1e-6)
        XCTAssertEqual(offset[1], -4, accuracy: 1e-5)
        // The folded form reproduces inference.
        let x = randomTensor([1, 4, 4, 2], seed: 3)
        let y = layer.forward(x, training: false)
        for i in 0..<x.count { XCTAssertEqual(y.data[i], x.data[i] * scale[i % 2] + offset[i % 2], accuracy: 1e-5) }
    }
}

import Foundation
import MinnowTrain
import XCTest

final class LossTests: XCTestCase {
    /// Central differences of `loss` w.r.t. every prediction, compared with the analytic gradient.
    private func assertGradientMatchesFiniteDifferences(
        _ loss: Loss, predictions: Tensor, targets: LossTargets, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let analytic = try loss.evaluate(predictions: predictions, targets: targets).gradient
        XCTAssertEqual(analytic.shape, predictions.shape, file: file, line: line)
        let h: Float = 1e-2
        for i in 0..<predictions.count {
            var plus = predictions, minus = predictions
            plus.data[i] += h
            minus.data[i] -= h
            let numeric = (try loss.evaluate(predictions: plus, targets: targets).loss
                - loss.evaluate(predictions: minus, targets: targets).loss) / (2 * h)
            XCTAssertEqual(analytic.data[i], numeric, accuracy: 1e-3 * max(1, abs(numeric)), "entry \(i)", file: file, line: line)
        }
    }

    private func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 2) -> Tensor {
        var g = SeededGenerator(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in g.uniform(-scale, scale) })
    }

    // MARK: Mean squared error

    func testMeanSquaredErrorValueAndGradient() throws {
        let p = Tensor(shape: [2, 2], data: [1, 2, 3, 4])
        let t = Tensor(shape: [2, 2], data: [0, 2, 5, 4])
        let result = try MeanSquaredError().evaluate(predictions: p, targets: .values(t))
        XCTAssertEqual(result.loss, 1.25, accuracy: 1e-6)          // (1 + 0 + 4 + 0) / 4
        XCTAssertEqual(result.gradient.data, [0.5, 0, -1, 0])     // 2·d / 4
        XCTAssertNil(result.correctCount)
        try assertGradientMatchesFiniteDifferences(MeanSquaredError(), predictions: randomTensor([3, 4], seed: 1), targets: .values(randomTensor([3, 4], seed: 2)))
    }

    func testMeanSquaredErrorRejectsMismatchedTargets() {
        let p = Tensor(shape: [2, 2], data: [1, 2, 3, 4])
        XCTAssertThrowsError(try MeanSquaredError().evaluate(predictions: p, targets: .values(Tensor(zeros: [2, 3]))))
        XCTAssertThrowsError(try MeanSquaredError().evaluate(predictions: p, targets: .classes([0, 1])))
    }

    // MARK: Softmax cross-entropy

    func testSoftmaxCrossEntropyHandComputed() throws {
        let logits = Tensor(shape: [2, 3], data: [0, Float(Foundation.log(2.0)), Float(Foundation.log(3.0)), 0, 0, 0])
        let result = try SoftmaxCrossEntropy().evaluate(predictions: logits, targets: .classes([2, 1]))
        // Row 0: p = [1, 2, 3]/6, label 2 → −log(1/2); row 1: uniform, label 1 → log 3.
        XCTAssertEqual(Double(result.loss), (Foundation.log(2.0) + Foundation.log(3.0)) / 2, accuracy: 1e-6)
        // Row 0 arg-max is 2 (correct); row 1 ties pick index 0 ≠ 1.
        XCTAssertEqual(result.correctCount, 1)
        let third = 1.0 / 3
        let rowGradients: [Double] = [1.0 / 6, 2.0 / 6, 0.5 - 1, third, third - 1, third]
        let expected = rowGradients.map { $0 / 2 }
        for (a, b) in zip(result.gradient.data, expected) { XCTAssertEqual(Double(a), b, accuracy: 1e-6) }
    }

    func testSoftmaxCrossEntropyIsStableForHugeLogits() throws {
        let logits = Tensor(shape: [2, 2], data: [1000, 0, 1000, 0])
        let result = try SoftmaxCrossEntropy().evaluate(predictions: logits, targets: .classes([0, 1]))
        XCTAssertTrue(result.loss.isFinite)
        XCTAssertEqual(result.loss, 500, accuracy: 1e-3)          // (0 + 1000) / 2
        XCTAssertTrue(result.gradient.data.allSatisfy(\.isFinite))
        XCTAssertEqual(result.correctCount, 1)
    }

    func testSoftmaxCrossEntropyGradientMatchesFiniteDifferences() throws {
        try assertGradientMatchesFiniteDifferences(
            SoftmaxCrossEntropy(), predictions: randomTensor([4, 5], seed: 3), targets: .classes([0, 4, 2, 2]))
    }

    func testSoftmaxCrossEntropyOneHotTargetsMatchSparseLabels() throws {
        let logits = randomTensor([3, 4], seed: 4)
        let labels: [Int32] = [3, 0, 1]
        var oneHot = Tensor(zeros: [3, 4])
        for (r, l) in labels.enumerated() { oneHot.data[r * 4 + Int(l)] = 1 }
        let sparse = try SoftmaxCrossEntropy().evaluate(predictions: logits, targets: .classes(labels))
        let dense = try SoftmaxCrossEntropy().evaluate(predictions: logits, targets: .values(oneHot))
        XCTAssertEqual(sparse.loss, dense.loss, accuracy: 1e-6)
        XCTAssertEqual(sparse.correctCount, dense.correctCount)
        for (a, b) in zip(sparse.gradient.data, dense.gradient.data) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        try assertGradientMatchesFiniteDifferences(SoftmaxCrossEntropy(), predictions: logits, targets: .values(oneHot))
    }

    func testSoftmaxCrossEntropyRejectsBadLabels() {
        let logits = Tensor(zeros: [2, 3])
        XCTAssertThrowsError(try SoftmaxCrossEntropy().evaluate(predictions: logits, targets: .classes([0, 3]))) { error in
            XCTAssertTrue(String(describing: error).contains("label 3"), String(describing: error))
        }
        XCTAssertThrowsError(try SoftmaxCrossEntropy().evaluate(predictions: logits, targets: .classes([0])))
    }

    // MARK: Binary cross-entropy (from logits)

    func testBinaryCrossEntropyMatchesNaiveFormula() throws {
        let z: [Float] = [0, 2, -3, 0.5]
        let t: [Float] = [1, 0, 1, 0.25]
        let result = try BinaryCrossEntropy().evaluate(predictions: Tensor(shape: [4, 1], data: z), targets: .values(Tensor(shape: [4, 1], data: t)))
        var expected = 0.0
        for i in 0..<4 {
            let p = 1 / (1 + Foundation.exp(-Double(z[i])))
            expected += -Double(t[i]) * Foundation.log(p) - (1 - Double(t[i])) * Foundation.log(1 - p)
        }
        XCTAssertEqual(Double(result.loss), expected / 4, accuracy: 1e-6)
        // By hand: log 2, log(1 + e²), log(1 + e³), 0.25·log(1 + e^−0.5) + 0.75·log(1 + e^0.5).
        let terms: [Double] = [
            Foundation.log(2.0), Foundation.log(1 + Foundation.exp(2.0)), Foundation.log(1 + Foundation.exp(3.0)),
            0.25 * Foundation.log(1 + Foundation.exp(-0.5)) + 0.75 * Foundation.log(1 + Foundation.exp(0.5)),
        ]
        XCTAssertEqual(Double(result.loss), terms.reduce(0, +) / 4, accuracy: 1e-6)
        // z=0,t=1 wrong (z > 0 false); z=2,t=0 wrong; z=−3,t=1 wrong; z=0.5,t=0.25 wrong.
        XCTAssertEqual(result.correctCount, 0)
        let flipped = try BinaryCrossEntropy().evaluate(predictions: Tensor(shape: [4, 1], data: z), targets: .classes([0, 1, 0, 0]))
        XCTAssertEqual(flipped.correctCount, 3)
        try assertGradientMatchesFiniteDifferences(BinaryCrossEntropy(), predictions: randomTensor([3, 2], seed: 5), targets: .values(Tensor(shape: [3, 2], data: [0, 1, 1, 0.5, 0, 1])))
    }

    func testBinaryCrossEntropyIsStableForHugeLogits() throws {
        let result = try BinaryCrossEntropy().evaluate(predictions: Tensor(shape: [2, 1], data: [200, -200]), targets: .classes([0, 0]))
        XCTAssertEqual(result.loss, 100, accuracy: 1e-3)   // (200 + 0) / 2
        XCTAssertEqual(result.gradient.data[0], 0.5, accuracy: 1e-6)
        XCTAssertEqual(result.gradient.data[1], 0, accuracy: 1e-6)
        XCTAssertThrowsError(try BinaryCrossEntropy().evaluate(predictions: Tensor(zeros: [2, 1]), targets: .classes([0, 2])))
    }
}

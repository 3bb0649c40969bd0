import MinnowMetrics
import MinnowParity
import XCTest

final class ParityMetricsTests: XCTestCase {
    func testSQNRCosineAndMaxErrorOnHandComputedVectors() {
        var error = LayerError()
        let reference: [Float] = [3, 4, 0, 0]
        let quantized: [Float] = [3, 3, 1, 0]
        error.add(reference: reference, quantized: quantized, count: 4)
        // signal 25, noise 0 + 1 + 1 = 2 → 10·log10(12.5) = 10.9691 dB
        XCTAssertEqual(error.sqnrDecibels, 10 * log10(12.5), accuracy: 1e-12)
        // cos = (9 + 12) / (5 · √19)
        XCTAssertEqual(error.cosine, 21 / (5 * 19.0.squareRoot()), accuracy: 1e-12)
        XCTAssertEqual(error.maxAbsoluteError, 1)
        XCTAssertEqual(error.elementCount, 4)
    }

    func testExactLayersAreInfiniteSQNRAndAccumulationSpansCalls() {
        var exact = LayerError()
        exact.add(reference: [1, -2], quantized: [1, -2], count: 2)
        XCTAssertEqual(exact.sqnrDecibels, .infinity)
        XCTAssertEqual(exact.cosine, 1, accuracy: 1e-12)
        var split = LayerError(), whole = LayerError()
        split.add(reference: [1, 2], quantized: [1.5, 2], count: 2)
        split.add(reference: [3], quantized: [2], count: 1)
        whole.add(reference: [1, 2, 3], quantized: [1.5, 2, 2], count: 3)
        XCTAssertEqual(split, whole)
    }

    func testConfusionDifference() {
        var float = ConfusionMatrix(classCount: 3), int8 = ConfusionMatrix(classCount: 3)
        for (label, predicted) in [(0, 0), (0, 0), (1, 1), (2, 1)] { float.add(label: label, predicted: predicted) }
        for (label, predicted) in [(0, 0), (0, 2), (1, 1), (2, 2)] { int8.add(label: label, predicted: predicted) }
        XCTAssertEqual(int8.difference(float), [-1, 0, 1, 0, 0, 0, 0, -1, 1])
        XCTAssertEqual(float.rows, [[2, 0, 0], [0, 1, 0], [0, 1, 0]])
    }

    func testReportHeadlineAndHTML() {
        var float = ConfusionMatrix(classCount: 2), int8 = ConfusionMatrix(classCount: 2)
        float.add(label: 0, predicted: 0); float.add(label: 1, predicted: 0)
        int8.add(label: 0, predicted: 0); int8.add(label: 1, predicted: 1)
        var good = LayerError(); good.add(reference: [1, 1], quantized: [1, 1.01], count: 2)
        var bad = LayerError(); bad.add(reference: [1, 1], quantized: [1, 1.5], count: 2)
        let report = ParityReport(floatModel: "f.minnow", int8Model: "q.minnow", dataDescription: "toy", count: 2,
                                  floatCorrect: 1, int8Correct: 2, agreeing: 1, floatConfusion: float, int8Confusion: int8,
                                  layers: [.init(name: "a", op: "conv2D", error: good), .init(name: "b", op: "fullyConnected", error: bad)])
        XCTAssertEqual(report.floatAccuracy, 0.5)
        XCTAssertEqual(report.int8Accuracy, 1)
        XCTAssertEqual(report.agreement, 0.5)
        XCTAssertEqual(report.worstLayer?.name, "b")
        let json = report.jsonObject()
        XCTAssertEqual(json["worst_layer"] as? String, "b")
        XCTAssertEqual((json["layers"] as? [[String: Any]])?.count, 2)
        let html = ParityHTML.render(report)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 2, "SQNR bars and heat map")
        XCTAssertFalse(html.contains("http"), "the page must be self-contained")
    }
}

final class TaskParityTests: XCTestCase {
    private func report(outputs: Int, float: [Float], int8: [Float]) -> ParityReport {
        let count = float.count / outputs
        return ParityReport(floatModel: "f.minnow", int8Model: "q.minnow", dataDescription: "toy", count: count, floatCorrect: 0,
                            int8Correct: 0, agreeing: count, floatConfusion: ConfusionMatrix(classCount: 2),
                            int8Confusion: ConfusionMatrix(classCount: 2), layers: [], outputCount: outputs,
                            floatOutputs: float, int8Outputs: int8)
    }

    func testBinaryParityComparesDecisionsAndDropsTopOneFigures() {
        var r = report(outputs: 1, float: [0.9, 0.2, 0.6, 0.4], int8: [0.8, 0.3, 0.45, 0.4])
        r.compareTask(.binary, targets: .labels([1, 0, 1, 1]), binaryThreshold: 0.5)
        let comparison = r.taskComparison!
        XCTAssertEqual(comparison.float[.binaryAccuracy], 0.75)
        XCTAssertEqual(comparison.int8[.binaryAccuracy], 0.5)
        XCTAssertEqual(comparison.decisionAgreement, 0.75, "item 2 crosses the threshold")
        XCTAssertEqual(comparison.maximumAbsoluteDifference, Double(Float(0.6) - Float(0.45)), accuracy: 1e-7)
        let json = r.jsonObject()
        XCTAssertNil(json["agreement"], "no top-1 agreement for one output")
        XCTAssertNil(json["float_accuracy"])
        XCTAssertEqual(json["task"] as? String, "binary")
        XCTAssertEqual((json["float_metrics"] as? [String: Double])?["binary_accuracy"], 0.75)
        XCTAssertTrue(r.headline.hasPrefix("binary: float binary accuracy 75.00%"), r.headline)
        let html = ParityHTML.render(r)
        XCTAssertTrue(html.contains("binary accuracy: float / int8"), "task cards")
        XCTAssertFalse(html.contains("Confusion difference"), "no arg-max confusion for one output")
    }

    func testRegressionParityScoresBothAgainstTheTargets() {
        var r = report(outputs: 2, float: [1, 2, 3, 4], int8: [1.5, 2, 3, 3])
        r.compareTask(.regression, targets: .values([1, 2, 3, 5], perItem: 2))
        let comparison = r.taskComparison!
        XCTAssertEqual(comparison.float[.meanSquaredError], 0.25)
        XCTAssertEqual(comparison.int8[.meanSquaredError], (0.25 + 4) / 4)
        XCTAssertNil(comparison.decisionAgreement)
        XCTAssertEqual(comparison.meanAbsoluteDifference, 1.5 / 4)
        XCTAssertNil(r.jsonObject()["confusion_float"])
    }

    func testClassificationKeepsTheTopOneReport() {
        var r = report(outputs: 2, float: [0.1, 0.9, 0.8, 0.2], int8: [0.2, 0.8, 0.4, 0.6])
        r.compareTask(.classification, targets: .labels([1, 0]))
        XCTAssertEqual(r.taskComparison?.decisionAgreement, 0.5)
        XCTAssertNotNil(r.jsonObject()["agreement"])
        XCTAssertTrue(r.headline.hasPrefix("float accuracy"))
    }
}

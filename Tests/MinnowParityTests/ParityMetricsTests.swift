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

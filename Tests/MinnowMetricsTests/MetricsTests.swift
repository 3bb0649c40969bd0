import MinnowMetrics
import XCTest

final class MetricsTests: XCTestCase {
    private func add(_ metrics: inout TaskMetrics, _ outputs: [Float], label: Int) {
        outputs.withUnsafeBufferPointer { _ = metrics.add(outputs: $0, label: label) }
    }

    private func add(_ metrics: inout TaskMetrics, _ outputs: [Float], targets: [Float]) {
        outputs.withUnsafeBufferPointer { o in targets.withUnsafeBufferPointer { metrics.add(outputs: o, targets: $0) } }
    }

    func testClassificationAccuracyTakesTheFirstLargestScore() {
        var metrics = TaskMetrics(task: .classification, outputCount: 3)
        add(&metrics, [0.1, 0.7, 0.2], label: 1)   // right
        add(&metrics, [0.5, 0.5, 0.0], label: 1)   // tie: first largest is 0, wrong
        add(&metrics, [-1, -2, -0.5], label: 2)    // right
        add(&metrics, [3, 2, 1], label: 2)         // wrong
        let report = metrics.report
        XCTAssertEqual(report.count, 4)
        XCTAssertEqual(report[.accuracy], 0.5)
        XCTAssertNil(report[.auc])
        XCTAssertEqual(report.summary, "accuracy 50.00%")
    }

    func testAUCMatchesPairCountingWithTies() {
        // AUC = P(score of a positive > score of a negative) + ½ P(equal).
        let scores: [Float] = [0.1, 0.4, 0.35, 0.8, 0.4, 0.2, 0.9, 0.4]
        let positives = [false, false, true, true, true, false, true, false]
        var wins = 0.0, pairs = 0.0
        for i in scores.indices where positives[i] {
            for j in scores.indices where !positives[j] {
                pairs += 1
                wins += scores[i] > scores[j] ? 1 : (scores[i] == scores[j] ? 0.5 : 0)
            }
        }
        let auc = BinaryClassificationMetrics.auc(scores: scores, positives: positives)
        XCTAssertEqual(auc!, wins / pairs, accuracy: 1e-12)
        XCTAssertNil(BinaryClassificationMetrics.auc(scores: [0.1, 0.2], positives: [true, true]), "undefined with one class")
    }

    func testBinaryThresholdDependsOnLogitsOrProbabilities() {
        var logits = TaskMetrics(task: .binary, outputCount: 1, binaryThreshold: 0)
        var probabilities = TaskMetrics(task: .binary, outputCount: 1, binaryThreshold: 0.5)
        for (score, label) in [(Float(0.3), 1), (-0.2, 0), (0.45, 0), (2.0, 1)] {
            add(&logits, [score], label: label)
            add(&probabilities, [score], label: label)
        }
        XCTAssertEqual(logits.report[.binaryAccuracy], 0.75)      // 0.45 > 0 is a wrong positive
        XCTAssertEqual(probabilities.report[.binaryAccuracy], 0.75) // 0.3 < ½ is a wrong negative
        XCTAssertEqual(logits.report[.auc], 0.75)
        XCTAssertNil(logits.report[.accuracy], "a one-output model has no top-1 accuracy")
    }

    func testRegressionMSEMAEAndRSquared() {
        var metrics = TaskMetrics(task: .regression, outputCount: 2)
        let outputs: [[Float]] = [[1, 5], [2, 5], [4, 5]]
        let targets: [[Float]] = [[1, 5], [3, 5], [5, 5]]
        for (o, t) in zip(outputs, targets) { add(&metrics, o, targets: t) }
        let report = metrics.report
        XCTAssertEqual(report[.meanSquaredError]!, 2.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(report[.meanAbsoluteError]!, 2.0 / 6, accuracy: 1e-12)
        // Output 0: targets 1, 3, 5 (mean 3, SS_tot 8), SS_res 2 → R² 0.75; output 1 is constant and skipped.
        XCTAssertEqual(report[.rSquared]!, 0.75, accuracy: 1e-12)
        XCTAssertNil(report[.accuracy])
    }

    func testRSquaredKeepsPrecisionFarFromZero() {
        var metrics = RegressionMetrics(outputCount: 1)
        for (y, prediction) in [(1e6 + 1, 1e6 + 1.5), (1e6 + 2, 1e6 + 2), (1e6 + 3, 1e6 + 2.5)] as [(Float, Float)] {
            [prediction].withUnsafeBufferPointer { o in [y].withUnsafeBufferPointer { metrics.add(outputs: o, targets: $0) } }
        }
        XCTAssertEqual(metrics.rSquared!, 1 - 0.5 / 2, accuracy: 1e-9)
    }

    func testFormatting() {
        XCTAssertEqual(Metric(.accuracy, 0.88154).formattedValue, "88.15%")
        XCTAssertEqual(Metric(.auc, 0.93124).formattedValue, "0.9312")
        XCTAssertEqual(Metric(.meanSquaredError, 0.0012345).formattedValue, "0.001235")
        XCTAssertEqual(Metric(.rSquared, -0.5).formattedValue, "-0.5000")
        XCTAssertEqual(Metric(.auc, 1).formattedValue, "1.0000")
        XCTAssertEqual(Metric(.meanAbsoluteError, 12.5).formattedValue, "12.500")
        let report = MetricReport(task: .binary, count: 2, metrics: [Metric(.binaryAccuracy, 0.5), Metric(.auc, 1)])
        XCTAssertEqual(report.dictionary, ["binary_accuracy": 0.5, "auc": 1])
        XCTAssertEqual(report.headline?.key, .binaryAccuracy)
    }
}

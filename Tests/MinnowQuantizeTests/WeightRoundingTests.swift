import MinnowData
import MinnowQuantize
import MinnowRuntime
import XCTest

/// GPTQ rounding, bias correction and the decision output range, against plain reimplementations.
final class WeightRoundingTests: XCTestCase {
    /// Per-row `max|w|/127` scales and nearest rounding, written out independently.
    func nearest(_ w: [Float], rows: Int, depth: Int) -> (values: [Int8], scales: [Float]) {
        var scales = [Float](), values = [Int8]()
        for r in 0..<rows {
            let row = w[r * depth..<(r + 1) * depth]
            let s = row.map(abs).max()! / 127
            scales.append(s)
            values += row.map { Int8(max(-127, min(127, ($0 / s).rounded()))) }
        }
        return (values, scales)
    }

    /// Mean over items and rows of `((W_q − W)·x)²`.
    func outputMSE(_ q: [Int8], scales: [Float], _ w: [Float], items: [[Float]], rows: Int, depth: Int) -> Double {
        var sum = 0.0
        for x in items {
            for r in 0..<rows {
                var e = 0.0
                for i in 0..<depth { e += (Double(q[r * depth + i]) * Double(scales[r]) - Double(w[r * depth + i])) * Double(x[i]) }
                sum += e * e
            }
        }
        return sum / Double(items.count * rows)
    }

    /// Correlated inputs: each item mixes 4 latent factors into 32 features plus a little noise.
    func correlatedItems(count: Int, depth: Int, seed: UInt64) -> [[Float]] {
        var r = TestRandom(seed)
        let mixing = r.array(4 * depth, -1, 1)
        return (0..<count).map { _ in
            let z = r.array(4, -1, 1)
            return (0..<depth).map { i in (0..<4).reduce(Float(0)) { $0 + z[$1] * mixing[$1 * depth + i] } + 0.05 * r.next() }
        }
    }

    func gram(_ items: [[Float]], depth: Int) -> [Double] {
        var h = [Double](repeating: 0, count: depth * depth)
        for x in items { for i in 0..<depth { for j in 0..<depth { h[i * depth + j] += Double(x[i]) * Double(x[j]) } } }
        return h.map { $0 / Double(items.count) }
    }

    func testGPTQReducesLayerOutputErrorOnCorrelatedInputs() {
        let rows = 8, depth = 32
        var r = TestRandom(5)
        let w = r.array(rows * depth, -0.5, 0.5)
        let all = correlatedItems(count: 400, depth: depth, seed: 6)
        let items = Array(all.prefix(300)), heldOut = Array(all.suffix(100))
        let (nearestValues, scales) = nearest(w, rows: rows, depth: depth)
        let gptq = GPTQRounding.quantize(weights: w, rows: rows, depth: depth, hessian: gram(items, depth: depth), scales: scales)
        let before = outputMSE(nearestValues, scales: scales, w, items: items, rows: rows, depth: depth)
        let after = outputMSE(gptq, scales: scales, w, items: items, rows: rows, depth: depth)
        XCTAssertLessThan(after, 0.5 * before, "GPTQ output MSE \(after) vs nearest \(before)")
        // Held-out items from the same distribution benefit too (not an overfit to the sample).
        XCTAssertLessThan(outputMSE(gptq, scales: scales, w, items: heldOut, rows: rows, depth: depth),
                          outputMSE(nearestValues, scales: scales, w, items: heldOut, rows: rows, depth: depth))
        // Same scales: every value is a valid symmetric int8 and stays near its float weight.
        for (i, q) in gptq.enumerated() {
            XCTAssertGreaterThanOrEqual(q, -127)
            XCTAssertLessThanOrEqual(abs(Float(q) * scales[i / depth] - w[i]), 4 * scales[i / depth], "value \(i) wandered off")
        }
    }

    /// With `H = c·I` no error is propagated (the inverse's Cholesky factor is diagonal), so
    /// GPTQ is exactly nearest rounding, in either column order.
    func testGPTQIsNearestRoundingForAnIsotropicHessian() {
        let rows = 5, depth = 19
        var r = TestRandom(9)
        let w = r.array(rows * depth, -2, 2)
        var h = [Double](repeating: 0, count: depth * depth)
        for i in 0..<depth { h[i * depth + i] = 3.5 }
        let (expected, scales) = nearest(w, rows: rows, depth: depth)
        XCTAssertEqual(GPTQRounding.quantize(weights: w, rows: rows, depth: depth, hessian: h, scales: scales), expected)
        XCTAssertEqual(GPTQRounding.quantize(weights: w, rows: rows, depth: depth, hessian: h, scales: scales,
                                             descendingOrder: false), expected)
    }

    /// Lowest runner-up to highest maximum, per decision of `classes` values.
    func testDecisionRangeSpansRunnerUpsToMaxima() {
        // Decisions: [1, 5, 2] (runner-up 2), [0, −1, 7] (0), [−3, −9, −4] (−4), [9, 8, 8.5] (8.5).
        let items: [[Float]] = [[1, 5, 2, 0, -1, 7], [-3, -9, -4, 9, 8, 8.5]]
        let range = DecisionRange.range(items: items, classes: 3)
        XCTAssertEqual(range?.minimum, -4)
        XCTAssertEqual(range?.maximum, 9)
        let widened = DecisionRange.range(items: items, classes: 3, margin: 0.5)
        XCTAssertEqual(widened?.minimum, -4 - 0.5 * 13)
        XCTAssertNil(DecisionRange.range(items: items, classes: 1), "a single output decides nothing")
    }

    /// End to end on the small MLP: GPTQ and bias correction change weight values but not the
    /// file size, the scales, or the model's loadability; the decision range narrows the
    /// output scale.
    func testOptionsKeepFileSizeAndScales() throws {
        let float = FloatModels.mlp(inputs: 24, hidden: 16, classes: 4)
        let data = try FloatModels.randomData(itemShape: [24], count: 80, seed: 3)
        func run(_ options: QuantizationOptions) throws -> QuantizationResult {
            try Quantizer.quantize(modelBytes: float.serializedBytes(), calibration: data, dataName: "random",
                                   sampleCount: 80, options: options)
        }
        let plain = try run(QuantizationOptions(rounding: .nearest, biasCorrection: false, outputRange: .calibrated))
        let tuned = try run(QuantizationOptions(rounding: .gptq, biasCorrection: true, outputRange: .decision))
        let a = try plain.builder.serializedBytes(), b = try tuned.builder.serializedBytes()
        XCTAssertEqual(a.count, b.count)
        XCTAssertNoThrow(try b.withUnsafeBytes { _ = try Model(bytes: $0) })
        XCTAssertTrue(plain.plan.int8Weights.isEmpty)
        XCTAssertEqual(Set(tuned.plan.int8Weights.keys), [0, 1])
        for (op, weights) in tuned.plan.int8Weights {
            XCTAssertEqual(weights.scales, plain.plan.weights(of: op, axis: 0)!.scales)
        }
        let outScale = { (r: QuantizationResult) in r.builder.tensors[r.builder.outputs[0]].quantization!.scales[0] }
        XCTAssertLessThan(outScale(tuned), outScale(plain))
    }
}

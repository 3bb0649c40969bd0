import MinnowQuantize
import MinnowRuntime
import XCTest

final class QuantizationMathTests: XCTestCase {
    func testActivationParametersHandCases() {
        // [0, 2.55]: scale 0.01, zero at −128.
        let p = ActivationQuantization.parameters(minimum: 0, maximum: 2.55)
        XCTAssertEqual(p.scales[0], 0.01, accuracy: 1e-7)
        XCTAssertEqual(p.zeroPoints[0], -128)
        // [−2.55, 0]: zero at 127.
        XCTAssertEqual(ActivationQuantization.parameters(minimum: -2.55, maximum: 0).zeroPoints[0], 127)
        // A positive-only range is widened to include 0.
        let q = ActivationQuantization.parameters(minimum: 1, maximum: 2.55)
        XCTAssertEqual(q.scales[0], 0.01, accuracy: 1e-7)
        XCTAssertEqual(q.zeroPoints[0], -128)
    }

    /// Zero-point nudging: real 0 maps to an integer zero point in −128…127 and back to exactly 0,
    /// and the range ends stay representable within half a step.
    func testZeroIsExactlyRepresentable() {
        var r = TestRandom(3)
        for _ in 0..<500 {
            let lo = r.next(-5, 1), hi = lo + r.next(0.01, 10)
            let p = ActivationQuantization.parameters(minimum: lo, maximum: hi)
            let s = p.scales[0], z = p.zeroPoints[0]
            XCTAssert((-128...127).contains(z))
            XCTAssertEqual(ActivationQuantization.quantize(0, scale: s, zeroPoint: z), Int8(z))
            XCTAssertEqual(ActivationQuantization.fakeQuantize(0, scale: s, zeroPoint: z), 0)
            for end in [min(lo, 0), max(hi, 0)] {
                XCTAssertLessThanOrEqual(abs(ActivationQuantization.fakeQuantize(end, scale: s, zeroPoint: z) - end), s * 0.5 + s * 1e-3,
                                         "range [\(lo), \(hi)] end \(end)")
            }
        }
    }

    func testPerChannelWeightsErrorAtMostHalfAScale() {
        var r = TestRandom(4)
        let shape = [3, 2, 2, 5]
        var w = r.array(60, -2, 2)
        for i in 20..<40 { w[i] = 0 }  // channel 1 all zero
        let q = ChannelQuantizedWeights(weights: w, shape: shape, axis: 0)
        XCTAssertEqual(q.scales.count, 3)
        XCTAssertEqual(q.scales[1], 1, "all-zero channel gets scale 1")
        for c in [0, 2] {
            let channel = Array(w[c * 20..<(c + 1) * 20])
            XCTAssertEqual(q.scales[c], channel.map(abs).max()! / 127, accuracy: 1e-7)
            XCTAssertEqual(q.values[c * 20..<(c + 1) * 20].map { abs(Int($0)) }.max(), 127)
        }
        XCTAssert(q.values.allSatisfy { $0 >= -127 })
        let back = q.dequantized(shape: shape)
        for i in w.indices {
            XCTAssertLessThanOrEqual(abs(back[i] - w[i]), q.scales[i / 20] / 2 * 1.0001)
        }
        // Depthwise: channel axis 3 of [1, kH, kW, C].
        let dw = ChannelQuantizedWeights(weights: [1, -4, 0.5, 2, 2, 8], shape: [1, 1, 3, 2], axis: 3)
        XCTAssertEqual(dw.scales, [2.0 / 127, 8.0 / 127])
        XCTAssertEqual(dw.values, [64, -64, 32, 32, 127, 127])
    }

    func testBiasQuantizedAtInputTimesWeightScale() {
        XCTAssertEqual(BiasQuantization.quantize([1, -0.5], inputScale: 0.5, weightScales: [0.01, 0.1]), [200, -10])
    }
}

import Foundation
import MinnowQuantize
import XCTest

final class ObserverTests: XCTestCase {
    func testMinMaxIsExactOverSamples() {
        var o = TensorObserver()
        o.observeRange([0.5, -1.25, 3])
        o.observeRange([2, 7.5, -0.5])
        let r = o.range(.minMax)!
        XCTAssertEqual(r.minimum, -1.25)
        XCTAssertEqual(r.maximum, 7.5)
        XCTAssertNil(TensorObserver().range(.minMax))
    }

    func testMovingAverageFollowsPerSampleExtremes() {
        var o = TensorObserver()
        o.momentum = 0.5
        o.observeRange([0, 4])   // avg (0, 4)
        o.observeRange([-2, 8])  // (−1, 6)
        o.observeRange([2, 2])   // (0.5, 4)
        let r = o.range(.movingAverage)!
        XCTAssertEqual(r.minimum, 0.5, accuracy: 1e-6)
        XCTAssertEqual(r.maximum, 4, accuracy: 1e-6)
    }

    /// 10,000 evenly spread values in [0, 10000): percentile 98 keeps [q(0.02), q(0.98)] ≈ [200, 9800].
    func testPercentileClipsTheTails() {
        var o = TensorObserver()
        o.percentile = 98
        let values = (0..<10_000).map { Float($0) }
        o.observeRange(values)
        o.observeHistogram(values)
        let r = o.range(.percentile)!
        let bin: Float = 9999.0 / 2048
        XCTAssertEqual(r.minimum, 200, accuracy: 2 * bin)
        XCTAssertEqual(r.maximum, 9800, accuracy: 2 * bin)
    }

    /// Laplace(0, 1) samples (long tails whose extreme values are rare outliers): the MSE-optimal
    /// clip lies inside the min/max range and has lower expected error than min/max itself. (At
    /// 8 bits rounding noise is tiny, so the optimum clips only a little: squared error punishes
    /// clipping far outliers hard.)
    func testMSEClipIsNarrowerThanMinMaxOnLongTails() {
        var r = TestRandom(5)
        let values: [Float] = (0..<100_000).map { _ in
            let u = r.next(-0.4999, 0.4999)
            return -(u < 0 ? -1 : 1) * Float(Foundation.log(Double(1 - 2 * abs(u))))
        }
        var o = TensorObserver()
        o.observeRange(values)
        o.observeHistogram(values)
        let clip = o.range(.mse)!, full = o.range(.minMax)!
        XCTAssertLessThan(clip.maximum - clip.minimum, 0.99 * (full.maximum - full.minimum), "\(clip) vs \(full)")
        XCTAssertGreaterThan(clip.maximum - clip.minimum, 0.8 * (full.maximum - full.minimum))
        let h = o.histogram!
        XCTAssertLessThan(RangeSelection.quantizationError(h, lo: clip.minimum, hi: clip.maximum),
                          RangeSelection.quantizationError(h, lo: full.minimum, hi: full.maximum))
        // Evenly spread data has no tails to clip: MSE keeps (nearly) the full range.
        var plain = TensorObserver()
        let uniform = r.array(20_000, 0, 1)
        plain.observeRange(uniform)
        plain.observeHistogram(uniform)
        XCTAssertGreaterThan(plain.range(.mse)!.maximum, 0.9)
    }

    /// KL calibration: exponential (ReLU-like, long-tailed) data gets a threshold below its
    /// maximum that still covers the bulk; a uniform distribution keeps (nearly) all of it.
    func testEntropyThreshold() {
        var r = TestRandom(9)
        let values: [Float] = (0..<100_000).map { _ in -Float(Foundation.log(Double(r.next(1e-6, 1)))) }
        var o = TensorObserver()
        o.observeRange(values)
        o.observeHistogram(values)
        let clip = o.range(.entropy)!
        XCTAssertGreaterThanOrEqual(clip.minimum, 0)
        XCTAssertLessThan(clip.maximum, 0.9 * values.max()!)
        XCTAssertGreaterThan(clip.maximum, 3, "should keep ≥ 95% of the mass (q(0.95) ≈ 3)")

        var u = TensorObserver()
        let uniform = r.array(20_000, 0, 1)
        u.observeRange(uniform)
        u.observeHistogram(uniform)
        XCTAssertGreaterThan(u.range(.entropy)!.maximum, 0.9)
    }

    func testHistogramPutsOutOfRangeValuesInEndBins() {
        var h = Histogram(lowerBound: 0, upperBound: 4, binCount: 4)
        h.add([-3, 0.5, 1.5, 1.7, 3.9, 9])
        XCTAssertEqual(h.counts, [2, 2, 0, 2])
    }
}

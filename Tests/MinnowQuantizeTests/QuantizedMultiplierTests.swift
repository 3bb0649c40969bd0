import MinnowRuntime
import XCTest

/// Hand-computed cases of the requantization arithmetic shared by quantizer and kernels.
final class QuantizedMultiplierTests: XCTestCase {
    func testEncodingOfExactPowersAndFractions() {
        // 0.5 = 2^30 · 2^(0 − 31)
        XCTAssertEqual(QuantizedMultiplier(0.5), QuantizedMultiplier(multiplier: 1 << 30, shift: 0))
        // 0.25 = 2^30 · 2^(−1 − 31)
        XCTAssertEqual(QuantizedMultiplier(0.25), QuantizedMultiplier(multiplier: 1 << 30, shift: -1))
        // 3.0 = 0.75 · 2^2 → multiplier 0.75 · 2^31 = 1610612736, shift 2
        XCTAssertEqual(QuantizedMultiplier(3.0), QuantizedMultiplier(multiplier: 1_610_612_736, shift: 2))
        // Just below 1: the mantissa rounds up to 2^31 and renormalizes to 2^30 with shift + 1.
        XCTAssertEqual(QuantizedMultiplier(1 - 1e-12), QuantizedMultiplier(multiplier: 1 << 30, shift: 1))
        XCTAssertEqual(QuantizedMultiplier(0), QuantizedMultiplier(multiplier: 0, shift: 0))
    }

    func testSingleRoundingRoundsHalfUp() {
        let half = QuantizedMultiplier(0.5)
        XCTAssertEqual(half.apply(5), 3)    // 2.5 → 3
        XCTAssertEqual(half.apply(-5), -2)  // −2.5 → −2 (half up, toward +∞)
        XCTAssertEqual(half.apply(7), 4)    // 3.5 → 4
        XCTAssertEqual(half.apply(6), 3)
        let quarter = QuantizedMultiplier(0.25)
        XCTAssertEqual(quarter.apply(-6), -1)  // −1.5 → −1
        XCTAssertEqual(quarter.apply(1000), 250)
        XCTAssertEqual(QuantizedMultiplier(3.0).apply(-7), -21)
    }

    func testApplyMatchesRealArithmeticOverManyMultipliers() {
        var state: UInt64 = 12345
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        for _ in 0..<2000 {
            let real = Double(next() % 1_000_000 + 1) / 1_000_000 * 0.9  // (0, 0.9]
            let q = QuantizedMultiplier(real)
            let x = Int32(truncatingIfNeeded: Int64(next() % 2_000_000) - 1_000_000)
            let exact = Double(x) * Double(q.multiplier) * pow(2.0, Double(q.shift - 31))
            XCTAssertEqual(Double(q.apply(x)), (exact + 0.5).rounded(.down), "x=\(x) m=\(real)")
            XCTAssertLessThan(abs(Double(q.multiplier) * pow(2.0, Double(q.shift - 31)) - real), real * 1e-9)
        }
    }

    func testPackingPlacesEveryWeightOnceAndTailPanelsAreUnpadded() {
        let n = 21, k = 7  // one full panel + a 5-lane tail; k padded to 8
        let weights = (0..<(n * k)).map { Int8(truncatingIfNeeded: $0 % 251 - 125) }
        let packed = WeightPacking.pack(weights, channels: n, depth: k)
        XCTAssertEqual(packed.count, n * 8)
        // Hand-computed positions: w[0][0] at 0; w[0][4] at group 1 of panel 0 → (1·16 + 0)·4 = 64;
        // w[17][5] in the tail panel (lanes 5): start 16·2·4 = 128, (1·5 + 1)·4 + 1 = 25 → 153.
        XCTAssertEqual(packed[0], weights[0])
        XCTAssertEqual(packed[64], weights[4])
        XCTAssertEqual(packed[153], weights[17 * k + 5])
        var seen = Set<Int>()
        for c in 0..<n { for i in 0..<k { seen.insert(WeightPacking.packedIndex(channel: c, input: i, channels: n, depth: k)) } }
        XCTAssertEqual(seen.count, n * k)
        XCTAssertTrue(seen.allSatisfy { $0 < packed.count })
    }

    func testFoldedBiasReproducesZeroPointArithmetic() {
        let weights: [Int8] = [1, -2, 3, 4, 5, -6]  // 2 channels × 3 inputs
        let sums = WeightPacking.channelSums(weights, channels: 2, depth: 3)
        XCTAssertEqual(sums, [2, 3])
        let folded = WeightPacking.foldedBias([10, -20], channelSums: sums, inputZeroPoint: -3)
        // bias − (z + 128)·Σw = 10 − 125·2, −20 − 125·3
        XCTAssertEqual(folded, [-240, -395])
        // Σ (x + 128)·w + folded == bias + Σ (x − z)·w for any x.
        let x: [Int32] = [7, -128, 100]
        for c in 0..<2 {
            var kernel: Int32 = folded[c], direct: Int32 = [10, -20][c]
            for i in 0..<3 {
                kernel += (x[i] + 128) * Int32(weights[c * 3 + i])
                direct += (x[i] + 3) * Int32(weights[c * 3 + i])
            }
            XCTAssertEqual(kernel, direct)
        }
    }
}

import Foundation
import MinnowTrain
import XCTest

/// `VectorMath` kernels against Foundation's double-precision functions.
final class VectorMathTests: XCTestCase {
    /// Evenly spaced inputs, plus a count that is not a multiple of any vector width.
    private func grid(_ low: Float, _ high: Float, count: Int = 20_011) -> [Float] {
        (0..<count).map { low + (high - low) * Float($0) / Float(count - 1) }
    }

    /// Largest relative error in units of 2⁻²³ ≈ 1.19e-7 (one ULP at 1.0), over every backend.
    /// Measured: exp 0.66, sigmoid 1.23, tanh 1.0; the bounds below leave a little margin.
    private func maxError(_ f: ([Float]) -> [Float], _ exact: (Double) -> Double, _ xs: [Float]) -> Double {
        var worst = 0.0
        for backend in KernelBackend.available {
            VectorMath.backend = backend
            defer { VectorMath.backend = .best }
            for (x, y) in zip(xs, f(xs)) {
                let e = exact(Double(x))
                worst = max(worst, abs(Double(y) - e) / abs(e) / 0x1p-23)
            }
        }
        return worst
    }

    func testExpAccuracy() {
        // Normal-range results only (subnormals have fewer significant bits).
        let error = maxError(VectorMath.exp, Foundation.exp, grid(-87, 88.7))
        XCTAssertLessThanOrEqual(error, 1, "exp max relative error \(error) × 2⁻²³")
        XCTAssertEqual(VectorMath.exp([0, 1])[0], 1)
        XCTAssertEqual(Double(VectorMath.exp([1])[0]), M_E, accuracy: 2.5e-7)
    }

    func testExpSpecialValues() {
        let y = VectorMath.exp([-200, -104, 89, 200, .infinity, -.infinity, .nan, -100])
        XCTAssertEqual(y[0], 0)
        XCTAssertEqual(y[1], 0)
        XCTAssertEqual(y[2], .infinity)
        XCTAssertEqual(y[3], .infinity)
        XCTAssertEqual(y[4], .infinity)
        XCTAssertEqual(y[5], 0)
        XCTAssertTrue(y[6].isNaN)
        // exp(-100) ≈ 3.72e-44 is subnormal: within one subnormal step of the truth.
        XCTAssertEqual(Double(y[7]), Foundation.exp(-100.0), accuracy: 1.5e-45)
    }

    func testSigmoidAccuracy() {
        let exact: (Double) -> Double = { 1 / (1 + Foundation.exp(-$0)) }
        let error = maxError(VectorMath.sigmoid, exact, grid(-87, 40))
        XCTAssertLessThanOrEqual(error, 2, "sigmoid max relative error \(error) ULP")
        let y = VectorMath.sigmoid([0, 200, -200, .nan])
        XCTAssertEqual(y[0], 0.5)
        XCTAssertEqual(y[1], 1)
        XCTAssertEqual(y[2], 0)
        XCTAssertTrue(y[3].isNaN)
    }

    func testTanhAccuracy() {
        let wide = maxError(VectorMath.tanh, Foundation.tanh, grid(-20, 20))
        let nearZero = maxError(VectorMath.tanh, Foundation.tanh, grid(-1, 1, count: 10_001).filter { $0 != 0 })
        XCTAssertLessThanOrEqual(wide, 2, "tanh max relative error \(wide) ULP on ±20")
        XCTAssertLessThanOrEqual(nearZero, 2, "tanh max relative error \(nearZero) ULP on ±1")
        let y = VectorMath.tanh([0, -0.0, 1e-30, 50, -50, .nan])
        XCTAssertEqual(y[0].bitPattern, Float(0).bitPattern)
        XCTAssertEqual(y[1].bitPattern, Float(-0.0).bitPattern)
        XCTAssertEqual(y[2], 1e-30)
        XCTAssertEqual(y[3], 1)
        XCTAssertEqual(y[4], -1)
        XCTAssertTrue(y[5].isNaN)
    }

    func testBackendsAgreeBitForBitOnEveryTailLength() {
        var g = SeededGenerator(seed: 3)
        let xs = (0..<4099).map { _ in g.uniform(-30, 30) }
        let functions: [(String, ([Float]) -> [Float])] =
            [("exp", VectorMath.exp), ("sigmoid", VectorMath.sigmoid), ("tanh", VectorMath.tanh)]
        defer { VectorMath.backend = .best }
        for (name, f) in functions {
            VectorMath.backend = .scalar
            let expected = f(xs)
            for backend in KernelBackend.available {
                VectorMath.backend = backend
                for count in [0, 1, 7, 8, 9, 15, 16, 17, 33, 4099] {
                    let got = f(Array(xs[0..<count]))
                    XCTAssertEqual(got.map(\.bitPattern), expected[0..<count].map(\.bitPattern), "\(name) \(backend) count \(count)")
                }
            }
        }
    }

    func testInPlace() {
        var g = SeededGenerator(seed: 9)
        let xs = (0..<100).map { _ in g.uniform(-5, 5) }
        var buffer = xs
        buffer.withUnsafeMutableBufferPointer { p in
            VectorMath.sigmoid(UnsafePointer(p.baseAddress!), p.baseAddress!, count: p.count)
        }
        XCTAssertEqual(buffer, VectorMath.sigmoid(xs))
    }
}

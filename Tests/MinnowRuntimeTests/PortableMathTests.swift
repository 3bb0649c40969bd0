import Foundation
import MinnowRuntime
import XCTest

/// The runtime's own exp/tanh/sigmoid (plain Float arithmetic, identical bits on every target)
/// against Foundation's double-precision functions.
final class PortableMathTests: XCTestCase {
    private func ulpError(_ got: Float, _ exact: Double) -> Double {
        let rounded = Float(exact)
        guard rounded.isFinite, rounded != 0 else { return got == rounded ? 0 : .infinity }
        return abs(Double(got) - exact) / Double(rounded.ulp)
    }

    func testExpIsWithinFourULPOverItsRange() {
        var worst = 0.0
        var x: Float = -87
        while x < 88.7 {
            worst = max(worst, ulpError(PortableMath.exp(x), Foundation.exp(Double(x))))
            x += 0.0137
        }
        XCTAssertLessThan(worst, 4, "worst exp error \(worst) ULP")
        XCTAssertEqual(PortableMath.exp(0), 1)
        XCTAssertEqual(PortableMath.exp(100), .infinity)
        XCTAssertEqual(PortableMath.exp(-200), 0)
        XCTAssertTrue(PortableMath.exp(.nan).isNaN)
        // Subnormal results stay close to the true value.
        XCTAssertEqual(Double(PortableMath.exp(-100)), Foundation.exp(-100.0), accuracy: 1e-45)
    }

    func testTanhAndSigmoidAreAccurateIncludingNearZero() {
        var worstTanh = 0.0, worstSigmoid = 0.0
        var x: Float = -12
        while x < 12 {
            worstTanh = max(worstTanh, ulpError(PortableMath.tanh(x), Foundation.tanh(Double(x))))
            worstSigmoid = max(worstSigmoid, ulpError(PortableMath.sigmoid(x), 1 / (1 + Foundation.exp(-Double(x)))))
            x += 0.00731
        }
        for tiny: Float in [1e-3, 1e-5, -2e-7, 3e-20] {
            worstTanh = max(worstTanh, ulpError(PortableMath.tanh(tiny), Foundation.tanh(Double(tiny))))
        }
        XCTAssertLessThan(worstTanh, 4, "worst tanh error \(worstTanh) ULP")
        XCTAssertLessThan(worstSigmoid, 4, "worst sigmoid error \(worstSigmoid) ULP")
        XCTAssertEqual(PortableMath.tanh(50), 1)
        XCTAssertEqual(PortableMath.tanh(-50), -1)
        XCTAssertEqual(PortableMath.tanh(-0.0).sign, .minus)
    }
}

import MinnowRuntime
import XCTest

/// The trap-free float → integer conversion the runtime's hot loops use (release builds keep
/// the checks of `Int32(_:)`, since no target of the package is built with -Ounchecked) must
/// give exactly what `Int32(_:)` gives, and so must everything built on it.
final class UncheckedConversionTests: XCTestCase {
    /// Integers, halves and their float neighbours over the range the callers use, plus a
    /// deterministic spread of other values up to the 2^22 limit.
    private func samples() -> [Float] {
        var values: [Float] = [0, -0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude]
        for k in -300...300 {
            for base in [Float(k), Float(k) + 0.5] {
                values += [base, base.nextUp, base.nextDown, base.nextUp.nextUp, base.nextDown.nextDown]
            }
        }
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<200_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let unit = Float(state >> 40) / Float(1 << 24)           // [0, 1)
            let magnitude = Float(1 << ((state >> 20) % 23))          // 1 … 2^22
            let value = (unit * 2 - 1) * magnitude
            if value.magnitude < 4_194_304 { values.append(value) }
        }
        return values
    }

    func testTruncationEqualsInt32Conversion() {
        for t in samples() {
            XCTAssertEqual(PortableMath.truncatedToInt32(t), Int32(t), "t = \(t) (bits 0x\(String(t.bitPattern, radix: 16)))")
        }
    }

    func testRoundingEqualsRoundedInt32Conversion() {
        for t in samples() {
            XCTAssertEqual(PortableMath.roundedToInt32(t), Int32(t.rounded()), "t = \(t) (bits 0x\(String(t.bitPattern, radix: 16)))")
        }
    }

    func testExpEqualsTheCheckedFormulaBitForBit() {
        // portableExp as it was written with `Int32(_:)`; it must keep its exact bits, since
        // firmware-sim compares the host's float outputs with the boards' bit for bit.
        func checkedExp(_ x: Float) -> Float {
            if !(x < 88.72283) { return x.isNaN ? x : .infinity }
            if x < -103.97208 { return 0 }
            let scaled = x * 1.442695
            let n = Int32(scaled + (scaled >= 0 ? 0.5 : -0.5))
            let fn = Float(n)
            let r = (x - fn * 0.693_359_375) - fn * -2.121_944_4e-4
            var p: Float = 1.0 / 5040
            p = p * r + 1.0 / 720
            p = p * r + 1.0 / 120
            p = p * r + 1.0 / 24
            p = p * r + 1.0 / 6
            p = p * r + 0.5
            p = p * r + 1
            p = p * r + 1
            var v = p, e = n
            if e > 127 { v *= Float(bitPattern: UInt32(127 + 127) << 23); e -= 127 }
            if e < -126 { v *= Float(bitPattern: UInt32(-126 + 127) << 23); e += 126 }
            if e < -126 { v *= Float(bitPattern: UInt32(-126 + 127) << 23); e += 126 }
            return v * Float(bitPattern: UInt32(e + 127) << 23)
        }
        var x: Float = -110
        var checked = 0
        while x < 95 {
            // Around x = (k + 0.5)·ln 2 the range reduction's rounding ties are exercised too.
            for probe in [x, x.nextUp, x.nextDown] {
                XCTAssertEqual(PortableMath.exp(probe).bitPattern, checkedExp(probe).bitPattern, "x = \(probe)")
                checked += 1
            }
            x += 0.000_37
        }
        for k in -160...130 {
            let tie = (Float(k) + 0.5) / 1.442695
            for probe in [tie, tie.nextUp, tie.nextDown] {
                XCTAssertEqual(PortableMath.exp(probe).bitPattern, checkedExp(probe).bitPattern, "x = \(probe)")
            }
        }
        XCTAssertGreaterThan(checked, 1_000_000)
    }

    func testQuantizeOperatorEqualsTheCheckedFormula() throws {
        var inputs: [Float] = [.nan, .infinity, -.infinity, 1e30, -1e30, 0, -0]
        for k in -400...400 { inputs += [Float(k) * 0.25, Float(k) * 0.25 + 0.125, Float(k).nextUp * 0.5] }
        let q = QuantizationParameters(scale: 0.5, zeroPoint: -3)
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, inputs.count])
        let y = b.addTensor(name: "y", type: .int8, shape: [1, inputs.count], quantization: q)
        b.addOperator(.quantize, inputs: [x], outputs: [y])
        b.inputs = [x]; b.outputs = [y]
        let modelBytes = AlignedBuffer(b.serializedBytes())
        let model = try Model(bytes: modelBytes.bytes)
        let arena = AlignedBuffer(count: Interpreter.requiredArenaBytes(for: model))
        let interpreter = try Interpreter(model: model, arena: arena.raw)
        let input = interpreter.inputFloats(0)
        for i in inputs.indices { input[i] = inputs[i] }
        try interpreter.invoke()
        let output = interpreter.outputInt8(0)
        for (i, x) in inputs.enumerated() {
            let v = (x / 0.5).rounded() - 3
            let expected = v.isNaN ? Int8(-3) : Int8(min(max(v, -128), 127))
            XCTAssertEqual(output[i], expected, "x = \(x)")
        }
    }
}

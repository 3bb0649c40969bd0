import Foundation
import MinnowRuntime
import XCTest

// Independent integer references for the int8 operators, written from the conventions in
// Graph.swift / Int8Conventions.swift (not by calling the runtime's kernels).

/// Deterministic integers for int8 tests.
struct IntRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func int8s(_ count: Int, _ range: ClosedRange<Int> = -128...127) -> [Int8] {
        (0..<count).map { _ in Int8(int(range)) }
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// Q31 multiplier and shift of `real` via Foundation's frexp (independent of `QuantizedMultiplier`).
func referenceMultiplier(_ real: Double) -> (multiplier: Int32, shift: Int32) {
    var exponent: Int32 = 0
    let fraction = frexp(real, &exponent)
    var q = Int64((fraction * Double(1 << 31)).rounded())
    if q == 1 << 31 { q /= 2; exponent += 1 }
    return (Int32(q), Int32(exponent))
}

/// `round(x · M · 2^(shift − 31))`, single rounding half up, in 64-bit.
func referenceRequantize(_ x: Int64, _ m: Int32, _ shift: Int32) -> Int64 {
    let total = Int64(31 - shift)
    return (x * Int64(m) + (Int64(1) << (total - 1))) >> total
}

func clampInt8(_ v: Int64, lower: Int64 = -128, upper: Int64 = 127) -> Int8 { Int8(min(max(v, lower), upper)) }

/// Activation clamp range (TFLite CalculateActivationRangeQuantized).
func referenceRange(_ activation: FusedActivation, scale: Float, zeroPoint: Int32) -> (Int64, Int64) {
    switch activation {
    case .none: return (-128, 127)
    case .relu: return (max(-128, Int64(zeroPoint)), 127)
    case .relu6: return (max(-128, Int64(zeroPoint)), min(127, Int64(zeroPoint) + Int64((6 / Double(scale)).rounded())))
    }
}

/// Everything an int8 GEMM/depthwise op needs, generated at random.
struct QuantizedLayer {
    var weights: [Int8]          // logical row-major [n, k] (depthwise: [k taps, C], see depthwise)
    var bias: [Int32]            // real int32 bias (scale s_in · s_w[c])
    var multipliers: [(multiplier: Int32, shift: Int32)]
    var inputZeroPoint: Int32
    var outputScale: Float, outputZeroPoint: Int32

    init(channels n: Int, depth k: Int, rng: inout IntRandom, inputZeroPoint: Int32) {
        weights = rng.int8s(n * k, -127...127)
        bias = (0..<n).map { _ in Int32(rng.int(-3000...3000)) }
        // s_in·s_w/s_out spread over several binades so shifts vary.
        multipliers = (0..<n).map { _ in referenceMultiplier(0.0005 + rng.unit() * 0.01) }
        self.inputZeroPoint = inputZeroPoint
        outputScale = 0.05
        outputZeroPoint = Int32(rng.int(-20...20))
    }

    /// Folded bias for channel sums over `weights` laid out with channel stride/step given.
    func foldedBias(channelSum: (Int) -> Int32) -> [Int32] {
        (0..<bias.count).map { bias[$0] - (inputZeroPoint + 128) * channelSum($0) }
    }

    func requantize(_ acc: Int64, channel c: Int, activation: FusedActivation) -> Int8 {
        let (lo, hi) = referenceRange(activation, scale: outputScale, zeroPoint: outputZeroPoint)
        return clampInt8(referenceRequantize(acc, multipliers[c].multiplier, multipliers[c].shift) + Int64(outputZeroPoint),
                         lower: lo, upper: hi)
    }

    func addRequantization(to b: inout ModelBuilder) -> Int {
        b.addConstant(name: "rq", shape: [2, multipliers.count],
                      int32s: multipliers.map { $0.multiplier } + multipliers.map { $0.shift })
    }
}

/// Runs an int8 model with int8 inputs; returns the int8 outputs.
func runInt8Model(_ builder: ModelBuilder, inputs: [[Int8]], kernels: KernelPath = .native,
                  file: StaticString = #filePath, line: UInt = #line) throws -> [[Int8]] {
    let modelBytes = AlignedBuffer(builder.serializedBytes())
    let model = try Model(bytes: modelBytes.bytes)
    let arena = AlignedBuffer(count: Interpreter.requiredArenaBytes(for: model, kernels: kernels))
    let interpreter = try Interpreter(model: model, arena: arena.raw, kernels: kernels)
    for (i, values) in inputs.enumerated() {
        let buffer = interpreter.inputInt8(i)
        XCTAssertEqual(buffer.count, values.count, "input \(i) size", file: file, line: line)
        for k in 0..<min(buffer.count, values.count) { buffer[k] = values[k] }
    }
    try interpreter.invoke()
    return (0..<model.outputs.count).map { Array(interpreter.outputInt8($0)) }
}

func assertEqualInt8(_ actual: [Int8], _ expected: [Int8], _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count \(message)", file: file, line: line)
    guard actual.count == expected.count else { return }
    let mismatches = zip(actual, expected).enumerated().filter { $0.element.0 != $0.element.1 }
    if let first = mismatches.first {
        XCTFail("\(mismatches.count) of \(actual.count) differ; first at \(first.offset): \(first.element.0) vs \(first.element.1) \(message)",
                file: file, line: line)
    }
}

import Foundation
import MinnowRuntime
import XCTest

/// The int8 LSTM/GRU kernels against a plain implementation of the fixed-point contract written
/// from its documentation (`Int8LSTMKernel`), the activation approximations against Foundation,
/// and the operand validation.
final class Int8RecurrentTests: XCTestCase {
    // MARK: Activations

    func testSigmoidTableMatchesItsDefinition() {
        XCTAssertEqual(FixedPointActivations.sigmoidTable.count, 257)
        for i in 0...256 {
            let expected = UInt16((32768 / (1 + exp(-Double(i) / 16))).rounded())
            XCTAssertEqual(FixedPointActivations.sigmoidTable[i], expected, "entry \(i)")
        }
    }

    func testActivationsAgainstFoundation() {
        var worstSigmoid = 0.0, worstTanh = 0.0
        var z: Int32 = -70_000
        while z <= 70_000 {
            let x = Double(z) / 4096
            let s = Double(FixedPointActivations.sigmoid(z)) / 32768
            worstSigmoid = max(worstSigmoid, abs(s - 1 / (1 + exp(-min(max(x, -16), 16)))))
            let t = Double(FixedPointActivations.tanh(z)) / 32768
            worstTanh = max(worstTanh, abs(t - tanh(x)))
            z += 3
        }
        // Interpolation error h²/8 · max|σ''| ≈ 4.7e-5 plus table and interpolation rounding.
        XCTAssertLessThan(worstSigmoid, 8e-5)
        XCTAssertLessThan(worstTanh, 1.6e-4)
        XCTAssertGreaterThan(worstSigmoid, 0)  // an approximation, not a copy of exp
        XCTAssertEqual(FixedPointActivations.sigmoid(0), 16384)
        XCTAssertEqual(FixedPointActivations.tanh(0), 0)
        XCTAssertEqual(FixedPointActivations.sigmoid(-1_000_000), 0)
        XCTAssertEqual(FixedPointActivations.tanh(40_000), 32768)
    }

    // MARK: Kernels against the reference

    func testLSTMMatchesReferenceBitExactIncludingStreamedState() {
        var rng = Int8RNNRandom(seed: 3)
        for (steps, features, units, sequences) in [(5, 7, 9, true), (28, 28, 16, false), (3, 1, 1, true)] {
            let op = RandomRecurrentOp(gates: 4, steps: steps, features: features, units: units, rng: &rng)
            let x = rng.int8s(steps * features)
            let scratchBytes = Int8LSTMKernel.scratchBytes(units: units, features: features)
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 16)
            defer { scratch.deallocate() }
            scratch.initializeMemory(as: UInt8.self, repeating: 0, count: scratchBytes)
            var reference = ReferenceRecurrent(op: op)
            for call in 0..<2 {  // the second call continues from the state left in scratch
                var y = [Int8](repeating: 99, count: sequences ? steps * units : units)
                op.withLSTM(sequences: sequences) { k in
                    x.withUnsafeBufferPointer { xb in
                        y.withUnsafeMutableBufferPointer { Int8LSTMKernel.run(.native, k, input: xb.baseAddress!, output: $0.baseAddress!, scratch: scratch) }
                    }
                }
                let expected = reference.lstm(x, returnSequences: sequences)
                XCTAssertEqual(y, expected, "LSTM T=\(steps) F=\(features) H=\(units) call \(call)")
                let state = scratch.assumingMemoryBound(to: Int16.self)
                XCTAssertEqual(Array(UnsafeBufferPointer(start: state, count: units)), reference.h.map { Int16($0) })
                XCTAssertEqual(Array(UnsafeBufferPointer(start: state + units, count: units)), reference.c.map { Int16($0) })
            }
        }
    }

    func testGRUMatchesReferenceBitExact() {
        var rng = Int8RNNRandom(seed: 4)
        for (steps, features, units, sequences) in [(6, 5, 11, true), (28, 28, 16, false)] {
            let op = RandomRecurrentOp(gates: 3, steps: steps, features: features, units: units, rng: &rng)
            let x = rng.int8s(steps * features)
            let scratchBytes = Int8GRUKernel.scratchBytes(units: units, features: features)
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 16)
            defer { scratch.deallocate() }
            scratch.initializeMemory(as: UInt8.self, repeating: 0, count: scratchBytes)
            var reference = ReferenceRecurrent(op: op)
            var y = [Int8](repeating: 99, count: sequences ? steps * units : units)
            op.withGRU(sequences: sequences) { k in
                x.withUnsafeBufferPointer { xb in
                    y.withUnsafeMutableBufferPointer { Int8GRUKernel.run(.native, k, input: xb.baseAddress!, output: $0.baseAddress!, scratch: scratch) }
                }
            }
            XCTAssertEqual(y, reference.gru(x, returnSequences: sequences), "GRU T=\(steps) F=\(features) H=\(units)")
        }
    }

    func testScratchBytes() {
        XCTAssertEqual(Int8LSTMKernel.scratchBytes(units: 64, features: 28), 448)  // 2·(3·64 + 28) = 440 → 448
        XCTAssertEqual(Int8GRUKernel.scratchBytes(units: 64, features: 28), 320)   // 2·(2·64 + 28) = 312 → 320
    }

    // MARK: Validation

    func testValidationAcceptsWellFormedAndRejectsMalformedOperands() {
        var rng = Int8RNNRandom(seed: 5)
        let op = RandomRecurrentOp(gates: 4, steps: 4, features: 3, units: 2, rng: &rng)
        // `good` points into `op`'s buffers: keep `op` alive to the end (optimized builds end
        // lifetimes at the last use).
        defer { withExtendedLifetime(op) {} }
        let good = op.operands()
        let output = Int8RecurrentLayout.Operand(type: .int8, shape: TensorShape([1, 2]), constant: nil)
        func check(_ inputs: [Int8RecurrentLayout.Operand], output out: Int8RecurrentLayout.Operand = output,
                   units: Int = 2, sequences: Bool = false) -> Int8RecurrentLayout.Problem? {
            Int8RecurrentLayout.check(isLSTM: true, inputCount: inputs.count, input: { inputs[$0] },
                                      output: out, units: units, returnSequences: sequences)
        }
        XCTAssertNil(check(good))
        XCTAssertNil(check(good, output: .init(type: .int8, shape: TensorShape([1, 4, 2]), constant: nil), sequences: true))
        typealias P = Int8RecurrentLayout.Problem
        XCTAssertEqual(check(Array(good.dropLast())), P(operand: 0, field: .operandCount))
        var bad = good; bad[0].type = .float32
        XCTAssertEqual(check(bad), P(operand: 0, field: .type))
        bad = good; bad[0].shape = TensorShape([4, 3])
        XCTAssertEqual(check(bad), P(operand: 0, field: .shape))
        bad = good; bad[1].type = .uint8
        XCTAssertEqual(check(bad), P(operand: 1, field: .type))
        bad = good; bad[2].shape = TensorShape([8, 3])
        XCTAssertEqual(check(bad), P(operand: 2, field: .shape))
        bad = good; bad[3].constant = nil
        XCTAssertEqual(check(bad), P(operand: 3, field: .constant))
        bad = good; bad[1].constant = UnsafeRawBufferPointer(rebasing: good[1].constant![0..<5])
        XCTAssertEqual(check(bad), P(operand: 1, field: .byteCount))
        XCTAssertEqual(check(good, units: 3), P(operand: 1, field: .shape))  // 12 rows expected
        XCTAssertEqual(check(good, units: 600), P(operand: 6, field: .units))
        XCTAssertEqual(check(good, output: .init(type: .int8, shape: TensorShape([1, 3]), constant: nil)),
                       P(operand: 6, field: .shape))
        XCTAssertEqual(check(good, output: .init(type: .int16, shape: TensorShape([1, 2]), constant: nil)),
                       P(operand: 6, field: .type))
        // Corrupt single values of the exponent and parameter blocks.
        func withPatched(_ operand: Int, byteOffset: Int, bytes: [UInt8]) -> P? {
            let copy = AlignedBuffer(Array(good[operand].constant!))
            for (i, b) in bytes.enumerated() { copy.raw[byteOffset + i] = b }
            var patched = good
            patched[operand].constant = copy.bytes
            return check(patched)
        }
        func le(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        XCTAssertEqual(withPatched(4, byteOffset: 3, bytes: [0x08]), P(operand: 4, field: .rowExponent))
        XCTAssertEqual(withPatched(4, byteOffset: 0, bytes: [0x80]), P(operand: 4, field: .rowExponent))
        XCTAssertNil(withPatched(4, byteOffset: 0, bytes: [0x77]))
        XCTAssertEqual(withPatched(5, byteOffset: 0, bytes: le(2)), P(operand: 5, field: .parameterVersion))
        XCTAssertEqual(withPatched(5, byteOffset: 4, bytes: le(128)), P(operand: 5, field: .zeroPoint))
        XCTAssertEqual(withPatched(5, byteOffset: 8, bytes: le(1 << 23)), P(operand: 5, field: .multiplier))
        XCTAssertEqual(withPatched(5, byteOffset: 12, bytes: le(-1)), P(operand: 5, field: .multiplier))
        XCTAssertEqual(withPatched(5, byteOffset: 16, bytes: le(56)), P(operand: 5, field: .shift))
        XCTAssertEqual(withPatched(5, byteOffset: 16, bytes: le(0)), P(operand: 5, field: .shift))
        // A GRU needs two biases: the LSTM operand list is one short.
        XCTAssertEqual(Int8RecurrentLayout.check(isLSTM: false, inputCount: good.count, input: { good[$0] },
                                                 output: output, units: 2, returnSequences: false),
                       P(operand: 0, field: .operandCount))
    }
}

// MARK: - Test fixtures

/// Deterministic SplitMix64 values for the recurrent tests.
struct Int8RNNRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
    mutating func int8s(_ count: Int) -> [Int8] { (0..<count).map { _ in Int8(int(-128...127)) } }
}

/// A random but valid int8 recurrent op: weights, biases (Q.12), exponents and parameters.
struct RandomRecurrentOp {
    let gates, steps, features, units: Int
    let wx: [Int8], wh: [Int8], biases: [[Int32]], exponents: [UInt8], parameters: [Int32]
    let storage: [AlignedBuffer]

    init(gates: Int, steps: Int, features: Int, units: Int, rng: inout Int8RNNRandom) {
        (self.gates, self.steps, self.features, self.units) = (gates, steps, features, units)
        let rows = gates * units
        wx = (0..<(rows * features)).map { _ in Int8(rng.int(-127...127)) }
        wh = (0..<(rows * units)).map { _ in Int8(rng.int(-127...127)) }
        biases = (0..<(gates == 4 ? 1 : 2)).map { _ in (0..<rows).map { _ in Int32(rng.int(-12_000...12_000)) } }
        exponents = (0..<rows).map { _ in UInt8(rng.int(0...7) | rng.int(0...7) << 4) }
        var p: [Int32] = [1, Int32(rng.int(-128...127))]
        for _ in 0..<gates {
            // Realistic ranges: gate pre-activations of a few units in Q.12.
            p += [Int32(rng.int(1 << 21...(1 << 23) - 1)), Int32(rng.int(1 << 20...(1 << 23) - 1)), Int32(rng.int(30...36))]
        }
        parameters = p
        func bytes<T>(_ v: [T]) -> AlignedBuffer { v.withUnsafeBytes { AlignedBuffer(Array($0)) } }
        storage = [bytes(wx), bytes(wh)] + biases.map { bytes($0) } + [bytes(exponents), bytes(parameters)]
    }

    /// Operands as `Int8RecurrentLayout.check` reads them (input x first).
    func operands() -> [Int8RecurrentLayout.Operand] {
        let rows = gates * units
        var list = [Int8RecurrentLayout.Operand(type: .int8, shape: TensorShape([1, steps, features]), constant: nil),
                    .init(type: .int8, shape: TensorShape([rows, features]), constant: storage[0].bytes),
                    .init(type: .int8, shape: TensorShape([rows, units]), constant: storage[1].bytes)]
        for b in 0..<biases.count {
            list.append(.init(type: .int32, shape: TensorShape([rows]), constant: storage[2 + b].bytes))
        }
        list.append(.init(type: .uint8, shape: TensorShape([rows]), constant: storage[storage.count - 2].bytes))
        list.append(.init(type: .int32, shape: TensorShape([parameters.count]), constant: storage[storage.count - 1].bytes))
        return list
    }

    private func pointer<T>(_ i: Int, _: T.Type) -> UnsafePointer<T> {
        storage[i].bytes.baseAddress!.assumingMemoryBound(to: T.self)
    }

    func withLSTM(sequences: Bool, _ body: (Int8LSTMKernel.Configuration) -> Void) {
        body(Int8LSTMKernel.Configuration(
            steps: steps, features: features, units: units, returnSequences: sequences,
            inputWeights: pointer(0, Int8.self), recurrentWeights: pointer(1, Int8.self), bias: pointer(2, Int32.self),
            rowExponents: pointer(3, UInt8.self), parameters: pointer(4, Int32.self)))
    }

    func withGRU(sequences: Bool, _ body: (Int8GRUKernel.Configuration) -> Void) {
        body(Int8GRUKernel.Configuration(
            steps: steps, features: features, units: units, returnSequences: sequences,
            inputWeights: pointer(0, Int8.self), recurrentWeights: pointer(1, Int8.self),
            inputBias: pointer(2, Int32.self), recurrentBias: pointer(3, Int32.self),
            rowExponents: pointer(4, UInt8.self), parameters: pointer(5, Int32.self)))
    }
}

/// The fixed-point contract of `Int8LSTMKernel`, written plainly in Int64 with explicit floor
/// division and its own sigmoid table (from Foundation's `exp`), keeping `h` and `c` between calls.
struct ReferenceRecurrent {
    let op: RandomRecurrentOp
    var h: [Int64], c: [Int64]
    let table: [Int64] = (0...256).map { Int64((32768 / (1 + exp(-Double($0) / 16))).rounded()) }

    init(op: RandomRecurrentOp) {
        self.op = op
        h = Array(repeating: 0, count: op.units)
        c = h
    }

    /// floor(v / 2^s)
    static func floorShift(_ v: Int64, _ s: Int64) -> Int64 {
        let d = Int64(1) << s
        let q = v / d
        return (v % d != 0 && v < 0) ? q - 1 : q
    }
    static func roundShift(_ v: Int64, _ s: Int64) -> Int64 { floorShift(v + (Int64(1) << (s - 1)), s) }
    static func clamp(_ v: Int64, _ lo: Int64, _ hi: Int64) -> Int64 { min(max(v, lo), hi) }

    func sigmoid(_ z: Int64) -> Int64 {
        let a = min(abs(z), 65535)
        let i = Int(a / 256), f = a % 256
        let y = table[i] + Self.floorShift((table[i + 1] - table[i]) * f + 128, 8)
        return z < 0 ? 32768 - y : y
    }
    func tanh(_ z: Int64) -> Int64 { 2 * sigmoid(2 * z) - 32768 }

    /// (px, ph) of row r on the 2^(shift+7) grid, and s = shift + 7.
    func products(_ r: Int, _ vx: [Int64]) -> (Int64, Int64, Int64) {
        let g = r / op.units
        var ax: Int64 = 0, ah: Int64 = 0
        for k in 0..<op.features { ax += Int64(op.wx[r * op.features + k]) * vx[k] }
        for k in 0..<op.units { ah += Int64(op.wh[r * op.units + k]) * h[k] }
        let ex = Int64(op.exponents[r] & 15), eh = Int64(op.exponents[r] >> 4)
        let mx = Int64(op.parameters[2 + 3 * g]), mh = Int64(op.parameters[3 + 3 * g])
        return (ax * mx * (Int64(1) << (7 - ex)), ah * mh * (Int64(1) << (7 - eh)), Int64(op.parameters[4 + 3 * g]) + 7)
    }

    func output(_ v: [Int64]) -> [Int8] { v.map { Int8(Self.clamp(Self.floorShift($0 + 128, 8), -128, 127)) } }

    mutating func lstm(_ x: [Int8], returnSequences: Bool) -> [Int8] {
        var out: [Int8] = []
        let H = op.units
        for t in 0..<op.steps {
            let vx = (0..<op.features).map { Int64(x[t * op.features + $0]) - Int64(op.parameters[1]) }
            let z = (0..<(4 * H)).map { r -> Int64 in
                let (px, ph, s) = products(r, vx)
                return Self.clamp(Self.roundShift(px + ph, s) + Int64(op.biases[0][r]), -65536, 65535)
            }
            var hNew = h
            for j in 0..<H {
                let i = sigmoid(z[j]), f = sigmoid(z[H + j]), g = tanh(z[2 * H + j]), o = sigmoid(z[3 * H + j])
                c[j] = Self.clamp(Self.roundShift(f * c[j], 15) + Self.roundShift(i * g, 19), -32768, 32767)
                hNew[j] = min(Self.roundShift(o * tanh(2 * c[j]), 15), 32767)
            }
            h = hNew
            if returnSequences { out += output(h) }
        }
        return returnSequences ? out : output(h)
    }

    mutating func gru(_ x: [Int8], returnSequences: Bool) -> [Int8] {
        var out: [Int8] = []
        let H = op.units, bx = op.biases[0], bh = op.biases[1]
        for t in 0..<op.steps {
            let vx = (0..<op.features).map { Int64(x[t * op.features + $0]) - Int64(op.parameters[1]) }
            var hNew = h
            for j in 0..<H {
                let (pzx, pzh, sz) = products(j, vx)
                let zg = sigmoid(Self.clamp(Self.roundShift(pzx + pzh, sz) + Int64(bx[j]) + Int64(bh[j]), -65536, 65535))
                let (prx, prh, sr) = products(H + j, vx)
                let r = sigmoid(Self.clamp(Self.roundShift(prx + prh, sr) + Int64(bx[H + j]) + Int64(bh[H + j]), -65536, 65535))
                let (pnx, pnh, sn) = products(2 * H + j, vx)
                let a = Self.clamp(Self.roundShift(pnx, sn) + Int64(bx[2 * H + j]), -65536, 65535)
                let b = Self.clamp(Self.roundShift(pnh, sn) + Int64(bh[2 * H + j]), -65536, 65535)
                let n = tanh(Self.clamp(a + Self.roundShift(r * b, 15), -65536, 65535))
                hNew[j] = Self.clamp(Self.roundShift(zg * h[j] + (32768 - zg) * n, 15), -32768, 32767)
            }
            h = hNew
            if returnSequences { out += output(h) }
        }
        return returnSequences ? out : output(h)
    }
}

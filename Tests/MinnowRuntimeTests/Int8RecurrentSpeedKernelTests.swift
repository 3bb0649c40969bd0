import Foundation
import MinnowRuntime
import XCTest

/// The C int8 LSTM/GRU kernel families against the portable Swift kernels, bit for bit (outputs
/// and the state left in scratch), on random configurations with odd sizes, blank steps,
/// saturating inputs and both return modes. (`Int8RecurrentTests` checks the dispatching `run`
/// against an independent reference of the contract.)
final class Int8RecurrentSpeedKernelTests: XCTestCase {
    /// (steps, features, units, returnSequences): tails of the 16-unit blocks and 32-wide
    /// chunks, single units and features, more than one 32-chunk of features and units.
    static let shapes: [(Int, Int, Int, Bool)] = [
        (5, 7, 9, true), (28, 28, 64, false), (3, 1, 1, true), (4, 33, 17, false),
        (6, 64, 31, true), (2, 70, 65, false), (3, 5, 130, true),
    ]

    /// Inputs with blank steps (every value at the zero point) and saturated steps.
    static func inputs(_ op: RandomRecurrentOp, rng: inout Int8RNNRandom) -> [Int8] {
        var x = rng.int8s(op.steps * op.features)
        let zp = Int8(op.parameters[1])
        for t in 0..<op.steps where t % 3 == 1 {
            for f in 0..<op.features { x[t * op.features + f] = zp }
        }
        if op.steps > 2 { for f in 0..<op.features { x[2 * op.features + f] = f % 2 == 0 ? 127 : -128 } }
        return x
    }

    /// Runs `body(scratch, output)` twice per path (fresh state, then carried-over state) and
    /// compares outputs and scratch bytes.
    func compare(name: String, op: RandomRecurrentOp, scratchBytes: Int, sequences: Bool, x: [Int8],
                 portable: (UnsafeMutableRawPointer, UnsafeMutablePointer<Int8>) -> Void,
                 kernel: (UnsafeMutableRawPointer, UnsafeMutablePointer<Int8>) -> Void) {
        let outCount = sequences ? op.steps * op.units : op.units
        let s1 = UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 16)
        let s2 = UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 16)
        defer { s1.deallocate(); s2.deallocate() }
        s1.initializeMemory(as: UInt8.self, repeating: 0, count: scratchBytes)
        s2.initializeMemory(as: UInt8.self, repeating: 0, count: scratchBytes)
        for call in 0..<2 {
            var expected = [Int8](repeating: 99, count: outCount), found = expected
            expected.withUnsafeMutableBufferPointer { portable(s1, $0.baseAddress!) }
            found.withUnsafeMutableBufferPointer { kernel(s2, $0.baseAddress!) }
            XCTAssertEqual(found, expected, "\(name) call \(call) output")
            // Only the state (and h') must agree; v_x is a per-step temporary.
            let stateBytes = 2 * op.units * (op.gates == 4 ? 3 : 2)
            XCTAssertEqual(Array(UnsafeRawBufferPointer(start: s2, count: stateBytes)),
                           Array(UnsafeRawBufferPointer(start: s1, count: stateBytes)), "\(name) call \(call) state")
            // The outputs vary (not a degenerate all-saturated case).
            if outCount >= 8 { XCTAssertGreaterThan(Set(expected).count, 2, name) }
        }
    }

    func testCKernelsMatchPortableLSTM() throws {
        // Every native family the dispatch can pick (those without a C recurrent kernel run the
        // portable one, which must then agree trivially).
        let kernels = InstructionSet.supported
        var rng = Int8RNNRandom(seed: 11)
        for kernel in kernels {
            for (steps, features, units, sequences) in Self.shapes {
                let op = RandomRecurrentOp(gates: 4, steps: steps, features: features, units: units, rng: &rng)
                let x = Self.inputs(op, rng: &rng)
                let name = "\(kernel) LSTM T=\(steps) F=\(features) H=\(units) seq=\(sequences)"
                op.withLSTM(sequences: sequences) { k in
                    x.withUnsafeBufferPointer { xb in
                        compare(name: name, op: op, scratchBytes: Int8LSTMKernel.scratchBytes(units: units, features: features),
                                sequences: sequences, x: x,
                                portable: { Int8LSTMKernel.portable(k, input: xb.baseAddress!, output: $1, scratch: $0) },
                                kernel: { Int8LSTMKernel.run(.native(kernel), k, input: xb.baseAddress!, output: $1, scratch: $0) })
                    }
                }
            }
        }
    }

    func testCKernelsMatchPortableGRU() throws {
        // Every native family the dispatch can pick (those without a C recurrent kernel run the
        // portable one, which must then agree trivially).
        let kernels = InstructionSet.supported
        var rng = Int8RNNRandom(seed: 12)
        for kernel in kernels {
            for (steps, features, units, sequences) in Self.shapes {
                let op = RandomRecurrentOp(gates: 3, steps: steps, features: features, units: units, rng: &rng)
                let x = Self.inputs(op, rng: &rng)
                let name = "\(kernel) GRU T=\(steps) F=\(features) H=\(units) seq=\(sequences)"
                op.withGRU(sequences: sequences) { k in
                    x.withUnsafeBufferPointer { xb in
                        compare(name: name, op: op, scratchBytes: Int8GRUKernel.scratchBytes(units: units, features: features),
                                sequences: sequences, x: x,
                                portable: { Int8GRUKernel.portable(k, input: xb.baseAddress!, output: $1, scratch: $0) },
                                kernel: { Int8GRUKernel.run(.native(kernel), k, input: xb.baseAddress!, output: $1, scratch: $0) })
                    }
                }
            }
        }
    }

    /// Extreme operands: every weight ±127, largest multipliers, exponents 0 and 7, large
    /// biases, so the Q.12 clamps, the cell clamp and the table ends are all reached.
    func testCKernelsMatchPortableAtSaturation() throws {
        // Every native family the dispatch can pick (those without a C recurrent kernel run the
        // portable one, which must then agree trivially).
        let kernels = InstructionSet.supported
        var rng = Int8RNNRandom(seed: 13)
        for kernel in kernels {
            for gates in [4, 3] {
                let base = RandomRecurrentOp(gates: gates, steps: 9, features: 13, units: 21, rng: &rng)
                let op = base.saturated(rng: &rng)
                let x = Self.inputs(op, rng: &rng)
                let scratch = gates == 4 ? Int8LSTMKernel.scratchBytes(units: 21, features: 13)
                                         : Int8GRUKernel.scratchBytes(units: 21, features: 13)
                x.withUnsafeBufferPointer { xb in
                    let xp = xb.baseAddress!
                    if gates == 4 {
                        op.withLSTM(sequences: true) { k in
                            compare(name: "\(kernel) saturated LSTM", op: op, scratchBytes: scratch, sequences: true, x: x,
                                    portable: { Int8LSTMKernel.portable(k, input: xp, output: $1, scratch: $0) },
                                    kernel: { Int8LSTMKernel.run(.native(kernel), k, input: xp, output: $1, scratch: $0) })
                        }
                    } else {
                        op.withGRU(sequences: true) { k in
                            compare(name: "\(kernel) saturated GRU", op: op, scratchBytes: scratch, sequences: true, x: x,
                                    portable: { Int8GRUKernel.portable(k, input: xp, output: $1, scratch: $0) },
                                    kernel: { Int8GRUKernel.run(.native(kernel), k, input: xp, output: $1, scratch: $0) })
                        }
                    }
                }
            }
        }
    }
}
extension RandomRecurrentOp {
    /// The same op with its stored operands overwritten in place by extreme values: weights
    /// ±127, the largest multipliers, exponents 0 or 7, biases up to ±60000 (Q.12). The zero
    /// point is kept (the kernels read everything else from the storage, not the arrays).
    func saturated(rng: inout Int8RNNRandom) -> RandomRecurrentOp {
        for w in 0..<2 {
            let raw = storage[w].raw
            for i in 0..<raw.count { raw[i] = rng.int(0...1) == 0 ? 0x81 : 0x7F }  // −127 or 127
        }
        for b in 0..<biases.count {
            let v = storage[2 + b].raw.bindMemory(to: Int32.self)
            for i in 0..<v.count { v[i] = Int32(rng.int(-60_000...60_000)) }
        }
        let e = storage[storage.count - 2].raw
        for i in 0..<e.count { e[i] = UInt8(rng.int(0...1) * 7 | rng.int(0...1) * 7 << 4) }
        let p = storage[storage.count - 1].raw.bindMemory(to: Int32.self)
        for g in 0..<gates {
            p[2 + 3 * g] = (1 << 23) - 1
            p[3 + 3 * g] = (1 << 23) - 1 - Int32(rng.int(0...1000))
            p[4 + 3 * g] = Int32(rng.int(28...34))
        }
        return self
    }
}

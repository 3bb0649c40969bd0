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
        let kernels = Int8RecurrentKernel.available
        try XCTSkipIf(kernels.isEmpty, "no C recurrent kernel family on this CPU")
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
                                kernel: { Int8LSTMKernel.run(k, kernel: kernel, input: xb.baseAddress!, output: $1, scratch: $0) })
                    }
                }
            }
        }
    }

    func testCKernelsMatchPortableGRU() throws {
        let kernels = Int8RecurrentKernel.available
        try XCTSkipIf(kernels.isEmpty, "no C recurrent kernel family on this CPU")
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
                                kernel: { Int8GRUKernel.run(k, kernel: kernel, input: xb.baseAddress!, output: $1, scratch: $0) })
                    }
                }
            }
        }
    }

    /// Extreme operands: every weight ±127, largest multipliers, exponents 0 and 7, large
    /// biases, so the Q.12 clamps, the cell clamp and the table ends are all reached.
    func testCKernelsMatchPortableAtSaturation() throws {
        let kernels = Int8RecurrentKernel.available
        try XCTSkipIf(kernels.isEmpty, "no C recurrent kernel family on this CPU")
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
                                    kernel: { Int8LSTMKernel.run(k, kernel: kernel, input: xp, output: $1, scratch: $0) })
                        }
                    } else {
                        op.withGRU(sequences: true) { k in
                            compare(name: "\(kernel) saturated GRU", op: op, scratchBytes: scratch, sequences: true, x: x,
                                    portable: { Int8GRUKernel.portable(k, input: xp, output: $1, scratch: $0) },
                                    kernel: { Int8GRUKernel.run(k, kernel: kernel, input: xp, output: $1, scratch: $0) })
                        }
                    }
                }
            }
        }
    }

    /// Median and minimum thread CPU µs per call of `body` (CPU time, so other processes on a
    /// busy machine do not inflate the figure): 31 batches of `repeats` calls.
    static func cpuMicroseconds(repeats: Int, _ body: () throws -> Void) rethrows -> (median: Double, min: Double) {
        func now() -> Int {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Int(ts.tv_sec) * 1_000_000_000 + ts.tv_nsec
        }
        var times: [Double] = []
        for _ in 0..<31 {
            let start = now()
            for _ in 0..<repeats { try body() }
            times.append(Double(now() - start) / Double(repeats) / 1000)
        }
        return (times.sorted()[15], times.min()!)
    }

    static func format(_ t: (median: Double, min: Double)) -> String {
        String(format: "%.1f µs (min %.1f)", t.median, t.min)
    }

    /// Timing of the Fashion-MNIST LSTM shape (28 × 28 → LSTM(64)), C kernel vs portable Swift.
    /// Prints µs per sequence; asserts only that the C kernel is not slower (debug builds
    /// compile Swift unoptimized, so the figure that matters is the release one).
    func testLSTMPresetShapeTiming() throws {
        guard let kernel = Int8RecurrentKernel.best else { throw XCTSkip("no C recurrent kernel family on this CPU") }
        var rng = Int8RNNRandom(seed: 14)
        let op = RandomRecurrentOp(gates: 4, steps: 28, features: 28, units: 64, rng: &rng)
        let x = rng.int8s(28 * 28)
        let bytes = Int8LSTMKernel.scratchBytes(units: 64, features: 28)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
        defer { scratch.deallocate() }
        var y = [Int8](repeating: 0, count: 64)
        op.withLSTM(sequences: false) { k in
            x.withUnsafeBufferPointer { xb in
                y.withUnsafeMutableBufferPointer { yb in
                    let swift = Self.cpuMicroseconds(repeats: 5) {
                        Int8LSTMKernel.portable(k, input: xb.baseAddress!, output: yb.baseAddress!, scratch: scratch)
                    }
                    let c = Self.cpuMicroseconds(repeats: 20) {
                        Int8LSTMKernel.run(k, kernel: kernel, input: xb.baseAddress!, output: yb.baseAddress!, scratch: scratch)
                    }
                    print("int8 LSTM 28x28->64 (random op): portable Swift \(Self.format(swift)), \(kernel) \(Self.format(c))")
                    XCTAssertLessThan(c.min, swift.min)
                }
            }
        }
    }

    /// µs per batch-1 `invoke()` of a saved int8 model named by `MINNOW_TIMING_MODEL` (skipped
    /// otherwise), and its first LSTM op alone with the portable Swift and the C kernel: how the
    /// LSTM preset figures in the report were taken.
    func testInvokeTimingOfSavedModel() throws {
        guard let path = ProcessInfo.processInfo.environment["MINNOW_TIMING_MODEL"] else {
            throw XCTSkip("set MINNOW_TIMING_MODEL to a .minnow file")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: data.count, alignment: 16)
        defer { bytes.deallocate() }
        data.copyBytes(to: bytes)
        let model = try Model(bytes: UnsafeRawBufferPointer(bytes))
        let arenaBytes = Interpreter.requiredArenaBytes(for: model)
        let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: arenaBytes + 16, alignment: 16)
        defer { arena.deallocate() }
        let interpreter = try Interpreter(model: model, arena: arena)
        var rng = Int8RNNRandom(seed: 15)
        let input = interpreter.inputInt8(0)
        for i in 0..<input.count { input[i] = Int8(rng.int(-128...127)) }
        let invoke = try Self.cpuMicroseconds(repeats: 20) { try interpreter.invoke() }
        print("invoke \(path): \(Self.format(invoke)), arena \(arenaBytes) B")

        guard let op = (0..<model.operatorCount).first(where: { model.operatorCode($0) == .lstm }),
              model.tensorType(model.operatorInputs(op)[0]) == .int8 else { return }
        let ins = model.operatorInputs(op)
        func constant<T>(_ i: Int, _: T.Type) -> UnsafePointer<T> {
            model.constantData(ins[i])!.baseAddress!.assumingMemoryBound(to: T.self)
        }
        let shape = model.tensorShape(ins[0])
        let options = model.operatorOptions(op)
        let k = Int8LSTMKernel.Configuration(
            steps: shape[1], features: shape[2], units: Int(options.units), returnSequences: options.returnSequences,
            inputWeights: constant(1, Int8.self), recurrentWeights: constant(2, Int8.self), bias: constant(3, Int32.self),
            rowExponents: constant(4, UInt8.self), parameters: constant(5, Int32.self))
        let scratchBytes = Int8LSTMKernel.scratchBytes(units: k.units, features: k.features)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 16)
        defer { scratch.deallocate() }
        var y = [Int8](repeating: 0, count: k.returnSequences ? k.steps * k.units : k.units)
        let x = UnsafePointer(input.baseAddress!)
        let swift = Self.cpuMicroseconds(repeats: 5) {
            scratch.initializeMemory(as: UInt8.self, repeating: 0, count: scratchBytes)
            Int8LSTMKernel.portable(k, input: x, output: &y, scratch: scratch)
        }
        print("  LSTM op alone: portable Swift \(Self.format(swift))")
        for kernel in Int8RecurrentKernel.available {
            let c = Self.cpuMicroseconds(repeats: 20) {
                scratch.initializeMemory(as: UInt8.self, repeating: 0, count: scratchBytes)
                Int8LSTMKernel.run(k, kernel: kernel, input: x, output: &y, scratch: scratch)
            }
            print("  LSTM op alone: \(kernel) \(Self.format(c))")
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

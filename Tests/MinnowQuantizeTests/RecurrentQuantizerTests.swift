import Foundation
import MinnowData
import MinnowQuantize
import MinnowRuntime
import XCTest

/// Quantizer for the int8 LSTM/GRU, and the int8 kernels against plain float LSTM/GRU.
final class RecurrentQuantizerTests: XCTestCase {
    // MARK: Quantizer pieces

    func testPerGateScalesAndWeights() throws {
        // Two gates of one unit, two features; recurrent [2 rows, 1 unit].
        let wx: [Float] = [0.5, -0.2, 2, -1.2]
        let wh: [Float] = [0.1, -0.2]
        let q = try RecurrentQuantizer.quantize(
            gates: 2, inputQuantization: QuantizationParameters(scale: 0.5, zeroPoint: -3),
            inputWeights: wx, recurrentWeights: wh, biases: [[0.25, -1.5]],
            units: 1, features: 2, name: "t")
        XCTAssertEqual(q.inputScales, [0.5 / 127, 2 / 127])
        XCTAssertEqual(q.inputWeights, [127, -51, 127, -76])  // −0.2·127/0.5 = −50.8, −1.2·127/2 = −76.2
        XCTAssertEqual(q.recurrentWeights, [127, -127])
        XCTAssertEqual(q.biases, [[1024, -6144]])
        XCTAssertEqual(q.parameters[0], 1)
        XCTAssertEqual(q.parameters[1], -3)
        // Gate 1: realX = 0.5 · (2/127) · 4096 ≈ 32.25, realH = (0.2/127)/8 ≈ 1.97e-4.
        let realX = 0.5 * Double(Float(2) / 127) * 4096, realH = Double(Float(0.2) / 127) / 8
        let mx = Double(q.parameters[5]), mh = Double(q.parameters[6]), shift = Double(q.parameters[7])
        XCTAssertGreaterThanOrEqual(mx, pow(2, 22))
        XCTAssertLessThan(mx, pow(2, 23))
        XCTAssertEqual(mx / pow(2, shift), realX, accuracy: realX * 1e-6)
        XCTAssertEqual(q.rowExponents, [0, 0])
        XCTAssertEqual(mh / pow(2, shift), realH, accuracy: 1 / pow(2, shift))
    }

    func testRejectsBadShapesAndQuantization() {
        let good = QuantizationParameters(scale: 1, zeroPoint: 0)
        XCTAssertThrowsError(try RecurrentQuantizer.quantize(
            gates: 4, inputQuantization: good, inputWeights: [Float](repeating: 0, count: 7),
            recurrentWeights: [Float](repeating: 0, count: 4), biases: [[0, 0, 0, 0]], units: 1, features: 2, name: "x"))
        XCTAssertThrowsError(try RecurrentQuantizer.quantize(
            gates: 4, inputQuantization: QuantizationParameters(scale: 0, zeroPoint: 0),
            inputWeights: [Float](repeating: 0.1, count: 8), recurrentWeights: [Float](repeating: 0.1, count: 4),
            biases: [[0, 0, 0, 0]], units: 1, features: 2, name: "x"))
        XCTAssertThrowsError(try RecurrentQuantizer.quantize(
            gates: 4, inputQuantization: good, inputWeights: [Float](repeating: .nan, count: 8),
            recurrentWeights: [Float](repeating: 0.1, count: 4), biases: [[0, 0, 0, 0]], units: 1, features: 2, name: "x"))
    }

    func testEmitLSTMBuildsOperandsTheKernelAccepts() throws {
        var builder = ModelBuilder()
        let steps = 3, features = 5, units = 4
        let x = builder.addTensor(name: "x", type: .int8, shape: [1, steps, features],
                                  quantization: QuantizationParameters(scale: 1.0 / 255, zeroPoint: -128))
        var rng = RecurrentTestRandom(seed: 7)
        let out = try RecurrentQuantizer.emitLSTM(
            into: &builder, input: x, inputQuantization: QuantizationParameters(scale: 1.0 / 255, zeroPoint: -128),
            inputWeights: rng.floats(16 * features, 0.5), recurrentWeights: rng.floats(16 * units, 0.5),
            bias: rng.floats(16, 0.5), units: units, steps: steps, features: features,
            returnSequences: true, name: "lstm")
        XCTAssertEqual(builder.tensors[out].shape, [1, steps, units])
        XCTAssertEqual(builder.tensors[out].type, .int8)
        XCTAssertEqual(builder.tensors[out].quantization, QuantizationParameters(scale: 1.0 / 128, zeroPoint: 0))
        let op = try XCTUnwrap(builder.operators.last)
        XCTAssertEqual(op.code, .lstm)
        XCTAssertEqual(op.inputs.count, 6)
        XCTAssertEqual(op.options.units, 4)
        XCTAssertTrue(op.options.returnSequences)
        // Constants beyond weights and biases: one exponent byte per row and 56 bytes of parameters.
        XCTAssertEqual(builder.tensors[op.inputs[5]].constantBytes?.count, 8 + 12 * 4)
        XCTAssertEqual(builder.tensors[op.inputs[4]].constantBytes?.count, 16)
        // The kernel's own check accepts the emitted operands (with bytes copied to aligned memory).
        let buffers = op.inputs.map { builder.tensors[$0].constantBytes.map(AlignedBytes.init) }
        let problem = Int8RecurrentLayout.check(
            isLSTM: true, inputCount: op.inputs.count,
            input: { i in
                let t = builder.tensors[op.inputs[i]]
                return Int8RecurrentLayout.Operand(type: t.type, shape: TensorShape(t.shape), constant: buffers[i]?.raw)
            },
            output: Int8RecurrentLayout.Operand(type: .int8, shape: TensorShape([1, steps, units]), constant: nil),
            units: units, returnSequences: true)
        XCTAssertNil(problem)
        XCTAssertThrowsError(try RecurrentQuantizer.emitLSTM(
            into: &builder, input: x, inputQuantization: QuantizationParameters(scale: 1.0 / 255, zeroPoint: -128),
            inputWeights: rng.floats(16 * features, 0.5), recurrentWeights: rng.floats(16 * units, 0.5),
            bias: rng.floats(16, 0.5), units: units, steps: steps + 1, features: features,
            returnSequences: false, name: "wrong-steps"))
    }

    // MARK: Int8 kernels against float LSTM/GRU

    func testInt8LSTMTracksFloatLSTM() throws {
        var rng = RecurrentTestRandom(seed: 11)
        let steps = 28, features = 28, units = 32
        // Trained-like magnitudes: Glorot-sized input weights, ~orthogonal-sized recurrent weights.
        let wx = rng.floats(4 * units * features, 0.35)
        let wh = rng.floats(4 * units * units, 0.3)
        var b = rng.floats(4 * units, 0.3)
        for j in units..<(2 * units) { b[j] += 1 }
        let q = try RecurrentQuantizer.quantize(
            gates: 4, inputQuantization: QuantizationParameters(scale: 1.0 / 255, zeroPoint: -128),
            inputWeights: wx, recurrentWeights: wh, biases: [b], units: units, features: features, name: "lstm")
        var worst: Float = 0
        for _ in 0..<8 {
            let pixels = (0..<(steps * features)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let xq = pixels.map { Int8(Int($0) - 128) }
            let xf = pixels.map { Float($0) / 255 }
            let yq = runLSTM(q, xq, steps: steps, features: features, units: units, returnSequences: true)
            let yf = FloatRecurrent.lstm(xf, wx, wh, b, steps: steps, features: features, units: units)
            for (a, e) in zip(yq, yf) { worst = max(worst, abs(Float(a) / 128 - e)) }
        }
        XCTAssertLessThan(worst, 0.03, "max |int8 LSTM − float LSTM| over 8 sequences × 28 steps")
    }

    func testInt8GRUTracksFloatGRU() throws {
        var rng = RecurrentTestRandom(seed: 12)
        let steps = 20, features = 12, units = 24
        let wx = rng.floats(3 * units * features, 0.4)
        let wh = rng.floats(3 * units * units, 0.3)
        let bx = rng.floats(3 * units, 0.3), bh = rng.floats(3 * units, 0.3)
        let q = try RecurrentQuantizer.quantize(
            gates: 3, inputQuantization: QuantizationParameters(scale: 0.02, zeroPoint: 5),
            inputWeights: wx, recurrentWeights: wh, biases: [bx, bh], units: units, features: features, name: "gru")
        var worst: Float = 0
        for _ in 0..<8 {
            let xq = (0..<(steps * features)).map { _ in Int8.random(in: -128...127, using: &rng) }
            let xf = xq.map { 0.02 * Float(Int($0) - 5) }
            let yq = runGRU(q, xq, steps: steps, features: features, units: units)
            let yf = FloatRecurrent.gru(xf, wx, wh, bx, bh, steps: steps, features: features, units: units)
            for (a, e) in zip(yq, yf) { worst = max(worst, abs(Float(a) / 128 - e)) }
        }
        XCTAssertLessThan(worst, 0.03, "max |int8 GRU − float GRU| over 8 sequences × 20 steps")
    }

    // MARK: Fashion-MNIST measurement (opt-in: MINNOW_LSTM_MODEL=/path/to/float-lstm.minnow)

    func testFashionLSTMAgreementAndSpeed() throws {
        guard let path = ProcessInfo.processInfo.environment["MINNOW_LSTM_MODEL"] else {
            throw XCTSkip("set MINNOW_LSTM_MODEL to a float fashion-lstm model file to measure")
        }
        let fileBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let aligned = AlignedBytes(fileBytes)
        let model = try Model(bytes: UnsafeRawBufferPointer(aligned.raw))
        var lstmOp = -1, denseOp = -1
        for op in 0..<model.operatorCount {
            if model.operatorCode(op) == .lstm { lstmOp = op }
            if model.operatorCode(op) == .fullyConnected { denseOp = op }
        }
        let li = model.operatorInputs(lstmOp), di = model.operatorInputs(denseOp)
        let wx = Array(model.constantFloats(li[1])!), wh = Array(model.constantFloats(li[2])!)
        let b = Array(model.constantFloats(li[3])!)
        let dw = Array(model.constantFloats(di[1])!), db = Array(model.constantFloats(di[2])!)
        let units = Int(model.operatorOptions(lstmOp).units), steps = 28, features = 28
        let q = try RecurrentQuantizer.quantize(
            gates: 4, inputQuantization: QuantizationParameters(scale: 1.0 / 255, zeroPoint: -128),
            inputWeights: wx, recurrentWeights: wh, biases: [b], units: units, features: features, name: "lstm")
        let test = try LabeledDataset.load(spec: "fashion-mnist:test")
        let count = min(test.count, Int(ProcessInfo.processInfo.environment["MINNOW_LSTM_COUNT"] ?? "") ?? 10_000)
        var agree = 0, floatCorrect = 0, int8Correct = 0, roundedAgree = 0
        var timing: [Double] = []
        for n in 0..<count {
            let xf = Array(test.features(at: n))
            let xq = xf.map { Int8(Int(($0 * 255).rounded()) - 128) }
            let hf = FloatRecurrent.lstm(xf, wx, wh, b, steps: steps, features: features, units: units).suffix(units)
            let start = DispatchTime.now().uptimeNanoseconds
            let hq = runLSTM(q, xq, steps: steps, features: features, units: units, returnSequences: false)
            timing.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
            let pf = argmax(dense(Array(hf), dw, db)), pq = argmax(dense(hq.map { Float($0) / 128 }, dw, db))
            if pf == pq { agree += 1 }
            // The floor set by the int8 output alone: float h rounded to the 1/128 grid.
            let hr = hf.map { max(-128, min(127, ($0 * 128).rounded())) / 128 }
            if argmax(dense(Array(hr), dw, db)) == pf { roundedAgree += 1 }
            if pf == Int(test.labels[n]) { floatCorrect += 1 }
            if pq == Int(test.labels[n]) { int8Correct += 1 }
        }
        timing.sort()
        print(String(format: "fashion-lstm int8 LSTM: agreement %.2f%% (%d/%d), float acc %.2f%%, int8 acc %.2f%%, median %.1f µs, min %.1f µs",
                     100 * Double(agree) / Double(count), agree, count, 100 * Double(floatCorrect) / Double(count),
                     100 * Double(int8Correct) / Double(count), timing[timing.count / 2], timing[0]))
        print("float LSTM with h rounded to 1/128: agreement \(Double(roundedAgree) / Double(count))")
        print("per-gate input scales \(q.inputScales), recurrent scales \(q.recurrentScales)")
        XCTAssertGreaterThan(Double(agree) / Double(count), 0.99)
    }

    // MARK: Helpers

    func runLSTM(_ q: RecurrentQuantizer.QuantizedRecurrent, _ x: [Int8], steps: Int, features: Int, units: Int,
                 returnSequences: Bool) -> [Int8] {
        var y = [Int8](repeating: 0, count: returnSequences ? steps * units : units)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: Int8LSTMKernel.scratchBytes(units: units, features: features), alignment: 16)
        defer { scratch.deallocate() }
        scratch.initializeMemory(as: UInt8.self, repeating: 0, count: Int8LSTMKernel.scratchBytes(units: units, features: features))
        q.inputWeights.withUnsafeBufferPointer { wx in
            q.recurrentWeights.withUnsafeBufferPointer { wh in
                q.biases[0].withUnsafeBufferPointer { b in
                    q.parameters.withUnsafeBufferPointer { p in
                      q.rowExponents.withUnsafeBufferPointer { e in
                        let k = Int8LSTMKernel.Configuration(
                            steps: steps, features: features, units: units, returnSequences: returnSequences,
                            inputWeights: wx.baseAddress!, recurrentWeights: wh.baseAddress!,
                            bias: b.baseAddress!, rowExponents: e.baseAddress!, parameters: p.baseAddress!)
                        x.withUnsafeBufferPointer { xb in
                            y.withUnsafeMutableBufferPointer { yb in
                                Int8LSTMKernel.run(.native, k, input: xb.baseAddress!, output: yb.baseAddress!, scratch: scratch)
                            }
                        }
                      }
                    }
                }
            }
        }
        return y
    }

    func runGRU(_ q: RecurrentQuantizer.QuantizedRecurrent, _ x: [Int8], steps: Int, features: Int, units: Int) -> [Int8] {
        var y = [Int8](repeating: 0, count: steps * units)
        let bytes = Int8GRUKernel.scratchBytes(units: units, features: features)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
        defer { scratch.deallocate() }
        scratch.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        q.inputWeights.withUnsafeBufferPointer { wx in
            q.recurrentWeights.withUnsafeBufferPointer { wh in
                q.biases[0].withUnsafeBufferPointer { bx in
                    q.biases[1].withUnsafeBufferPointer { bh in
                        q.parameters.withUnsafeBufferPointer { p in
                          q.rowExponents.withUnsafeBufferPointer { e in
                            let k = Int8GRUKernel.Configuration(
                                steps: steps, features: features, units: units, returnSequences: true,
                                inputWeights: wx.baseAddress!, recurrentWeights: wh.baseAddress!,
                                inputBias: bx.baseAddress!, recurrentBias: bh.baseAddress!,
                                rowExponents: e.baseAddress!, parameters: p.baseAddress!)
                            x.withUnsafeBufferPointer { xb in
                                y.withUnsafeMutableBufferPointer { yb in
                                    Int8GRUKernel.run(.native, k, input: xb.baseAddress!, output: yb.baseAddress!, scratch: scratch)
                                }
                            }
                          }
                        }
                    }
                }
            }
        }
        return y
    }

    func dense(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
        (0..<b.count).map { o in zip(x, w[(o * x.count)..<((o + 1) * x.count)]).reduce(b[o]) { $0 + $1.0 * $1.1 } }
    }

    func argmax(_ v: [Float]) -> Int { v.indices.max { v[$0] < v[$1] }! }
}

/// Plain float LSTM/GRU (Keras semantics, the runtime's float `.lstm`/`.gru` conventions) in Double.
enum FloatRecurrent {
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// Every step's `h`, `[T, H]`.
    static func lstm(_ x: [Float], _ wx: [Float], _ wh: [Float], _ b: [Float],
                     steps: Int, features: Int, units: Int) -> [Float] {
        var h = [Double](repeating: 0, count: units), c = h, out: [Float] = []
        for t in 0..<steps {
            var z = [Double](repeating: 0, count: 4 * units)
            for r in 0..<(4 * units) {
                var s = Double(b[r])
                for f in 0..<features { s += Double(wx[r * features + f]) * Double(x[t * features + f]) }
                for k in 0..<units { s += Double(wh[r * units + k]) * h[k] }
                z[r] = s
            }
            for j in 0..<units {
                let i = sigmoid(z[j]), f = sigmoid(z[units + j]), g = tanh(z[2 * units + j]), o = sigmoid(z[3 * units + j])
                c[j] = f * c[j] + i * g
                h[j] = o * tanh(c[j])
            }
            out += h.map(Float.init)
        }
        return out
    }

    /// Every step's `h`, `[T, H]` (reset-after GRU).
    static func gru(_ x: [Float], _ wx: [Float], _ wh: [Float], _ bx: [Float], _ bh: [Float],
                    steps: Int, features: Int, units: Int) -> [Float] {
        var h = [Double](repeating: 0, count: units), out: [Float] = []
        for t in 0..<steps {
            var a = [Double](repeating: 0, count: 3 * units), bb = a
            for r in 0..<(3 * units) {
                var s = Double(bx[r])
                for f in 0..<features { s += Double(wx[r * features + f]) * Double(x[t * features + f]) }
                a[r] = s
                var u = Double(bh[r])
                for k in 0..<units { u += Double(wh[r * units + k]) * h[k] }
                bb[r] = u
            }
            for j in 0..<units {
                let z = sigmoid(a[j] + bb[j]), r = sigmoid(a[units + j] + bb[units + j])
                let n = tanh(a[2 * units + j] + r * bb[2 * units + j])
                h[j] = z * h[j] + (1 - z) * n
            }
            out += h.map(Float.init)
        }
        return out
    }
}

/// A seeded SplitMix64 generator (reproducible test data).
struct RecurrentTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// `count` uniform values in −limit…limit.
    mutating func floats(_ count: Int, _ limit: Float) -> [Float] {
        (0..<count).map { _ in Float.random(in: -limit...limit, using: &self) }
    }
}

/// Bytes copied into 16-byte aligned memory (constants must be aligned for the kernels).
final class AlignedBytes {
    let raw: UnsafeRawBufferPointer
    init(_ bytes: [UInt8]) {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        raw = UnsafeRawBufferPointer(start: p, count: bytes.count)
    }
    deinit { raw.baseAddress.map { UnsafeMutableRawPointer(mutating: $0).deallocate() } }
}

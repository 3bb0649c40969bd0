import Foundation
import MinnowRuntime
import MinnowTrain
import XCTest

/// Tests of the `LSTM` and `GRU` layers: gradients by finite differences, forward values against
/// a plain Double implementation of the equations, export contents, initialization,
/// determinism across worker counts and a small learning task.
final class RecurrentTests: XCTestCase {
    // MARK: Helpers

    private func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, data: (0..<count).map { _ in generator.uniform(-scale, scale) })
    }

    /// Overwrites every parameter with uniform values so biases and all gates are exercised.
    private func randomizeParameters(_ layer: Layer, seed: UInt64, scale: Float = 0.6) {
        var generator = SeededGenerator(seed: seed)
        for p in layer.parameters {
            p.value = p.value.map { _ in generator.uniform(-scale, scale) }
        }
    }

    private func built<L: Layer>(_ layer: L, steps: Int, features: Int, seed: UInt64 = 1) throws -> L {
        var generator = SeededGenerator(seed: seed)
        _ = try layer.build(inputShape: [steps, features], generator: &generator)
        return layer
    }

    private static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// Reference LSTM for one sample: returns h_t for every step, straight from the equations.
    private static func referenceLSTM(x: [Float], steps: Int, features: Int, units: Int,
                                      wx: [Float], wh: [Float], b: [Float]) -> [[Double]] {
        var h = [Double](repeating: 0, count: units)
        var c = [Double](repeating: 0, count: units)
        var outputs: [[Double]] = []
        for t in 0..<steps {
            var pre = [Double](repeating: 0, count: 4 * units)
            for row in 0..<(4 * units) {
                var s = Double(b[row])
                for k in 0..<features { s += Double(wx[row * features + k]) * Double(x[t * features + k]) }
                for k in 0..<units { s += Double(wh[row * units + k]) * h[k] }
                pre[row] = s
            }
            var newH = h
            for j in 0..<units {
                let i = sigmoid(pre[j]), f = sigmoid(pre[units + j])
                let g = tanh(pre[2 * units + j]), o = sigmoid(pre[3 * units + j])
                c[j] = f * c[j] + i * g
                newH[j] = o * tanh(c[j])
            }
            h = newH
            outputs.append(h)
        }
        return outputs
    }

    /// Reference GRU (reset after) for one sample: returns h_t for every step.
    private static func referenceGRU(x: [Float], steps: Int, features: Int, units: Int,
                                     wx: [Float], wh: [Float], bx: [Float], bh: [Float]) -> [[Double]] {
        var h = [Double](repeating: 0, count: units)
        var outputs: [[Double]] = []
        for t in 0..<steps {
            var xp = [Double](repeating: 0, count: 3 * units)
            var hp = [Double](repeating: 0, count: 3 * units)
            for row in 0..<(3 * units) {
                var s = Double(bx[row])
                for k in 0..<features { s += Double(wx[row * features + k]) * Double(x[t * features + k]) }
                xp[row] = s
                var r = Double(bh[row])
                for k in 0..<units { r += Double(wh[row * units + k]) * h[k] }
                hp[row] = r
            }
            var newH = h
            for j in 0..<units {
                let z = sigmoid(xp[j] + hp[j])
                let r = sigmoid(xp[units + j] + hp[units + j])
                let n = tanh(xp[2 * units + j] + r * hp[2 * units + j])
                newH[j] = z * h[j] + (1 - z) * n
            }
            h = newH
            outputs.append(h)
        }
        return outputs
    }

    private func floats(_ bytes: [UInt8]?) -> [Float] {
        guard let bytes else { return [] }
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }

    // MARK: Gradients

    private func checkGradients(makeLayer: (Bool) -> Layer, label: String) throws {
        for steps in [4, 1] {
            for sequences in [false, true] {
                let layer = makeLayer(sequences)
                var generator = SeededGenerator(seed: 3)
                _ = try layer.build(inputShape: [steps, 5], generator: &generator)
                randomizeParameters(layer, seed: 11)
                let input = randomTensor([3, steps, 5], seed: 5)
                let result = GradientCheck.run(layer: layer, input: input, samplesPerTensor: 200)
                XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(label) T=\(steps) sequences=\(sequences): \(result)")
                XCTAssertGreaterThan(result.checkedEntries, 100)
            }
        }
    }

    func testLSTMGradientsMatchFiniteDifferences() throws {
        try checkGradients(makeLayer: { LSTM(units: 6, returnSequences: $0) }, label: "LSTM")
    }

    func testGRUGradientsMatchFiniteDifferences() throws {
        try checkGradients(makeLayer: { GRU(units: 6, returnSequences: $0) }, label: "GRU")
    }

    // MARK: Forward values

    func testLSTMForwardMatchesReferenceEquations() throws {
        let (n, t, f, h) = (3, 4, 5, 6)
        for sequences in [false, true] {
            let layer = try built(LSTM(units: h, returnSequences: sequences), steps: t, features: f)
            randomizeParameters(layer, seed: 21, scale: 0.8)
            let input = randomTensor([n, t, f], seed: 22, scale: 1.5)
            let output = layer.forward(input, training: false)
            XCTAssertEqual(output.shape, sequences ? [n, t, h] : [n, h])
            var maxError = 0.0
            for item in 0..<n {
                let x = Array(input.data[(item * t * f)..<((item + 1) * t * f)])
                let expected = Self.referenceLSTM(x: x, steps: t, features: f, units: h,
                                                  wx: layer.inputWeights!.value, wh: layer.recurrentWeights!.value,
                                                  b: layer.bias!.value)
                for step in (sequences ? 0 : t - 1)..<t {
                    for j in 0..<h {
                        let got = sequences ? output.data[(item * t + step) * h + j] : output.data[item * h + j]
                        maxError = max(maxError, abs(Double(got) - expected[step][j]))
                    }
                }
            }
            XCTAssertLessThan(maxError, 1e-5, "LSTM sequences=\(sequences)")
        }
    }

    func testGRUForwardMatchesReferenceEquations() throws {
        let (n, t, f, h) = (3, 4, 5, 6)
        for sequences in [false, true] {
            let layer = try built(GRU(units: h, returnSequences: sequences), steps: t, features: f)
            randomizeParameters(layer, seed: 31, scale: 0.8)
            let input = randomTensor([n, t, f], seed: 32, scale: 1.5)
            let output = layer.forward(input, training: false)
            XCTAssertEqual(output.shape, sequences ? [n, t, h] : [n, h])
            var maxError = 0.0
            for item in 0..<n {
                let x = Array(input.data[(item * t * f)..<((item + 1) * t * f)])
                let expected = Self.referenceGRU(x: x, steps: t, features: f, units: h,
                                                 wx: layer.inputWeights!.value, wh: layer.recurrentWeights!.value,
                                                 bx: layer.inputBias!.value, bh: layer.recurrentBias!.value)
                for step in (sequences ? 0 : t - 1)..<t {
                    for j in 0..<h {
                        let got = sequences ? output.data[(item * t + step) * h + j] : output.data[item * h + j]
                        maxError = max(maxError, abs(Double(got) - expected[step][j]))
                    }
                }
            }
            XCTAssertLessThan(maxError, 1e-5, "GRU sequences=\(sequences)")
        }
    }

    // MARK: Initialization

    func testLSTMInitialization() throws {
        let (t, f, h) = (7, 5, 6)
        let layer = LSTM(units: h)
        var generator = SeededGenerator(seed: 9)
        XCTAssertEqual(try layer.build(inputShape: [t, f], generator: &generator), [h])
        XCTAssertEqual(layer.inputWeights?.shape, [4 * h, f])
        XCTAssertEqual(layer.recurrentWeights?.shape, [4 * h, h])
        XCTAssertEqual(layer.bias?.shape, [4 * h])
        // unit_forget_bias: ones on the forget slice, zeros elsewhere.
        let expectedBias = (0..<(4 * h)).map { ($0 >= h && $0 < 2 * h) ? Float(1) : 0 }
        XCTAssertEqual(layer.bias?.value, expectedBias)
        // Glorot limit over fanIn F, fanOut 4H.
        let limit = (6 / Float(f + 4 * h)).squareRoot()
        XCTAssertTrue(layer.inputWeights!.value.allSatisfy { abs($0) <= limit })
        XCTAssertGreaterThan(layer.inputWeights!.value.map { abs($0) }.max()!, 0.8 * limit)
        // Orthogonal recurrent kernel: columns of the [4H, H] matrix are orthonormal.
        let wh = layer.recurrentWeights!.value
        for a in 0..<h {
            for b in 0..<h {
                var dot: Float = 0
                for r in 0..<(4 * h) { dot += wh[r * h + a] * wh[r * h + b] }
                XCTAssertEqual(dot, a == b ? 1 : 0, accuracy: 1e-4)
            }
        }
        XCTAssertEqual(layer.parameters.map(\.name), ["lstm/input_weights", "lstm/recurrent_weights", "lstm/bias"])
        XCTAssertEqual(layer.parameters.map(\.isRegularized), [true, true, false])
        XCTAssertEqual(try LSTM(units: 3, returnSequences: true).build(inputShape: [t, f], generator: &generator), [t, 3])
        XCTAssertThrowsError(try LSTM(units: 3).build(inputShape: [t * f], generator: &generator))
    }

    func testGRUInitialization() throws {
        let (t, f, h) = (7, 5, 6)
        let layer = GRU(units: h, returnSequences: true)
        var generator = SeededGenerator(seed: 9)
        XCTAssertEqual(try layer.build(inputShape: [t, f], generator: &generator), [t, h])
        XCTAssertEqual(layer.inputWeights?.shape, [3 * h, f])
        XCTAssertEqual(layer.recurrentWeights?.shape, [3 * h, h])
        XCTAssertEqual(layer.inputBias?.value, [Float](repeating: 0, count: 3 * h))
        XCTAssertEqual(layer.recurrentBias?.value, [Float](repeating: 0, count: 3 * h))
        let limit = (6 / Float(f + 3 * h)).squareRoot()
        XCTAssertTrue(layer.inputWeights!.value.allSatisfy { abs($0) <= limit })
        let wh = layer.recurrentWeights!.value
        for a in 0..<h {
            var norm: Float = 0
            for r in 0..<(3 * h) { norm += wh[r * h + a] * wh[r * h + a] }
            XCTAssertEqual(norm, 1, accuracy: 1e-4)
        }
        XCTAssertEqual(layer.parameters.count, 4)
    }

    // MARK: Export

    func testLSTMExport() throws {
        let (t, f, h) = (4, 5, 6)
        for sequences in [false, true] {
            let layer = try built(LSTM(units: h, returnSequences: sequences, name: "rnn"), steps: t, features: f)
            randomizeParameters(layer, seed: 41)
            var builder = ModelBuilder()
            let input = builder.addTensor(name: "input", shape: [1, t, f])
            let output = try layer.export(to: &builder, input: input)
            XCTAssertEqual(builder.operators.count, 1)
            let op = builder.operators[0]
            XCTAssertEqual(op.code, .lstm)
            XCTAssertEqual(op.options.units, Int32(h))
            XCTAssertEqual(op.options.returnSequences, sequences)
            XCTAssertEqual(op.inputs.count, 4)
            XCTAssertEqual(op.inputs[0], input)
            XCTAssertEqual(op.outputs, [output])
            XCTAssertEqual(builder.tensors[output].shape, sequences ? [1, t, h] : [1, h])
            XCTAssertNil(builder.tensors[output].constantBytes)
            let expected: [(String, [Int], [Float])] = [
                ("rnn/input_weights", [4 * h, f], layer.inputWeights!.value),
                ("rnn/recurrent_weights", [4 * h, h], layer.recurrentWeights!.value),
                ("rnn/bias", [4 * h], layer.bias!.value),
            ]
            for (k, (name, shape, values)) in expected.enumerated() {
                let tensor = builder.tensors[op.inputs[k + 1]]
                XCTAssertEqual(tensor.name, name)
                XCTAssertEqual(tensor.shape, shape)
                XCTAssertEqual(tensor.type, .float32)
                XCTAssertEqual(floats(tensor.constantBytes), values)
            }
        }
    }

    func testGRUExport() throws {
        let (t, f, h) = (4, 5, 6)
        let layer = try built(GRU(units: h, name: "g"), steps: t, features: f)
        randomizeParameters(layer, seed: 42)
        var builder = ModelBuilder()
        // A flattened input of the right size gets a reshape to [1, T, F] first.
        let input = builder.addTensor(name: "input", shape: [1, t * f])
        let output = try layer.export(to: &builder, input: input)
        XCTAssertEqual(builder.operators.map(\.code), [.reshape, .gru])
        XCTAssertEqual(builder.operators[0].inputs, [input])
        XCTAssertEqual(builder.tensors[builder.operators[0].outputs[0]].shape, [1, t, f])
        let op = builder.operators[1]
        XCTAssertEqual(op.inputs[0], builder.operators[0].outputs[0])
        XCTAssertEqual(op.options.units, Int32(h))
        XCTAssertFalse(op.options.returnSequences)
        XCTAssertEqual(builder.tensors[output].shape, [1, h])
        let expected: [(String, [Int], [Float])] = [
            ("g/input_weights", [3 * h, f], layer.inputWeights!.value),
            ("g/recurrent_weights", [3 * h, h], layer.recurrentWeights!.value),
            ("g/input_bias", [3 * h], layer.inputBias!.value),
            ("g/recurrent_bias", [3 * h], layer.recurrentBias!.value),
        ]
        XCTAssertEqual(op.inputs.count, 5)
        for (k, (name, shape, values)) in expected.enumerated() {
            let tensor = builder.tensors[op.inputs[k + 1]]
            XCTAssertEqual(tensor.name, name)
            XCTAssertEqual(tensor.shape, shape)
            XCTAssertEqual(floats(tensor.constantBytes), values)
        }
        // A tensor of the wrong size is rejected.
        var other = ModelBuilder()
        let wrong = other.addTensor(name: "bad", shape: [1, t, f + 1])
        XCTAssertThrowsError(try layer.export(to: &other, input: wrong))
    }

    // MARK: Determinism

    private func runOnce(_ layer: Layer, input: Tensor, gradient: Tensor) -> (Tensor, Tensor, [[Float]]) {
        for p in layer.parameters { p.zeroGradient() }
        let out = layer.forward(input, training: true)
        let dx = layer.backward(gradient)
        return (out, dx, layer.parameters.map(\.gradient))
    }

    func testResultsDoNotDependOnWorkerCount() throws {
        let saved = Parallel.workerCount
        defer { Parallel.workerCount = saved }
        // Large enough batch and width that the element-wise loops split across workers.
        let (n, t, f, h) = (64, 3, 4, 32)
        let input = randomTensor([n, t, f], seed: 51)
        for sequences in [false, true] {
            let layers: [Layer] = [
                try built(LSTM(units: h, returnSequences: sequences), steps: t, features: f),
                try built(GRU(units: h, returnSequences: sequences), steps: t, features: f),
            ]
            for layer in layers {
                randomizeParameters(layer, seed: 52)
                let gradient = randomTensor(sequences ? [n, t, h] : [n, h], seed: 53)
                Parallel.workerCount = 1
                let (out1, dx1, grads1) = runOnce(layer, input: input, gradient: gradient)
                Parallel.workerCount = 2
                let (out2, dx2, grads2) = runOnce(layer, input: input, gradient: gradient)
                XCTAssertEqual(out1.data.map(\.bitPattern), out2.data.map(\.bitPattern), "\(layer.kind) output")
                XCTAssertEqual(dx1.data.map(\.bitPattern), dx2.data.map(\.bitPattern), "\(layer.kind) input gradient")
                XCTAssertEqual(grads1.map { $0.map(\.bitPattern) }, grads2.map { $0.map(\.bitPattern) }, "\(layer.kind) parameter gradients")
                XCTAssertTrue(grads1.allSatisfy { $0.contains { $0 != 0 } }, "\(layer.kind): every parameter gets a gradient")
            }
        }
    }

    // MARK: Learning

    /// Learns the sign of the sum of a sequence (|sum| ≥ 0.25) with a logistic head trained by plain SGD.
    private func learnSignOfSum(_ layer: Layer) throws -> Double {
        let (t, h, batchSize) = (8, 8, 32)
        var generator = SeededGenerator(seed: 61)
        _ = try layer.build(inputShape: [t, 1], generator: &generator)
        var head = (0..<h).map { _ in generator.uniform(-0.5, 0.5) }
        var headBias: Float = 0

        func makeData(_ count: Int) -> ([Float], [Float]) {
            var xs: [Float] = [], ys: [Float] = []
            while ys.count < count {
                let seq = (0..<t).map { _ in generator.uniform(-1, 1) }
                let sum = seq.reduce(0, +)
                if abs(sum) < 0.25 { continue }  // a small margin keeps the labels learnable
                xs += seq
                ys.append(sum > 0 ? 1 : 0)
            }
            return (xs, ys)
        }
        let (trainX, trainY) = makeData(1024)
        let (testX, testY) = makeData(512)
        let rate: Float = 0.5

        for _ in 0..<20 {
            for start in stride(from: 0, to: trainY.count, by: batchSize) {
                let x = Tensor(shape: [batchSize, t, 1], data: Array(trainX[(start * t)..<((start + batchSize) * t)]))
                let hidden = layer.forward(x, training: true)
                var dHidden = Tensor(zeros: hidden.shape)
                var dHead = [Float](repeating: 0, count: h)
                var dBias: Float = 0
                for i in 0..<batchSize {
                    var logit = headBias
                    for j in 0..<h { logit += head[j] * hidden.data[i * h + j] }
                    let p = 1 / (1 + exp(-logit))
                    let dLogit = (p - trainY[start + i]) / Float(batchSize)
                    dBias += dLogit
                    for j in 0..<h {
                        dHead[j] += dLogit * hidden.data[i * h + j]
                        dHidden.data[i * h + j] = dLogit * head[j]
                    }
                }
                for p in layer.parameters { p.zeroGradient() }
                _ = layer.backward(dHidden)
                for p in layer.parameters {
                    for k in p.value.indices { p.value[k] -= rate * p.gradient[k] }
                }
                for j in 0..<h { head[j] -= rate * dHead[j] }
                headBias -= rate * dBias
            }
        }

        let hidden = layer.forward(Tensor(shape: [testY.count, t, 1], data: testX), training: false)
        var correct = 0
        for i in 0..<testY.count {
            var logit = headBias
            for j in 0..<h { logit += head[j] * hidden.data[i * h + j] }
            if (logit > 0 ? 1 : 0) == testY[i] { correct += 1 }
        }
        return Double(correct) / Double(testY.count)
    }

    func testLSTMLearnsSignOfSum() throws {
        let accuracy = try learnSignOfSum(LSTM(units: 8))
        // A trained head on the untrained recurrent layer alone stays below ~0.9 here.
        XCTAssertGreaterThan(accuracy, 0.97)
    }

    func testGRULearnsSignOfSum() throws {
        let accuracy = try learnSignOfSum(GRU(units: 8))
        // A trained head on the untrained recurrent layer alone stays below ~0.9 here.
        XCTAssertGreaterThan(accuracy, 0.97)
    }
}

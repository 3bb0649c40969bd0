import Foundation
import MinnowRuntime
import XCTest

/// One `Model` shared by 8 threads × 1,000 inferences, each thread with its own arena and
/// `Interpreter`: every output must equal, bit for bit, the single-threaded output for the same
/// input. `Model` is a read-only view, so sharing it must be free of data races
/// (tools/sanitize runs this file under ThreadSanitizer).
final class ConcurrencyTests: XCTestCase {
    static let threads = 8
    static let inferencesPerThread = 1_000
    /// Distinct inputs cycled through, so threads run different data at the same time.
    static let distinctInputs = 16

    func testFloatModelSharedAcrossThreads() throws {
        try assertThreadSafe(Self.floatModel(), inputCount: 6 * 6 * 2, seed: 1)
    }

    func testFloatRecurrentModelSharedAcrossThreads() throws {
        try assertThreadSafe(Self.floatRecurrentModel(), inputCount: 5 * 3, seed: 2)
    }

    func testInt8ModelSharedAcrossThreads() throws {
        try assertThreadSafe(Self.int8Model(), inputCount: 6 * 6 * 2, seed: 3)
    }

    // MARK: The check

    /// Runs the model single-threaded on every distinct input, then on `threads` threads, and
    /// compares every multi-threaded output bit pattern with the single-threaded one.
    func assertThreadSafe(_ builder: ModelBuilder, inputCount: Int, seed: UInt64,
                          file: StaticString = #filePath, line: UInt = #line) throws {
        let modelBytes = AlignedBuffer(builder.serializedBytes())
        let model = try Model(bytes: modelBytes.bytes)
        var random = TestRandom(seed: seed)
        let inputs = (0..<Self.distinctInputs).map { _ in random.floats(inputCount, scale: 2) }
        let arenaBytes = Interpreter.requiredArenaBytes(for: model)

        // Single-threaded reference.
        let arena = AlignedBuffer(count: arenaBytes)
        let interpreter = try Interpreter(model: model, arena: arena.raw)
        XCTAssertEqual(interpreter.inputCount(0), inputCount, file: file, line: line)
        let expected = try inputs.map { x -> [UInt32] in
            try Self.infer(interpreter, x)
        }
        // The inputs must actually produce different outputs, or a thread reading another
        // thread's arena could go unnoticed.
        XCTAssertGreaterThan(Set(expected).count, Self.distinctInputs / 2, "outputs barely depend on the input",
                             file: file, line: line)

        // 8 threads, each with its own arena and interpreter over the shared model.
        let results = ThreadResults(threads: Self.threads)
        let done = DispatchGroup()
        for thread in 0..<Self.threads {
            done.enter()
            let worker = Thread {
                defer { done.leave() }
                let arena = AlignedBuffer(count: arenaBytes)
                do {
                    let interpreter = try Interpreter(model: model, arena: arena.raw)
                    var mismatches = 0
                    var firstMismatch: Int?
                    for i in 0..<Self.inferencesPerThread {
                        // Each thread starts at a different input so they overlap differently.
                        let k = (i &+ thread &* 5) % Self.distinctInputs
                        if try Self.infer(interpreter, inputs[k]) != expected[k] {
                            mismatches += 1
                            if firstMismatch == nil { firstMismatch = i }
                        }
                    }
                    results.record(thread: thread, runs: Self.inferencesPerThread, mismatches: mismatches,
                                   firstMismatch: firstMismatch, error: nil)
                } catch {
                    results.record(thread: thread, runs: 0, mismatches: 0, firstMismatch: nil, error: "\(error)")
                }
            }
            worker.stackSize = 1 << 20
            worker.start()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 300), .success, "threads did not finish", file: file, line: line)

        for thread in 0..<Self.threads {
            let r = results.result(thread)
            XCTAssertNil(r.error, "thread \(thread) failed", file: file, line: line)
            XCTAssertEqual(r.runs, Self.inferencesPerThread, "thread \(thread) runs", file: file, line: line)
            XCTAssertEqual(r.mismatches, 0,
                           "thread \(thread): \(r.mismatches) outputs differ from single-threaded ones, first at inference \(r.firstMismatch ?? -1)",
                           file: file, line: line)
        }
    }

    /// Sets input 0 from floats (quantizing for int8 inputs), invokes, and returns every output
    /// element's float bit pattern.
    static func infer(_ interpreter: Interpreter, _ x: [Float]) throws -> [UInt32] {
        x.withUnsafeBufferPointer { interpreter.setInput(0, from: $0.baseAddress!) }
        try interpreter.invoke()
        return (0..<interpreter.outputCount(0)).map { interpreter.outputValue(0, $0).bitPattern }
    }

    // MARK: Models (small, every common operator)

    /// conv (same, relu) → max pool → depthwise → fully connected → softmax.
    static func floatModel() -> ModelBuilder {
        var random = TestRandom(seed: 11)
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 6, 6, 2])
        let cw = b.addConstant(name: "cw", shape: [4, 3, 3, 2], floats: random.floats(72, scale: 0.5))
        let cb = b.addConstant(name: "cb", shape: [4], floats: random.floats(4, scale: 0.1))
        let c = b.addTensor(name: "c", shape: [1, 6, 6, 4])
        b.addOperator(.conv2D, inputs: [x, cw, cb], outputs: [c],
                      options: OperatorOptions(kernelHeight: 3, kernelWidth: 3, padding: .same, activation: .relu))
        let p = b.addTensor(name: "p", shape: [1, 3, 3, 4])
        b.addOperator(.maxPool2D, inputs: [c], outputs: [p],
                      options: OperatorOptions(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2))
        let dw = b.addConstant(name: "dw", shape: [1, 3, 3, 4], floats: random.floats(36, scale: 0.5))
        let db = b.addConstant(name: "db", shape: [4], floats: random.floats(4, scale: 0.1))
        let d = b.addTensor(name: "d", shape: [1, 3, 3, 4])
        b.addOperator(.depthwiseConv2D, inputs: [p, dw, db], outputs: [d],
                      options: OperatorOptions(kernelHeight: 3, kernelWidth: 3, padding: .same))
        let fw = b.addConstant(name: "fw", shape: [10, 36], floats: random.floats(360, scale: 0.3))
        let fb = b.addConstant(name: "fb", shape: [10], floats: random.floats(10, scale: 0.1))
        let logits = b.addTensor(name: "logits", shape: [1, 10])
        b.addOperator(.fullyConnected, inputs: [d, fw, fb], outputs: [logits])
        let y = b.addTensor(name: "y", shape: [1, 10])
        b.addOperator(.softmax, inputs: [logits], outputs: [y])
        b.inputs = [x]
        b.outputs = [y]
        return b
    }

    /// LSTM (sequences) → GRU → fully connected: the recurrent kernels use per-operator scratch.
    static func floatRecurrentModel() -> ModelBuilder {
        var random = TestRandom(seed: 12)
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 5, 3])
        let lx = b.addConstant(name: "lx", shape: [16, 3], floats: random.floats(48, scale: 0.5))
        let lh = b.addConstant(name: "lh", shape: [16, 4], floats: random.floats(64, scale: 0.5))
        let lb = b.addConstant(name: "lb", shape: [16], floats: random.floats(16, scale: 0.1))
        let s = b.addTensor(name: "s", shape: [1, 5, 4])
        b.addOperator(.lstm, inputs: [x, lx, lh, lb], outputs: [s], options: OperatorOptions(units: 4, returnSequences: true))
        let gx = b.addConstant(name: "gx", shape: [9, 4], floats: random.floats(36, scale: 0.5))
        let gh = b.addConstant(name: "gh", shape: [9, 3], floats: random.floats(27, scale: 0.5))
        let gb = b.addConstant(name: "gb", shape: [9], floats: random.floats(9, scale: 0.1))
        let gr = b.addConstant(name: "gr", shape: [9], floats: random.floats(9, scale: 0.1))
        let g = b.addTensor(name: "g", shape: [1, 3])
        b.addOperator(.gru, inputs: [s, gx, gh, gb, gr], outputs: [g], options: OperatorOptions(units: 3))
        let fw = b.addConstant(name: "fw", shape: [4, 3], floats: random.floats(12))
        let fb = b.addConstant(name: "fb", shape: [4], floats: random.floats(4, scale: 0.1))
        let y = b.addTensor(name: "y", shape: [1, 4])
        b.addOperator(.fullyConnected, inputs: [g, fw, fb], outputs: [y])
        b.inputs = [x]
        b.outputs = [y]
        return b
    }

    /// int8: conv (packed, same, relu) → average pool → fully connected → softmax, int8 input
    /// and output (the test feeds floats through `setInput`, which quantizes).
    static func int8Model() -> ModelBuilder {
        var rng = IntRandom(seed: 13)
        let activation = QuantizationParameters(scale: 0.05, zeroPoint: -4)
        // Real multipliers sized so accumulators land mid-range (no saturation to a constant).
        func multipliers(_ n: Int, _ scale: Double) -> [QuantizedMultiplier] {
            (0..<n).map { _ in QuantizedMultiplier(scale * (0.5 + rng.unit())) }
        }
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", type: .int8, shape: [1, 6, 6, 2], quantization: activation)
        // Biases folded with the input zero point (Int8Conventions), as the quantizer does.
        func foldedBias(_ weights: [Int8], channels n: Int) -> [Int32] {
            WeightPacking.foldedBias((0..<n).map { _ in Int32(rng.int(-2000...2000)) },
                                     channelSums: WeightPacking.channelSums(weights, channels: n, depth: weights.count / n),
                                     inputZeroPoint: activation.zeroPoints[0])
        }
        let convWeights = rng.int8s(72, -127...127)
        let cw = b.addPackedWeights(name: "cw", shape: [4, 3, 3, 2], values: convWeights)
        let cb = b.addConstant(name: "cb", shape: [4], int32s: foldedBias(convWeights, channels: 4))
        let crq = b.addRequantization(name: "crq", multipliers(4, 0.002))
        let c = b.addTensor(name: "c", type: .int8, shape: [1, 6, 6, 4], quantization: activation)
        b.addOperator(.conv2D, inputs: [x, cw, cb, crq], outputs: [c],
                      options: OperatorOptions(kernelHeight: 3, kernelWidth: 3, padding: .same, activation: .relu))
        let p = b.addTensor(name: "p", type: .int8, shape: [1, 3, 3, 4], quantization: activation)
        b.addOperator(.averagePool2D, inputs: [c], outputs: [p],
                      options: OperatorOptions(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2))
        let fcWeights = rng.int8s(360, -127...127)
        let fw = b.addPackedWeights(name: "fw", shape: [10, 36], values: fcWeights)
        let fb = b.addConstant(name: "fb", shape: [10], int32s: foldedBias(fcWeights, channels: 10))
        let frq = b.addRequantization(name: "frq", multipliers(10, 0.003))
        let logits = b.addTensor(name: "logits", type: .int8, shape: [1, 10], quantization: activation)
        b.addOperator(.fullyConnected, inputs: [p, fw, fb, frq], outputs: [logits])
        // Softmax table: round(2^16 · exp(−scale · d)).
        let table = b.addConstant(name: "exp", shape: [256],
                                  int32s: (0..<256).map { Int32((65536 * Foundation.exp(-0.05 * Double($0))).rounded()) })
        let y = b.addTensor(name: "y", type: .int8, shape: [1, 10],
                            quantization: QuantizationParameters(scale: 1.0 / 256, zeroPoint: -128))
        b.addOperator(.softmax, inputs: [logits, table], outputs: [y])
        b.inputs = [x]
        b.outputs = [y]
        return b
    }
}

/// Per-thread results, written by the workers and read after they finish.
private final class ThreadResults: @unchecked Sendable {
    struct Result { var runs = 0, mismatches = 0; var firstMismatch: Int?; var error: String? }
    private var results: [Result]
    private let lock = NSLock()

    init(threads: Int) { results = Array(repeating: Result(), count: threads) }

    func record(thread: Int, runs: Int, mismatches: Int, firstMismatch: Int?, error: String?) {
        lock.lock()
        results[thread] = Result(runs: runs, mismatches: mismatches, firstMismatch: firstMismatch, error: error)
        lock.unlock()
    }

    func result(_ thread: Int) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return results[thread]
    }
}

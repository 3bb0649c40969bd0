import MinnowData
import MinnowQuantize
import MinnowRuntime
import MinnowTrain

/// Deterministic pseudo-random floats in [lo, hi) (xorshift), independent of the code under test.
struct TestRandom {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9E3779B97F4A7C15 | 1 }
    mutating func next(_ lo: Float = -1, _ hi: Float = 1) -> Float {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return lo + (hi - lo) * Float(state >> 40) / Float(1 << 24)
    }
    mutating func array(_ n: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] { (0..<n).map { _ in next(lo, hi) } }
}

enum FloatModels {
    /// input [1, inputs] → FC(hidden, relu) → FC(classes): the MLP preset's shape, small.
    static func mlp(inputs: Int = 10, hidden: Int = 20, classes: Int = 3, seed: UInt64 = 1) -> ModelBuilder {
        var r = TestRandom(seed)
        var b = ModelBuilder()
        let x = b.addTensor(name: "input", shape: [1, inputs])
        let w1 = b.addConstant(name: "dense/weights", shape: [hidden, inputs], floats: r.array(hidden * inputs, -0.5, 0.5))
        let b1 = b.addConstant(name: "dense/bias", shape: [hidden], floats: r.array(hidden, -0.1, 0.1))
        let h = b.addTensor(name: "dense", shape: [1, hidden])
        b.addOperator(.fullyConnected, inputs: [x, w1, b1], outputs: [h], options: OperatorOptions(activation: .relu))
        let w2 = b.addConstant(name: "dense_1/weights", shape: [classes, hidden], floats: r.array(classes * hidden, -0.5, 0.5))
        let b2 = b.addConstant(name: "dense_1/bias", shape: [classes], floats: r.array(classes, -0.1, 0.1))
        let y = b.addTensor(name: "dense_1", shape: [1, classes])
        b.addOperator(.fullyConnected, inputs: [h, w2, b2], outputs: [y])
        b.inputs = [x]; b.outputs = [y]
        return b
    }

    /// [1,6,6,2] → conv 3x3 same (4, no act) → BN → ReLU → maxpool 2 → depthwise 3x3 same (relu6)
    /// → reshape → FC(3) → softmax.
    static func cnn(seed: UInt64 = 2) -> ModelBuilder {
        var r = TestRandom(seed)
        var b = ModelBuilder()
        let x = b.addTensor(name: "input", shape: [1, 6, 6, 2])
        let cw = b.addConstant(name: "conv/weights", shape: [4, 3, 3, 2], floats: r.array(72, -0.5, 0.5))
        let cb = b.addConstant(name: "conv/bias", shape: [4], floats: r.array(4, -0.1, 0.1))
        let c = b.addTensor(name: "conv", shape: [1, 6, 6, 4])
        b.addOperator(.conv2D, inputs: [x, cw, cb], outputs: [c], options: OperatorOptions(padding: .same))
        let scale = b.addConstant(name: "bn/scale", shape: [4], floats: [1.5, 0.5, -0.8, 2.0])
        let offset = b.addConstant(name: "bn/offset", shape: [4], floats: [0.1, -0.2, 0.3, 0.0])
        let n = b.addTensor(name: "bn", shape: [1, 6, 6, 4])
        b.addOperator(.batchNorm, inputs: [c, scale, offset], outputs: [n])
        let a = b.addTensor(name: "relu", shape: [1, 6, 6, 4])
        b.addOperator(.relu, inputs: [n], outputs: [a])
        let p = b.addTensor(name: "pool", shape: [1, 3, 3, 4])
        b.addOperator(.maxPool2D, inputs: [a], outputs: [p],
                      options: OperatorOptions(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2))
        let dw = b.addConstant(name: "dw/weights", shape: [1, 3, 3, 4], floats: r.array(36, -0.5, 0.5))
        let db = b.addConstant(name: "dw/bias", shape: [4], floats: r.array(4, -0.1, 0.1))
        let d = b.addTensor(name: "dw", shape: [1, 3, 3, 4])
        b.addOperator(.depthwiseConv2D, inputs: [p, dw, db], outputs: [d], options: OperatorOptions(padding: .same, activation: .relu6))
        let f = b.addTensor(name: "flatten", shape: [1, 36])
        b.addOperator(.reshape, inputs: [d], outputs: [f])
        let fw = b.addConstant(name: "fc/weights", shape: [3, 36], floats: r.array(108, -0.5, 0.5))
        let fb = b.addConstant(name: "fc/bias", shape: [3], floats: r.array(3, -0.1, 0.1))
        let l = b.addTensor(name: "fc", shape: [1, 3])
        b.addOperator(.fullyConnected, inputs: [f, fw, fb], outputs: [l])
        let s = b.addTensor(name: "softmax", shape: [1, 3])
        b.addOperator(.softmax, inputs: [l], outputs: [s])
        b.inputs = [x]; b.outputs = [s]
        return b
    }

    static func randomData(itemShape: [Int], count: Int, seed: UInt64, lo: Float = 0, hi: Float = 1) throws -> LabeledDataset {
        var r = TestRandom(seed)
        let size = itemShape.reduce(1, *)
        return try LabeledDataset(features: r.array(count * size, lo, hi), itemShape: itemShape,
                                  labels: (0..<count).map { Int32($0 % 3) }, classCount: 3, sourceDescription: "random")
    }
}

/// Runs float model bytes in the float runtime on one item.
func runFloatModel(_ bytes: [UInt8], _ input: [Float]) throws -> [Float] {
    try bytes.withUnsafeBytes { raw in
        let model = try Model(bytes: raw)
        let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: Interpreter.requiredArenaBytes(for: model), alignment: 64)
        defer { arena.deallocate() }
        let interpreter = try Interpreter(model: model, arena: arena)
        interpreter.inputFloats(0).baseAddress!.update(from: input, count: input.count)
        try interpreter.invoke()
        return Array(interpreter.outputFloats(0))
    }
}

func int8Values(_ entry: ModelBuilder.TensorEntry) -> [Int8] { entry.constantBytes!.map { Int8(bitPattern: $0) } }

func int32Values(_ entry: ModelBuilder.TensorEntry) -> [Int32] {
    let b = entry.constantBytes!
    return stride(from: 0, to: b.count, by: 4).map {
        Int32(bitPattern: UInt32(b[$0]) | UInt32(b[$0 + 1]) << 8 | UInt32(b[$0 + 2]) << 16 | UInt32(b[$0 + 3]) << 24)
    }
}

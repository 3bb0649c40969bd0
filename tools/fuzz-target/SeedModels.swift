// Tiny hand-built seed models for the fuzzer (1–4 operators each, every operator kind, float
// and int8), written by `MINNOW_FUZZ_WRITE_SEEDS=DIR minnow-fuzz`. Small seeds mutate fast;
// tools/fuzz adds trained and quantized models (int8 LSTM/GRU among them) from the CLI.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes every seed model to `directory` (which must exist); returns how many were written.
func writeSeedModels(to directory: String) -> Int {
    var written = 0
    let all = seedModels().map { ($0.0, $0.1, true) } + rejectedSeedModels().map { ($0.0, $0.1, false) }
    for (name, builder, shouldLoad) in all {
        let bytes = builder.serializedBytes()
        let loads = bytes.withUnsafeBytes { raw -> Bool in
            let aligned = UnsafeMutableRawBufferPointer.allocate(byteCount: raw.count, alignment: 16)
            defer { aligned.deallocate() }
            aligned.copyMemory(from: raw)
            do { _ = try Model(bytes: UnsafeRawBufferPointer(aligned)); return true } catch { return false }
        }
        guard loads == shouldLoad else {
            print("seed \(name): expected to \(shouldLoad ? "load" : "be rejected"), but it \(loads ? "loads" : "is rejected")")
            continue
        }
        guard let file = fopen(directory + "/seed-" + name + ".minnow", "wb") else { continue }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
        written += 1
    }
    return written
}

/// Deterministic small values.
private func values(_ count: Int, _ seed: Int) -> [Float] {
    (0..<count).map { Float(($0 &* 7 &+ seed &* 13) % 19 - 9) * 0.1 }
}
private func int8s(_ count: Int, _ seed: Int) -> [Int8] {
    (0..<count).map { Int8(truncatingIfNeeded: ($0 &* 29 &+ seed &* 7) % 255 - 127) }
}
private func requant(_ n: Int) -> [QuantizedMultiplier] {
    (0..<n).map { QuantizedMultiplier(multiplier: 1 << 30 | Int32($0 * 4099), shift: -6 - Int32($0 % 3)) }
}
private let activation = QuantizationParameters(scale: 0.05, zeroPoint: -3)
private let unitOutput = QuantizationParameters(scale: 1.0 / 256, zeroPoint: -128)
private let tanhOutput = QuantizationParameters(scale: 1.0 / 128, zeroPoint: 0)

func seedModels() -> [(String, ModelBuilder)] {
    var seeds: [(String, ModelBuilder)] = []

    // Float: fully connected (relu) → softmax.
    do {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 4])
        let w = b.addConstant(name: "w", shape: [3, 4], floats: values(12, 1))
        let bias = b.addConstant(name: "b", shape: [3], floats: values(3, 2))
        let h = b.addTensor(name: "h", shape: [1, 3])
        let y = b.addTensor(name: "y", shape: [1, 3])
        b.addOperator(.fullyConnected, inputs: [x, w, bias], outputs: [h], options: OperatorOptions(activation: .relu))
        b.addOperator(.softmax, inputs: [h], outputs: [y])
        b.inputs = [x]; b.outputs = [y]
        seeds.append(("float-fc-softmax", b))
        b.includesNames = false
        seeds.append(("float-fc-softmax-v2", b))
    }
    // Float: conv (same) → max pool.
    do {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 5, 5, 2])
        let w = b.addConstant(name: "w", shape: [3, 3, 3, 2], floats: values(54, 3))
        let bias = b.addConstant(name: "b", shape: [3], floats: values(3, 4))
        let c = b.addTensor(name: "c", shape: [1, 5, 5, 3])
        let y = b.addTensor(name: "y", shape: [1, 2, 2, 3])
        b.addOperator(.conv2D, inputs: [x, w, bias], outputs: [c],
                      options: OperatorOptions(kernelHeight: 3, kernelWidth: 3, padding: .same, activation: .relu6))
        b.addOperator(.maxPool2D, inputs: [c], outputs: [y],
                      options: OperatorOptions(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2))
        b.inputs = [x]; b.outputs = [y]
        seeds.append(("float-conv-maxpool", b))
    }
    // Float: depthwise (valid, stride 2) → average pool (same) → global average pool.
    do {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 5, 5, 3])
        let w = b.addConstant(name: "w", shape: [1, 3, 3, 3], floats: values(27, 5))
        let bias = b.addConstant(name: "b", shape: [3], floats: values(3, 6))
        let d = b.addTensor(name: "d", shape: [1, 2, 2, 3])
        let p = b.addTensor(name: "p", shape: [1, 2, 2, 3])
        let y = b.addTensor(name: "y", shape: [1, 3])
        b.addOperator(.depthwiseConv2D, inputs: [x, w, bias], outputs: [d],
                      options: OperatorOptions(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2))
        b.addOperator(.averagePool2D, inputs: [d], outputs: [p],
                      options: OperatorOptions(kernelHeight: 2, kernelWidth: 2, padding: .same))
        b.addOperator(.globalAveragePool, inputs: [p], outputs: [y])
        b.inputs = [x]; b.outputs = [y]
        seeds.append(("float-depthwise-pools", b))
    }
    // Float: add → reshape → logistic → tanh (two model inputs).
    do {
        var b = ModelBuilder()
        let x0 = b.addTensor(name: "a", shape: [1, 2, 3])
        let x1 = b.addTensor(name: "b", shape: [1, 2, 3])
        let s = b.addTensor(name: "s", shape: [1, 2, 3])
        let r = b.addTensor(name: "r", shape: [1, 6])
        let l = b.addTensor(name: "l", shape: [1, 6])
        let y = b.addTensor(name: "y", shape: [1, 6])
        b.addOperator(.add, inputs: [x0, x1], outputs: [s])
        b.addOperator(.reshape, inputs: [s], outputs: [r])
        b.addOperator(.logistic, inputs: [r], outputs: [l])
        b.addOperator(.tanh, inputs: [l], outputs: [y])
        b.inputs = [x0, x1]; b.outputs = [y]
        seeds.append(("float-add-reshape-logistic-tanh", b))
    }
    // Float: batch norm → relu → relu6.
    do {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 3, 4])
        let scale = b.addConstant(name: "scale", shape: [4], floats: values(4, 7))
        let offset = b.addConstant(name: "offset", shape: [4], floats: values(4, 8))
        let n = b.addTensor(name: "n", shape: [1, 3, 4])
        let r = b.addTensor(name: "r", shape: [1, 3, 4])
        let y = b.addTensor(name: "y", shape: [1, 3, 4])
        b.addOperator(.batchNorm, inputs: [x, scale, offset], outputs: [n])
        b.addOperator(.relu, inputs: [n], outputs: [r])
        b.addOperator(.relu6, inputs: [r], outputs: [y])
        b.inputs = [x]; b.outputs = [y]
        seeds.append(("float-batchnorm-relu", b))
    }
    // Float: LSTM (sequences) → GRU (last step).
    do {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 3, 2])
        let wx = b.addConstant(name: "wx", shape: [8, 2], floats: values(16, 9))
        let wh = b.addConstant(name: "wh", shape: [8, 2], floats: values(16, 10))
        let bias = b.addConstant(name: "b", shape: [8], floats: values(8, 11))
        let s = b.addTensor(name: "s", shape: [1, 3, 2])
        b.addOperator(.lstm, inputs: [x, wx, wh, bias], outputs: [s], options: OperatorOptions(units: 2, returnSequences: true))
        let gx = b.addConstant(name: "gx", shape: [9, 2], floats: values(18, 12))
        let gh = b.addConstant(name: "gh", shape: [9, 3], floats: values(27, 13))
        let gb = b.addConstant(name: "gb", shape: [9], floats: values(9, 14))
        let gr = b.addConstant(name: "gr", shape: [9], floats: values(9, 15))
        let y = b.addTensor(name: "y", shape: [1, 3])
        b.addOperator(.gru, inputs: [s, gx, gh, gb, gr], outputs: [y], options: OperatorOptions(units: 3))
        b.inputs = [x]; b.outputs = [y]
        seeds.append(("float-lstm-gru", b))
    }

    // Int8: quantize → fully connected → softmax → dequantize.
    do {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 8])
        let q = b.addTensor(name: "q", type: .int8, shape: [1, 8], quantization: activation)
        let w = b.addPackedWeights(name: "w", shape: [4, 8], values: int8s(32, 1))
        let bias = b.addConstant(name: "b", shape: [4], int32s: [100, -200, 300, -400])
        let rq = b.addRequantization(name: "rq", requant(4))
        let h = b.addTensor(name: "h", type: .int8, shape: [1, 4], quantization: activation)
        let table = b.addConstant(name: "exp", shape: [256], int32s: (0..<256).map { Int32(65536 >> min($0, 16)) })
        let s = b.addTensor(name: "s", type: .int8, shape: [1, 4], quantization: unitOutput)
        let y = b.addTensor(name: "y", shape: [1, 4])
        b.addOperator(.quantize, inputs: [x], outputs: [q])
        b.addOperator(.fullyConnected, inputs: [q, w, bias, rq], outputs: [h])
        b.addOperator(.softmax, inputs: [h, table], outputs: [s])
        b.addOperator(.dequantize, inputs: [s], outputs: [y])
        b.inputs = [x]; b.outputs = [y]
        seeds.append(("int8-fc-softmax", b))
    }
    // Int8: conv (same, packed) → max pool → reshape → logistic.
    do {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", type: .int8, shape: [1, 4, 4, 2], quantization: activation)
        let w = b.addPackedWeights(name: "w", shape: [3, 3, 3, 2], values: int8s(54, 2))
        let bias = b.addConstant(name: "b", shape: [3], int32s: [5, -6, 7])
        let rq = b.addRequantization(name: "rq", requant(3))
        let c = b.addTensor(name: "c", type: .int8, shape: [1, 4, 4, 3], quantization: activation)
        let p = b.addTensor(name: "p", type: .int8, shape: [1, 2, 2, 3], quantization: activation)
        let r = b.addTensor(name: "r", type: .int8, shape: [1, 12], quantization: activation)
        let table = b.addConstant(name: "sigmoid", shape: [256], int8s: int8s(256, 3))
        let y = b.addTensor(name: "y", type: .int8, shape: [1, 12], quantization: unitOutput)
        b.addOperator(.conv2D, inputs: [x, w, bias, rq], outputs: [c],
                      options: OperatorOptions(kernelHeight: 3, kernelWidth: 3, padding: .same, activation: .relu))
        b.addOperator(.maxPool2D, inputs: [c], outputs: [p],
                      options: OperatorOptions(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2))
        b.addOperator(.reshape, inputs: [p], outputs: [r])
        b.addOperator(.logistic, inputs: [r, table], outputs: [y])
        b.inputs = [x]; b.outputs = [y]
        seeds.append(("int8-conv-maxpool-logistic", b))
    }
    // Int8: pointwise conv (1×1, reads its input directly) with per-channel weight scales.
    do {
        var b = ModelBuilder()
        b.dropsRedundantQuantization = false
        let x = b.addTensor(name: "x", type: .int8, shape: [1, 3, 3, 4], quantization: activation)
        let w = b.addPackedWeights(name: "w", shape: [2, 1, 1, 4], values: int8s(8, 4),
                                   quantization: QuantizationParameters(scales: [0.01, 0.02], zeroPoints: [0, 0]))
        let bias = b.addConstant(name: "b", shape: [2], int32s: [1, 2])
        let rq = b.addRequantization(name: "rq", requant(2))
        let y = b.addTensor(name: "y", type: .int8, shape: [1, 3, 3, 2], quantization: activation)
        b.addOperator(.conv2D, inputs: [x, w, bias, rq], outputs: [y], options: OperatorOptions(activation: .relu6))
        b.inputs = [x]; b.outputs = [y]
        seeds.append(("int8-pointwise-conv", b))
    }
    // Int8: depthwise (dense weights) → average pool → global average pool → tanh.
    do {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", type: .int8, shape: [1, 4, 4, 2], quantization: activation)
        let w = b.addConstant(name: "w", shape: [1, 3, 3, 2], int8s: int8s(18, 5))
        let bias = b.addConstant(name: "b", shape: [2], int32s: [-9, 9])
        let rq = b.addRequantization(name: "rq", requant(2))
        let d = b.addTensor(name: "d", type: .int8, shape: [1, 2, 2, 2], quantization: activation)
        let p = b.addTensor(name: "p", type: .int8, shape: [1, 2, 2, 2], quantization: activation)
        let g = b.addTensor(name: "g", type: .int8, shape: [1, 2], quantization: activation)
        let table = b.addConstant(name: "tanh", shape: [256], int8s: int8s(256, 6))
        let y = b.addTensor(name: "y", type: .int8, shape: [1, 2], quantization: tanhOutput)
        b.addOperator(.depthwiseConv2D, inputs: [x, w, bias, rq], outputs: [d],
                      options: OperatorOptions(kernelHeight: 3, kernelWidth: 3))
        b.addOperator(.averagePool2D, inputs: [d], outputs: [p],
                      options: OperatorOptions(kernelHeight: 2, kernelWidth: 2, padding: .same))
        b.addOperator(.globalAveragePool, inputs: [p], outputs: [g])
        b.addOperator(.tanh, inputs: [g, table], outputs: [y])
        b.inputs = [x]; b.outputs = [y]
        seeds.append(("int8-depthwise-pools-tanh", b))
    }
    // Int8: add (different scales) → relu → relu6.
    do {
        var b = ModelBuilder()
        let x0 = b.addTensor(name: "a", type: .int8, shape: [1, 6], quantization: activation)
        let x1 = b.addTensor(name: "b", type: .int8, shape: [1, 6], quantization: QuantizationParameters(scale: 0.02, zeroPoint: 5))
        let s = b.addTensor(name: "s", type: .int8, shape: [1, 6], quantization: QuantizationParameters(scale: 0.1, zeroPoint: 0))
        let r = b.addTensor(name: "r", type: .int8, shape: [1, 6], quantization: QuantizationParameters(scale: 0.1, zeroPoint: 0))
        let y = b.addTensor(name: "y", type: .int8, shape: [1, 6], quantization: QuantizationParameters(scale: 0.1, zeroPoint: 0))
        b.addOperator(.add, inputs: [x0, x1], outputs: [s])
        b.addOperator(.relu, inputs: [s], outputs: [r])
        b.addOperator(.relu6, inputs: [r], outputs: [y])
        b.inputs = [x0, x1]; b.outputs = [y]
        seeds.append(("int8-add-relu", b))
    }
    return seeds
}

/// Models the loader must reject, each one step from a valid file (good seeds for the fuzzer,
/// and the regression corpus Tests/MinnowRuntimeTests/Fuzz holds copies): before the fixes they
/// loaded and then made the interpreter's I/O or arena planning go out of bounds.
func rejectedSeedModels() -> [(String, ModelBuilder)] {
    var seeds: [(String, ModelBuilder)] = []
    // An int16 model input no operator reads: `setInput` wrote floats into it.
    do {
        var b = ModelBuilder()
        let unused = b.addTensor(name: "unused", type: .int16, shape: [1, 64])
        let x = b.addTensor(name: "x", shape: [1, 4])
        let y = b.addTensor(name: "y", shape: [1, 4])
        b.addOperator(.relu, inputs: [x], outputs: [y])
        b.inputs = [unused, x]; b.outputs = [y]
        seeds.append(("bad-int16-model-input", b))
    }
    // An unquantized int8 model input: `setInput` fell back to writing floats.
    do {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", type: .int8, shape: [1, 64])
        let y = b.addTensor(name: "y", shape: [1, 4])
        let z = b.addTensor(name: "z", shape: [1, 4])
        b.addOperator(.relu, inputs: [y], outputs: [z])
        b.inputs = [x, y]; b.outputs = [z]
        seeds.append(("bad-unquantized-int8-input", b))
    }
    // No model inputs (a constant-only graph): `inputCount(0)` read past the input list.
    do {
        var b = ModelBuilder()
        let c = b.addConstant(name: "c", shape: [1, 4], floats: [1, -2, 3, -4])
        let y = b.addTensor(name: "y", shape: [1, 4])
        b.addOperator(.relu, inputs: [c], outputs: [y])
        b.outputs = [y]
        seeds.append(("bad-no-inputs", b))
    }
    // Three live 1 GiB activations: the planner's Int32 offsets wrapped at 2 GiB.
    do {
        var b = ModelBuilder()
        let x0 = b.addTensor(name: "a", shape: [1, 1 << 28])
        let x1 = b.addTensor(name: "b", shape: [1, 1 << 28])
        let y = b.addTensor(name: "y", shape: [1, 1 << 28])
        b.addOperator(.add, inputs: [x0, x1], outputs: [y])
        b.inputs = [x0, x1]; b.outputs = [y]
        seeds.append(("bad-arena-over-2gib", b))
    }
    return seeds
}

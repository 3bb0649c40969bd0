import MinnowData
import MinnowQuantize
import MinnowRuntime
import MinnowTrain
import XCTest

final class ConverterTests: XCTestCase {
    func quantize(_ b: ModelBuilder, itemShape: [Int], options: QuantizationOptions = QuantizationOptions()) throws -> QuantizationResult {
        let data = try FloatModels.randomData(itemShape: itemShape, count: 64, seed: 11)
        return try Quantizer.quantize(modelBytes: b.serializedBytes(), calibration: data, dataName: "random",
                                      sampleCount: 64, options: options)
    }

    func testMLPStructureAndConstants() throws {
        let float = FloatModels.mlp()
        // Nearest rounding and the calibrated output range: the constants recomputed below.
        let result = try quantize(float, itemShape: [10], options: QuantizationOptions(rounding: .nearest, outputRange: .calibrated))
        let m = result.builder
        XCTAssertEqual(m.operators.map(\.code), [.fullyConnected, .fullyConnected])
        XCTAssertEqual(m.tensors[m.inputs[0]].type, .int8)
        XCTAssertEqual(m.tensors[m.outputs[0]].type, .int8)
        XCTAssertNotNil(m.tensors[m.inputs[0]].quantization)
        XCTAssertNotNil(m.tensors[m.outputs[0]].quantization)
        let fc = m.operators[0]
        XCTAssertEqual(fc.inputs.count, 4, "x, packed weights, folded bias, requantization [2, n]")
        XCTAssertEqual(fc.options.activation, .relu)
        let (x, w, b, rq) = (m.tensors[fc.inputs[0]], m.tensors[fc.inputs[1]], m.tensors[fc.inputs[2]], m.tensors[fc.inputs[3]])
        XCTAssertEqual(w.type, .int8); XCTAssertEqual(w.shape, [20, 10])
        XCTAssertEqual(w.constantBytes!.count, 20 * 12, "k = 10 padded to 12 in the n16k4 layout")
        XCTAssertEqual(w.quantization!.scales.count, 20)
        XCTAssertEqual(w.quantization!.zeroPoints, [Int32](repeating: 0, count: 20))
        XCTAssertEqual(b.type, .int32); XCTAssertEqual(b.shape, [20])
        XCTAssertEqual(rq.type, .int32); XCTAssertEqual(rq.shape, [2, 20])
        XCTAssertEqual(w.layout, .n16k4)

        // Independent recomputation of channel 5: weights, folded bias, multiplier.
        let floatW = FloatGraphValues(float).constant("dense/weights")
        let floatB = FloatGraphValues(float).constant("dense/bias")
        let c = 5
        let row = Array(floatW[c * 10..<(c + 1) * 10])
        let sw = row.map(abs).max()! / 127
        XCTAssertEqual(w.quantization!.scales[c], sw, accuracy: 1e-9)
        let qRow = row.map { Int32(($0 / sw).rounded()) }
        let packed = int8Values(w)
        // Panel 0, lane 5: group g, input i at ((g * 16) + 5) * 4 + i.
        for i in 0..<10 { XCTAssertEqual(Int32(packed[((i / 4) * 16 + c) * 4 + i % 4]), qRow[i]) }
        for i in 10..<12 { XCTAssertEqual(packed[((i / 4) * 16 + c) * 4 + i % 4], 0, "padding inputs are zero") }
        let sIn = x.quantization!.scales[0], zIn = x.quantization!.zeroPoints[0]
        let expectedBias = Int32((floatB[c] / (sIn * sw)).rounded()) - (zIn + 128) * qRow.reduce(0, +)
        XCTAssertEqual(int32Values(b)[c], expectedBias)
        let sOut = m.tensors[fc.outputs[0]].quantization!.scales[0]
        let real = Double(sIn) * Double(sw) / Double(sOut)
        let mc = int32Values(rq)[c], sc = int32Values(rq)[20 + c]
        XCTAssertEqual(Double(mc) * pow(2, Double(sc) - 31), real, accuracy: real * 1e-6)
        // Second FC: 16-channel panel boundary — 3 channels, k = 20.
        XCTAssertEqual(m.tensors[m.operators[1].inputs[1]].constantBytes!.count, 3 * 20)
    }

    /// The emitted FC constants, run through the reference int8 GEMM, reproduce the fake-quant
    /// simulation of that layer to within one output step.
    func testInt8GemmOnEmittedConstantsMatchesSimulation() throws {
        let result = try quantize(FloatModels.mlp(), itemShape: [10])
        let m = result.builder
        let fc = m.operators[0]
        let inQ = m.tensors[fc.inputs[0]].quantization!, outQ = m.tensors[fc.outputs[0]].quantization!
        let packed = int8Values(m.tensors[fc.inputs[1]])
        let bias = int32Values(m.tensors[fc.inputs[2]])
        // Requantization constant [2, n]: multipliers, then shifts.
        let rq = int32Values(m.tensors[fc.inputs[3]])
        let mult = Array(rq[0..<20]), shift = Array(rq[20..<40])
        // Simulate only the first layer and read its output: make it the graph output.
        var plan = result.plan
        plan.graph.outputs = [plan.graph.operators[0].outputs[0]]
        let simulator = FakeQuantSimulator(plan: plan)
        var r = TestRandom(21)
        var maxSteps: Float = 0
        for _ in 0..<20 {
            let x = r.array(10, 0, 1)
            let q = x.map { ActivationQuantization.quantize($0, scale: inQ.scales[0], zeroPoint: inQ.zeroPoints[0]) }
            var out = [Int8](repeating: 0, count: 20)
            packed.withUnsafeBufferPointer { w in bias.withUnsafeBufferPointer { b in mult.withUnsafeBufferPointer { mp in
                shift.withUnsafeBufferPointer { s in q.withUnsafeBufferPointer { a in out.withUnsafeMutableBufferPointer { c in
                    let stage = Int8OutputStage(bias: b.baseAddress!, multipliers: mp.baseAddress!, shifts: s.baseAddress!,
                                                outputZeroPoint: outQ.zeroPoints[0], lowerBound: outQ.zeroPoints[0], upperBound: 127)
                    Int8Gemm.reference(m: 1, n: 20, k: 10, a: a.baseAddress!, lda: 10, packedWeights: w.baseAddress!,
                                       output: stage, c: c.baseAddress!, ldc: 20)
                }}}}}}
            let simulated = try simulator.run(x, quantized: [0])
            for i in 0..<20 {
                let int8Real = outQ.scales[0] * Float(Int32(out[i]) - outQ.zeroPoints[0])
                maxSteps = max(maxSteps, abs(int8Real - simulated[i]) / outQ.scales[0])
            }
        }
        XCTAssertLessThanOrEqual(maxSteps, 1.001)
    }

    func testCNNStructureFoldsAndFixesRanges() throws {
        let result = try quantize(FloatModels.cnn(), itemShape: [6, 6, 2])
        let m = result.builder
        XCTAssertEqual(result.foldedBatchNorms, ["bn"])
        XCTAssertEqual(m.operators.map(\.code), [.conv2D, .maxPool2D, .depthwiseConv2D, .reshape, .fullyConnected, .softmax])
        XCTAssert(m.tensors.filter { $0.constantBytes == nil }.allSatisfy { $0.type == .int8 && $0.quantization != nil })
        let conv = m.operators[0]
        XCTAssertEqual(m.tensors[conv.inputs[1]].shape, [4, 3, 3, 2])
        XCTAssertEqual(m.tensors[conv.inputs[1]].constantBytes!.count, 4 * 20, "K = 18 padded to 20")
        XCTAssertEqual(conv.options.activation, .relu)
        XCTAssertEqual(conv.options.padding, .same)
        // Pool keeps the conv output's parameters; softmax output is fixed.
        XCTAssertEqual(m.tensors[m.operators[1].outputs[0]].quantization, m.tensors[conv.outputs[0]].quantization)
        XCTAssertEqual(m.tensors[m.outputs[0]].quantization, QuantizationParameters(scale: 1.0 / 256, zeroPoint: -128))
        // ReLU-fused conv output range starts at 0 → zero point −128.
        XCTAssertEqual(m.tensors[conv.outputs[0]].quantization!.zeroPoints[0], -128)
        // Depthwise: plain layout, axis 3, bias folded as for the GEMM ops: bias − (z_in + 128)·Σw.
        let dw = m.operators[2]
        let dwW = m.tensors[dw.inputs[1]]
        XCTAssertEqual(dwW.constantBytes!.count, 36)
        XCTAssertEqual(dwW.quantization!.axis, 3)
        let q = int8Values(dwW), zIn = m.tensors[dw.inputs[0]].quantization!.zeroPoints[0]
        let sIn = m.tensors[dw.inputs[0]].quantization!.scales[0]
        let floatBias = FloatGraphValues(FloatModels.cnn()).constant("dw/bias")
        for c in 0..<4 {
            let sum = (0..<9).reduce(Int32(0)) { $0 + Int32(q[$1 * 4 + c]) }
            let bq = Int32((floatBias[c] / (sIn * dwW.quantization!.scales[c])).rounded())
            XCTAssertEqual(int32Values(m.tensors[dw.inputs[2]])[c], bq - (zIn + 128) * sum)
        }
    }

    func testFloatIOAndKeepFloatInsertConversions() throws {
        let result = try quantize(FloatModels.cnn(), itemShape: [6, 6, 2],
                                  options: QuantizationOptions(keepFloat: ["dw"], floatIO: true))
        let m = result.builder
        XCTAssertEqual(m.operators.map(\.code),
                       [.quantize, .conv2D, .maxPool2D, .dequantize, .depthwiseConv2D, .quantize, .reshape, .fullyConnected,
                        .softmax, .dequantize])
        XCTAssertEqual(m.tensors[m.inputs[0]].type, .float32)
        XCTAssertEqual(m.tensors[m.outputs[0]].type, .float32)
        let dw = m.operators[4]
        XCTAssertEqual(dw.inputs.count, 3)
        XCTAssert(dw.inputs.allSatisfy { m.tensors[$0].type == .float32 })
        XCTAssertEqual(result.floatOperators.map(\.name), ["dw"])
        XCTAssertThrowsError(try quantize(FloatModels.cnn(), itemShape: [6, 6, 2], options: QuantizationOptions(keepFloat: ["nope"]))) {
            XCTAssert("\($0)".contains("nope"))
        }
    }

    func testCalibrationDataOfTheWrongShapeIsRefused() throws {
        let data = try FloatModels.randomData(itemShape: [3, 3], count: 8, seed: 1)
        XCTAssertThrowsError(try Quantizer.quantize(modelBytes: FloatModels.cnn().serializedBytes(), calibration: data,
                                                    dataName: "csv:points.csv", sampleCount: 8)) { error in
            let text = "\(error)"
            XCTAssert(text.contains("csv:points.csv"), text)
            XCTAssert(text.contains("[3, 3]"), text)
            XCTAssert(text.contains("[1, 6, 6, 2]"), text)
        }
    }
}

/// Reads float constants of a builder by name (test helper).
struct FloatGraphValues {
    let graph: FloatGraph
    init(_ b: ModelBuilder) { graph = try! FloatGraph(builder: b) }
    func constant(_ name: String) -> [Float] { graph.tensors.first { $0.name == name }!.constant! }
}

final class ContinuedTrainingRefusalTests: XCTestCase {
    /// `minnow train --from` reads float models only: an int8 file is refused with a typed error.
    func testInt8ModelsCannotBeTrainedFurther() throws {
        let data = try FloatModels.randomData(itemShape: [10], count: 32, seed: 3)
        let int8 = try Quantizer.quantize(modelBytes: FloatModels.mlp().serializedBytes(), calibration: data, dataName: "random",
                                          sampleCount: 32, options: QuantizationOptions()).builder.serializedBytes()
        XCTAssertThrowsError(try FunctionalModel.load(modelFile: int8, path: "q.minnow")) { error in
            guard case TrainError.invalidModelFile(let path, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "q.minnow")
            XCTAssertTrue(reason.contains("not a float model") && reason.contains("float model the int8 one was quantized from"), reason)
        }
        // The float original is read back.
        XCTAssertEqual(try FunctionalModel.load(modelFile: FloatModels.mlp().serializedBytes(), path: "f.minnow").layers.count, 2)
    }
}

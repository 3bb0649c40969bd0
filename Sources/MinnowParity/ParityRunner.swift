import MinnowData
import MinnowRuntime

/// Runs a float model and its int8 conversion side by side in `MinnowRuntime` over a data set.
public enum ParityRunner {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Compares predictions, confusion matrices and every layer whose activation tensor has the
    /// same name in both models (the quantizer keeps activation names). Both interpreters keep
    /// all tensors so intermediate activations can be read after `invoke()`.
    public static func run(floatModel floatBytes: [UInt8], floatPath: String, int8Model int8Bytes: [UInt8], int8Path: String,
                           data: LabeledDataset, limit: Int? = nil,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> ParityReport {
        let count = min(limit ?? data.count, data.count)
        return try withInterpreter(floatBytes, path: floatPath) { floatModel, floatRun in
            try withInterpreter(int8Bytes, path: int8Path) { int8Model, int8Run in
                let itemSize = data.itemShape.reduce(1, *)
                for (path, interpreter) in [(floatPath, floatRun), (int8Path, int8Run)] where interpreter.inputCount(0) != itemSize {
                    throw Failure(description: "\(path): input holds \(interpreter.inputCount(0)) values but \(data.sourceDescription) items have \(itemSize)")
                }
                let pairs = matchLayers(floatModel, int8Model)
                var errors = [LayerError](repeating: LayerError(), count: pairs.count)
                let classes = max(data.classCount, floatRun.outputCount(0))
                var floatConfusion = ConfusionMatrix(classCount: classes), int8Confusion = ConfusionMatrix(classCount: classes)
                var floatCorrect = 0, int8Correct = 0, agreeing = 0
                var floatPredictions = [Int32]()
                floatPredictions.reserveCapacity(count)
                // Every output value of both models, for the task metrics (`compareTask`).
                let outputCount = floatRun.outputCount(0)
                var floatOutputs = [Float](), int8Outputs = [Float]()
                floatOutputs.reserveCapacity(count * outputCount)
                int8Outputs.reserveCapacity(count * outputCount)
                var scratch = [Float](repeating: 0, count: pairs.map(\.count).max() ?? 0)
                try data.features.withUnsafeBufferPointer { features in
                    for i in 0..<count {
                        let item = features.baseAddress! + i * itemSize
                        floatRun.setInput(0, from: item)
                        int8Run.setInput(0, from: item)
                        do { try floatRun.invoke(); try int8Run.invoke() } catch {
                            throw Failure(description: "inference failed on item \(i): \(error)")
                        }
                        let label = Int(data.labels[i])
                        for j in 0..<outputCount {
                            floatOutputs.append(floatRun.outputValue(0, j))
                            int8Outputs.append(int8Run.outputValue(0, j))
                        }
                        let f = floatRun.outputArgmax(0), q = int8Run.outputArgmax(0)
                        floatPredictions.append(Int32(f))
                        floatConfusion.add(label: label, predicted: f)
                        int8Confusion.add(label: label, predicted: q)
                        if f == label { floatCorrect += 1 }
                        if q == label { int8Correct += 1 }
                        if f == q { agreeing += 1 }
                        scratch.withUnsafeMutableBufferPointer { buffer in
                            for (p, pair) in pairs.enumerated() {
                                dequantized(int8Run, int8Model, tensor: pair.int8Tensor, into: buffer.baseAddress!, count: pair.count)
                                errors[p].add(reference: floatRun.tensorFloats(pair.floatTensor).baseAddress!,
                                              quantized: buffer.baseAddress!, count: pair.count)
                            }
                        }
                        if i % 250 == 249 || i == count - 1 { progress(i + 1, count) }
                    }
                }
                return ParityReport(
                    floatModel: floatPath, int8Model: int8Path, dataDescription: data.sourceDescription, count: count,
                    floatCorrect: floatCorrect, int8Correct: int8Correct, agreeing: agreeing,
                    floatConfusion: floatConfusion, int8Confusion: int8Confusion,
                    layers: pairs.enumerated().map { ParityReport.Layer(name: $1.name, op: $1.op, error: errors[$0]) },
                    floatPredictions: floatPredictions, outputCount: outputCount, floatOutputs: floatOutputs, int8Outputs: int8Outputs)
            }
        }
    }

    /// How many items give byte-identical int8 outputs with the optimized kernels and with their
    /// reference twins (`RuntimeTesting.usesReferenceKernels`).
    public static func referenceAgreement(int8Model bytes: [UInt8], path: String, data: LabeledDataset,
                                          limit: Int? = nil) throws -> (identical: Int, compared: Int) {
        let count = min(limit ?? data.count, data.count)
        return try withInterpreter(bytes, path: path, preservingAllTensors: false) { model, interpreter in
            let itemSize = data.itemShape.reduce(1, *)
            let outputs = interpreter.outputCount(0)
            var identical = 0
            var optimized = [Float](repeating: 0, count: outputs)
            defer { RuntimeTesting.usesReferenceKernels = false }
            try data.features.withUnsafeBufferPointer { features in
                for i in 0..<count {
                    // The input is set before each invoke: the plan may reuse its memory once the
                    // first operator has read it.
                    interpreter.setInput(0, from: features.baseAddress! + i * itemSize)
                    RuntimeTesting.usesReferenceKernels = false
                    try interpreter.invoke()
                    for j in 0..<outputs { optimized[j] = interpreter.outputValue(0, j) }
                    RuntimeTesting.usesReferenceKernels = true
                    interpreter.setInput(0, from: features.baseAddress! + i * itemSize)
                    try interpreter.invoke()
                    if (0..<outputs).allSatisfy({ interpreter.outputValue(0, $0).bitPattern == optimized[$0].bitPattern }) { identical += 1 }
                }
            }
            return (identical, count)
        }
    }

    struct LayerPair {
        var name: String
        var op: String
        var floatTensor: Int
        var int8Tensor: Int
        var count: Int
    }

    /// Operator outputs of the int8 model paired with the float tensors of the same name.
    static func matchLayers(_ floatModel: Model, _ int8Model: Model) -> [LayerPair] {
        var floatByName: [String: Int] = [:]
        for t in 0..<floatModel.tensorCount where !floatModel.isConstant(t) && floatModel.tensorType(t) == .float32 {
            floatByName[floatModel.tensorName(t)] = t
        }
        var pairs: [LayerPair] = []
        for op in 0..<int8Model.operatorCount {
            let code = int8Model.operatorCode(op)
            if code == .quantize || code == .dequantize { continue }
            let t = int8Model.operatorOutputs(op)[0]
            let name = int8Model.tensorName(t)
            guard !name.isEmpty, let f = floatByName[name],
                  floatModel.tensorShape(f).elementCount == int8Model.tensorShape(t).elementCount else { continue }
            pairs.append(LayerPair(name: name, op: "\(code)", floatTensor: f, int8Tensor: t,
                                   count: int8Model.tensorShape(t).elementCount))
        }
        return pairs
    }

    static func dequantized(_ interpreter: Interpreter, _ model: Model, tensor t: Int,
                            into out: UnsafeMutablePointer<Float>, count: Int) {
        if model.tensorType(t) == .float32 {
            out.update(from: interpreter.tensorFloats(t).baseAddress!, count: count)
            return
        }
        let q = model.quantization(t)
        let scale = q?.scale() ?? 1, zero = q?.zeroPoint() ?? 0
        let values = interpreter.tensorInt8(t)
        for i in 0..<count { out[i] = scale * Float(Int32(values[i]) &- zero) }
    }

    static func withInterpreter<R>(_ bytes: [UInt8], path: String, preservingAllTensors: Bool = true,
                                   _ body: (Model, Interpreter) throws -> R) throws -> R {
        try bytes.withUnsafeBytes { raw in
            let model: Model
            do { model = try Model(bytes: raw) } catch { throw Failure(description: "\(path): invalid model file: \(error)") }
            return try Interpreter.withHeapArena(
                for: model, preservingAllTensors: preservingAllTensors,
                startFailure: { Failure(description: "\(path): \($0)") }
            ) { try body(model, $0) }
        }
    }
}

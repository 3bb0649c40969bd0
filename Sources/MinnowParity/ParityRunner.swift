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
    ///
    /// Refuses, before running anything, models that do not correspond (`checkCorrespondence`),
    /// more output classes than `ConfusionMatrix.maximumClassCount`, and labels outside the
    /// models' classes.
    public static func run(floatModel floatBytes: [UInt8], floatPath: String, int8Model int8Bytes: [UInt8], int8Path: String,
                           data: LabeledDataset, limit: Int? = nil,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> ParityReport {
        let count = min(limit ?? data.count, data.count)
        return try withInterpreter(floatBytes, path: floatPath) { floatModel, floatRun in
            try withInterpreter(int8Bytes, path: int8Path) { int8Model, int8Run in
                try checkCorrespondence(floatModel: floatModel, floatPath: floatPath, int8Model: int8Model, int8Path: int8Path)
                let itemSize = data.itemSize
                for (path, interpreter) in [(floatPath, floatRun), (int8Path, int8Run)] where interpreter.inputCount(0) != itemSize {
                    throw Failure(description: "\(path): input holds \(interpreter.inputCount(0)) values but \(data.sourceDescription) items have \(itemSize)")
                }
                // The confusion matrix is sized by what the models can predict, never by a label.
                let classes = floatRun.outputCount(0)
                guard classes <= ConfusionMatrix.maximumClassCount else {
                    throw Failure(description: "\(floatPath): the output has \(classes) values; parity compares classifiers of at most \(ConfusionMatrix.maximumClassCount) classes")
                }
                do {
                    try data.checkLabels(classCount: classes, of: "\(floatPath) and \(int8Path)", limit: count)
                } catch {
                    throw Failure(description: "\(error)")
                }
                let pairs = matchLayers(floatModel, int8Model)
                var errors = [LayerError](repeating: LayerError(), count: pairs.count)
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

    /// Throws unless `int8Model` is a conversion of `floatModel`: the same input and output
    /// shapes, and every int8 layer (other than the quantize and dequantize steps a conversion
    /// adds) has a float activation of the same name and shape. The float model may have more
    /// layers (batch norm and activations are folded into the int8 layers). The message says
    /// what differs.
    public static func checkCorrespondence(floatModel: Model, floatPath: String, int8Model: Model, int8Path: String) throws {
        func refuse(_ reason: String) -> Failure {
            Failure(description: "\(int8Path) is not a conversion of \(floatPath): \(reason)")
        }
        func shapes(_ model: Model, _ tensors: TensorIndexList) -> [[Int]] { tensors.map { model.tensorShape($0).dimensions } }
        let floatInputs = shapes(floatModel, floatModel.inputs), int8Inputs = shapes(int8Model, int8Model.inputs)
        guard floatInputs == int8Inputs else {
            throw refuse("input shape differs: \(describe(floatInputs)) in the float model, \(describe(int8Inputs)) in the int8 model")
        }
        let floatOutputs = shapes(floatModel, floatModel.outputs), int8Outputs = shapes(int8Model, int8Model.outputs)
        guard floatOutputs == int8Outputs else {
            throw refuse("output shape differs: \(describe(floatOutputs)) in the float model, \(describe(int8Outputs)) in the int8 model")
        }
        var floatByName: [String: Int] = [:]
        for t in 0..<floatModel.tensorCount where !floatModel.isConstant(t) && floatModel.tensorType(t) == .float32 {
            floatByName[floatModel.tensorName(t)] = t
        }
        var layers = 0
        var unmatched: [String] = []
        for op in 0..<int8Model.operatorCount {
            let code = int8Model.operatorCode(op)
            if code == .quantize || code == .dequantize { continue }
            layers += 1
            let t = int8Model.operatorOutputs(op)[0]
            let name = int8Model.tensorName(t)
            guard !name.isEmpty else {
                unmatched.append("operator \(op) (\(code), unnamed)")
                continue
            }
            guard let f = floatByName[name] else {
                unmatched.append("\(name) (\(code))")
                continue
            }
            let floatShape = floatModel.tensorShape(f), int8Shape = int8Model.tensorShape(t)
            guard floatShape == int8Shape else {
                unmatched.append("\(name) (\(code), shape \(int8Shape.dimensions) but \(floatShape.dimensions) in the float model)")
                continue
            }
        }
        guard layers > 0 else { throw refuse("the int8 model has no layers to compare") }
        if unmatched.count == layers {
            throw refuse("no corresponding layers: none of the int8 model's \(layers) layers has a float activation of the same name and shape (\(list(unmatched)))")
        }
        if !unmatched.isEmpty {
            throw refuse("\(unmatched.count) of \(layers) int8 layers have no float activation of the same name and shape: \(list(unmatched))")
        }
    }

    private static func describe(_ shapes: [[Int]]) -> String {
        shapes.count == 1 ? "\(shapes[0])" : "\(shapes)"
    }

    private static func list(_ items: [String]) -> String {
        items.prefix(5).joined(separator: ", ") + (items.count > 5 ? ", …" : "")
    }

    /// How many items give byte-identical int8 outputs with the optimized kernels and with their
    /// reference twins (an interpreter on `KernelPath.reference`).
    public static func referenceAgreement(int8Model bytes: [UInt8], path: String, data: LabeledDataset,
                                          limit: Int? = nil) throws -> (identical: Int, compared: Int) {
        let count = min(limit ?? data.count, data.count)
        return try withInterpreter(bytes, path: path, preservingAllTensors: false) { model, interpreter in
            try Interpreter.withHeapArena(
                for: model, kernels: .reference, startFailure: { Failure(description: "\(path): \($0)") }
            ) { reference in
                let itemSize = data.itemShape.reduce(1, *)
                let outputs = interpreter.outputCount(0)
                var identical = 0
                try data.features.withUnsafeBufferPointer { features in
                    for i in 0..<count {
                        // The input is set before each invoke: the plan may reuse its memory once
                        // the first operator has read it.
                        interpreter.setInput(0, from: features.baseAddress! + i * itemSize)
                        reference.setInput(0, from: features.baseAddress! + i * itemSize)
                        try interpreter.invoke()
                        try reference.invoke()
                        if (0..<outputs).allSatisfy({ interpreter.outputValue(0, $0).bitPattern == reference.outputValue(0, $0).bitPattern }) {
                            identical += 1
                        }
                    }
                }
                return (identical, count)
            }
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

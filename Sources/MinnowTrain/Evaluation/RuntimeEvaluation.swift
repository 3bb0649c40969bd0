import MinnowData
import MinnowMetrics
import MinnowRuntime

/// Runs a saved model file in `MinnowRuntime` (not in the trainer) over a data set and scores
/// it with the metrics of its task.
public struct RuntimeEvaluation: Sendable {
    public var task: MetricTask
    public var metrics: MetricReport
    public var count: Int
    /// The predicted class per item for classification (arg-max) and binary (0/1) tasks.
    public var predictions: [Int32]
    /// Bytes of arena the interpreter needed.
    public var arenaBytes: Int
    /// For a binary task: whether the model ends in a sigmoid (threshold ½) rather than a logit (0).
    public var outputIsProbability: Bool

    /// Top-1 accuracy of a classifier (binary accuracy for a binary task); NaN for regression.
    public var accuracy: Float { Float(metrics[.accuracy] ?? metrics[.binaryAccuracy] ?? .nan) }

    /// Evaluates a classifier on labelled data (the task is inferred as in `run(modelBytes:on:task:)`).
    public static func run(modelBytes: [UInt8], on data: LabeledDataset, limit: Int? = nil,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> RuntimeEvaluation {
        try run(modelBytes: modelBytes, on: TrainingSet(data), limit: limit, progress: progress)
    }

    /// - Parameters:
    ///   - modelBytes: the model file's contents.
    ///   - data: items whose value count matches the model's input tensor.
    ///   - task: the task to score; `nil` infers it (see `inferTask`).
    ///   - limit: evaluate only the first `limit` items.
    public static func run(modelBytes: [UInt8], on data: TrainingSet, task requested: MetricTask? = nil, limit: Int? = nil,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> RuntimeEvaluation {
        try modelBytes.withUnsafeBytes { raw in
            let model: Model
            do { model = try Model(bytes: raw) } catch {
                throw TrainError.invalidModelFile(path: "model", reason: "\(error)")
            }
            let probability = endsInSigmoid(model)
            return try Interpreter.withHeapArena(
                for: model, startFailure: { TrainError.invalidModelFile(path: "model", reason: "cannot start the interpreter: \($0)") }
            ) { interpreter in
                let itemSize = data.itemSize
                guard interpreter.inputCount(0) == itemSize else {
                    throw TrainError.invalidData(
                        source: data.sourceDescription, item: nil,
                        reason: "the model input holds \(interpreter.inputCount(0)) values but data items have shape \(data.itemShape) (\(itemSize) values)")
                }
                let outputs = interpreter.outputCount(0)
                let task = requested ?? inferTask(outputCount: outputs, targets: data.targets)
                let count = min(limit ?? data.count, data.count)
                try check(data, count: count, task: task, outputCount: outputs)
                var metrics = TaskMetrics(task: task, outputCount: outputs, binaryThreshold: probability ? 0.5 : 0)
                var predictions = [Int32]()
                var row = [Float](repeating: 0, count: outputs)
                var oneHot = [Float](repeating: 0, count: outputs)
                try data.features.withUnsafeBufferPointer { features in
                    for i in 0..<count {
                        interpreter.setInput(0, from: features.baseAddress! + i * itemSize)
                        do { try interpreter.invoke() } catch { throw TrainError.inferenceFailed(item: i, reason: "\(error)") }
                        for j in 0..<outputs { row[j] = interpreter.outputValue(0, j) }
                        try row.withUnsafeBufferPointer { out in
                            switch data.targets {
                            case .classes(let labels) where task == .regression && outputs > 1:
                                // A label scored as a one-hot row (a classifier trained with MSE, evaluated as regression).
                                for j in 0..<outputs { oneHot[j] = j == Int(labels[i]) ? 1 : 0 }
                                oneHot.withUnsafeBufferPointer { metrics.add(outputs: out, targets: $0) }
                            case .classes(let labels):
                                let predicted = metrics.add(outputs: out, label: Int(labels[i]))
                                if task == .classification || task == .binary { predictions.append(Int32(predicted)) }
                            case .values(let values, _):
                                try values.withUnsafeBufferPointer { all in
                                    guard all.count >= (i + 1) * outputs else { throw TrainError.invalidData(source: data.targetSource, item: i, reason: "has too few target values") }
                                    metrics.add(outputs: out, targets: UnsafeBufferPointer(rebasing: all[(i * outputs)..<((i + 1) * outputs)]))
                                }
                                if task == .binary { predictions.append(out[0] > (probability ? 0.5 : 0) ? 1 : 0) }
                            case .inputs:
                                metrics.add(outputs: out, targets: UnsafeBufferPointer(start: features.baseAddress! + i * itemSize, count: outputs))
                            }
                        }
                        if i % 500 == 499 || i == count - 1 { progress(i + 1, count) }
                    }
                }
                return RuntimeEvaluation(task: task, metrics: metrics.report, count: count, predictions: predictions,
                                         arenaBytes: interpreter.usedArenaBytes, outputIsProbability: probability)
            }
        }
    }

    /// The task a model with `outputCount` outputs answers on these targets: labels (or float
    /// targets) on one output are binary when every one is 0 or 1, else a regression onto the
    /// value; class labels on several outputs, classification. Other float targets are
    /// regression; the input itself, reconstruction.
    public static func inferTask(outputCount: Int, targets: TrainingSet.Targets) -> MetricTask {
        switch targets {
        case .classes(let labels):
            if outputCount > 1 { return .classification }
            return labels.allSatisfy { $0 == 0 || $0 == 1 } ? .binary : .regression
        case .values(let values, _):
            return outputCount == 1 && values.allSatisfy({ $0 == 0 || $0 == 1 }) ? .binary : .regression
        case .inputs: return .reconstruction
        }
    }

    /// Refuses data that the task cannot score, naming the item and the value.
    static func check(_ data: TrainingSet, count: Int, task: MetricTask, outputCount: Int) throws {
        switch (task, data.targets) {
        case (.classification, .classes(let labels)):
            guard outputCount > 1 else {
                throw TrainError.invalidConfiguration("the model has one output: top-1 accuracy means nothing for it; evaluate it as a binary or regression task")
            }
            try TrainingTask.checkLabels(Array(labels.prefix(count)), below: outputCount, source: data.targetSource, role: "evaluation",
                                         what: "the model has \(outputCount) outputs, so labels must lie in 0..<\(outputCount)")
        case (.binary, .classes(let labels)):
            guard outputCount == 1 else {
                throw TrainError.invalidConfiguration("a binary task needs a one-output model, this one has \(outputCount) outputs")
            }
            try TrainingTask.checkLabels(Array(labels.prefix(count)), below: 2, source: data.targetSource, role: "evaluation",
                                         what: "a binary task needs 0/1 labels")
        case (.binary, .values(_, let shape)), (.regression, .values(_, let shape)), (.classification, .values(_, let shape)):
            guard shape.reduce(1, *) == outputCount else {
                throw TrainError.invalidData(source: data.targetSource, item: nil,
                                             reason: "targets have shape \(shape) per item (\(shape.reduce(1, *)) values) but the model outputs \(outputCount)")
            }
        case (.regression, .classes):
            break
        case (.reconstruction, _):
            guard outputCount == data.itemSize else {
                throw TrainError.invalidConfiguration("reconstruction compares the output with the input: the model outputs \(outputCount) values, the items hold \(data.itemSize)")
            }
        case (.binary, .inputs), (.regression, .inputs), (.classification, .inputs):
            throw TrainError.invalidConfiguration("the data has no targets; only a reconstruction task (--target input) can score it")
        }
    }

    /// Whether a model file's output comes from a sigmoid (a probability, split at ½) rather
    /// than a logit (split at 0); `false` for a file that does not load.
    public static func outputIsProbability(modelBytes: [UInt8]) -> Bool {
        modelBytes.withUnsafeBytes { raw in (try? Model(bytes: raw)).map(endsInSigmoid) ?? false }
    }

    /// Whether the model's output tensor comes from a `logistic` operator (a probability).
    static func endsInSigmoid(_ model: Model) -> Bool {
        let output = model.outputs[0]
        for op in stride(from: model.operatorCount - 1, through: 0, by: -1) {
            let outputs = model.operatorOutputs(op)
            for k in 0..<outputs.count where outputs[k] == output {
                let code = model.operatorCode(op)
                if code == .logistic { return true }
                // An int8 model dequantizes at the end: look at what produced the dequantized tensor.
                if code == .dequantize || code == .reshape {
                    let source = model.operatorInputs(op)[0]
                    for earlier in stride(from: op - 1, through: 0, by: -1) {
                        let produced = model.operatorOutputs(earlier)
                        for m in 0..<produced.count where produced[m] == source {
                            return model.operatorCode(earlier) == .logistic
                        }
                    }
                }
                return false
            }
        }
        return false
    }
}

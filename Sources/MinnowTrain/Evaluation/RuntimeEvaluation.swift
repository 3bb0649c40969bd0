import MinnowData
import MinnowRuntime

/// Runs a saved model file in `MinnowRuntime` (not in the trainer) over a labelled data set.
public struct RuntimeEvaluation: Sendable {
    public var accuracy: Float
    public var count: Int
    public var predictions: [Int32]
    /// Bytes of arena the interpreter needed.
    public var arenaBytes: Int

    /// - Parameters:
    ///   - modelBytes: the model file's contents.
    ///   - data: items whose value count matches the model's input tensor.
    ///   - limit: evaluate only the first `limit` items.
    public static func run(modelBytes: [UInt8], on data: LabeledDataset, limit: Int? = nil,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> RuntimeEvaluation {
        try modelBytes.withUnsafeBytes { raw in
            let model: Model
            do { model = try Model(bytes: raw) } catch { throw TrainError("invalid model file: \(error)") }
            return try Interpreter.withHeapArena(for: model, startFailure: { TrainError("cannot start interpreter: \($0)") }) { interpreter in
                let itemSize = data.itemShape.reduce(1, *)
                guard interpreter.inputCount(0) == itemSize else {
                    throw TrainError("model input holds \(interpreter.inputCount(0)) values but data items have shape \(data.itemShape) (\(itemSize) values)")
                }
                let count = min(limit ?? data.count, data.count)
                var predictions = [Int32]()
                predictions.reserveCapacity(count)
                var correct = 0
                try data.features.withUnsafeBufferPointer { features in
                    for i in 0..<count {
                        interpreter.setInput(0, from: features.baseAddress! + i * itemSize)
                        do { try interpreter.invoke() } catch { throw TrainError("inference failed on item \(i): \(error)") }
                        let predicted = Int32(interpreter.outputArgmax(0))
                        predictions.append(predicted)
                        if predicted == data.labels[i] { correct += 1 }
                        if i % 500 == 499 || i == count - 1 { progress(i + 1, count) }
                    }
                }
                return RuntimeEvaluation(accuracy: Float(correct) / Float(max(1, count)), count: count,
                                         predictions: predictions, arenaBytes: interpreter.usedArenaBytes)
            }
        }
    }
}

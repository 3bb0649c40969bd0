import MinnowData
import MinnowRuntime

/// Activation statistics of a float model, keyed by the model's tensor index.
public struct CalibrationStatistics: Sendable {
    public var observers: [Int: TensorObserver]
    /// Number of calibration samples run.
    public var sampleCount: Int
    /// Float values of the inputs of the fully connected / conv 2D layers and of the model
    /// outputs, by tensor index, one array per calibration item (only when
    /// `calibrate(recordValues: true)`): weight rounding and the decision range use them.
    public var recordedValues: [Int: [[Float]]] = [:]

    /// Calibrated ranges for every observed tensor under `method`.
    public func ranges(_ method: CalibrationMethod) -> [Int: (minimum: Float, maximum: Float)] {
        var result: [Int: (minimum: Float, maximum: Float)] = [:]
        for (t, observer) in observers { result[t] = observer.range(method) }
        return result
    }
}

/// Runs a float model in the float runtime (keeping every intermediate tensor) over
/// calibration samples and feeds every activation tensor to a `TensorObserver`.
public enum Calibrator {
    /// Checks that data items fit the model's single input; the error names the data and both shapes.
    public static func checkInputShape(graph: FloatGraph, data: LabeledDataset, dataName: String) throws {
        guard graph.inputs.count == 1 else {
            throw QuantizationError.inputCount(graph.inputs.count)
        }
        let input = graph.tensors[graph.inputs[0]]
        let modelValues = input.shape.dropFirst().reduce(1, *)
        guard data.itemSize == modelValues else {
            throw QuantizationError.dataShape(data: dataName, itemShape: data.itemShape, input: input.name, inputShape: input.shape)
        }
    }

    /// Indices of `sampleCount` items spread evenly over the data set (deterministic).
    public static func sampleIndices(count: Int, sampleCount: Int) -> [Int] {
        let n = min(max(sampleCount, 1), count)
        return (0..<n).map { $0 * count / n }
    }

    /// - Parameters:
    ///   - modelBytes: a float model file (the runtime validates it).
    ///   - histograms: also run the second pass that percentile/MSE/entropy need.
    ///   - progress: `(done, total)` over both passes.
    public static func calibrate(
        modelBytes: [UInt8], data: LabeledDataset, dataName: String, sampleCount: Int, histograms: Bool,
        recordValues: Bool = false, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> CalibrationStatistics {
        try modelBytes.withUnsafeBytes { raw in
            let model: Model
            do throws(ModelError) { model = try Model(bytes: raw) } catch { throw QuantizationError.invalidModel(error) }
            let graph = try FloatGraph(model: model)
            try checkInputShape(graph: graph, data: data, dataName: dataName)
            return try Interpreter.withHeapArena(
                for: model, preservingAllTensors: true,
                startFailure: { QuantizationError.interpreter($0) }
            ) { interpreter in
                let activations = graph.tensors.indices.filter { graph.tensors[$0].constant == nil }
                var observers = [Int: TensorObserver]()
                for t in activations { observers[t] = TensorObserver() }
                let indices = sampleIndices(count: data.count, sampleCount: sampleCount)
                // Inputs of the layers whose weights can be rounded against their input statistics,
                // and the model outputs.
                let recorded = recordValues
                    ? Set(graph.operators.filter { $0.code == .fullyConnected || $0.code == .conv2D }.map { $0.inputs[0] } + graph.outputs)
                    : []
                var recordedValues = [Int: [[Float]]]()
                let passes = histograms ? 2 : 1
                let total = indices.count * passes
                let input = interpreter.inputFloats(0)
                let size = data.itemSize
                for pass in 0..<passes {
                    for (n, i) in indices.enumerated() {
                        data.features.withUnsafeBufferPointer { f in
                            input.baseAddress!.update(from: f.baseAddress! + i * size, count: size)
                        }
                        do throws(RuntimeError) { try interpreter.invoke() } catch { throw QuantizationError.inference(item: i, error) }
                        for t in activations {
                            let values = interpreter.tensorFloats(t)
                            if values.isEmpty { continue }
                            if pass == 0 { observers[t]!.observeRange(values) } else { observers[t]!.observeHistogram(values) }
                            if pass == 0 && recorded.contains(t) { recordedValues[t, default: []].append(Array(values)) }
                        }
                        let done = pass * indices.count + n + 1
                        if done % 25 == 0 || done == total { progress(done, total) }
                    }
                }
                var statistics = CalibrationStatistics(observers: observers, sampleCount: indices.count)
                statistics.recordedValues = recordedValues
                return statistics
            }
        }
    }
}

import MinnowData
import MinnowRuntime

/// The result of `Quantizer.quantize`: the int8 model (as a builder), the plan behind it and
/// what the rewrites did.
public struct QuantizationResult: Sendable {
    /// The int8 model; `serializedBytes()` gives the file (needs model format v2).
    public var builder: ModelBuilder
    public var plan: QuantizationPlan
    public var statistics: CalibrationStatistics
    /// Batch-norm operators folded into their producer, by name.
    public var foldedBatchNorms: [String]
    /// Standalone ReLU/ReLU6 operators fused into their producer, by name.
    public var fusedActivations: [String]

    /// Names of the operators left in float and why.
    public var floatOperators: [(name: String, reason: String)] {
        plan.floatOperators.sorted().map { (plan.graph.operators[$0].name(in: plan.graph), plan.floatReasons[$0] ?? "") }
    }
}

/// Post-training float → int8 conversion: calibrate, fold, plan, emit.
public enum Quantizer {
    /// - Parameters:
    ///   - modelBytes: a float model file.
    ///   - data: calibration data; items must match the model input's size.
    ///   - dataName: how errors name the data (e.g. the data spec "fashion-mnist:train").
    ///   - sampleCount: calibration samples, spread evenly over `data`.
    ///   - progress: `(done, total)` during calibration.
    public static func quantize(
        modelBytes: [UInt8], calibration data: LabeledDataset, dataName: String, sampleCount: Int,
        options: QuantizationOptions = QuantizationOptions(), progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> QuantizationResult {
        let statistics = try Calibrator.calibrate(
            modelBytes: modelBytes, data: data, dataName: dataName, sampleCount: sampleCount,
            histograms: options.method.needsHistogram,
            recordValues: options.needsRecordedValues, progress: progress)
        return try convert(modelBytes: modelBytes, statistics: statistics, options: options)
    }

    /// Conversion from existing calibration statistics (to compare methods without recalibrating).
    public static func convert(modelBytes: [UInt8], statistics: CalibrationStatistics,
                               options: QuantizationOptions) throws -> QuantizationResult {
        var graph: FloatGraph = try modelBytes.withUnsafeBytes { raw in
            do { return try FloatGraph(model: try Model(bytes: raw)) } catch let error as ModelError {
                throw QuantizationError.invalidModel(error)
            }
        }
        let folded = graph.foldBatchNorms()
        let fused = graph.fuseActivations()
        var ranges = statistics.ranges(options.method)
        if options.outputRange == .decision {
            for t in graph.outputs {
                // Only logits from a GEMM layer (softmax/tanh outputs have fixed parameters).
                guard let producer = graph.operators.first(where: { $0.outputs.contains(t) }),
                      producer.code == .fullyConnected || producer.code == .conv2D,
                      let items = statistics.recordedValues[t], let classes = graph.tensors[t].shape.last,
                      let range = DecisionRange.range(items: items, classes: classes)
                else { continue }
                ranges[t] = range
            }
        }
        var plan = try QuantizationPlan(graph: graph, ranges: ranges, keepFloat: options.keepFloat)
        try WeightRoundingPass.apply(to: &plan, layerInputs: statistics.recordedValues,
                                     rounding: options.rounding, biasCorrection: options.biasCorrection)
        let builder = try Int8Converter.convert(plan, floatIO: options.floatIO)
        return QuantizationResult(builder: builder, plan: plan, statistics: statistics,
                                  foldedBatchNorms: folded, fusedActivations: fused)
    }
}

/// Per-layer sensitivity: SQNR of the model output when only that layer is int8.
public struct LayerSensitivity: Sendable, Equatable {
    public var name: String
    public var code: OperatorCode
    /// `10·log10(Σ y² / Σ (y − ŷ)²)` over the items, in dB (higher is better).
    public var sqnr: Double
}

extension FakeQuantSimulator {
    /// SQNR of the model output with only each int8 operator quantized, over `items`.
    public func sensitivity(items: [[Float]]) throws(QuantizationError) -> [LayerSensitivity] {
        let float = try session(quantized: [])
        var reference: [[Float]] = []
        for item in items { reference.append(try float.run(item)) }
        var report: [LayerSensitivity] = []
        for op in int8Operators.sorted() {
            let probe = try session(quantized: [op])
            var signal: [Float] = [], noisy: [Float] = []
            for (item, ref) in zip(items, reference) {
                signal += ref
                noisy += try probe.run(item)
            }
            let o = plan.graph.operators[op]
            report.append(LayerSensitivity(name: o.name(in: plan.graph), code: o.code,
                                           sqnr: signalToQuantizationNoise(reference: signal, test: noisy)))
        }
        return report
    }

    /// Fraction of items whose int8-simulated argmax equals the float argmax, and the int8
    /// accuracy against `labels`.
    public func agreement(items: [[Float]], labels: [Int32]) throws(QuantizationError) -> (agreement: Double, floatAccuracy: Double, int8Accuracy: Double) {
        var agree = 0, floatCorrect = 0, int8Correct = 0
        let float = try session(quantized: []), int8 = try session(quantized: int8Operators)
        for (item, label) in zip(items, labels) {
            let f = argmax(try float.run(item))
            let q = argmax(try int8.run(item))
            if f == q { agree += 1 }
            if f == Int(label) { floatCorrect += 1 }
            if q == Int(label) { int8Correct += 1 }
        }
        let n = Double(max(items.count, 1))
        return (Double(agree) / n, Double(floatCorrect) / n, Double(int8Correct) / n)
    }
}

func argmax(_ v: [Float]) -> Int {
    var best = 0
    for i in v.indices where v[i] > v[best] { best = i }
    return best
}

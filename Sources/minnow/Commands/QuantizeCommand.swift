import Foundation
import MinnowData
import MinnowQuantize
import MinnowRuntime
import MinnowTrain

enum QuantizeCommand {
    static let help = """
    USAGE: minnow quantize MODEL.minnow --out MODEL-int8.minnow [options]

    Converts a float model to int8: calibrates activation ranges on a sample of data with the
    float runtime, folds batch norms, fuses ReLU/ReLU6, quantizes weights per channel
    (symmetric) and activations per tensor (asymmetric), and saves the int8 model.

      --calibration SPEC   calibration data (default fashion-mnist:train; specs as in 'minnow train')
      --samples N          calibration items, spread evenly over the data (default 500)
      --method NAME        minmax | ema | percentile | mse | entropy (default \(CalibrationMethod.defaultMethod.rawValue))
      --rounding NAME      weight rounding of dense/conv layers: nearest | gptq (default \(WeightRounding.defaultRounding.rawValue));
                           gptq rounds each layer's weights against its calibration inputs (E[x xᵀ])
                           so rounding errors cancel in the layer output; same scales and file size
      --bias-correction on|off
                           subtract each dense/conv channel's mean int8-vs-float output shift from
                           its bias (default \(QuantizationOptions.defaultBiasCorrection ? "on" : "off"))
      --output-range NAME  calibrated | decision (default \(OutputRange.defaultRange.rawValue)): for a classifier's
                           logits, decision spends the int8 levels on the values that compete for
                           top-1 (from the lowest runner-up logit seen to the highest), clipping
                           logits far below; better top-1 agreement, lower output-layer SQNR
      --keep-float NAME    keep this layer in float (dequantize before, quantize after); repeatable
      --float-io           float model input and output (quantize/dequantize at the edges);
                           default: int8 input and output with their scale and zero point
      --sensitivity        per-layer SQNR (dB) of the model output when only that layer is int8
      --check SPEC         simulate the int8 model on SPEC: float/int8 top-1 agreement and accuracy
      --limit N            items of --check data to use (default all)
      --out FILE           the int8 model file (written atomically)
      --json               print a JSON report on stdout
    """

    static func run(_ raw: [String]) throws {
        // --keep-float repeats; the generic parser keeps one value per option, so collect it first.
        var rest: [String] = [], keepFloat: [String] = []
        var i = 0
        while i < raw.count {
            if raw[i] == "--keep-float" {
                guard i + 1 < raw.count else { throw CLIError("quantize: option --keep-float needs a value") }
                keepFloat.append(raw[i + 1]); i += 2; continue
            }
            if raw[i].hasPrefix("--keep-float=") { keepFloat.append(String(raw[i].dropFirst("--keep-float=".count))); i += 1; continue }
            rest.append(raw[i]); i += 1
        }
        let args = try Arguments(command: "quantize", rest,
                                 valueOptions: ["calibration", "samples", "method", "rounding", "bias-correction", "output-range", "out", "check", "limit"],
                                 flagOptions: ["float-io", "sensitivity", "json", "help"])
        if args.flag("help") { print(help); return }
        guard args.positional.count == 1, let path = args.positional.first else {
            throw CLIError("quantize: give exactly one float model file (see 'minnow quantize --help')")
        }
        guard let out = args.string("out") else { throw CLIError("quantize: --out FILE is required (see 'minnow quantize --help')") }
        var options = QuantizationOptions()
        options.method = try args.choice("method", as: CalibrationMethod.self, among: CalibrationMethod.allCases) ?? options.method
        options.rounding = try args.choice("rounding", as: WeightRounding.self, among: WeightRounding.allCases) ?? options.rounding
        switch args.string("bias-correction") {
        case nil: break
        case "on": options.biasCorrection = true
        case "off": options.biasCorrection = false
        case let other?: throw CLIError("quantize: --bias-correction expects on or off, found '\(other)'")
        }
        options.outputRange = try args.choice("output-range", as: OutputRange.self, among: OutputRange.allCases) ?? options.outputRange
        options.keepFloat = keepFloat
        options.floatIO = args.flag("float-io")
        let samples = try args.positiveInt("samples") ?? 500
        let spec = args.string("calibration") ?? "fashion-mnist:train"
        let json = args.flag("json")

        let modelBytes = try ModelFile.read(path)
        let data = try DataLoading.load(spec)
        if !json { Terminal.note("calibrating \(path) on \(min(samples, data.count)) items of \(data.sourceDescription) (\(options.method.rawValue), \(options.rounding.rawValue) rounding\(options.biasCorrection ? ", bias correction" : ""))") }
        var bar = ProgressBar(title: "calibrate", quiet: json)
        let start = Date()
        let result: QuantizationResult
        do {
            result = try Quantizer.quantize(modelBytes: modelBytes, calibration: data, dataName: spec, sampleCount: samples,
                                            options: options) { done, total in
                bar.update(done: done, total: total, elapsed: Date().timeIntervalSince(start), detail: "")
            }
        } catch let error as QuantizationError {
            throw CLIError("\(path): \(error.description)", isUsage: false)
        }
        let seconds = Date().timeIntervalSince(start)

        var report: [String: Any] = [
            "method": options.method.rawValue,
            "rounding": options.rounding.rawValue,
            "bias_correction": options.biasCorrection,
            "output_range": options.outputRange.rawValue,
            "samples": result.statistics.sampleCount,
            "seconds": seconds,
            "float_io": options.floatIO,
            "folded_batch_norms": result.foldedBatchNorms,
            "fused_activations": result.fusedActivations,
            "float_layers": result.floatOperators.map { ["name": $0.name, "reason": $0.reason] },
            "constant_bytes": result.builder.tensors.reduce(0) { $0 + ($1.constantBytes?.count ?? 0) },
            "operators": result.builder.operators.count,
        ]
        if !json {
            print(String(format: "quantized in %.2fs: %d operators, %d constant bytes", seconds,
                         result.builder.operators.count, report["constant_bytes"] as! Int))
            if !result.foldedBatchNorms.isEmpty { print("folded batch norms: \(result.foldedBatchNorms.joined(separator: ", "))") }
            for f in result.floatOperators { print("float layer \(f.name): \(f.reason)") }
        }

        let simulator = FakeQuantSimulator(plan: result.plan)
        if args.flag("sensitivity") {
            let items = Calibrator.sampleIndices(count: data.count, sampleCount: min(samples, 200)).map { Array(data.features(at: $0)) }
            let layers = try simulator.sensitivity(items: items)
            report["sensitivity"] = layers.map { ["name": $0.name, "operator": "\($0.code)", "sqnr_db": $0.sqnr.isFinite ? $0.sqnr : 999] }
            if !json {
                print("sensitivity (output SQNR with only this layer int8, \(items.count) items):")
                for layer in layers { print(String(format: "  %@ %@ %7.2f dB", layer.name.padding(toLength: 24, withPad: " ", startingAt: 0), "\(layer.code)".padding(toLength: 18, withPad: " ", startingAt: 0), layer.sqnr)) }
            }
        }
        if let checkSpec = args.string("check") {
            let check = try DataLoading.load(checkSpec)
            let n = min(try args.positiveInt("limit") ?? check.count, check.count)
            let checkStart = Date()
            let items = (0..<n).map { Array(check.features(at: $0)) }
            let r = try simulator.agreement(items: items, labels: Array(check.labels[0..<n]))
            report["check"] = ["data": checkSpec, "count": n, "agreement": r.agreement, "float_accuracy": r.floatAccuracy,
                               "int8_accuracy": r.int8Accuracy, "seconds": Date().timeIntervalSince(checkStart)]
            if !json {
                print(String(format: "simulated int8 on %d items of %@: agreement %.2f%%, float %.2f%%, int8 %.2f%%",
                             n, checkSpec, r.agreement * 100, r.floatAccuracy * 100, r.int8Accuracy * 100))
            }
        }

        // Save only a file the runtime accepts (int8 models need model format v2).
        let bytes = try result.builder.serializedBytes()
        let loadable: String? = bytes.withUnsafeBytes { raw in
            do { _ = try Model(bytes: raw); return nil } catch { return "\(error)" }
        }
        report["file_bytes"] = bytes.count
        report["saved"] = loadable == nil
        if json { Terminal.printJSON(report) }
        if let problem = loadable {
            throw CLIError("\(out) not written: this build's model format cannot hold the int8 model (\(problem))", isUsage: false)
        }
        try AtomicFile.write(bytes, to: out)
        if !json { print("saved \(out) (\(bytes.count) bytes)") }
    }
}

import Foundation
import MinnowData
import MinnowParity
import MinnowProfile
import MinnowQuantize
import MinnowRuntime
import MinnowTrain

enum DemoCommand {
    static let help = """
    USAGE: minnow demo [--presets fashion-mlp,fashion-cnn,fashion-lstm] [--epochs N] [--out-dir DIR] [--json]

    The main job, end to end on Fashion-MNIST with default settings. For each preset:
      1. train a float model (progress bar per epoch) and save it;
      2. quantize it to int8, calibrated on 500 training images, and save it;
      3. parity: run both files in MinnowRuntime on the whole test set (accuracy, top-1
         agreement, worst layer by SQNR);
      4. profile both: flash bytes, exact arena bytes, batch-1 latency.
    Ends with a summary table; model files, reports and HTML pages go to --out-dir.

      --presets LIST   comma-separated presets (default: all three)
      --epochs N       training epochs per preset (default 5)
      --out-dir DIR    where files go (default ./minnow-demo)
      --json           print the summary as JSON
    """

    static func run(_ raw: [String]) throws {
        let args = try Arguments(command: "demo", raw, valueOptions: ["presets", "epochs", "out-dir"], flagOptions: ["json", "help"])
        if args.flag("help") { print(help); return }
        let names = (args.string("presets") ?? Preset.allCases.map(\.rawValue).joined(separator: ","))
            .split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        let presets = try names.map { name -> Preset in
            guard let p = Preset(rawValue: name) else {
                throw CLIError("demo: unknown preset '\(name)' (expected \(Preset.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return p
        }
        let directory = args.string("out-dir") ?? "minnow-demo"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CLIError("demo: cannot create output directory \(directory): \(error.localizedDescription)", isUsage: false)
        }
        var configuration = TrainingConfiguration()
        configuration.epochs = try args.positiveInt("epochs") ?? configuration.epochs
        let train = try DataLoading.load("fashion-mnist:train")
        let test = try DataLoading.load("fashion-mnist:test")
        Terminal.note("Minnow demo: \(presets.count) preset(s), \(configuration.epochs) epoch(s) each: train → quantize → parity → profile")
        Terminal.note("data: \(train.sourceDescription); \(test.sourceDescription)")

        var rows: [[String: Any]] = []
        for preset in presets {
            rows.append(try runPreset(preset, configuration: configuration, train: train, test: test, directory: directory))
        }
        if args.flag("json") {
            Terminal.printJSON(["data": test.sourceDescription, "results": rows])
            return
        }
        printSummary(rows, data: test.sourceDescription, directory: directory)
    }

    static func runPreset(_ preset: Preset, configuration: TrainingConfiguration, train: LabeledDataset,
                          test: LabeledDataset, directory: String) throws -> [String: Any] {
        Terminal.note("\n== \(preset.rawValue): \(preset.summary)")
        let floatPath = "\(directory)/\(preset.rawValue).minnow"
        let int8Path = "\(directory)/\(preset.rawValue)-int8.minnow"

        // 1. Train.
        let trained = try Training.run(model: preset.makeModel(), name: preset.rawValue, configuration: configuration,
                                       train: train, test: test, out: floatPath, quiet: false)
        if let saveError = trained.saveError { throw saveError }
        try Terminal.writeJSON(trained.report, to: "\(directory)/\(preset.rawValue)-train.json")
        let floatBytes = try ModelFile.read(floatPath)

        // 2. Quantize.
        var bar = ProgressBar(title: "calibrate")
        let quantizeStart = Date()
        let quantized: QuantizationResult
        do {
            quantized = try Quantizer.quantize(modelBytes: floatBytes, calibration: train, dataName: "fashion-mnist:train",
                                               sampleCount: 500, options: QuantizationOptions()) { done, total in
                bar.update(done: done, total: total, elapsed: Date().timeIntervalSince(quantizeStart), detail: "")
            }
        } catch let error as QuantizationError {
            throw CLIError("\(floatPath): \(error.description)", isUsage: false)
        }
        let quantizeSeconds = Date().timeIntervalSince(quantizeStart)
        let int8Bytes = try quantized.builder.serializedBytes()
        try AtomicFile.write(int8Bytes, to: int8Path)
        Terminal.note(String(format: "quantized in %.2f s → %@ (%d bytes)", quantizeSeconds, int8Path, int8Bytes.count))

        // 3. Parity on the whole test set.
        var parityBar = ProgressBar(title: "parity")
        let parityStart = Date()
        let parity: ParityReport
        do {
            parity = try ParityRunner.run(floatModel: floatBytes, floatPath: floatPath, int8Model: int8Bytes, int8Path: int8Path,
                                          data: test) { done, total in
                parityBar.update(done: done, total: total, elapsed: Date().timeIntervalSince(parityStart), detail: "")
            }
        } catch let failure as ParityRunner.Failure {
            throw CLIError(failure.description, isUsage: false)
        }
        try Terminal.writeJSON(parity.jsonObject(), to: "\(directory)/\(preset.rawValue)-parity.json")
        try ParityHTML.render(parity, classNames: FashionMNIST.classNames)
            .write(toFile: "\(directory)/\(preset.rawValue)-parity.html", atomically: true, encoding: .utf8)
        // Parity ran the saved float file in the runtime on every item: compare with the trainer.
        let samePredictions = zip(trained.predictions, parity.floatPredictions).filter { $0 == $1 }.count
        Terminal.note(String(format: "parity: float %.2f%%, int8 %.2f%%, agreement %.2f%%, worst layer %@",
                             parity.floatAccuracy * 100, parity.int8Accuracy * 100, parity.agreement * 100,
                             parity.worstLayer?.name ?? "-"))

        // 4. Profile both files.
        Terminal.note("profiling …")
        let floatProfile: ProfileReport, int8Profile: ProfileReport
        do {
            floatProfile = try ModelProfiler.profile(modelBytes: floatBytes, path: floatPath, runs: 200, warmup: 20)
            int8Profile = try ModelProfiler.profile(modelBytes: int8Bytes, path: int8Path, runs: 500, warmup: 50)
        } catch let failure as ModelProfiler.Failure {
            throw CLIError(failure.description, isUsage: false)
        }
        try HTMLReport.render(int8Profile, comparison: floatProfile)
            .write(toFile: "\(directory)/\(preset.rawValue)-profile.html", atomically: true, encoding: .utf8)

        return [
            "preset": preset.rawValue,
            "parameters": trained.report["parameters"] ?? 0,
            "epochs": configuration.epochs,
            "median_epoch_seconds": LatencyProfiler.percentile(trained.history.epochs.map(\.seconds), 0.5),
            "float_accuracy": parity.floatAccuracy,
            "int8_accuracy": parity.int8Accuracy,
            "agreement": parity.agreement,
            "worst_layer": parity.worstLayer?.name ?? "",
            "worst_layer_sqnr_db": parity.worstLayer?.error.sqnrDecibels ?? 0,
            "trainer_accuracy": Double(trained.testAccuracy),
            "runtime_same_predictions": samePredictions,
            "test_count": test.count,
            "quantize_seconds": quantizeSeconds,
            "float_file_bytes": floatBytes.count,
            "int8_file_bytes": int8Bytes.count,
            "float_arena_bytes": floatProfile.arenaBytes,
            "int8_arena_bytes": int8Profile.arenaBytes,
            "float_latency_us": floatProfile.latency.medianMicroseconds,
            "int8_latency_us": int8Profile.latency.medianMicroseconds,
            "float_model": floatPath,
            "int8_model": int8Path,
        ]
    }

    static func printSummary(_ rows: [[String: Any]], data: String, directory: String) {
        print("\nSummary (\(data))")
        print("preset        s/epoch  float acc  int8 acc  agreement  float bytes  int8 bytes  float arena  int8 arena  float µs  int8 µs")
        for row in rows {
            print(String(format: "%@ %7.2f %9.2f%% %8.2f%% %9.2f%% %12d %11d %12d %11d %9.1f %8.1f",
                         (row["preset"] as! String).padding(toLength: 13, withPad: " ", startingAt: 0),
                         row["median_epoch_seconds"] as! Double,
                         (row["float_accuracy"] as! Double) * 100, (row["int8_accuracy"] as! Double) * 100,
                         (row["agreement"] as! Double) * 100,
                         row["float_file_bytes"] as! Int, row["int8_file_bytes"] as! Int,
                         row["float_arena_bytes"] as! Int, row["int8_arena_bytes"] as! Int,
                         row["float_latency_us"] as! Double, row["int8_latency_us"] as! Double))
        }
        for row in rows where (row["runtime_same_predictions"] as! Int) != (row["test_count"] as! Int) {
            print("note: \(row["preset"]!): the runtime and the trainer disagree on \((row["test_count"] as! Int) - (row["runtime_same_predictions"] as! Int)) float predictions")
        }
        print("model files, JSON reports and HTML pages (parity, profile) in \(directory)/")
    }
}

import Foundation
import MinnowData
import MinnowTrain

enum DemoCommand {
    static let help = """
    USAGE: minnow demo [--presets fashion-mlp,fashion-cnn,fashion-lstm] [--epochs N] [--out-dir DIR] [--json]

    The main job, end to end on Fashion-MNIST with default settings: for each preset, train a
    float model, save it, run the saved file in MinnowRuntime on the whole test set and check
    that it predicts what the trainer predicted. Ends with a summary table.
    (Quantization, parity and profiling join this pipeline as those features land.)

      --presets LIST   comma-separated presets (default: all three)
      --epochs N       epochs per preset (default 5)
      --out-dir DIR    where model files and reports go (default ./minnow-demo)
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
        Terminal.note("Minnow demo: \(presets.count) preset(s), \(configuration.epochs) epoch(s) each")
        Terminal.note("data: \(train.sourceDescription); \(test.sourceDescription)")

        var rows: [[String: Any]] = []
        for preset in presets {
            Terminal.note("\n== \(preset.rawValue): \(preset.summary)")
            let out = "\(directory)/\(preset.rawValue).minnow"
            let trained = try Training.run(model: preset.makeModel(), name: preset.rawValue, configuration: configuration,
                                           train: train, test: test, out: out, quiet: false)
            try Terminal.writeJSON(trained.report, to: "\(directory)/\(preset.rawValue)-train.json")
            var bar = ProgressBar(title: "runtime eval")
            let start = Date()
            let evaluation = try RuntimeEvaluation.run(modelBytes: try ModelFile.read(out), on: test) { done, total in
                bar.update(done: done, total: total, elapsed: Date().timeIntervalSince(start), detail: "")
            }
            let runtimeSeconds = Date().timeIntervalSince(start)
            let same = zip(trained.predictions, evaluation.predictions).filter { $0 == $1 }.count
            let seconds = trained.history.epochs.map(\.seconds)
            rows.append([
                "preset": preset.rawValue,
                "parameters": trained.report["parameters"] ?? 0,
                "epochs": configuration.epochs,
                "median_epoch_seconds": median(seconds),
                "trainer_test_accuracy": Double(trained.testAccuracy),
                "runtime_test_accuracy": Double(evaluation.accuracy),
                "same_predictions": same,
                "test_count": test.count,
                "model_file": out,
                "model_file_bytes": trained.fileBytes,
                "arena_bytes": evaluation.arenaBytes,
                "runtime_us_per_inference": runtimeSeconds / Double(max(1, evaluation.count)) * 1e6,
            ])
        }
        if args.flag("json") {
            Terminal.printJSON(["data": test.sourceDescription, "results": rows])
            return
        }
        print("\nSummary (\(test.sourceDescription))")
        print("preset        params   s/epoch  trainer acc  runtime acc  same predictions  file bytes  arena bytes  µs/inference")
        for row in rows {
            let line = String(format: "%@ %8d %8.2f %11.2f%% %11.2f%% %10d/%-6d %11d %12d %13.1f",
                              (row["preset"] as! String).padding(toLength: 13, withPad: " ", startingAt: 0),
                              row["parameters"] as! Int, row["median_epoch_seconds"] as! Double,
                              (row["trainer_test_accuracy"] as! Double) * 100, (row["runtime_test_accuracy"] as! Double) * 100,
                              row["same_predictions"] as! Int, row["test_count"] as! Int,
                              row["model_file_bytes"] as! Int, row["arena_bytes"] as! Int, row["runtime_us_per_inference"] as! Double)
            print(line)
        }
        print("model files and reports in \(directory)/")
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

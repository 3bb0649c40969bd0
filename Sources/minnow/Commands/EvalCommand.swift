import Foundation
import MinnowData
import MinnowMetrics
import MinnowRuntime
import MinnowTrain

enum EvalCommand {
    static let help = """
    USAGE: minnow eval MODEL.minnow [--data SPEC] [--task NAME] [--target input] [--limit N] [--json]

    Runs a saved model file in MinnowRuntime (the same interpreter a device runs) over a data
    set and reports the metrics of its task:
      classification   (several outputs, class labels)   accuracy
      binary           (one output, 0/1 labels)          binary accuracy and AUC; a logit output
                                                         splits at 0, a sigmoid output at ½
      regression       (float targets)                   MSE, MAE, R²
      reconstruction   (--target input)                  MSE, MAE, R² of the output against the input

      --data SPEC    default fashion-mnist:test (see 'minnow train --help' for specs); npy and csv
                     files give float targets, whole-number targets on a multi-output model are labels
      --task NAME    classification | binary | regression | reconstruction (default: from the model's
                     output count and the targets)
      --target input score the reconstruction of the input (an autoencoder)
      --limit N      only the first N items
      --json         print {"task": …, "metrics": {…}, "count": …, "arena_bytes": …} (plus "accuracy"
                     for classification)
    """

    static func run(_ raw: [String]) throws {
        let args = try Arguments(command: "eval", raw, valueOptions: ["data", "limit", "task", "target"], flagOptions: ["json", "help"])
        if args.flag("help") { print(help); return }
        guard args.positional.count == 1, let path = args.positional.first else {
            throw CLIError("eval: give exactly one model file (see 'minnow eval --help')")
        }
        let bytes = try ModelFile.read(path)
        var task = try args.choice("task", as: MetricTask.self, among: MetricTask.allCases)
        switch args.string("target") {
        case nil, "labels"?: break
        case "input"?:
            if let task, task != .reconstruction { throw CLIError("eval: --target input scores a reconstruction, not --task \(task.rawValue)") }
            task = .reconstruction
        case let other?: throw CLIError("eval: --target must be labels or input, got '\(other)'")
        }
        let outputs = try ModelFile.outputCount(bytes, path: path)
        let reading: TrainingSet.TargetReading = task == .reconstruction ? .input
            : task == .classification ? .classLabels : .values(modelOutputs: outputs)
        let data = try DataLoading.load(args.string("data") ?? "fashion-mnist:test", reading: reading)
        let json = args.flag("json")
        let limit = try args.positiveInt("limit")
        do {
            // Validate model and data (zero items) before announcing the work; the run itself
            // checks every target it will score before the first inference.
            _ = try RuntimeEvaluation.run(modelBytes: bytes, on: data, task: task, limit: 0)
        } catch let error as TrainError {
            throw CLIError("\(path): \(error.description)", isUsage: false)
        }
        if !json { Terminal.note("evaluating \(path) on \(data.sourceDescription)") }
        var bar = ProgressBar(title: "eval", quiet: json)
        let start = Date()
        let result: RuntimeEvaluation
        do {
            result = try RuntimeEvaluation.run(modelBytes: bytes, on: data, task: task, limit: limit) { done, total in
                bar.update(done: done, total: total, elapsed: Date().timeIntervalSince(start), detail: "")
            }
        } catch let error as TrainError {
            throw CLIError("\(path): \(error.description)", isUsage: false)
        }
        if json {
            var object: [String: Any] = ["task": result.task.rawValue, "metrics": result.metrics.dictionary,
                                         "count": result.count, "arena_bytes": result.arenaBytes]
            if result.task == .classification { object["accuracy"] = result.metrics[.accuracy] ?? 0 }
            if result.task == .binary { object["output"] = result.outputIsProbability ? "probability" : "logit" }
            Terminal.printJSON(object)
        } else {
            var line = "\(result.task.rawValue): \(result.metrics.summary)"
            if let accuracy = result.metrics[.accuracy] {
                line += " (\(Int((accuracy * Double(result.count)).rounded())) of \(result.count) correct)"
            } else {
                line += " on \(result.count) items"
            }
            print(line + ", arena \(result.arenaBytes) bytes")
        }
    }
}

enum ModelFile {
    static func read(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(path): no such model file", isUsage: false) }
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("\(path): cannot read the file", isUsage: false) }
        return [UInt8](data)
    }

    /// Values in the model's output tensor (what the targets must match).
    static func outputCount(_ bytes: [UInt8], path: String) throws -> Int {
        try bytes.withUnsafeBytes { raw in
            do {
                let model = try MinnowRuntime.Model(bytes: raw)
                return model.tensorShape(model.outputs[0]).elementCount
            } catch {
                throw CLIError("\(path): \(error)", isUsage: false)
            }
        }
    }
}

enum DataLoading {
    static func load(_ spec: String) throws -> LabeledDataset {
        do {
            return try LabeledDataset.load(spec: spec)
        } catch {
            throw CLIError("\(error)", isUsage: false)
        }
    }

    static func load(_ spec: String, reading: TrainingSet.TargetReading) throws -> TrainingSet {
        do {
            return try TrainingSet.load(spec: spec, reading: reading)
        } catch {
            throw CLIError("\(error)", isUsage: false)
        }
    }
}

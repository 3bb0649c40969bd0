import Foundation
import MinnowData
import MinnowRuntime
import MinnowTrain

enum EvalCommand {
    static let help = """
    USAGE: minnow eval MODEL.minnow [--data SPEC] [--limit N] [--json]

    Runs a saved model file in MinnowRuntime (the same interpreter a device runs) over a
    labelled data set and prints its accuracy.

      --data SPEC    default fashion-mnist:test (see 'minnow train --help' for specs)
      --limit N      only the first N items
      --json         print {"accuracy": …, "count": …, "arena_bytes": …}
    """

    static func run(_ raw: [String]) throws {
        let args = try Arguments(command: "eval", raw, valueOptions: ["data", "limit"], flagOptions: ["json", "help"])
        if args.flag("help") { print(help); return }
        guard args.positional.count == 1, let path = args.positional.first else {
            throw CLIError("eval: give exactly one model file (see 'minnow eval --help')")
        }
        let bytes = try ModelFile.read(path)
        let data = try DataLoading.load(args.string("data") ?? "fashion-mnist:test")
        let json = args.flag("json")
        let limit = try args.positiveInt("limit")
        do {
            // Validate model and data (zero items) before announcing the work.
            _ = try RuntimeEvaluation.run(modelBytes: bytes, on: data, limit: 0)
        } catch let error as TrainError {
            throw CLIError("\(path): \(error.description)", isUsage: false)
        }
        // Labels are class indices: one the model cannot predict is an error, not a miss.
        let classes = try ModelFile.withModel(bytes, path: path) { model in
            model.outputs.isEmpty ? 0 : model.tensorShape(model.outputs[0]).elementCount
        }
        try data.checkLabels(classCount: classes, of: path, limit: limit)
        if !json { Terminal.note("evaluating \(path) on \(data.sourceDescription)") }
        var bar = ProgressBar(title: "eval", quiet: json)
        let start = Date()
        let result: RuntimeEvaluation
        do {
            result = try RuntimeEvaluation.run(modelBytes: bytes, on: data, limit: limit) { done, total in
                bar.update(done: done, total: total, elapsed: Date().timeIntervalSince(start), detail: "")
            }
        } catch let error as TrainError {
            throw CLIError("\(path): \(error.description)", isUsage: false)
        }
        if json {
            Terminal.printJSON(["accuracy": Double(result.accuracy), "count": result.count, "arena_bytes": result.arenaBytes])
        } else {
            print(String(format: "accuracy %.2f%% (%d of %d correct), arena %d bytes",
                         result.accuracy * 100, Int((result.accuracy * Float(result.count)).rounded()), result.count, result.arenaBytes))
        }
    }
}

enum ModelFile {
    static func read(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(path): no such model file", isUsage: false) }
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("\(path): cannot read the file", isUsage: false) }
        return [UInt8](data)
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
}

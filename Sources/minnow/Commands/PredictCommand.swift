import Foundation
import MinnowPredict
import MinnowTrain

enum PredictCommand {
    static let help = """
    USAGE: minnow predict MODEL.minnow --input FILE [--output OUT.npy] [--json]

    Runs a model in MinnowRuntime on every item of FILE and prints each item's argmax.

      --input FILE   .npy: leading dimension N items, trailing dimensions the model input's
                     (a leading 1 of the input and a trailing channel of 1 may be left out);
                     int8 data enters an int8 input as raw quantized bytes, float data is
                     quantized for an int8 input; uint8 data is scaled to [0, 1].
                     .csv[.gz]: one item per row of numeric columns (a 'label' column is ignored).
                     IDX (e.g. t10k-images-idx3-ubyte.gz): unsigned bytes scaled to [0, 1].
      --output FILE  write output 0 of every item as .npy in its own type (int8 or float32),
                     shape [N, …output shape]; written atomically
      --json         print {"count", "output_shape", "output_dtype", "items": [{"argmax", "outputs"}]}
                     with the dequantized outputs of every item

    Recurrent state is reset before every item.
    """

    static func run(_ raw: [String]) throws {
        let args = try Arguments(command: "predict", raw, valueOptions: ["input", "output"], flagOptions: ["json", "help"])
        if args.flag("help") { print(help); return }
        guard args.positional.count == 1, let modelPath = args.positional.first else {
            throw CLIError("predict: give exactly one model file (see 'minnow predict --help')")
        }
        guard let inputPath = args.string("input") else {
            throw CLIError("predict: --input FILE is required (see 'minnow predict --help')")
        }
        let json = args.flag("json")
        let bytes = try ModelFile.read(modelPath)
        let result = try predict(bytes, modelPath: modelPath, inputPath: inputPath, quiet: json)
        if let output = args.string("output") {
            do {
                try AtomicFile.write(result.npyBytes, to: output)
            } catch {
                throw CLIError("\(error)", isUsage: false)
            }
        }
        let outputCount = result.outputShape.reduce(1, *)
        if json {
            let items: [[String: Any]] = (0..<result.count).map { i in
                ["argmax": result.argmax[i],
                 "outputs": result.dequantized[(i * outputCount)..<((i + 1) * outputCount)].map(Double.init)]
            }
            Terminal.printJSON(["count": result.count, "output_shape": result.outputShape,
                                "output_dtype": result.outputDescr == "|i1" ? "int8" : "float32",
                                "arena_bytes": result.arenaBytes, "items": items])
            return
        }
        if let output = args.string("output") {
            print("wrote \(output): \(result.count) items × \(result.outputShape) \(result.outputDescr == "|i1" ? "int8" : "float32")")
        } else {
            for i in 0..<result.count {
                let score = result.dequantized[i * outputCount + result.argmax[i]]
                print("\(i)\targmax \(result.argmax[i])\t\(score)")
            }
        }
    }

    static func predict(_ bytes: [UInt8], modelPath: String, inputPath: String, quiet: Bool) throws -> PredictionResult {
        final class Progress {
            var bar: ProgressBar
            let start = Date()
            init(quiet: Bool) { bar = ProgressBar(title: "predict", quiet: quiet) }
        }
        let progress = Progress(quiet: quiet)
        do {
            let input = try PredictionInput.load(path: inputPath)
            return try Prediction.run(modelBytes: bytes, modelPath: modelPath, input: input) { done, total in
                progress.bar.update(done: done, total: total, elapsed: Date().timeIntervalSince(progress.start), detail: "")
            }
        } catch {
            throw CLIError(error.description, isUsage: false)
        }
    }
}

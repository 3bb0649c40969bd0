import Foundation
import MinnowProfile
import MinnowRuntime

enum InspectCommand {
    static let help = """
    USAGE: minnow inspect MODEL.minnow [--json]

    Lists a model file's operators with their output shapes and types, parameter counts,
    multiply-accumulates and quantization, plus the flash breakdown and the exact arena size.
    """

    static func run(_ raw: [String]) throws {
        let args = try Arguments(command: "inspect", raw, valueOptions: [], flagOptions: ["json", "help"])
        if args.flag("help") { print(help); return }
        guard args.positional.count == 1, let path = args.positional.first else {
            throw CLIError("inspect: give exactly one model file (see 'minnow inspect --help')")
        }
        let bytes = try ModelFile.read(path)
        try ModelFile.withModel(bytes, path: path) { model in
            let inspection = ModelInspection(model)
            let flash = FlashBreakdown(model)
            let arena = Interpreter.requiredArenaBytes(for: model)
            if args.flag("json") {
                Terminal.printJSON([
                    "model": path, "file_bytes": bytes.count, "arena_bytes": arena,
                    "parameters": inspection.parameterCount, "macs": inspection.macs,
                    "flash": ["weights": flash.weightBytes, "biases": flash.biasBytes,
                              "quantization": flash.quantizationBytes, "graph_and_metadata": flash.graphBytes],
                    "operators": inspection.operators.map { op -> [String: Any] in
                        ["index": op.index, "name": op.name, "op": "\(op.code)", "parameters": op.parameterCount, "macs": op.macs,
                         "inputs": op.inputs.map(describe), "outputs": op.outputs.map(describe)]
                    },
                ])
            } else {
                print(inspection.table())
                print("flash: \(flash.totalBytes) bytes = weights \(flash.weightBytes) + biases \(flash.biasBytes) + quantization \(flash.quantizationBytes) + graph and metadata \(flash.graphBytes)")
                print("arena: \(arena) bytes (everything the runtime needs beyond the model bytes)")
            }
        }
    }

    static func describe(_ t: ModelInspection.TensorInfo) -> [String: Any] {
        ["index": t.index, "name": t.name, "type": "\(t.type)", "shape": t.shape, "constant": t.isConstant, "bytes": t.byteCount]
    }
}

extension ModelFile {
    /// Validates `bytes` as a model and calls `body` with it; errors name the file.
    static func withModel<R>(_ bytes: [UInt8], path: String, _ body: (Model) throws -> R) throws -> R {
        try bytes.withUnsafeBytes { raw in
            let model: Model
            do { model = try Model(bytes: raw) } catch { throw CLIError("\(path): invalid model file: \(error)", isUsage: false) }
            return try body(model)
        }
    }
}

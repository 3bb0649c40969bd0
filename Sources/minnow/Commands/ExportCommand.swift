import Foundation
import MinnowExport
import MinnowTrain

enum ExportCommand {
    static let help = """
    USAGE: minnow export MODEL.minnow --format FORMAT --out FILE [--name IDENT] [--streaming] [--json]

    Writes a model in another form, atomically (temporary file, fsync, rename).

    FORMATS
      c        a C header: the model as a 16-byte aligned const array, its length, and each
               input's and output's type, shape, scale and zero point as #defines, for
               minnow_init (minnow.h, from tools/runtime-lib)
      minnow   a .minnow model file (with --streaming: the one-time-step model)

    OPTIONS
      --name IDENT   C name of the array (format c; default: from the --out file name)
      --streaming    export one time step of a recurrent model: every LSTM/GRU input sequence
                     [1, T, F] becomes [1, 1, F]. Run it with a streaming interpreter
                     (Interpreter(…, streaming: true) / MINNOW_OPTION_STREAMING), one step per
                     invoke, reset between sequences: after T steps the outputs equal the
                     full model's on the whole sequence, bit for bit.
      --json         print a JSON summary
    """

    /// Output formats; each is one case of `encode`.
    enum Format: String, CaseIterable {
        case c
        case minnow
    }

    static func run(_ raw: [String]) throws {
        let args = try Arguments(command: "export", raw, valueOptions: ["format", "out", "name"],
                                 flagOptions: ["streaming", "json", "help"])
        if args.flag("help") { print(help); return }
        guard args.positional.count == 1, let path = args.positional.first else {
            throw CLIError("export: give exactly one model file (see 'minnow export --help')")
        }
        guard let format = try args.choice("format", as: Format.self, among: Format.allCases) else {
            throw CLIError("export: --format is required (\(Format.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let out = args.string("out") else { throw CLIError("export: --out FILE is required") }
        if args.string("name") != nil && format != .c { throw CLIError("export: --name applies to --format c only") }

        var model = try ModelFile.read(path)
        do {
            if args.flag("streaming") { model = try StreamingExport.oneStepModel(model) }
            let bytes = try encode(model, format: format, out: out, source: path, name: args.string("name"))
            try AtomicFile.write(bytes, to: out)
            if args.flag("json") {
                Terminal.printJSON(["model": path, "format": format.rawValue, "out": out, "bytes": bytes.count,
                                    "model_bytes": model.count, "streaming": args.flag("streaming")])
            } else {
                print("wrote \(out) (\(format.rawValue), \(bytes.count) bytes\(args.flag("streaming") ? ", one time step per invoke" : ""))")
            }
        } catch let error as ExportError {
            throw CLIError("\(path): \(error.description)", isUsage: false)
        }
    }

    /// The bytes of `model` in `format`.
    static func encode(_ model: [UInt8], format: Format, out: String, source: String, name: String?) throws -> [UInt8] {
        switch format {
        case .c:
            let identifier = name ?? CHeaderExport.identifier(fromPath: out)
            return Array(try CHeaderExport.header(modelBytes: model, name: identifier, source: source).utf8)
        case .minnow:
            return try MinnowFileExport.validated(model)
        }
    }
}

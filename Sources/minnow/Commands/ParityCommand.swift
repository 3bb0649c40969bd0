import Foundation
import MinnowData
import MinnowParity
import MinnowRuntime

enum ParityCommand {
    static let help = """
    USAGE: minnow parity FLOAT.minnow INT8.minnow [--data SPEC] [--limit N] [--json] [--html REPORT.html]
                         [--check-reference] [--min-agreement X] [--max-accuracy-change POINTS]

    Proves that the int8 model answers like the float one: runs both in MinnowRuntime over the
    data set (default fashion-mnist:test) and reports float and int8 accuracy, their difference,
    top-1 agreement, the confusion-matrix difference, and for every layer the SQNR (dB), cosine
    similarity and largest absolute error of the dequantized int8 activation against the float
    one, naming the worst layer.

      --check-reference        also run the int8 model with the reference kernels and count
                               items whose outputs are bit-identical to the optimized kernels'
      --min-agreement X        exit 1 unless top-1 agreement ≥ X (e.g. 0.995)
      --max-accuracy-change P  exit 1 unless |int8 − float accuracy| ≤ P percentage points
      --json                   float_accuracy, int8_accuracy, agreement, layers [{name, op,
                               sqnr_db, cosine, max_abs_error}], worst_layer, confusion matrices
      --html FILE              a self-contained page: SQNR bars and the confusion difference heat map
    """

    static func run(_ raw: [String]) throws {
        let args = try Arguments(command: "parity", raw,
                                 valueOptions: ["data", "limit", "html", "min-agreement", "max-accuracy-change"],
                                 flagOptions: ["json", "help", "check-reference"])
        if args.flag("help") { print(help); return }
        guard args.positional.count == 2 else {
            throw CLIError("parity: give the float model and the int8 model (see 'minnow parity --help')")
        }
        let (floatPath, int8Path) = (args.positional[0], args.positional[1])
        let data = try DataLoading.load(args.string("data") ?? "fashion-mnist:test")
        let limit = try args.positiveInt("limit")
        let json = args.flag("json")
        if !json { Terminal.note("parity of \(int8Path) against \(floatPath) on \(data.sourceDescription)") }
        var bar = ProgressBar(title: "parity", quiet: json)
        let start = Date()
        let report: ParityReport
        do {
            report = try ParityRunner.run(floatModel: try ModelFile.read(floatPath), floatPath: floatPath,
                                          int8Model: try ModelFile.read(int8Path), int8Path: int8Path,
                                          data: data, limit: limit) { done, total in
                bar.update(done: done, total: total, elapsed: Date().timeIntervalSince(start), detail: "")
            }
        } catch let failure as ParityRunner.Failure {
            throw CLIError(failure.description, isUsage: false)
        }
        var object = report.jsonObject()
        var referenceLine: String?
        if args.flag("check-reference") {
            let check: (identical: Int, compared: Int)
            do {
                check = try ParityRunner.referenceAgreement(int8Model: try ModelFile.read(int8Path), path: int8Path,
                                                            data: data, limit: limit)
            } catch {
                throw CLIError("parity: reference check failed: \(error)", isUsage: false)
            }
            object["reference_kernels_identical"] = check.identical
            object["reference_kernels_compared"] = check.compared
            referenceLine = "optimized vs reference int8 kernels: \(check.identical) of \(check.compared) outputs bit-identical"
        }
        if let html = args.string("html") {
            do {
                let names = data.classCount == 10 && data.sourceDescription.contains("Fashion") ? FashionMNIST.classNames : nil
                try ParityHTML.render(report, classNames: names).write(toFile: html, atomically: true, encoding: .utf8)
            } catch {
                throw CLIError("parity: cannot write \(html): \(error.localizedDescription)", isUsage: false)
            }
        }
        if json {
            Terminal.printJSON(object)
        } else {
            print(report.table())
            if let referenceLine { print(referenceLine) }
            if let html = args.string("html") { print("wrote \(html)") }
        }
        var failures: [String] = []
        if let minimum = try args.float("min-agreement"), report.agreement < Double(minimum) {
            failures.append(String(format: "agreement %.4f is below %.4f", report.agreement, minimum))
        }
        if let maximum = try args.float("max-accuracy-change"), abs(report.int8Accuracy - report.floatAccuracy) * 100 > Double(maximum) + 1e-9 {
            failures.append(String(format: "accuracy changed by %.2f points, more than %.2f", (report.int8Accuracy - report.floatAccuracy) * 100, maximum))
        }
        if let identical = object["reference_kernels_identical"] as? Int, let compared = object["reference_kernels_compared"] as? Int,
           identical != compared {
            failures.append("\(compared - identical) outputs differ between optimized and reference kernels")
        }
        if !failures.isEmpty { throw CLIError("parity: " + failures.joined(separator: "; "), isUsage: false) }
    }
}

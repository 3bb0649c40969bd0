import Foundation
import MinnowData
import MinnowMetrics
import MinnowParity
import MinnowRuntime
import MinnowTrain

enum ParityCommand {
    static let help = """
    USAGE: minnow parity FLOAT.minnow INT8.minnow [--data SPEC] [--limit N] [--json] [--html REPORT.html]
                         [--task NAME] [--target input] [--check-reference] [--min-agreement X]
                         [--max-accuracy-change POINTS]

    Proves that the int8 model answers like the float one: runs both in MinnowRuntime over the
    data set (default fashion-mnist:test) and reports float and int8 accuracy, their difference,
    top-1 agreement, the confusion-matrix difference, and for every layer the SQNR (dB), cosine
    similarity and largest absolute error of the dequantized int8 activation against the float
    one, naming the worst layer.

    Models of other tasks are compared by that task's metrics (see 'minnow eval --help'): a
    binary model by binary accuracy, AUC and how often both give the same decision; a regression
    or reconstruction by MSE, MAE and R² of each, and how far their outputs are apart.

      --task NAME              classification | binary | regression | reconstruction (default: from
                               the output count and the targets, as 'minnow eval')
      --target input           compare reconstructions of the input (an autoencoder)
      --check-reference        also run the int8 model with the reference kernels and count
                               items whose outputs are bit-identical to the optimized kernels'
      --min-agreement X        exit 1 unless top-1 agreement (binary: same decision) ≥ X (e.g. 0.995)
      --max-accuracy-change P  exit 1 unless |int8 − float accuracy| (binary accuracy for a binary
                               model) ≤ P percentage points
      --json                   float_accuracy, int8_accuracy, agreement, layers [{name, op,
                               sqnr_db, cosine, max_abs_error}], worst_layer, confusion matrices
      --html FILE              a self-contained page: SQNR bars and the confusion difference heat map
    """

    static func run(_ raw: [String]) throws {
        let args = try Arguments(command: "parity", raw,
                                 valueOptions: ["data", "limit", "html", "min-agreement", "max-accuracy-change", "task", "target"],
                                 flagOptions: ["json", "help", "check-reference"])
        if args.flag("help") { print(help); return }
        guard args.positional.count == 2 else {
            throw CLIError("parity: give the float model and the int8 model (see 'minnow parity --help')")
        }
        let (floatPath, int8Path) = (args.positional[0], args.positional[1])
        let (task, data, targets) = try taskData(args, floatPath: floatPath)
        if task != .classification && task != .binary {
            for gate in ["min-agreement", "max-accuracy-change"] where args.string(gate) != nil {
                throw CLIError("parity: --\(gate) applies to classification and binary models, not \(task.rawValue)")
            }
        }
        let limit = try args.positiveInt("limit")
        let json = args.flag("json")
        if !json { Terminal.note("parity of \(int8Path) against \(floatPath) on \(data.sourceDescription)") }
        var bar = ProgressBar(title: "parity", quiet: json)
        let start = Date()
        var report: ParityReport
        do {
            report = try ParityRunner.run(floatModel: try ModelFile.read(floatPath), floatPath: floatPath,
                                          int8Model: try ModelFile.read(int8Path), int8Path: int8Path,
                                          data: data, limit: limit) { done, total in
                bar.update(done: done, total: total, elapsed: Date().timeIntervalSince(start), detail: "")
            }
        } catch let failure as ParityRunner.Failure {
            throw CLIError(failure.description, isUsage: false)
        }
        report.compareTask(task, targets: targets,
                           binaryThreshold: RuntimeEvaluation.outputIsProbability(modelBytes: try ModelFile.read(floatPath)) ? 0.5 : 0)
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
        let decisions = task == .classification ? report.agreement : report.taskComparison?.decisionAgreement
        let accuracies: (float: Double, int8: Double)? = task == .classification ? (report.floatAccuracy, report.int8Accuracy)
            : task == .binary ? (report.taskComparison?.float[.binaryAccuracy] ?? 0, report.taskComparison?.int8[.binaryAccuracy] ?? 0) : nil
        if let minimum = try args.float("min-agreement"), let decisions {
            if decisions < Double(minimum) { failures.append(String(format: "agreement %.4f is below %.4f", decisions, minimum)) }
        }
        if let maximum = try args.float("max-accuracy-change"), let accuracies {
            if abs(accuracies.int8 - accuracies.float) * 100 > Double(maximum) + 1e-9 {
                failures.append(String(format: "accuracy changed by %.2f points, more than %.2f", (accuracies.int8 - accuracies.float) * 100, maximum))
            }
        }
        if let identical = object["reference_kernels_identical"] as? Int, let compared = object["reference_kernels_compared"] as? Int,
           identical != compared {
            failures.append("\(compared - identical) outputs differ between optimized and reference kernels")
        }
        if !failures.isEmpty { throw CLIError("parity: " + failures.joined(separator: "; "), isUsage: false) }
    }

    /// The task, the data for the runner (class labels, or zeros when the targets are not labels)
    /// and the targets the task's metrics compare against.
    static func taskData(_ args: Arguments, floatPath: String) throws -> (MetricTask, LabeledDataset, ParityTargets) {
        var requested = try args.choice("task", as: MetricTask.self, among: MetricTask.allCases)
        switch args.string("target") {
        case nil, "labels"?: break
        case "input"?: requested = .reconstruction
        case let other?: throw CLIError("parity: --target must be labels or input, got '\(other)'")
        }
        let outputs = try ModelFile.outputCount(try ModelFile.read(floatPath), path: floatPath)
        let reading: TrainingSet.TargetReading = requested == .reconstruction ? .input
            : requested == .classification ? .classLabels : .values(modelOutputs: outputs)
        let set = try DataLoading.load(args.string("data") ?? "fashion-mnist:test", reading: reading)
        let task = requested ?? RuntimeEvaluation.inferTask(outputCount: outputs, targets: set.targets)
        let labels: [Int32]
        let targets: ParityTargets
        switch set.targets {
        case .classes(let values):
            labels = values
            targets = .labels(values)
        case .values(let values, let shape):
            guard shape.reduce(1, *) == outputs else {
                throw CLIError("\(set.targetSource): targets have shape \(shape) per item but \(floatPath) outputs \(outputs) values", isUsage: false)
            }
            labels = [Int32](repeating: 0, count: set.count)
            targets = .values(values, perItem: outputs)
        case .inputs:
            guard set.itemSize == outputs else {
                throw CLIError("parity: reconstruction compares the output with the input, but \(floatPath) outputs \(outputs) values and the items hold \(set.itemSize)", isUsage: false)
            }
            labels = [Int32](repeating: 0, count: set.count)
            targets = .inputs(set.features, perItem: outputs)
        }
        if task == .classification, outputs < 2 {
            throw CLIError("parity: \(floatPath) has one output: top-1 accuracy and agreement mean nothing for it; use --task binary or regression", isUsage: false)
        }
        do {
            let data = try LabeledDataset(features: set.features, itemShape: set.itemShape, labels: labels,
                                          sourceDescription: set.sourceDescription)
            return (task, data, targets)
        } catch {
            throw CLIError("\(error)", isUsage: false)
        }
    }
}

import Foundation
import MinnowData
import MinnowMetrics
import MinnowTrain

enum TrainCommand {
    static let help = """
    USAGE: minnow train (--preset NAME | --spec FILE.json | --from MODEL.minnow) --out FILE.minnow [options]

    Trains a float model and saves it as a Minnow model file. Prints a summary of the model
    (layers, output shapes, parameters) first, then a progress bar per epoch.

    MODEL
      --preset NAME        fashion-mlp | fashion-cnn | fashion-lstm (architectures as in Keras)
      --spec FILE          a JSON model description, sequential or a graph (see README, "Custom
                           models"); its "training" object sets defaults for the options below
      --from FILE          continue training a saved float model: its architecture and weights
                           (dropout layers are not in the file; batch norms come back frozen);
                           the optimizer starts fresh unless --resume finds a checkpoint
    DATA
      --data SPEC          training data (default fashion-mnist:train). Specs: fashion-mnist:train|test,
                           fashion-mnist-full:train|test, csv:PATH, npy:X.npy,Y.npy, npy:X.npy, idx:IMAGES,LABELS
      --test-data SPEC     evaluated after every epoch (default fashion-mnist:test)
      --target KIND        labels (default) | input: reconstruct the input (an autoencoder; npy:X.npy alone works)
      --validation-split X hold out the last fraction X of the training data (before shuffling, as
                           Keras) and report validation loss and metrics after every epoch
    TRAINING
      --loss NAME          softmax_crossentropy (default; integer labels) | binary_crossentropy (a one-unit
                           output is a logit, 0/1 labels) | mse | mae (float targets from .npy/.csv; class
                           labels become one-hot rows). A model ending in softmax (or sigmoid, for binary
                           cross-entropy) is trained as Keras does with from_logits=False: the loss applies
                           that activation once, on the logits, and the saved model keeps it
      --epochs N           passes over the training data (default 5)
      --batch N            mini-batch size (default 64)
      --optimizer NAME     adam | sgd (default adam)
      --lr X               learning rate (default 0.003)
      --momentum X         SGD momentum (default 0.9)
      --schedule NAME      constant | step | cosine (default cosine: decays to 0 over the run)
      --l1 X, --l2 X       weight regularization (default 0)
      --patience N         early stopping: stop after N epochs without a lower validation loss and keep
                           the best epoch's weights (needs --validation-split)
      --seed N             seed for initialization, shuffling and dropout (default 1)
    OUTPUT
      --out FILE           the model file to write (written atomically)
      --report FILE        a JSON report: task, test metrics, test_accuracy (classifiers), epoch_seconds, …
      --json               print the report on stdout instead of the summary
      --quiet              no model summary, no progress bar
      --save-every-epoch   also write --out after every epoch (atomically), not only at the end
    CHECKPOINTS
      --checkpoint FILE    where the training state is saved after every epoch, atomically
                           (default: --out with its extension replaced by .checkpoint)
      --resume             continue from the checkpoint, e.g. after a crash or kill; with the same
                           settings the result is bit for bit that of an uninterrupted run
      --allow-setting-change
                           resume even though numeric settings (--lr, --epochs, --batch, --schedule,
                           --momentum, --l1, --l2, --seed, --loss, --validation-split, --patience) or
                           the data differ from the checkpoint's, e.g. a lower --lr after the loss
                           diverged; the run then continues with the new settings (the optimizer
                           itself cannot change)
    """

    static func run(_ raw: [String]) throws {
        let args = try Arguments(command: "train", raw,
            valueOptions: ["preset", "spec", "from", "data", "test-data", "epochs", "batch", "optimizer", "lr", "momentum",
                           "schedule", "l1", "l2", "seed", "out", "report", "checkpoint", "loss", "target",
                           "validation-split", "patience"],
            flagOptions: ["json", "quiet", "help", "resume", "allow-setting-change", "save-every-epoch"])
        if args.flag("help") { print(help); return }
        guard let out = args.string("out") else { throw CLIError("train: --out FILE is required (see 'minnow train --help')") }
        try checkWritable(out)
        let checkpointPath = args.string("checkpoint") ?? defaultCheckpointPath(out: out)
        try checkWritable(checkpointPath)
        if args.flag("allow-setting-change") && !args.flag("resume") {
            throw CLIError("train: --allow-setting-change only applies with --resume")
        }
        let source = try ModelSource(args)
        var configuration = TrainingConfiguration()
        var target = "labels"
        if case .spec(let spec, _) = source {
            spec.training.apply(to: &configuration)
            target = spec.training.target ?? target
        }
        configuration.epochs = try args.positiveInt("epochs") ?? configuration.epochs
        configuration.batchSize = try args.positiveInt("batch") ?? configuration.batchSize
        configuration.learningRate = try args.float("lr") ?? configuration.learningRate
        configuration.momentum = try args.float("momentum") ?? configuration.momentum
        configuration.l1 = try args.float("l1") ?? configuration.l1
        configuration.l2 = try args.float("l2") ?? configuration.l2
        configuration.optimizer = try args.choice("optimizer", as: TrainingConfiguration.OptimizerKind.self,
                                                  among: TrainingConfiguration.OptimizerKind.allCases) ?? configuration.optimizer
        configuration.schedule = try args.choice("schedule", as: TrainingConfiguration.ScheduleKind.self,
                                                 among: TrainingConfiguration.ScheduleKind.allCases) ?? configuration.schedule
        configuration.loss = try args.choice("loss", as: LossKind.self, among: LossKind.allCases) ?? configuration.loss
        if let split = try args.float("validation-split") {
            guard split >= 0, split < 1 else { throw CLIError("train: --validation-split must lie in [0, 1), got \(split)") }
            configuration.validationSplit = split
        }
        if let patience = try args.int("patience") {
            guard patience >= 0 else { throw CLIError("train: --patience must not be negative, got \(patience)") }
            configuration.patience = patience
        }
        if configuration.patience > 0, configuration.validationSplit == 0 {
            throw CLIError("train: --patience watches the validation loss: add --validation-split (e.g. 0.1)")
        }
        if let seed = try args.int("seed") { configuration.seed = UInt64(truncatingIfNeeded: seed) }
        target = args.string("target") ?? target
        guard target == "labels" || target == "input" else {
            throw CLIError("train: --target must be labels or input, got '\(target)'")
        }

        let quiet = args.flag("quiet") || args.flag("json")
        let model = try source.makeModel()
        var resumeFrom: TrainingCheckpoint?
        if args.flag("resume") {
            do {
                resumeFrom = try TrainingCheckpoint.load(path: checkpointPath)
            } catch let error as CheckpointError where error.kind == .missing {
                throw CLIError("train: --resume: no checkpoint at \(checkpointPath) (give its path with --checkpoint, or drop --resume to start afresh)", isUsage: false)
            }
        } else if FileManager.default.fileExists(atPath: checkpointPath), !quiet {
            Terminal.note("note: starting afresh; the checkpoint \(checkpointPath) will be replaced (use --resume to continue it)")
        }

        if !model.isBuilt { try model.build(seed: configuration.seed) }
        let reading: TrainingSet.TargetReading = target == "input" ? .input
            : configuration.loss == .softmaxCrossEntropy ? .classLabels : .values(modelOutputs: model.outputShape.reduce(1, *))
        let train = try DataLoading.load(args.string("data") ?? "fashion-mnist:train", reading: reading)
        let test = try DataLoading.load(args.string("test-data") ?? "fashion-mnist:test", reading: reading)

        var exportProblem: TrainError?
        do { _ = try model.exportGraph() } catch let error as TrainError {
            if case .unsupportedExport = error { exportProblem = error } else { throw error }
        }
        let saveEveryEpoch = args.flag("save-every-epoch") && exportProblem == nil
        let checkpointing = Checkpointing(
            resumeFrom: resumeFrom, allowsSettingChanges: args.flag("allow-setting-change"),
            modelIdentity: try source.identity(), source: checkpointPath,
            save: { checkpoint in
                try checkpoint.write(to: checkpointPath)
                if saveEveryEpoch { try model.save(to: out) }
            })
        if let exportProblem, !quiet {
            Terminal.note("note: \(exportProblem.description): the model trains and its checkpoint (\(checkpointPath)) keeps the weights, but it cannot be saved as a .minnow file until the runtime runs that layer")
        }
        let result = try Training.run(model: model, name: source.name, configuration: configuration, train: train, test: test,
                                      out: out, quiet: quiet, checkpointing: checkpointing)
        if let path = args.string("report") { try Terminal.writeJSON(result.report, to: path) }
        if let saveError = result.saveError {
            if !quiet { Terminal.note("test \(result.testMetrics.summary) on \(test.count) items") }
            throw saveError
        }
        if args.flag("json") {
            Terminal.printJSON(result.report)
        } else {
            print("test \(result.testMetrics.summary) on \(test.count) items; saved \(out) (\(result.fileBytes) bytes, \(model.parameterCount) parameters)")
        }
    }

    /// `run.minnow` → `run.checkpoint`; other names gain `.checkpoint`.
    static func defaultCheckpointPath(out: String) -> String {
        (out.hasSuffix(".minnow") ? String(out.dropLast(".minnow".count)) : out) + ".checkpoint"
    }

    /// Fails before any training when `path`'s directory is missing or read-only.
    static func checkWritable(_ path: String) throws {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let shown = directory.isEmpty ? "/" : directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: shown, isDirectory: &isDirectory), isDirectory.boolValue,
              FileManager.default.isWritableFile(atPath: shown) else {
            throw CLIError("cannot write \(path): the directory '\(shown)' is missing or not writable", isUsage: false)
        }
    }
}

/// Where `minnow train` gets its model: a preset, a spec file, or a saved model (`--from`).
enum ModelSource {
    case preset(Preset)
    case spec(ModelSpec, path: String)
    case file(path: String, bytes: [UInt8])

    init(_ args: Arguments) throws {
        let given = [args.string("preset"), args.string("spec"), args.string("from")].compactMap { $0 }
        guard given.count == 1 else {
            throw CLIError(given.isEmpty ? "train: give a model with --preset NAME, --spec FILE.json or --from MODEL.minnow"
                                         : "train: give one of --preset, --spec and --from, not several")
        }
        if let name = args.string("preset") {
            guard let preset = Preset(rawValue: name) else {
                throw CLIError("train: unknown preset '\(name)' (expected \(Preset.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            self = .preset(preset)
        } else if let path = args.string("spec") {
            do { self = .spec(try ModelSpec.load(path: path), path: path) } catch let error as TrainError {
                throw CLIError(error.description, isUsage: false)
            }
        } else {
            let path = args.string("from")!
            self = .file(path: path, bytes: try ModelFile.read(path))
        }
    }

    var name: String {
        switch self {
        case .preset(let preset): return preset.rawValue
        case .spec(_, let path): return path
        case .file(let path, _): return path
        }
    }

    /// A fresh model (presets and specs, unbuilt) or the saved one (built, with its weights).
    func makeModel() throws -> FunctionalModel {
        switch self {
        case .preset(let preset): return preset.makeModel()
        case .spec(let spec, _): return try spec.makeModel()
        case .file(let path, let bytes): return try FunctionalModel.load(modelFile: bytes, path: path)
        }
    }

    /// What a checkpoint records as its model: the preset, or the spec's or model file's
    /// contents (CRC-32), so resuming with another model is refused even when shapes match.
    func identity() throws -> String {
        switch self {
        case .preset(let preset): return "preset \(preset.rawValue)"
        case .spec(_, let path):
            guard let data = FileManager.default.contents(atPath: path) else { return "custom" }
            return "spec with crc32 " + String(data.withUnsafeBytes { CRC32.checksum($0) }, radix: 16)
        case .file(_, let bytes):
            return "model file with crc32 " + String(bytes.withUnsafeBytes { CRC32.checksum($0) }, radix: 16)
        }
    }
}

/// The shared train-and-save flow of `minnow train` and `minnow demo`.
enum Training {
    struct Result {
        var testMetrics: MetricReport
        var testAccuracy: Float
        var predictions: [Int32]
        var history: TrainingHistory
        var fileBytes: Int
        var report: [String: Any]
        /// Why the model file could not be written (the report is complete otherwise).
        var saveError: CLIError?
    }

    static func run(model: FunctionalModel, name: String, configuration: TrainingConfiguration,
                    train: LabeledDataset, test: LabeledDataset, out: String, quiet: Bool,
                    checkpointing: Checkpointing? = nil) throws -> Result {
        try run(model: model, name: name, configuration: configuration, train: TrainingSet(train), test: TrainingSet(test),
                out: out, quiet: quiet, checkpointing: checkpointing)
    }

    /// Builds `model` if needed, prints its summary, trains, evaluates on `test`, writes `out`.
    static func run(model: FunctionalModel, name: String, configuration: TrainingConfiguration,
                    train: TrainingSet, test: TrainingSet, out: String, quiet: Bool,
                    checkpointing: Checkpointing? = nil) throws -> Result {
        if !model.isBuilt { try model.build(seed: configuration.seed) }
        let task: TrainingTask
        do {
            task = try TrainingTask.plan(model: model, loss: configuration.loss, data: train)
            // The test set's targets must fit the task too (labels the output can predict, …).
            _ = try TrainingTask.plan(model: model, loss: configuration.loss, data: test)
        } catch let error as TrainError {
            throw CLIError(error.description, isUsage: false)
        }
        if !quiet {
            Terminal.note("model \(name):")
            Terminal.note(model.summary())
            Terminal.note("task: \(task.summary)")
            Terminal.note("training on \(train.sourceDescription)")
            if configuration.validationSplit > 0 {
                Terminal.note("validation: the last \(Int(Double(train.count) * Double(configuration.validationSplit))) items (--validation-split \(configuration.validationSplit))")
            }
            Terminal.note("testing on \(test.sourceDescription)")
            if let checkpointing {
                if let resumed = checkpointing.resumeFrom {
                    Terminal.note("resuming from \(checkpointing.source) after epoch \(resumed.completedEpochs) of \(configuration.epochs)")
                } else {
                    Terminal.note("checkpoint after every epoch: \(checkpointing.source)")
                }
            }
        }
        var bar = ProgressBar(title: "", quiet: quiet)
        let history: TrainingHistory
        do {
            history = try Trainer(configuration: configuration).fit(model, train: train, test: test,
                                                                    checkpointing: checkpointing) { event in
                switch event {
                case let .batch(epoch, batch, batches, loss, metrics, elapsed):
                    if batch == 1 { bar = ProgressBar(title: "epoch \(epoch)/\(configuration.epochs)", quiet: quiet) }
                    bar.update(done: batch, total: batches, elapsed: elapsed,
                               detail: String(format: "loss %.4f  ", loss) + metrics.summary)
                case let .epochEnd(result):
                    if !quiet { Terminal.note(epochLine(result, epochs: configuration.epochs)) }
                }
            }
        } catch let error as TrainError {
            throw CLIError(error.description, isUsage: false)
        }
        if !quiet, let best = history.earlyStopping {
            Terminal.note(String(format: "%@; kept the weights of epoch %d (validation loss %.4f)",
                                 history.stoppedEarly ? "early stopping after epoch \(history.epochs.last?.epoch ?? 0)" : "finished",
                                 best.bestEpoch, best.bestLoss))
        }
        let evaluation = try Trainer.evaluate(model, on: test, task: task)
        var bytes: [UInt8] = []
        var saveError: CLIError?
        do {
            bytes = try model.modelFileBytes()
            try AtomicFile.write(bytes, to: out)
        } catch let error as TrainError {
            var message = "cannot save \(out): \(error.description)"
            if let checkpointing { message += "; the trained weights are in the checkpoint \(checkpointing.source)" }
            saveError = CLIError(message, isUsage: false)
        }
        var report: [String: Any] = [
            "model": name,
            "task": task.task.rawValue,
            "loss": configuration.loss.rawValue,
            "parameters": model.parameterCount,
            "test_loss": Double(evaluation.loss),
            "test_metrics": evaluation.metrics.dictionary,
            "test_count": test.count,
            "epoch_seconds": history.epochs.map { $0.seconds },
            "epochs": history.epochs.map { e -> [String: Any] in
                var entry: [String: Any] = [
                    "epoch": e.epoch, "train_loss": Double(e.trainLoss), "train_metrics": e.trainMetrics.dictionary,
                    "seconds": e.seconds, "learning_rate": Double(e.learningRate)]
                if let loss = e.validationLoss { entry["validation_loss"] = Double(loss) }
                if let metrics = e.validationMetrics { entry["validation_metrics"] = metrics.dictionary }
                if let loss = e.testLoss { entry["test_loss"] = Double(loss) }
                if let metrics = e.testMetrics { entry["test_metrics"] = metrics.dictionary }
                if task.task == .classification {
                    entry["train_accuracy"] = Double(e.trainAccuracy ?? 0)
                    entry["test_accuracy"] = Double(e.testAccuracy ?? 0)
                }
                return entry
            },
            "batch_size": configuration.batchSize,
            "learning_rate": Double(configuration.learningRate),
            "optimizer": configuration.optimizer.rawValue,
            "seed": configuration.seed,
            "train_data": train.sourceDescription,
            "test_data": test.sourceDescription,
            "model_file": saveError == nil ? out : NSNull(),
            "model_file_bytes": bytes.count,
        ]
        if task.task == .classification { report["test_accuracy"] = evaluation.metrics[.accuracy] ?? 0 }
        if configuration.validationSplit > 0 { report["validation_split"] = Double(configuration.validationSplit) }
        if let best = history.earlyStopping {
            report["early_stopping"] = ["best_epoch": best.bestEpoch, "best_validation_loss": Double(best.bestLoss),
                                        "stopped_early": history.stoppedEarly, "patience": configuration.patience]
        }
        if let checkpointing {
            report["checkpoint"] = checkpointing.source
            report["resumed_after_epoch"] = checkpointing.resumeFrom?.completedEpochs ?? 0
        }
        return Result(testMetrics: evaluation.metrics, testAccuracy: Float(evaluation.metrics[.accuracy] ?? evaluation.metrics[.binaryAccuracy] ?? 0),
                      predictions: evaluation.predictions, history: history, fileBytes: bytes.count, report: report,
                      saveError: saveError)
    }

    /// "epoch 2/5: loss 0.4123, train accuracy 85.10%, validation loss 0.4412, …, 0.53 s".
    static func epochLine(_ result: EpochResult, epochs: Int) -> String {
        var parts = [String(format: "epoch %d/%d: loss %.4f", result.epoch, epochs, result.trainLoss)]
        parts.append("train " + result.trainMetrics.summary)
        if let loss = result.validationLoss, let metrics = result.validationMetrics {
            parts.append(String(format: "validation loss %.4f, ", loss) + "validation " + metrics.summary)
        }
        if let metrics = result.testMetrics { parts.append("test " + metrics.summary) }
        parts.append(String(format: "%.2f s", result.seconds))
        return parts.joined(separator: ", ")
    }
}

import Foundation
import MinnowData
import MinnowTrain

enum TrainCommand {
    static let help = """
    USAGE: minnow train (--preset NAME | --spec FILE.json) --out FILE.minnow [options]

    Trains a float model on a labelled data set and saves it as a Minnow model file.

    MODEL
      --preset NAME        fashion-mlp | fashion-cnn | fashion-lstm (architectures as in Keras)
      --spec FILE          a JSON model description (see README, "Custom models")
    DATA
      --data SPEC          training data (default fashion-mnist:train). Specs: fashion-mnist:train|test,
                           fashion-mnist-full:train|test, csv:PATH, npy:X.npy,Y.npy, idx:IMAGES,LABELS
      --test-data SPEC     evaluated after every epoch (default fashion-mnist:test)
    TRAINING
      --epochs N           passes over the training data (default 5)
      --batch N            mini-batch size (default 64)
      --optimizer NAME     adam | sgd (default adam)
      --lr X               learning rate (default 0.003)
      --momentum X         SGD momentum (default 0.9)
      --schedule NAME      constant | step | cosine (default cosine: decays to 0 over the run)
      --l1 X, --l2 X       weight regularization (default 0)
      --seed N             seed for initialization, shuffling and dropout (default 1)
    OUTPUT
      --out FILE           the model file to write (written atomically)
      --report FILE        a JSON report: test_accuracy, epoch_seconds, parameters, …
      --json               print the report on stdout instead of the summary
      --quiet              no progress bar
      --save-every-epoch   also write --out after every epoch (atomically), not only at the end
    CHECKPOINTS
      --checkpoint FILE    where the training state is saved after every epoch, atomically
                           (default: --out with its extension replaced by .checkpoint)
      --resume             continue from the checkpoint, e.g. after a crash or kill; with the same
                           settings the result is bit for bit that of an uninterrupted run
      --allow-setting-change
                           resume even though numeric settings (--lr, --epochs, --batch, --schedule,
                           --momentum, --l1, --l2, --seed) or the data differ from the checkpoint's,
                           e.g. a lower --lr after the loss diverged; the run then continues with
                           the new settings (the optimizer itself cannot change)
    """

    static func run(_ raw: [String]) throws {
        let args = try Arguments(command: "train", raw,
            valueOptions: ["preset", "spec", "data", "test-data", "epochs", "batch", "optimizer", "lr", "momentum",
                           "schedule", "l1", "l2", "seed", "out", "report", "checkpoint"],
            flagOptions: ["json", "quiet", "help", "resume", "allow-setting-change", "save-every-epoch"])
        if args.flag("help") { print(help); return }
        guard let out = args.string("out") else { throw CLIError("train: --out FILE is required (see 'minnow train --help')") }
        try checkWritable(out)
        let checkpointPath = args.string("checkpoint") ?? defaultCheckpointPath(out: out)
        try checkWritable(checkpointPath)
        if args.flag("allow-setting-change") && !args.flag("resume") {
            throw CLIError("train: --allow-setting-change only applies with --resume")
        }
        let model = try makeModel(args)
        var configuration = TrainingConfiguration()
        configuration.epochs = try args.positiveInt("epochs") ?? configuration.epochs
        configuration.batchSize = try args.positiveInt("batch") ?? configuration.batchSize
        configuration.learningRate = try args.float("lr") ?? configuration.learningRate
        configuration.momentum = try args.float("momentum") ?? configuration.momentum
        configuration.l1 = try args.float("l1") ?? 0
        configuration.l2 = try args.float("l2") ?? 0
        configuration.optimizer = try args.choice("optimizer", as: TrainingConfiguration.OptimizerKind.self,
                                                  among: TrainingConfiguration.OptimizerKind.allCases) ?? .adam
        configuration.schedule = try args.choice("schedule", as: TrainingConfiguration.ScheduleKind.self,
                                                 among: TrainingConfiguration.ScheduleKind.allCases) ?? .cosine
        if let seed = try args.int("seed") { configuration.seed = UInt64(truncatingIfNeeded: seed) }

        var resumeFrom: TrainingCheckpoint?
        if args.flag("resume") {
            do {
                resumeFrom = try TrainingCheckpoint.load(path: checkpointPath)
            } catch let error as CheckpointError where error.kind == .missing {
                throw CLIError("train: --resume: no checkpoint at \(checkpointPath) (give its path with --checkpoint, or drop --resume to start afresh)", isUsage: false)
            }
        } else if FileManager.default.fileExists(atPath: checkpointPath), !args.flag("quiet") {
            Terminal.note("note: starting afresh; the checkpoint \(checkpointPath) will be replaced (use --resume to continue it)")
        }
        let saveEveryEpoch = args.flag("save-every-epoch")
        let checkpointing = Checkpointing(
            resumeFrom: resumeFrom, allowsSettingChanges: args.flag("allow-setting-change"),
            modelIdentity: try modelIdentity(args), source: checkpointPath,
            save: { checkpoint in
                try checkpoint.write(to: checkpointPath)
                if saveEveryEpoch { try model.save(to: out) }
            })

        let train = try DataLoading.load(args.string("data") ?? "fashion-mnist:train")
        let test = try DataLoading.load(args.string("test-data") ?? "fashion-mnist:test")
        let result = try Training.run(model: model, name: args.string("preset") ?? args.string("spec") ?? "custom",
                                      configuration: configuration, train: train, test: test, out: out,
                                      quiet: args.flag("quiet"), checkpointing: checkpointing)
        if let path = args.string("report") { try Terminal.writeJSON(result.report, to: path) }
        if args.flag("json") {
            Terminal.printJSON(result.report)
        } else {
            print(String(format: "test accuracy %.2f%% on %d items; saved %@ (%d bytes, %d parameters)",
                         result.testAccuracy * 100, test.count, out, result.fileBytes, model.parameterCount))
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

    /// What a checkpoint records as its model: the preset, or the spec file's contents (CRC-32),
    /// so resuming with another model is refused even when its shapes happen to match.
    static func modelIdentity(_ args: Arguments) throws -> String {
        if let preset = args.string("preset") { return "preset \(preset)" }
        guard let path = args.string("spec"), let data = FileManager.default.contents(atPath: path) else { return "custom" }
        let crc = data.withUnsafeBytes { CRC32.checksum($0) }
        return "spec with crc32 " + String(crc, radix: 16)
    }

    static func makeModel(_ args: Arguments) throws -> Sequential {
        switch (args.string("preset"), args.string("spec")) {
        case (let name?, nil):
            guard let preset = Preset(rawValue: name) else {
                throw CLIError("train: unknown preset '\(name)' (expected \(Preset.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return preset.makeModel()
        case (nil, let path?):
            return try ModelSpec.load(path: path).makeModel()
        case (nil, nil):
            throw CLIError("train: give a model with --preset NAME or --spec FILE.json")
        default:
            throw CLIError("train: give either --preset or --spec, not both")
        }
    }
}

/// The shared train-and-save flow of `minnow train` and `minnow demo`.
enum Training {
    struct Result {
        var testAccuracy: Float
        var predictions: [Int32]
        var history: TrainingHistory
        var fileBytes: Int
        var report: [String: Any]
    }

    static func run(model: Sequential, name: String, configuration: TrainingConfiguration,
                    train: LabeledDataset, test: LabeledDataset, out: String, quiet: Bool,
                    checkpointing: Checkpointing? = nil) throws -> Result {
        try model.build(seed: configuration.seed)
        // Labels are class indices: refuse, naming file, row and value, any the output cannot predict.
        let classes = model.outputShape.last ?? 1
        try train.checkLabels(classCount: classes, of: "model \(name)")
        try test.checkLabels(classCount: classes, of: "model \(name)")
        if !quiet {
            Terminal.note("model \(name): \(model.parameterCount) parameters")
            Terminal.note("training on \(train.sourceDescription)")
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
        let history = try Trainer(configuration: configuration).fit(model, train: train, test: test,
                                                                    checkpointing: checkpointing) { event in
            switch event {
            case let .batch(epoch, batch, batches, loss, accuracy, elapsed):
                if batch == 1 { bar = ProgressBar(title: "epoch \(epoch)/\(configuration.epochs)", quiet: quiet) }
                bar.update(done: batch, total: batches, elapsed: elapsed,
                           detail: String(format: "loss %.4f  acc %.2f%%", loss, accuracy * 100))
            case let .epochEnd(result):
                if !quiet {
                    Terminal.note(String(format: "epoch %d/%d: loss %.4f, train accuracy %.2f%%, test accuracy %.2f%%, %.2f s",
                                         result.epoch, configuration.epochs, result.trainLoss, result.trainAccuracy * 100,
                                         (result.testAccuracy ?? 0) * 100, result.seconds))
                }
            }
        }
        let evaluation = Trainer.evaluate(model, on: test)
        let bytes = try model.modelFileBytes()
        try AtomicFile.write(bytes, to: out)
        var report: [String: Any] = [
            "model": name,
            "parameters": model.parameterCount,
            "test_accuracy": Double(evaluation.accuracy),
            "test_count": test.count,
            "epoch_seconds": history.epochs.map { $0.seconds },
            "epochs": history.epochs.map { e -> [String: Any] in
                ["epoch": e.epoch, "train_loss": Double(e.trainLoss), "train_accuracy": Double(e.trainAccuracy),
                 "test_accuracy": Double(e.testAccuracy ?? 0), "seconds": e.seconds, "learning_rate": Double(e.learningRate)]
            },
            "batch_size": configuration.batchSize,
            "learning_rate": Double(configuration.learningRate),
            "optimizer": configuration.optimizer.rawValue,
            "seed": configuration.seed,
            "train_data": train.sourceDescription,
            "test_data": test.sourceDescription,
            "model_file": out,
            "model_file_bytes": bytes.count,
        ]
        if let checkpointing {
            report["checkpoint"] = checkpointing.source
            report["resumed_after_epoch"] = checkpointing.resumeFrom?.completedEpochs ?? 0
        }
        return Result(testAccuracy: evaluation.accuracy, predictions: evaluation.predictions, history: history,
                      fileBytes: bytes.count, report: report)
    }
}

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
    """

    static func run(_ raw: [String]) throws {
        let args = try Arguments(command: "train", raw,
            valueOptions: ["preset", "spec", "data", "test-data", "epochs", "batch", "optimizer", "lr", "momentum",
                           "schedule", "l1", "l2", "seed", "out", "report"],
            flagOptions: ["json", "quiet", "help"])
        if args.flag("help") { print(help); return }
        guard let out = args.string("out") else { throw CLIError("train: --out FILE is required (see 'minnow train --help')") }
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

        let train = try DataLoading.load(args.string("data") ?? "fashion-mnist:train")
        let test = try DataLoading.load(args.string("test-data") ?? "fashion-mnist:test")
        let result = try Training.run(model: model, name: args.string("preset") ?? args.string("spec") ?? "custom",
                                      configuration: configuration, train: train, test: test, out: out,
                                      quiet: args.flag("quiet"))
        if let path = args.string("report") { try Terminal.writeJSON(result.report, to: path) }
        if args.flag("json") {
            Terminal.printJSON(result.report)
        } else {
            print(String(format: "test accuracy %.2f%% on %d items; saved %@ (%d bytes, %d parameters)",
                         result.testAccuracy * 100, test.count, out, result.fileBytes, model.parameterCount))
        }
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
                    train: LabeledDataset, test: LabeledDataset, out: String, quiet: Bool) throws -> Result {
        try model.build(seed: configuration.seed)
        if !quiet {
            Terminal.note("model \(name): \(model.parameterCount) parameters")
            Terminal.note("training on \(train.sourceDescription)")
            Terminal.note("testing on \(test.sourceDescription)")
        }
        var bar = ProgressBar(title: "", quiet: quiet)
        let history = try Trainer(configuration: configuration).fit(model, train: train, test: test) { event in
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
        let report: [String: Any] = [
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
        return Result(testAccuracy: evaluation.accuracy, predictions: evaluation.predictions, history: history,
                      fileBytes: bytes.count, report: report)
    }
}

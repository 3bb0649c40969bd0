import Dispatch
import MinnowData
import MinnowMetrics

/// What the trainer reports while it runs; the CLI draws its progress bar from these.
public enum TrainingEvent {
    /// After every batch: the epoch's running mean loss and headline metric so far.
    case batch(epoch: Int, batch: Int, batches: Int, loss: Float, metrics: MetricReport, elapsed: Double)
    case epochEnd(EpochResult)
}

/// Figures for one finished epoch.
public struct EpochResult: Equatable, Sendable {
    public var epoch: Int
    public var trainLoss: Float
    /// The task's metrics over the epoch's batches (in training mode, as Keras reports them).
    public var trainMetrics: MetricReport
    public var validationLoss: Float?
    public var validationMetrics: MetricReport?
    public var testLoss: Float?
    public var testMetrics: MetricReport?
    /// Wall time of the training pass only (no evaluation), as Keras reports it.
    public var seconds: Double
    public var learningRate: Float

    public init(epoch: Int, trainLoss: Float, trainMetrics: MetricReport, validationLoss: Float? = nil,
                validationMetrics: MetricReport? = nil, testLoss: Float? = nil, testMetrics: MetricReport? = nil,
                seconds: Double, learningRate: Float) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainMetrics = trainMetrics
        self.validationLoss = validationLoss
        self.validationMetrics = validationMetrics
        self.testLoss = testLoss
        self.testMetrics = testMetrics
        self.seconds = seconds
        self.learningRate = learningRate
    }

    /// Training accuracy (top-1, or binary accuracy for a binary task); `nil` for regression.
    public var trainAccuracy: Float? { trainMetrics.accuracyValue }
    /// Test accuracy (top-1, or binary accuracy for a binary task); `nil` without test data or for regression.
    public var testAccuracy: Float? { testMetrics?.accuracyValue }
}

/// Early-stopping bookkeeping: the best validation loss so far and the weights that gave it.
public struct EarlyStoppingState: Equatable, Sendable {
    public var bestEpoch: Int
    public var bestLoss: Float
    public var epochsWithoutImprovement: Int
    /// Parameters and layer state after `bestEpoch`.
    public var bestLayers: [LayerSnapshot]

    public init(bestEpoch: Int, bestLoss: Float, epochsWithoutImprovement: Int, bestLayers: [LayerSnapshot]) {
        self.bestEpoch = bestEpoch
        self.bestLoss = bestLoss
        self.epochsWithoutImprovement = epochsWithoutImprovement
        self.bestLayers = bestLayers
    }
}

/// The outcome of `Trainer.fit`.
public struct TrainingHistory: Equatable, Sendable {
    public var epochs: [EpochResult] = []
    /// Set when early stopping ended the run before the last epoch.
    public var stoppedEarly = false
    /// With early stopping: the best epoch, whose weights the model ends with.
    public var earlyStopping: EarlyStoppingState?

    public init() {}

    public var finalTestAccuracy: Float? { epochs.last?.testAccuracy }
}

/// What evaluating a model on a data set gives.
public struct Evaluation: Sendable {
    public var loss: Float
    public var metrics: MetricReport
    /// The predicted class per item (classification: arg-max; binary: 0 or 1); empty otherwise.
    public var predictions: [Int32]
}

/// Mini-batch training of a `FunctionalModel` (or `Sequential`) with any `LossKind`.
public struct Trainer {
    public var configuration: TrainingConfiguration

    public init(configuration: TrainingConfiguration) {
        self.configuration = configuration
    }

    /// Trains a classifier on labelled data (the labels are the targets).
    public func fit(
        _ model: FunctionalModel, train: LabeledDataset, test: LabeledDataset?,
        checkpointing: Checkpointing? = nil,
        onEvent: (TrainingEvent) -> Void = { _ in }
    ) throws -> TrainingHistory {
        try fit(model, train: TrainingSet(train), test: test.map { TrainingSet($0) },
                checkpointing: checkpointing, onEvent: onEvent)
    }

    /// Trains `model` (built) on `train`, evaluating on the validation split (when configured)
    /// and on `test` after every epoch.
    ///
    /// With `checkpointing`, continues from its `resumeFrom` checkpoint (when given) and hands
    /// a checkpoint to its `save` after every epoch; the history then includes the resumed
    /// epochs. Throws when the loss becomes NaN or infinite, naming the epoch and batch; no
    /// checkpoint of a diverged state is ever handed to `save`.
    public func fit(
        _ model: FunctionalModel, train data: TrainingSet, test: TrainingSet?,
        checkpointing: Checkpointing? = nil,
        onEvent: (TrainingEvent) -> Void = { _ in }
    ) throws -> TrainingHistory {
        let config = configuration
        try config.validate()
        guard model.isBuilt else { throw TrainError.notBuilt("fit") }
        let (train, validation) = try Trainer.split(data, validationFraction: config.validationSplit)
        let task = try TrainingTask.plan(model: model, loss: config.loss, data: train)
        if let validation { _ = try TrainingTask.plan(model: model, loss: config.loss, data: validation, role: "validation") }
        if let test { _ = try TrainingTask.plan(model: model, loss: config.loss, data: test, role: "test") }

        let batchSize = max(1, min(config.batchSize, train.count))
        let batchesPerEpoch = (train.count + batchSize - 1) / batchSize
        let totalSteps = batchesPerEpoch * config.epochs
        let schedule = makeSchedule(config, totalSteps: totalSteps, stepsPerEpoch: batchesPerEpoch)
        let optimizer = makeOptimizer(config, schedule: schedule)
        let loss = config.loss.makeLoss()
        let parameters = model.parameters
        var history = TrainingHistory()
        let fingerprint = checkpointing.map { _ in DataFingerprint(data) }
        var firstEpoch = 1
        /// The epoch of the newest checkpoint saved or resumed from (0: none yet).
        var lastGoodEpoch = 0
        if let checkpointing, let checkpoint = checkpointing.resumeFrom {
            try checkpointing.prepareResume(from: checkpoint, model: model, optimizer: optimizer,
                                            configuration: config, data: fingerprint!)
            history = checkpoint.history
            firstEpoch = checkpoint.completedEpochs + 1
            lastGoodEpoch = checkpoint.completedEpochs
        }
        func diverged(_ what: String) -> TrainError {
            var text = what
            if let checkpointing, lastGoodEpoch > 0 {
                text += ". The last good checkpoint (after epoch \(lastGoodEpoch)) is kept at \(checkpointing.source); to continue from it with a lower learning rate, run again with --resume --lr X --allow-setting-change"
            } else {
                text += "; try a lower --lr"
            }
            return .diverged(reason: text)
        }
        let skipsOutputLayer = task.outputHandling == .skipOutputLayer
        let linearDense = task.outputHandling == .linearOutputDense ? model.layers.last as? Dense : nil
        linearDense?.appliesActivation = false
        defer { linearDense?.appliesActivation = true }
        let outputShape = model.outputShape

        var epoch = firstEpoch
        while epoch <= config.epochs, !history.stoppedEarly {
            var generator = SeededGenerator(seed: config.seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(epoch))
            var order = Array(0..<train.count)
            order.shuffle(using: &generator)
            let start = DispatchTime.now().uptimeNanoseconds
            var lossSum: Double = 0
            var seen = 0
            var metrics = TaskMetrics(task: task.task, outputCount: task.outputCount, binaryThreshold: task.binaryThreshold)
            var rate = config.learningRate
            for b in 0..<batchesPerEpoch {
                let indices = order[(b * batchSize)..<min(train.count, (b + 1) * batchSize)]
                let input = train.inputBatch(indices, shape: model.inputShape)
                let targets = train.targetBatch(indices, encoding: task.encoding, outputShape: outputShape)
                for p in parameters { p.zeroGradient() }
                let output = model.forward(input, training: true, skippingOutputLayer: skipsOutputLayer)
                let result = try loss.evaluate(predictions: output, targets: targets)
                guard result.loss.isFinite else {
                    throw diverged("loss is \(result.loss) at epoch \(epoch), batch \(b + 1) of \(batchesPerEpoch)")
                }
                model.backward(result.gradient, skippingOutputLayer: skipsOutputLayer)
                rate = optimizer.currentLearningRate
                optimizer.step(parameters)
                lossSum += Double(result.loss) * Double(indices.count)
                seen += indices.count
                Trainer.accumulate(&metrics, outputs: output, targets: targets)
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                onEvent(.batch(epoch: epoch, batch: b + 1, batches: batchesPerEpoch,
                               loss: Float(lossSum / Double(seen)), metrics: metrics.headlineReport, elapsed: elapsed))
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let validationResult = try validation.map { try Trainer.evaluate(model, on: $0, task: task) }
            let testResult = try test.map { try Trainer.evaluate(model, on: $0, task: task) }
            let result = EpochResult(epoch: epoch, trainLoss: Float(lossSum / Double(max(1, seen))), trainMetrics: metrics.report,
                                     validationLoss: validationResult?.loss, validationMetrics: validationResult?.metrics,
                                     testLoss: testResult?.loss, testMetrics: testResult?.metrics,
                                     seconds: seconds, learningRate: rate)
            history.epochs.append(result)
            if config.patience > 0, let validationLoss = validationResult?.loss {
                if var state = history.earlyStopping, !(validationLoss < state.bestLoss) {
                    state.epochsWithoutImprovement += 1
                    history.earlyStopping = state
                    if state.epochsWithoutImprovement >= config.patience, epoch < config.epochs { history.stoppedEarly = true }
                } else {
                    history.earlyStopping = EarlyStoppingState(bestEpoch: epoch, bestLoss: validationLoss, epochsWithoutImprovement: 0,
                                                               bestLayers: LayerSnapshot.capture(model))
                }
            }
            if let checkpointing {
                let checkpoint = TrainingCheckpoint(model: model, optimizer: optimizer, completedEpochs: epoch, history: history,
                                                    configuration: config, data: fingerprint!,
                                                    modelIdentity: checkpointing.modelIdentity)
                guard checkpoint.isFinite, result.trainLoss.isFinite else {
                    throw diverged("parameters or optimizer state became non-finite during epoch \(epoch)")
                }
                try checkpointing.save(checkpoint)
                lastGoodEpoch = epoch
            }
            onEvent(.epochEnd(result))
            epoch += 1
        }
        if let best = history.earlyStopping {
            try LayerSnapshot.restore(best.bestLayers, into: model, source: "the best epoch's weights")
        }
        return history
    }

    /// The training items and the validation items (the last `fraction` of `data`, unshuffled).
    static func split(_ data: TrainingSet, validationFraction: Float) throws -> (TrainingSet, TrainingSet?) {
        guard validationFraction > 0 else { return (data, nil) }
        let held = Int((Double(data.count) * Double(validationFraction)).rounded(.down))
        guard held > 0, held < data.count else {
            throw TrainError.invalidConfiguration(
                "a validation split of \(validationFraction) of \(data.count) items leaves \(held) for validation and \(data.count - held) for training; both need at least one")
        }
        var validation = data.slice((data.count - held)..<data.count)
        validation.sourceDescription = "last \(held) items of \(data.sourceDescription)"
        return (data.slice(0..<(data.count - held)), validation)
    }

    /// Adds a batch's outputs to `metrics`, item by item.
    static func accumulate(_ metrics: inout TaskMetrics, outputs: Tensor, targets: LossTargets) {
        let items = outputs.batchSize
        let width = outputs.count / max(1, items)
        outputs.data.withUnsafeBufferPointer { out in
            switch targets {
            case .classes(let labels):
                for i in 0..<items {
                    metrics.add(outputs: UnsafeBufferPointer(rebasing: out[(i * width)..<((i + 1) * width)]), label: Int(labels[i]))
                }
            case .values(let t):
                t.data.withUnsafeBufferPointer { target in
                    for i in 0..<items {
                        metrics.add(outputs: UnsafeBufferPointer(rebasing: out[(i * width)..<((i + 1) * width)]),
                                    targets: UnsafeBufferPointer(rebasing: target[(i * width)..<((i + 1) * width)]))
                    }
                }
            }
        }
    }

    /// Loss, metrics and predictions of `model` on `data` in inference mode, as `fit` scores
    /// them with `task` (the loss sees logits when it applies the output activation itself).
    public static func evaluate(_ model: FunctionalModel, on data: TrainingSet, task: TrainingTask,
                                batchSize: Int = 250) throws -> Evaluation {
        let loss = task.loss.makeLoss()
        let skipsOutputLayer = task.outputHandling == .skipOutputLayer
        let linearDense = task.outputHandling == .linearOutputDense ? model.layers.last as? Dense : nil
        let restore = linearDense?.appliesActivation
        linearDense?.appliesActivation = false
        defer { if let restore { linearDense?.appliesActivation = restore } }
        var metrics = TaskMetrics(task: task.task, outputCount: task.outputCount, binaryThreshold: task.binaryThreshold)
        var predictions = [Int32]()
        var lossSum: Double = 0
        var start = 0
        while start < data.count {
            let end = min(data.count, start + batchSize)
            let input = data.inputBatch(start..<end, shape: model.inputShape)
            let targets = data.targetBatch(start..<end, encoding: task.encoding, outputShape: model.outputShape)
            let output = model.forward(input, training: false, skippingOutputLayer: skipsOutputLayer)
            lossSum += Double(try loss.evaluate(predictions: output, targets: targets).loss) * Double(end - start)
            if task.task == .classification || task.task == .binary {
                let width = output.itemCount
                output.data.withUnsafeBufferPointer { out in
                    for i in 0..<(end - start) {
                        let row = UnsafeBufferPointer(rebasing: out[(i * width)..<((i + 1) * width)])
                        predictions.append(Int32(task.task == .binary ? (row[0] > task.binaryThreshold ? 1 : 0)
                                                                    : ClassificationMetrics.argmax(row)))
                    }
                }
            }
            accumulate(&metrics, outputs: output, targets: targets)
            start = end
        }
        return Evaluation(loss: Float(lossSum / Double(max(1, data.count))), metrics: metrics.report, predictions: predictions)
    }

    /// Accuracy and per-item predicted class of a classifier on labelled data, in inference mode.
    public static func evaluate(_ model: FunctionalModel, on data: LabeledDataset, batchSize: Int = 250) -> (accuracy: Float, predictions: [Int32]) {
        var predictions = [Int32]()
        predictions.reserveCapacity(data.count)
        var correct = 0
        var start = 0
        let set = TrainingSet(data)
        while start < data.count {
            let end = min(data.count, start + batchSize)
            let output = model.forward(set.inputBatch(start..<end, shape: model.inputShape), training: false)
            let classes = output.itemCount
            output.data.withUnsafeBufferPointer { out in
                for i in 0..<(end - start) {
                    let predicted = Int32(ClassificationMetrics.argmax(UnsafeBufferPointer(rebasing: out[(i * classes)..<((i + 1) * classes)])))
                    predictions.append(predicted)
                    if predicted == data.labels[start + i] { correct += 1 }
                }
            }
            start = end
        }
        return (Float(correct) / Float(max(1, data.count)), predictions)
    }

    /// Items fit when they hold as many values as the model's input (a 28×28×1 image feeds a
    /// model that reads 28 steps of 28 values).
    public static func checkFits(_ data: LabeledDataset, model: FunctionalModel, role: String) throws {
        guard data.itemShape.reduce(1, *) == model.inputShape.reduce(1, *) else {
            throw TrainError.invalidData(source: "\(role) data \(data.sourceDescription)", item: nil,
                                         reason: "items have shape \(data.itemShape) but the model expects \(model.inputShape)")
        }
    }

    private func makeOptimizer(_ config: TrainingConfiguration, schedule: LearningRateSchedule) -> StatefulOptimizer {
        let regularization = Regularization(l1: config.l1, l2: config.l2)
        switch config.optimizer {
        case .adam: return Adam(schedule: schedule, regularization: regularization)
        case .sgd: return SGD(schedule: schedule, momentum: config.momentum, regularization: regularization)
        }
    }

    private func makeSchedule(_ config: TrainingConfiguration, totalSteps: Int, stepsPerEpoch: Int) -> LearningRateSchedule {
        switch config.schedule {
        case .constant: return .constant(config.learningRate)
        case .step: return .stepDecay(initial: config.learningRate, factor: config.decayFactor, every: config.decayEpochs * stepsPerEpoch)
        case .cosine: return .cosineDecay(initial: config.learningRate, totalSteps: totalSteps, finalFraction: config.minimumLearningRateFraction)
        }
    }
}

extension MetricReport {
    /// Top-1 accuracy, or binary accuracy for a binary task, as a Float.
    var accuracyValue: Float? {
        (self[.accuracy] ?? self[.binaryAccuracy]).map { Float($0) }
    }
}

/// Index of the largest of `count` values (the first one on ties).
@inline(__always)
public func argmax(_ values: UnsafePointer<Float>, _ count: Int) -> Int {
    var best = 0
    var bestValue = values[0]
    for i in 1..<count where values[i] > bestValue { best = i; bestValue = values[i] }
    return best
}

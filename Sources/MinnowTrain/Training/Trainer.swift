import Dispatch
import MinnowData

/// What the trainer reports while it runs; the CLI draws its progress bar from these.
public enum TrainingEvent {
    case batch(epoch: Int, batch: Int, batches: Int, loss: Float, accuracy: Float, elapsed: Double)
    case epochEnd(EpochResult)
}

/// Figures for one finished epoch.
public struct EpochResult: Equatable, Sendable {
    public var epoch: Int
    public var trainLoss: Float
    public var trainAccuracy: Float
    public var testAccuracy: Float?
    /// Wall time of the training pass only (no evaluation), as Keras reports it.
    public var seconds: Double
    public var learningRate: Float
}

/// The outcome of `Trainer.fit`.
public struct TrainingHistory: Equatable, Sendable {
    public var epochs: [EpochResult] = []
    public var finalTestAccuracy: Float? { epochs.last?.testAccuracy }
}

/// Mini-batch training of a `Sequential` classifier with softmax cross-entropy.
public struct Trainer {
    public var configuration: TrainingConfiguration

    public init(configuration: TrainingConfiguration) {
        self.configuration = configuration
    }

    /// Trains `model` (built) on `train`, evaluating on `test` after every epoch.
    ///
    /// With `checkpointing`, continues from its `resumeFrom` checkpoint (when given) and hands
    /// a checkpoint to its `save` after every epoch; the history then includes the resumed
    /// epochs. Throws when the loss becomes NaN or infinite, naming the epoch and batch; no
    /// checkpoint of a diverged state is ever handed to `save`.
    public func fit(
        _ model: Sequential, train: LabeledDataset, test: LabeledDataset?,
        checkpointing: Checkpointing? = nil,
        onEvent: (TrainingEvent) -> Void = { _ in }
    ) throws -> TrainingHistory {
        guard model.isBuilt else { throw TrainError("fit: build the model first") }
        try Trainer.checkFits(train, model: model, role: "training")
        if let test { try Trainer.checkFits(test, model: model, role: "test") }
        let config = configuration
        let batchSize = max(1, min(config.batchSize, train.count))
        let batchesPerEpoch = (train.count + batchSize - 1) / batchSize
        let totalSteps = batchesPerEpoch * config.epochs
        let schedule = makeSchedule(config, totalSteps: totalSteps, stepsPerEpoch: batchesPerEpoch)
        let optimizer = makeOptimizer(config, schedule: schedule)
        let loss = SoftmaxCrossEntropy()
        let parameters = model.parameters
        var history = TrainingHistory()
        let fingerprint = checkpointing.map { _ in DataFingerprint(train) }
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
            var text = "training diverged: \(what)"
            if let checkpointing, lastGoodEpoch > 0 {
                text += ". The last good checkpoint (after epoch \(lastGoodEpoch)) is kept at \(checkpointing.source); to continue from it with a lower learning rate, run again with --resume --lr X --allow-setting-change"
            } else {
                text += "; try a lower --lr"
            }
            return TrainError(text)
        }

        for epoch in stride(from: firstEpoch, through: max(1, config.epochs), by: 1) {
            var generator = SeededGenerator(seed: config.seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(epoch))
            var order = Array(0..<train.count)
            order.shuffle(using: &generator)
            let start = DispatchTime.now().uptimeNanoseconds
            var lossSum: Double = 0
            var correct = 0
            var seen = 0
            var rate = config.learningRate
            for b in 0..<batchesPerEpoch {
                let indices = order[(b * batchSize)..<min(train.count, (b + 1) * batchSize)]
                let (input, labels) = train.batch(indices: indices, itemShape: model.inputShape)
                for p in parameters { p.zeroGradient() }
                let logits = model.forward(input, training: true)
                let result = try loss.evaluate(predictions: logits, targets: .classes(labels))
                guard result.loss.isFinite else {
                    throw diverged("loss is \(result.loss) at epoch \(epoch), batch \(b + 1) of \(batchesPerEpoch)")
                }
                model.backward(result.gradient)
                rate = optimizer.currentLearningRate
                optimizer.step(parameters)
                lossSum += Double(result.loss) * Double(labels.count)
                correct += result.correctCount ?? 0
                seen += labels.count
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                onEvent(.batch(epoch: epoch, batch: b + 1, batches: batchesPerEpoch,
                               loss: Float(lossSum / Double(seen)), accuracy: Float(correct) / Float(seen),
                               elapsed: elapsed))
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let testAccuracy = test.map { Trainer.evaluate(model, on: $0).accuracy }
            let result = EpochResult(epoch: epoch, trainLoss: Float(lossSum / Double(max(1, seen))),
                                     trainAccuracy: Float(correct) / Float(max(1, seen)),
                                     testAccuracy: testAccuracy, seconds: seconds, learningRate: rate)
            history.epochs.append(result)
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
        }
        return history
    }

    /// Accuracy and per-item predicted class of `model` on `data`, in inference mode.
    public static func evaluate(_ model: Sequential, on data: LabeledDataset, batchSize: Int = 250) -> (accuracy: Float, predictions: [Int32]) {
        var predictions = [Int32]()
        predictions.reserveCapacity(data.count)
        var correct = 0
        var start = 0
        while start < data.count {
            let end = min(data.count, start + batchSize)
            let (input, labels) = data.batch(indices: start..<end, itemShape: model.inputShape)
            let output = model.forward(input, training: false)
            let classes = output.itemCount
            output.data.withUnsafeBufferPointer { out in
                for i in 0..<labels.count {
                    let predicted = Int32(argmax(out.baseAddress! + i * classes, classes))
                    predictions.append(predicted)
                    if predicted == labels[i] { correct += 1 }
                }
            }
            start = end
        }
        return (Float(correct) / Float(max(1, data.count)), predictions)
    }

    /// Items fit when they hold as many values as the model's input (a 28×28×1 image feeds a
    /// model that reads 28 steps of 28 values).
    public static func checkFits(_ data: LabeledDataset, model: Sequential, role: String) throws {
        guard data.itemShape.reduce(1, *) == model.inputShape.reduce(1, *) else {
            throw TrainError("\(role) data items have shape \(data.itemShape) but the model expects \(model.inputShape)")
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

/// Index of the largest of `count` values (the first one on ties).
@inline(__always)
public func argmax(_ values: UnsafePointer<Float>, _ count: Int) -> Int {
    var best = 0
    var bestValue = values[0]
    for i in 1..<count where values[i] > bestValue { best = i; bestValue = values[i] }
    return best
}

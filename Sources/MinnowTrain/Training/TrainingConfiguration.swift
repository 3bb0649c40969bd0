/// Everything that controls a training run. Defaults are the ones `minnow train` uses.
public struct TrainingConfiguration: Equatable, Sendable {
    public enum OptimizerKind: String, Sendable, CaseIterable { case adam, sgd }
    public enum ScheduleKind: String, Sendable, CaseIterable { case constant, step, cosine }

    public var epochs = 5
    public var batchSize = 64
    /// Defaults chosen by measurement (README, "Choosing the defaults"): Adam at 3e-3 with
    /// cosine decay beat Keras' constant 1e-3 by 1–2 points on all three presets in 5 epochs.
    public var learningRate: Float = 3e-3
    public var optimizer: OptimizerKind = .adam
    /// SGD momentum (ignored by Adam).
    public var momentum: Float = 0.9
    public var schedule: ScheduleKind = .cosine
    /// Step decay: multiply the rate by `decayFactor` every `decayEpochs` epochs.
    public var decayFactor: Float = 0.5
    public var decayEpochs = 2
    /// Cosine decay ends at `learningRate * minimumLearningRateFraction`.
    public var minimumLearningRateFraction: Float = 0
    public var l1: Float = 0
    public var l2: Float = 0
    public var seed: UInt64 = 1
    /// The objective (softmax cross-entropy for classifiers).
    public var loss: LossKind = .softmaxCrossEntropy
    /// Fraction of the training items, taken from the end before any shuffling (as Keras'
    /// `validation_split`), held out and evaluated after every epoch. 0 holds out nothing.
    public var validationSplit: Float = 0
    /// Early stopping: stop after this many epochs without a lower validation loss, and end
    /// with the weights of the best epoch (Keras' `EarlyStopping(patience=…,
    /// restore_best_weights=True)`). 0 never stops early. Needs a validation split.
    public var patience = 0

    public init() {}

    /// Refuses settings that cannot work, before any data is touched.
    public func validate() throws {
        guard epochs > 0, batchSize > 0 else { throw TrainError.invalidConfiguration("epochs and batch size must be positive") }
        guard validationSplit >= 0, validationSplit < 1 else {
            throw TrainError.invalidConfiguration("the validation split must lie in [0, 1), got \(validationSplit)")
        }
        guard patience >= 0 else { throw TrainError.invalidConfiguration("patience must not be negative, got \(patience)") }
        if patience > 0, validationSplit == 0 {
            throw TrainError.invalidConfiguration("early stopping (patience \(patience)) watches the validation loss: give a validation split too (--validation-split 0.1)")
        }
    }
}

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

    public init() {}
}

import Foundation

/// Learning rate as a function of the update index (0 for the first update).
public enum LearningRateSchedule: Equatable, Sendable {
    /// The same rate for every step.
    case constant(Float)
    /// `initial · factor^⌊step / every⌋` (Keras `ExponentialDecay(staircase=True)`).
    case stepDecay(initial: Float, factor: Float, every: Int)
    /// `initial · ((1 − α)·½(1 + cos(π·min(step, total)/total)) + α)` with α =
    /// `finalFraction` (Keras `CosineDecay(alpha=α)`): falls from `initial` to `α·initial` at
    /// `totalSteps` and stays there.
    case cosineDecay(initial: Float, totalSteps: Int, finalFraction: Float)

    /// The rate for update number `step`.
    public func learningRate(atStep step: Int) -> Float {
        switch self {
        case .constant(let rate):
            return rate
        case .stepDecay(let initial, let factor, let every):
            let exponent = every > 0 ? step / every : 0
            return initial * Float(Foundation.pow(Double(factor), Double(exponent)))
        case .cosineDecay(let initial, let totalSteps, let finalFraction):
            guard totalSteps > 0 else { return initial }
            let progress = Double(min(max(step, 0), totalSteps)) / Double(totalSteps)
            let cosine = 0.5 * (1 + Foundation.cos(Double.pi * progress))
            return initial * Float((1 - Double(finalFraction)) * cosine + Double(finalFraction))
        }
    }

    /// The rate at step 0.
    public var initialLearningRate: Float { learningRate(atStep: 0) }
}

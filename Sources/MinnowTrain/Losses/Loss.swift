/// What a batch is compared against.
public enum LossTargets: Sendable {
    /// One class index per item (sparse labels), or one 0/1 label per output for
    /// `BinaryCrossEntropy`.
    case classes([Int32])
    /// Float targets with the same element count as the predictions.
    case values(Tensor)
}

/// A loss evaluated on one batch.
public struct LossEvaluation: Sendable {
    /// Mean loss over the batch.
    public var loss: Float
    /// `∂loss/∂predictions`, already divided by the batch (and element) count like the mean.
    public var gradient: Tensor
    /// Number of correctly classified items, for classification losses; `nil` otherwise.
    public var correctCount: Int?

    public init(loss: Float, gradient: Tensor, correctCount: Int?) {
        self.loss = loss
        self.gradient = gradient
        self.correctCount = correctCount
    }
}

/// A training objective on the model's final output.
public protocol Loss: Sendable {
    /// A short name for summaries, e.g. "SoftmaxCrossEntropy".
    var kind: String { get }
    /// The mean loss over the batch, its gradient with respect to `predictions`, and the count
    /// of correct predictions when the loss classifies. Throws when the targets do not fit.
    func evaluate(predictions: Tensor, targets: LossTargets) throws -> LossEvaluation
}

extension Loss {
    /// Checks that float targets match the predictions element for element.
    func requireValues(_ targets: LossTargets, matching predictions: Tensor) throws -> [Float] {
        switch targets {
        case .values(let t):
            guard t.count == predictions.count else {
                throw TrainError.invalidTargets(loss: kind, reason: "targets have shape \(t.shape) (\(t.count) values), predictions \(predictions.shape) (\(predictions.count) values)")
            }
            return t.data
        case .classes(let labels):
            throw TrainError.invalidTargets(loss: kind, reason: "expected float targets, found \(labels.count) integer class labels")
        }
    }
}

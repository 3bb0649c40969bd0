/// The losses `minnow train --loss` offers, by their CLI names.
public enum LossKind: String, CaseIterable, Sendable {
    /// Softmax cross-entropy over the last axis, from logits (the default; multi-class).
    case softmaxCrossEntropy = "softmax_crossentropy"
    /// Sigmoid cross-entropy per output, from logits (binary or multi-label 0/1 targets).
    case binaryCrossEntropy = "binary_crossentropy"
    /// Mean squared error (regression, reconstruction).
    case meanSquaredError = "mse"
    /// Mean absolute error (regression, reconstruction).
    case meanAbsoluteError = "mae"

    public func makeLoss() -> Loss {
        switch self {
        case .softmaxCrossEntropy: return SoftmaxCrossEntropy()
        case .binaryCrossEntropy: return BinaryCrossEntropy()
        case .meanSquaredError: return MeanSquaredError()
        case .meanAbsoluteError: return MeanAbsoluteError()
        }
    }

    /// Whether the loss applies its own output activation (softmax or sigmoid) to logits, so a
    /// model ending in that activation hands the loss the activation's input instead.
    var outputActivation: OutputActivation? {
        switch self {
        case .softmaxCrossEntropy: return .softmax
        case .binaryCrossEntropy: return .sigmoid
        case .meanSquaredError, .meanAbsoluteError: return nil
        }
    }

    enum OutputActivation { case softmax, sigmoid }
}

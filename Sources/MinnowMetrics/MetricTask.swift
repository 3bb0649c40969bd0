/// What a model's output answers, which decides the metrics that mean something for it.
///
/// Top-1 accuracy only means something for a multi-class output; a one-output model is
/// scored by binary accuracy and AUC, and a regression or reconstruction by MSE, MAE and R².
public enum MetricTask: String, Sendable, CaseIterable {
    /// One class out of several: the output is a score (logit or probability) per class.
    case classification
    /// Yes or no: one output, a logit (threshold 0) or a probability (threshold ½).
    case binary
    /// Float targets (one or more values per item).
    case regression
    /// The item itself is the target (autoencoder).
    case reconstruction

    /// The metric a summary leads with, e.g. to pick the best epoch.
    public var headlineMetric: MetricKey {
        switch self {
        case .classification: return .accuracy
        case .binary: return .binaryAccuracy
        case .regression, .reconstruction: return .meanSquaredError
        }
    }
}

/// The metrics this library computes. Raw values are the JSON keys.
public enum MetricKey: String, Sendable, CaseIterable {
    /// Fraction of items whose largest output is the label's (multi-class top-1).
    case accuracy
    /// Fraction of items on the right side of the threshold.
    case binaryAccuracy = "binary_accuracy"
    /// Area under the ROC curve: the chance a random positive scores above a random negative.
    case auc
    /// Mean of (prediction − target)² over every value.
    case meanSquaredError = "mse"
    /// Mean of |prediction − target| over every value.
    case meanAbsoluteError = "mae"
    /// Coefficient of determination, averaged over the outputs whose targets vary.
    case rSquared = "r2"

    /// How people write it in a sentence.
    public var label: String {
        switch self {
        case .accuracy: return "accuracy"
        case .binaryAccuracy: return "binary accuracy"
        case .auc: return "AUC"
        case .meanSquaredError: return "MSE"
        case .meanAbsoluteError: return "MAE"
        case .rSquared: return "R²"
        }
    }

    /// Whether the value is a fraction shown as a percentage.
    public var isPercentage: Bool { self == .accuracy || self == .binaryAccuracy }

    /// Whether larger is better (for comparisons and early stopping).
    public var largerIsBetter: Bool {
        switch self {
        case .accuracy, .binaryAccuracy, .auc, .rSquared: return true
        case .meanSquaredError, .meanAbsoluteError: return false
        }
    }
}

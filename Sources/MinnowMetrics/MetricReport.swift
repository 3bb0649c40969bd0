/// One computed metric.
public struct Metric: Sendable, Equatable {
    public var key: MetricKey
    public var value: Double

    public init(_ key: MetricKey, _ value: Double) {
        self.key = key
        self.value = value
    }

    /// "88.15%" for fractions shown as percentages, four decimals for AUC and R² ("0.9312"),
    /// four significant digits for errors ("0.001234").
    public var formattedValue: String {
        switch key {
        case .accuracy, .binaryAccuracy: return fixed(value * 100, digits: 2) + "%"
        case .auc, .rSquared: return fixed(value, digits: 4)
        case .meanSquaredError, .meanAbsoluteError: return significant(value)
        }
    }
}

/// The metrics of one task on one data set, in a fixed order per task.
public struct MetricReport: Sendable, Equatable {
    public var task: MetricTask
    /// Items scored.
    public var count: Int
    /// Only the metrics that are defined (AUC needs both classes, R² a target that varies).
    public var metrics: [Metric]

    public init(task: MetricTask, count: Int, metrics: [Metric]) {
        self.task = task
        self.count = count
        self.metrics = metrics
    }

    public subscript(key: MetricKey) -> Double? { metrics.first { $0.key == key }?.value }

    /// The task's headline value (accuracy, binary accuracy or MSE), when defined.
    public var headline: Metric? { metrics.first { $0.key == task.headlineMetric } }

    /// "accuracy 88.15%", "binary accuracy 85.10%, AUC 0.9312", "MSE 0.01234, MAE 0.0812, R² 0.871".
    public var summary: String {
        metrics.map { "\($0.key.label) \($0.formattedValue)" }.joined(separator: ", ")
    }

    /// `{"accuracy": 0.8815}` or `{"binary_accuracy": …, "auc": …}`, keyed by `MetricKey.rawValue`.
    public var dictionary: [String: Double] {
        Dictionary(uniqueKeysWithValues: metrics.map { ($0.key.rawValue, $0.value) })
    }
}

/// `value` with `digits` decimals (no Foundation, so the library stays dependency-free).
func fixed(_ value: Double, digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let negative = value < 0
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9e15 else { return "\(value)" }
    let whole = Int(scaled) / Int(scale)
    var fraction = String(Int(scaled) % Int(scale))
    while fraction.count < digits { fraction = "0" + fraction }
    return (negative && scaled > 0 ? "-" : "") + "\(whole)" + (digits > 0 ? "." + fraction : "")
}

/// Four significant digits for values near 1, more decimals for small ones ("0.001234").
func significant(_ value: Double) -> String {
    guard value.isFinite, value != 0 else { return value == 0 ? "0" : "\(value)" }
    var digits = 4
    var magnitude = abs(value)
    while magnitude < 1 && digits < 12 {
        magnitude *= 10
        digits += 1
    }
    return fixed(value, digits: max(1, digits - 1))
}

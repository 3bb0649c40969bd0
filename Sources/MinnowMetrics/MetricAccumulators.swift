/// Top-1 accuracy of a multi-class output: the first largest score is the prediction.
public struct ClassificationMetrics: Sendable, Equatable {
    public private(set) var count = 0
    public private(set) var correct = 0

    public init() {}

    /// Scores one item: `outputs` holds one score per class. Returns the predicted class.
    @discardableResult
    public mutating func add(outputs: UnsafeBufferPointer<Float>, label: Int) -> Int {
        let predicted = Self.argmax(outputs)
        add(predicted: predicted, label: label)
        return predicted
    }

    /// Scores one item whose predicted class is already known.
    public mutating func add(predicted: Int, label: Int) {
        count += 1
        if predicted == label { correct += 1 }
    }

    public var accuracy: Double { Double(correct) / Double(max(1, count)) }

    public var report: MetricReport {
        MetricReport(task: .classification, count: count, metrics: [Metric(.accuracy, accuracy)])
    }

    /// Index of the largest value (the first one on ties); 0 for an empty buffer.
    public static func argmax(_ values: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for i in values.indices.dropFirst() where values[i] > values[best] { best = i }
        return best
    }
}

/// Binary accuracy and ROC AUC of a one-output model.
///
/// Keeps every score so AUC can be computed exactly (Mann–Whitney U with tied scores
/// sharing their average rank); 10,000 items cost 80 KB.
public struct BinaryClassificationMetrics: Sendable, Equatable {
    /// A score above `threshold` predicts the positive class: 0 for a logit, ½ for a probability.
    public let threshold: Float
    public private(set) var scores: [Float] = []
    public private(set) var labels: [Bool] = []
    public private(set) var correct = 0

    public init(threshold: Float) { self.threshold = threshold }

    public var count: Int { scores.count }

    /// Scores one item; a label is positive when it is 1 (or, for float targets, above ½).
    public mutating func add(score: Float, positive: Bool) {
        scores.append(score)
        labels.append(positive)
        if (score > threshold) == positive { correct += 1 }
    }

    public var accuracy: Double { Double(correct) / Double(max(1, count)) }

    /// ROC AUC, or `nil` when only one class occurs.
    public var auc: Double? { Self.auc(scores: scores, positives: labels) }

    public var report: MetricReport {
        var metrics = [Metric(.binaryAccuracy, accuracy)]
        if let auc { metrics.append(Metric(.auc, auc)) }
        return MetricReport(task: .binary, count: count, metrics: metrics)
    }

    /// Area under the ROC curve from scores and labels, `nil` unless both classes occur.
    public static func auc(scores: [Float], positives: [Bool]) -> Double? {
        precondition(scores.count == positives.count, "auc: \(scores.count) scores for \(positives.count) labels")
        let positiveCount = positives.lazy.filter { $0 }.count
        let negativeCount = positives.count - positiveCount
        guard positiveCount > 0, negativeCount > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        // Sum of the positives' ranks (1-based), ties sharing the mean rank of their run.
        var positiveRankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && scores[order[end]] == scores[order[start]] { end += 1 }
            let meanRank = Double(start + 1 + end) / 2
            for i in start..<end where positives[order[i]] { positiveRankSum += meanRank }
            start = end
        }
        let p = Double(positiveCount)
        return (positiveRankSum - p * (p + 1) / 2) / (p * Double(negativeCount))
    }
}

/// MSE, MAE and R² of float outputs against float targets, value by value.
///
/// R² is computed per output (1 − Σ(y − ŷ)² / Σ(y − ȳ)²) and averaged over the outputs whose
/// targets vary, as Keras' `R2Score` and scikit-learn's `r2_score` do by default; target
/// means and spreads are accumulated with Welford's update so large offsets lose nothing.
public struct RegressionMetrics: Sendable, Equatable {
    public let outputCount: Int
    public let task: MetricTask
    public private(set) var count = 0
    private var squaredError: [Double]
    private var absoluteError = 0.0
    private var targetMean: [Double]
    private var targetSpread: [Double]

    /// - Parameter task: `.regression` or `.reconstruction` (only the report's label differs).
    public init(outputCount: Int, task: MetricTask = .regression) {
        precondition(outputCount > 0, "RegressionMetrics: needs at least one output")
        self.outputCount = outputCount
        self.task = task
        squaredError = [Double](repeating: 0, count: outputCount)
        targetMean = [Double](repeating: 0, count: outputCount)
        targetSpread = [Double](repeating: 0, count: outputCount)
    }

    /// Scores one item: `outputCount` predictions and as many targets.
    public mutating func add(outputs: UnsafeBufferPointer<Float>, targets: UnsafeBufferPointer<Float>) {
        precondition(outputs.count == outputCount && targets.count == outputCount,
                     "RegressionMetrics: \(outputs.count) outputs and \(targets.count) targets, expected \(outputCount)")
        count += 1
        let n = Double(count)
        for j in 0..<outputCount {
            let y = Double(targets[j]), e = Double(outputs[j]) - y
            squaredError[j] += e * e
            absoluteError += abs(e)
            let delta = y - targetMean[j]
            targetMean[j] += delta / n
            targetSpread[j] += delta * (y - targetMean[j])
        }
    }

    public var meanSquaredError: Double { squaredError.reduce(0, +) / Double(max(1, count * outputCount)) }
    public var meanAbsoluteError: Double { absoluteError / Double(max(1, count * outputCount)) }

    /// Mean R² over the outputs whose targets are not constant; `nil` when none vary.
    public var rSquared: Double? {
        var sum = 0.0
        var used = 0
        for j in 0..<outputCount where targetSpread[j] > 0 {
            sum += 1 - squaredError[j] / targetSpread[j]
            used += 1
        }
        return used > 0 ? sum / Double(used) : nil
    }

    public var report: MetricReport {
        var metrics = [Metric(.meanSquaredError, meanSquaredError), Metric(.meanAbsoluteError, meanAbsoluteError)]
        if let rSquared { metrics.append(Metric(.rSquared, rSquared)) }
        return MetricReport(task: task, count: count, metrics: metrics)
    }
}

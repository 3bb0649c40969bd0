/// The metrics of one task, fed item by item: the one accumulator trainers, evaluators and
/// parity reports share, so every tool scores a task the same way.
public struct TaskMetrics: Sendable, Equatable {
    public let task: MetricTask
    public let outputCount: Int
    private var classification = ClassificationMetrics()
    private var binary: BinaryClassificationMetrics
    private var regression: RegressionMetrics

    /// - Parameters:
    ///   - outputCount: values the model outputs per item.
    ///   - binaryThreshold: for `.binary`, 0 when the output is a logit, ½ when a probability.
    public init(task: MetricTask, outputCount: Int, binaryThreshold: Float = 0) {
        precondition(outputCount > 0, "TaskMetrics: needs at least one output")
        self.task = task
        self.outputCount = outputCount
        binary = BinaryClassificationMetrics(threshold: binaryThreshold)
        regression = RegressionMetrics(outputCount: outputCount, task: task == .reconstruction ? .reconstruction : .regression)
    }

    /// Scores one item against a class label (classification, or 0/1 for binary). Returns the
    /// predicted class (binary: 1 above the threshold).
    @discardableResult
    public mutating func add(outputs: UnsafeBufferPointer<Float>, label: Int) -> Int {
        switch task {
        case .classification:
            return classification.add(outputs: outputs, label: label)
        case .binary:
            binary.add(score: outputs[0], positive: label == 1)
            return outputs[0] > binary.threshold ? 1 : 0
        case .regression, .reconstruction:
            var target = Float(label)
            withUnsafePointer(to: &target) { regression.add(outputs: outputs, targets: UnsafeBufferPointer(start: $0, count: 1)) }
            return label
        }
    }

    /// Scores one item against float targets (`outputCount` values; binary: one value, positive above ½).
    public mutating func add(outputs: UnsafeBufferPointer<Float>, targets: UnsafeBufferPointer<Float>) {
        switch task {
        case .classification:
            classification.add(outputs: outputs, label: ClassificationMetrics.argmax(targets))
        case .binary:
            binary.add(score: outputs[0], positive: targets[0] > 0.5)
        case .regression, .reconstruction:
            regression.add(outputs: outputs, targets: targets)
        }
    }

    public var count: Int {
        switch task {
        case .classification: return classification.count
        case .binary: return binary.count
        case .regression, .reconstruction: return regression.count
        }
    }

    /// Only the headline metric (accuracy, binary accuracy or MSE): cheap enough to show after
    /// every batch, unlike AUC, which sorts every score.
    public var headlineReport: MetricReport {
        switch task {
        case .classification: return classification.report
        case .binary: return MetricReport(task: .binary, count: binary.count, metrics: [Metric(.binaryAccuracy, binary.accuracy)])
        case .regression, .reconstruction:
            return MetricReport(task: task, count: regression.count, metrics: [Metric(.meanSquaredError, regression.meanSquaredError)])
        }
    }

    public var report: MetricReport {
        switch task {
        case .classification: return classification.report
        case .binary: return binary.report
        case .regression, .reconstruction: return regression.report
        }
    }
}

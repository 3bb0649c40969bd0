import MinnowMetrics

/// What the items of a parity run should produce, for the task's metrics.
public enum ParityTargets: Sendable {
    /// One class label per item (classification, binary 0/1).
    case labels([Int32])
    /// `perItem` float targets per item (regression).
    case values([Float], perItem: Int)
    /// The items themselves (reconstruction): the features, `perItem` values each.
    case inputs([Float], perItem: Int)
}

/// Both models scored by the same task metrics (`MinnowMetrics`), and how far their outputs
/// are apart. Top-1 agreement only means something for a multi-class output; a binary model
/// compares decisions on either side of its threshold, and a regression compares values.
public struct TaskComparison: Sendable, Equatable {
    public var task: MetricTask
    public var float: MetricReport
    public var int8: MetricReport
    /// Fraction of items with the same decision: the same arg-max (classification) or the same
    /// side of the threshold (binary); `nil` for regression and reconstruction.
    public var decisionAgreement: Double?
    public var meanAbsoluteDifference: Double
    public var maximumAbsoluteDifference: Double
}

extension ParityReport {
    /// Scores both models' outputs for `task` against `targets` and stores the comparison.
    ///
    /// - Parameter binaryThreshold: 0 for a logit output, ½ for a sigmoid.
    public mutating func compareTask(_ task: MetricTask, targets: ParityTargets, binaryThreshold: Float = 0) {
        let width = outputCount
        precondition(width > 0 && floatOutputs.count == count * width && int8Outputs.count == count * width,
                     "compareTask: the report holds no outputs (run it with ParityRunner.run)")
        var floatMetrics = TaskMetrics(task: task, outputCount: width, binaryThreshold: binaryThreshold)
        var int8Metrics = TaskMetrics(task: task, outputCount: width, binaryThreshold: binaryThreshold)
        var sameDecision = 0
        var sum = 0.0, maximum = 0.0
        floatOutputs.withUnsafeBufferPointer { f in
            int8Outputs.withUnsafeBufferPointer { q in
                for i in 0..<count {
                    let fr = UnsafeBufferPointer(rebasing: f[(i * width)..<((i + 1) * width)])
                    let qr = UnsafeBufferPointer(rebasing: q[(i * width)..<((i + 1) * width)])
                    for j in 0..<width {
                        let d = abs(Double(fr[j]) - Double(qr[j]))
                        sum += d
                        maximum = max(maximum, d)
                    }
                    switch task {
                    case .classification:
                        if ClassificationMetrics.argmax(fr) == ClassificationMetrics.argmax(qr) { sameDecision += 1 }
                    case .binary:
                        if (fr[0] > binaryThreshold) == (qr[0] > binaryThreshold) { sameDecision += 1 }
                    case .regression, .reconstruction:
                        break
                    }
                    switch targets {
                    case .labels(let labels):
                        floatMetrics.add(outputs: fr, label: Int(labels[i]))
                        int8Metrics.add(outputs: qr, label: Int(labels[i]))
                    case .values(let values, let perItem), .inputs(let values, let perItem):
                        values.withUnsafeBufferPointer { t in
                            let row = UnsafeBufferPointer(rebasing: t[(i * perItem)..<((i + 1) * perItem)])
                            floatMetrics.add(outputs: fr, targets: row)
                            int8Metrics.add(outputs: qr, targets: row)
                        }
                    }
                }
            }
        }
        self.task = task
        taskComparison = TaskComparison(
            task: task, float: floatMetrics.report, int8: int8Metrics.report,
            decisionAgreement: task == .classification || task == .binary ? Double(sameDecision) / Double(max(1, count)) : nil,
            meanAbsoluteDifference: sum / Double(max(1, count * width)), maximumAbsoluteDifference: maximum)
    }
}

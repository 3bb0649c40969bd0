import Foundation
import MinnowMetrics

/// The outcome of comparing an int8 model with its float original on one data set.
public struct ParityReport: Sendable {
    public struct Layer: Sendable {
        public var name: String
        public var op: String
        public var error: LayerError

        public init(name: String, op: String, error: LayerError) {
            self.name = name
            self.op = op
            self.error = error
        }
    }

    public var floatModel: String
    public var int8Model: String
    public var dataDescription: String
    public var count: Int
    public var floatCorrect: Int
    public var int8Correct: Int
    public var agreeing: Int
    public var floatConfusion: ConfusionMatrix
    public var int8Confusion: ConfusionMatrix
    public var layers: [Layer]
    /// The float model's predicted class per item, in data order (so callers need not run the
    /// float model again to compare it with another engine).
    public var floatPredictions: [Int32]
    /// Values per item in the model output, and every output of both models in data order.
    public var outputCount: Int
    public var floatOutputs: [Float]
    public var int8Outputs: [Float]
    /// The task the report scores; set with `compareTask`. Top-1 accuracy, agreement and the
    /// confusion matrices are reported for `.classification` only.
    public var task: MetricTask = .classification
    /// The task's metrics for both models, once `compareTask` has run.
    public var taskComparison: TaskComparison?

    public init(floatModel: String, int8Model: String, dataDescription: String, count: Int, floatCorrect: Int,
                int8Correct: Int, agreeing: Int, floatConfusion: ConfusionMatrix, int8Confusion: ConfusionMatrix,
                layers: [Layer], floatPredictions: [Int32] = [], outputCount: Int = 0, floatOutputs: [Float] = [],
                int8Outputs: [Float] = []) {
        self.outputCount = outputCount
        self.floatOutputs = floatOutputs
        self.int8Outputs = int8Outputs
        self.floatModel = floatModel
        self.int8Model = int8Model
        self.dataDescription = dataDescription
        self.count = count
        self.floatCorrect = floatCorrect
        self.int8Correct = int8Correct
        self.agreeing = agreeing
        self.floatConfusion = floatConfusion
        self.int8Confusion = int8Confusion
        self.layers = layers
        self.floatPredictions = floatPredictions
    }

    public var floatAccuracy: Double { Double(floatCorrect) / Double(max(1, count)) }
    public var int8Accuracy: Double { Double(int8Correct) / Double(max(1, count)) }
    public var agreement: Double { Double(agreeing) / Double(max(1, count)) }
    /// The layer with the lowest SQNR.
    public var worstLayer: Layer? { layers.min { $0.error.sqnrDecibels < $1.error.sqnrDecibels } }

    public func jsonObject() -> [String: Any] {
        func number(_ x: Double) -> Any { x.isFinite ? x : (x > 0 ? "inf" : "-inf") }
        var object = classificationJSON(number)
        object["task"] = task.rawValue
        if let comparison = taskComparison {
            object["float_metrics"] = comparison.float.dictionary
            object["int8_metrics"] = comparison.int8.dictionary
            object["output_mean_abs_difference"] = comparison.meanAbsoluteDifference
            object["output_max_abs_difference"] = comparison.maximumAbsoluteDifference
            if let agreement = comparison.decisionAgreement { object["decision_agreement"] = agreement }
        }
        if task != .classification {
            for key in ["float_accuracy", "int8_accuracy", "accuracy_difference_points", "agreement",
                        "confusion_float", "confusion_int8", "confusion_difference"] { object[key] = nil }
        }
        return object
    }

    private func classificationJSON(_ number: (Double) -> Any) -> [String: Any] {
        [
            "float_model": floatModel, "int8_model": int8Model, "data": dataDescription, "count": count,
            "float_accuracy": floatAccuracy, "int8_accuracy": int8Accuracy,
            "accuracy_difference_points": (int8Accuracy - floatAccuracy) * 100,
            "agreement": agreement,
            "confusion_float": floatConfusion.rows, "confusion_int8": int8Confusion.rows,
            "confusion_difference": (0..<floatConfusion.classCount).map { r in
                (0..<floatConfusion.classCount).map { c in int8Confusion[r, c] - floatConfusion[r, c] }
            },
            "worst_layer": worstLayer?.name ?? "",
            "layers": layers.map { l -> [String: Any] in
                ["name": l.name, "op": l.op, "sqnr_db": number(l.error.sqnrDecibels), "cosine": l.error.cosine,
                 "max_abs_error": l.error.maxAbsoluteError, "elements": l.error.elementCount]
            },
        ]
    }

    /// A text summary for the terminal.
    public func table() -> String {
        var lines = [headline]
        lines.append("layer                         op                 SQNR dB   cosine      max |error|")
        for l in layers {
            let sqnr = l.error.sqnrDecibels.isFinite ? String(format: "%7.2f", l.error.sqnrDecibels) : "    inf"
            lines.append(l.name.padding(toLength: 30, withPad: " ", startingAt: 0) + l.op.padding(toLength: 19, withPad: " ", startingAt: 0)
                         + sqnr + String(format: "   %.6f   %.6f", l.error.cosine, l.error.maxAbsoluteError))
        }
        if let worst = worstLayer {
            lines.append(String(format: "worst layer: %@ (%.2f dB)", worst.name, worst.error.sqnrDecibels))
        }
        return lines.joined(separator: "\n")
    }
}

extension ParityReport {
    /// The first line of the summary: top-1 figures for classification, the task's metrics otherwise.
    public var headline: String {
        if task == .classification || taskComparison == nil {
            return String(format: "float accuracy %.2f%%, int8 accuracy %.2f%% (%+.2f points), top-1 agreement %.2f%% on %d items",
                          floatAccuracy * 100, int8Accuracy * 100, (int8Accuracy - floatAccuracy) * 100, agreement * 100, count)
        }
        let comparison = taskComparison!
        var text = "\(task.rawValue): float \(comparison.float.summary); int8 \(comparison.int8.summary)"
        if let agreement = comparison.decisionAgreement {
            text += String(format: "; same decision on %.2f%%", agreement * 100)
        }
        return text + String(format: "; output |float − int8| mean %.4g, max %.4g on %d items",
                             comparison.meanAbsoluteDifference, comparison.maximumAbsoluteDifference, count)
    }
}

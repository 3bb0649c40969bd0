/// Mean of `|prediction − target|` over every element (Keras `MeanAbsoluteError`). The
/// gradient is `sign(prediction − target) / count`, with sign(0) = 0 as in TensorFlow.
public struct MeanAbsoluteError: Loss {
    public var kind: String { "MeanAbsoluteError" }

    public init() {}

    public func evaluate(predictions: Tensor, targets: LossTargets) throws -> LossEvaluation {
        let t = try requireValues(targets, matching: predictions)
        let count = predictions.count
        guard count > 0 else { throw TrainError.invalidTargets(loss: kind, reason: "empty predictions") }
        var gradient = [Float](repeating: 0, count: count)
        var sum: Double = 0
        let scale = 1 / Float(count)
        predictions.data.withUnsafeBufferPointer { p in
            t.withUnsafeBufferPointer { tp in
                for i in 0..<count {
                    let d = p[i] - tp[i]
                    sum += Double(abs(d))
                    gradient[i] = d > 0 ? scale : (d < 0 ? -scale : 0)
                }
            }
        }
        return LossEvaluation(loss: Float(sum / Double(count)), gradient: Tensor(shape: predictions.shape, data: gradient), correctCount: nil)
    }
}

/// Mean of `(prediction − target)²` over every element (Keras `MeanSquaredError`).
public struct MeanSquaredError: Loss {
    public var kind: String { "MeanSquaredError" }

    public init() {}

    public func evaluate(predictions: Tensor, targets: LossTargets) throws -> LossEvaluation {
        let t = try requireValues(targets, matching: predictions)
        let count = predictions.count
        guard count > 0 else { throw TrainError.invalidTargets(loss: kind, reason: "empty predictions") }
        var gradient = [Float](repeating: 0, count: count)
        var sum: Double = 0
        let scale = 2 / Float(count)
        predictions.data.withUnsafeBufferPointer { p in
            t.withUnsafeBufferPointer { tp in
                for i in 0..<count {
                    let d = p[i] - tp[i]
                    sum += Double(d * d)
                    gradient[i] = scale * d
                }
            }
        }
        return LossEvaluation(loss: Float(sum / Double(count)), gradient: Tensor(shape: predictions.shape, data: gradient), correctCount: nil)
    }
}

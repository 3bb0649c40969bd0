import Foundation

/// Binary cross-entropy **from logits** (Keras `BinaryCrossentropy(from_logits=True)`): the
/// model's last layer should be linear, not sigmoid. Each element is an independent binary
/// problem; the loss is averaged over every element.
///
/// Per element, with logit `z` and target `t ∈ [0, 1]`, the stable form
/// `max(z, 0) − z·t + log(1 + e^(−|z|))` equals `−t·log σ(z) − (1−t)·log(1−σ(z))`; the gradient is
/// `(σ(z) − t) / count`. Targets: `.values` (floats) or `.classes` (0/1 labels), one per output.
/// `correctCount` counts elements with `(z > 0) == (t > 0.5)`.
public struct BinaryCrossEntropy: Loss {
    public var kind: String { "BinaryCrossEntropy" }

    public init() {}

    public func evaluate(predictions: Tensor, targets: LossTargets) throws -> LossEvaluation {
        let t: [Float]
        switch targets {
        case .classes(let labels):
            guard labels.count == predictions.count else {
                throw TrainError.invalidTargets(loss: kind, reason: "\(labels.count) labels for \(predictions.count) outputs (shape \(predictions.shape))")
            }
            if let (i, bad) = labels.enumerated().first(where: { $0.element != 0 && $0.element != 1 }) {
                throw TrainError.invalidTargets(loss: kind, reason: "label \(bad) at index \(i) is not 0 or 1")
            }
            t = labels.map { Float($0) }
        case .values:
            t = try requireValues(targets, matching: predictions)
        }
        let count = predictions.count
        guard count > 0 else { throw TrainError.invalidTargets(loss: kind, reason: "empty predictions") }
        let inverse = 1 / Float(count)
        var gradient = [Float](repeating: 0, count: count)
        var total: Double = 0
        var correct = 0
        predictions.data.withUnsafeBufferPointer { z in
            t.withUnsafeBufferPointer { tp in
                for i in 0..<count {
                    let x = z[i], target = tp[i]
                    let e = Foundation.exp(-abs(x))
                    total += Double(max(x, 0) - x * target + Foundation.log1p(e))
                    // σ(x) from e = exp(−|x|) without overflow.
                    let sigmoid = x >= 0 ? 1 / (1 + e) : e / (1 + e)
                    gradient[i] = (sigmoid - target) * inverse
                    if (x > 0) == (target > 0.5) { correct += 1 }
                }
            }
        }
        return LossEvaluation(loss: Float(total / Double(count)), gradient: Tensor(shape: predictions.shape, data: gradient), correctCount: correct)
    }
}

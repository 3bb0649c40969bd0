import Foundation

/// Cross-entropy of `softmax(logits)` over the last axis, computed from the logits with the
/// log-sum-exp shift so large logits never overflow (Keras `SparseCategoricalCrossentropy(
/// from_logits=True)`, or `CategoricalCrossentropy(from_logits=True)` for float targets).
///
/// Targets: `.classes` with one index per item, or `.values` with a probability row per item
/// (one-hot). The gradient is `(softmax − target) / N`. `correctCount` counts items whose
/// arg-max logit (first on ties) equals the label (or the target row's arg-max).
public struct SoftmaxCrossEntropy: Loss {
    public var kind: String { "SoftmaxCrossEntropy" }

    public init() {}

    public func evaluate(predictions: Tensor, targets: LossTargets) throws -> LossEvaluation {
        let classes = predictions.shape.last ?? 0
        guard predictions.shape.count >= 2, classes > 0 else {
            throw TrainError.invalidTargets(loss: kind, reason: "predictions must be [batch, classes], found \(predictions.shape)")
        }
        let rows = predictions.count / classes
        var gradient = [Float](repeating: 0, count: predictions.count)
        var total: Double = 0
        var correct = 0
        let inverseRows = 1 / Float(rows)

        switch targets {
        case .classes(let labels):
            guard labels.count == rows else {
                throw TrainError.invalidTargets(loss: kind, reason: "\(labels.count) labels for \(rows) predictions")
            }
            for (i, label) in labels.enumerated() where label < 0 || Int(label) >= classes {
                throw TrainError.invalidTargets(loss: kind, reason: "label \(label) at batch index \(i) is outside 0..<\(classes)")
            }
            predictions.data.withUnsafeBufferPointer { z in
                gradient.withUnsafeMutableBufferPointer { g in
                    for r in 0..<rows {
                        let base = r * classes
                        let (maximum, argmax) = Self.maximum(z.baseAddress! + base, classes)
                        var sum: Float = 0
                        for j in 0..<classes {
                            let e = Foundation.exp(z[base + j] - maximum)
                            g[base + j] = e
                            sum += e
                        }
                        let label = Int(labels[r])
                        // −log softmax[label] = log Σe^(z−max) − (z[label] − max)
                        total += Double(Foundation.log(sum) - (z[base + label] - maximum))
                        let scale = inverseRows / sum
                        for j in 0..<classes { g[base + j] *= scale }
                        g[base + label] -= inverseRows
                        if argmax == label { correct += 1 }
                    }
                }
            }
        case .values(let target):
            guard target.count == predictions.count else {
                throw TrainError.invalidTargets(loss: kind, reason: "targets have shape \(target.shape), predictions \(predictions.shape)")
            }
            predictions.data.withUnsafeBufferPointer { z in
                target.data.withUnsafeBufferPointer { t in
                    gradient.withUnsafeMutableBufferPointer { g in
                        for r in 0..<rows {
                            let base = r * classes
                            let (maximum, argmax) = Self.maximum(z.baseAddress! + base, classes)
                            var sum: Float = 0
                            var targetSum: Float = 0
                            for j in 0..<classes {
                                let e = Foundation.exp(z[base + j] - maximum)
                                g[base + j] = e
                                sum += e
                                targetSum += t[base + j]
                            }
                            let logSum = Foundation.log(sum)
                            var rowLoss: Float = 0
                            for j in 0..<classes { rowLoss += t[base + j] * (logSum - (z[base + j] - maximum)) }
                            total += Double(rowLoss)
                            for j in 0..<classes {
                                g[base + j] = inverseRows * (g[base + j] / sum * targetSum - t[base + j])
                            }
                            if argmax == Self.maximum(t.baseAddress! + base, classes).index { correct += 1 }
                        }
                    }
                }
            }
        }
        return LossEvaluation(loss: Float(total / Double(rows)), gradient: Tensor(shape: predictions.shape, data: gradient), correctCount: correct)
    }

    /// Largest value and its first index.
    @inline(__always)
    static func maximum(_ p: UnsafePointer<Float>, _ count: Int) -> (value: Float, index: Int) {
        var best = p[0]
        var index = 0
        for j in 1..<max(1, count) where p[j] > best {
            best = p[j]
            index = j
        }
        return (best, index)
    }
}

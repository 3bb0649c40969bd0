import Foundation

/// Adam exactly as Keras computes it (defaults β1 0.9, β2 0.999, ε 1e-7, learning rate 1e-3):
///
///     m ← m + (1 − β1)(g − m);  v ← v + (1 − β2)(g² − v)
///     α = lr · √(1 − β2^t) / (1 − β1^t)        (t = iterations + 1)
///     w ← w − α · m / (√v + ε)
public final class Adam: StatefulOptimizer {
    public var kind: String { "Adam" }
    public var schedule: LearningRateSchedule
    public var regularization: Regularization
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public private(set) var iterations = 0
    private var table = OptimizerSlotTable(needsSecond: true)

    public convenience init(
        learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
        regularization: Regularization = .none
    ) {
        self.init(schedule: .constant(learningRate), beta1: beta1, beta2: beta2, epsilon: epsilon, regularization: regularization)
    }

    public init(
        schedule: LearningRateSchedule, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
        regularization: Regularization = .none
    ) {
        self.schedule = schedule
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.regularization = regularization
    }

    public func step(_ parameters: [Parameter]) {
        let t = Double(iterations + 1)
        let correction = (1 - Foundation.pow(Double(beta2), t)).squareRoot() / (1 - Foundation.pow(Double(beta1), t))
        let alpha = currentLearningRate * Float(correction)
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        for parameter in parameters {
            let regularization = parameter.isRegularized ? self.regularization : .none
            let count = parameter.value.count
            guard count > 0 else { continue }
            let slots = table.slots(for: parameter)
            parameter.gradient.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeMutableBufferPointer { w in
                    slots.first.withUnsafeMutableBufferPointer { m in
                        slots.second.withUnsafeMutableBufferPointer { v in
                            let (gp, wp, mp, vp) = (g.baseAddress!, w.baseAddress!, m.baseAddress!, v.baseAddress!)
                            forEachUpdateRange(count) { range in
                                for i in range {
                                    let grad = regularization.adjusted(gradient: gp[i], weight: wp[i])
                                    let mi = mp[i] + (1 - b1) * (grad - mp[i])
                                    let vi = vp[i] + (1 - b2) * (grad * grad - vp[i])
                                    mp[i] = mi
                                    vp[i] = vi
                                    wp[i] -= alpha * mi / (vi.squareRoot() + eps)
                                }
                            }
                        }
                    }
                }
            }
        }
        iterations += 1
    }

    public func reset() {
        table.removeAll()
        iterations = 0
    }

    public func state(for parameters: [Parameter]) -> OptimizerState {
        OptimizerState(kind: kind, iterations: iterations, slots: table.exportedSlots(for: parameters))
    }

    public func restore(_ state: OptimizerState, for parameters: [Parameter]) throws {
        guard state.kind == kind else {
            throw TrainError.incompatibleState("cannot restore \(state.kind) optimizer state into \(kind)")
        }
        guard state.iterations >= 0 else { throw TrainError.incompatibleState("\(kind) state: negative iteration count \(state.iterations)") }
        try table.restore(state.slots, for: parameters, kind: kind)
        iterations = state.iterations
    }
}

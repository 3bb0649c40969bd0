/// Stochastic gradient descent with optional momentum and Nesterov momentum, in Keras' form:
/// `v ← μ·v − lr·g`, then `w ← w + v`, or with Nesterov `w ← w + μ·v − lr·g` (new `v`).
/// Without momentum this is plain `w ← w − lr·g`.
public final class SGD: StatefulOptimizer {
    public var kind: String { "SGD" }
    public var schedule: LearningRateSchedule
    public var regularization: Regularization
    public var momentum: Float
    public var nesterov: Bool
    public private(set) var iterations = 0
    private var table = OptimizerSlotTable(needsSecond: false)

    /// Keras defaults: learning rate 0.01, no momentum.
    public init(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false, regularization: Regularization = .none) {
        self.schedule = .constant(learningRate)
        self.momentum = momentum
        self.nesterov = nesterov
        self.regularization = regularization
    }

    public init(schedule: LearningRateSchedule, momentum: Float = 0, nesterov: Bool = false, regularization: Regularization = .none) {
        self.schedule = schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.regularization = regularization
    }

    public func step(_ parameters: [Parameter]) {
        let lr = currentLearningRate
        let (mu, nesterov) = (momentum, self.nesterov)
        for parameter in parameters {
            let regularization = parameter.isRegularized ? self.regularization : .none
            let count = parameter.value.count
            guard count > 0 else { continue }
            let slots: OptimizerSlots? = mu != 0 ? table.slots(for: parameter) : nil
            parameter.gradient.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeMutableBufferPointer { w in
                    let (gp, wp) = (g.baseAddress!, w.baseAddress!)
                    guard let slots else {
                        forEachUpdateRange(count) { range in
                            for i in range { wp[i] -= lr * regularization.adjusted(gradient: gp[i], weight: wp[i]) }
                        }
                        return
                    }
                    slots.first.withUnsafeMutableBufferPointer { v in
                        let vp = v.baseAddress!
                        forEachUpdateRange(count) { range in
                            for i in range {
                                let step = -lr * regularization.adjusted(gradient: gp[i], weight: wp[i])
                                let velocity = mu * vp[i] + step
                                vp[i] = velocity
                                wp[i] += nesterov ? mu * velocity + step : velocity
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

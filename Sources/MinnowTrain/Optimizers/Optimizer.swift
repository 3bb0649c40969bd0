/// Updates parameters from their accumulated gradients.
///
/// One `step` is one update of every parameter passed; the caller zeroes the gradients before
/// accumulating the next batch. Regularization is added to the gradient of parameters with
/// `isRegularized` inside `step`, and the learning rate comes from `schedule` at the current
/// `iterations` (0 for the first update).
public protocol Optimizer: AnyObject {
    /// A short name for summaries, e.g. "Adam".
    var kind: String { get }
    var schedule: LearningRateSchedule { get set }
    var regularization: Regularization { get set }
    /// Updates applied so far.
    var iterations: Int { get }
    func step(_ parameters: [Parameter])
    /// Forgets all per-parameter state and restarts the iteration count.
    func reset()
}

extension Optimizer {
    /// The learning rate the next `step` uses.
    public var currentLearningRate: Float { schedule.learningRate(atStep: iterations) }
}

/// Per-parameter optimizer state (moments, velocities), kept in place between steps.
final class OptimizerSlots {
    let parameter: Parameter
    var first: [Float]
    var second: [Float]

    init(parameter: Parameter, needsSecond: Bool) {
        self.parameter = parameter
        first = [Float](repeating: 0, count: parameter.value.count)
        second = needsSecond ? [Float](repeating: 0, count: parameter.value.count) : []
    }
}

/// A table of slots keyed by parameter identity (the slot keeps its parameter alive, so the
/// identity cannot be reused).
struct OptimizerSlotTable {
    private var slots: [ObjectIdentifier: OptimizerSlots] = [:]
    let needsSecond: Bool

    init(needsSecond: Bool) { self.needsSecond = needsSecond }

    mutating func slots(for parameter: Parameter) -> OptimizerSlots {
        let key = ObjectIdentifier(parameter)
        if let existing = slots[key], existing.first.count == parameter.value.count { return existing }
        let created = OptimizerSlots(parameter: parameter, needsSecond: needsSecond)
        slots[key] = created
        return created
    }

    mutating func removeAll() { slots.removeAll() }

    /// The slots of `parameter` if it has any (none before its first update).
    func existingSlots(for parameter: Parameter) -> OptimizerSlots? {
        guard let existing = slots[ObjectIdentifier(parameter)], existing.first.count == parameter.value.count else { return nil }
        return existing
    }
}

/// Splits an element-wise update over cores when the parameter is large.
@inline(__always)
func forEachUpdateRange(_ count: Int, _ body: (Range<Int>) -> Void) {
    ElementwiseKernels.forEachRange(count, body)
}

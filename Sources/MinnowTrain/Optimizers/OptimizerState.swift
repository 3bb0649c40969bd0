/// Everything an optimizer carries between steps, in a form a checkpoint can store: the update
/// count (which also fixes the learning-rate schedule's position) and each parameter's slots.
public struct OptimizerState: Equatable, Sendable {
    /// Per parameter, in the order of the parameter list: its moments or velocity. Empty arrays
    /// stand for "no slots yet", which behaves as zeros.
    public struct Slots: Equatable, Sendable {
        public var first: [Float]
        public var second: [Float]
        public init(first: [Float], second: [Float]) {
            self.first = first
            self.second = second
        }
    }

    /// "Adam" or "SGD" (`Optimizer.kind`).
    public var kind: String
    public var iterations: Int
    public var slots: [Slots]

    public init(kind: String, iterations: Int, slots: [Slots]) {
        self.kind = kind
        self.iterations = iterations
        self.slots = slots
    }

    /// Whether every stored value is finite (a diverged run must not be saved).
    public var isFinite: Bool {
        slots.allSatisfy { $0.first.allSatisfy(\.isFinite) && $0.second.allSatisfy(\.isFinite) }
    }
}

/// An optimizer whose state can be saved and restored, so a resumed run takes exactly the
/// steps the uninterrupted run would.
public protocol StatefulOptimizer: Optimizer {
    /// The state for `parameters` (the same list, in the same order, that `step` receives).
    func state(for parameters: [Parameter]) -> OptimizerState
    /// Replaces the state with `state`, captured for a parameter list of the same shapes.
    func restore(_ state: OptimizerState, for parameters: [Parameter]) throws
}

extension OptimizerSlotTable {
    /// Each parameter's slots, empty where it has none yet.
    func exportedSlots(for parameters: [Parameter]) -> [OptimizerState.Slots] {
        parameters.map { parameter in
            guard let slots = existingSlots(for: parameter) else { return OptimizerState.Slots(first: [], second: []) }
            return OptimizerState.Slots(first: slots.first, second: slots.second)
        }
    }

    /// Replaces every slot with the saved ones, checking counts against the parameters.
    mutating func restore(_ saved: [OptimizerState.Slots], for parameters: [Parameter], kind: String) throws {
        guard saved.count == parameters.count else {
            throw TrainError.incompatibleState("\(kind) state: saved for \(saved.count) parameters, the model has \(parameters.count)")
        }
        removeAll()
        for (parameter, entry) in zip(parameters, saved) where !entry.first.isEmpty {
            let count = parameter.value.count
            guard entry.first.count == count, entry.second.count == (needsSecond ? count : 0) else {
                throw TrainError.incompatibleState("\(kind) state for '\(parameter.name)': saved \(entry.first.count)+\(entry.second.count) slot values, expected \(count)+\(needsSecond ? count : 0)")
            }
            let slots = self.slots(for: parameter)
            slots.first = entry.first
            slots.second = entry.second
        }
    }
}

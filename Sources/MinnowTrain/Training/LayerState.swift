/// One named piece of a layer's non-parameter training state (BatchNorm's moving averages,
/// Dropout's generator position), as a checkpoint stores it.
public struct LayerStateEntry: Equatable, Sendable {
    public enum Value: Equatable, Sendable {
        case floats([Float])
        case words([UInt64])
    }

    public var name: String
    public var value: Value

    public init(name: String, value: Value) {
        self.name = name
        self.value = value
    }

    /// The number of elements, for error messages and shape checks.
    public var count: Int {
        switch value {
        case .floats(let values): return values.count
        case .words(let values): return values.count
        }
    }
}

/// A layer whose training changes state other than its parameters. A resumed run must restore
/// it, or it would diverge from the uninterrupted run.
public protocol StatefulLayer: Layer {
    /// The state as it stands now (called at an epoch boundary).
    var trainingState: [LayerStateEntry] { get }
    /// Replaces the state with `state`, as produced by `trainingState` on a layer of the same
    /// configuration. Throws when an entry is missing or has the wrong size.
    func restoreTrainingState(_ state: [LayerStateEntry]) throws
}

extension StatefulLayer {
    /// The entry called `name` of `state`, checked to be `count` floats.
    func floats(_ name: String, count: Int, in state: [LayerStateEntry]) throws -> [Float] {
        guard let entry = state.first(where: { $0.name == name }) else {
            throw TrainError.incompatibleState("layer '\(self.name)' (\(kind)): the saved state has no '\(name)' (found \(state.map(\.name)))")
        }
        guard case .floats(let values) = entry.value, values.count == count else {
            throw TrainError.incompatibleState("layer '\(self.name)' (\(kind)): saved '\(name)' holds \(entry.count) values, expected \(count) floats")
        }
        return values
    }

    /// The entry called `name` of `state`, checked to be `count` 64-bit words.
    func words(_ name: String, count: Int, in state: [LayerStateEntry]) throws -> [UInt64] {
        guard let entry = state.first(where: { $0.name == name }) else {
            throw TrainError.incompatibleState("layer '\(self.name)' (\(kind)): the saved state has no '\(name)' (found \(state.map(\.name)))")
        }
        guard case .words(let values) = entry.value, values.count == count else {
            throw TrainError.incompatibleState("layer '\(self.name)' (\(kind)): saved '\(name)' holds \(entry.count) values, expected \(count) words")
        }
        return values
    }
}

extension SeededGenerator {
    /// The generator's whole state, so a checkpoint can continue its stream exactly.
    ///
    /// `SeededGenerator` (Core/Random.swift) keeps its single `UInt64` private; this reads and
    /// writes it through the value's memory. The layout check fails loudly if that struct ever
    /// gains fields (and `CheckpointTests` verify the round trip continues the same stream).
    var rawState: UInt64 {
        get {
            precondition(MemoryLayout<SeededGenerator>.size == MemoryLayout<UInt64>.size, "SeededGenerator layout changed")
            return withUnsafeBytes(of: self) { $0.load(as: UInt64.self) }
        }
        set {
            precondition(MemoryLayout<SeededGenerator>.size == MemoryLayout<UInt64>.size, "SeededGenerator layout changed")
            withUnsafeMutableBytes(of: &self) { $0.storeBytes(of: newValue, as: UInt64.self) }
        }
    }
}

import MinnowRuntime

/// Element-wise sum of two or more inputs of the same shape (Keras `Add`), e.g. the skip
/// connection of a residual block. Exports as the runtime's `add` operator (a chain of them
/// for more than two inputs).
public final class Add: MergeLayer {
    public var name: String
    public var kind: String { "Add" }
    public private(set) var itemShape: [Int] = []
    private var inputCount = 0

    public init(name: String = "add") { self.name = name }

    public func build(inputShapes: [[Int]], generator: inout SeededGenerator) throws -> [Int] {
        guard inputShapes.count >= 2 else {
            throw TrainError.invalidLayer(layer: "Add '\(name)'", reason: "needs at least two inputs, found \(inputShapes.count)")
        }
        guard inputShapes.allSatisfy({ $0 == inputShapes[0] }) else {
            throw TrainError.invalidLayer(layer: "Add '\(name)'",
                                          reason: "inputs must have the same shape, found \(inputShapes.map { "\($0)" }.joined(separator: ", "))")
        }
        itemShape = inputShapes[0]
        inputCount = inputShapes.count
        return itemShape
    }

    public func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        precondition(inputs.count == inputCount && inputs.allSatisfy({ $0.count == inputs[0].count }),
                     "Add '\(name)': expected \(inputCount) inputs of equal size, found \(inputs.map(\.shape))")
        var sum = inputs[0]
        for other in inputs.dropFirst() { sum.add(other) }
        return sum
    }

    public func backwardInputs(_ outputGradient: Tensor) -> [Tensor] {
        [Tensor](repeating: outputGradient, count: inputCount)
    }

    public func export(to builder: inout ModelBuilder, inputs: [Int]) throws -> Int {
        guard inputCount >= 2 else { throw TrainError.notBuilt("Add '\(name)' export") }
        let shape = builder.tensors[inputs[0]].shape
        for input in inputs where builder.tensors[input].shape != shape {
            throw TrainError.exportFailed(layer: "Add '\(name)'",
                                          reason: "input tensors have shapes \(inputs.map { builder.tensors[$0].shape }), expected equal shapes")
        }
        var sum = inputs[0]
        for (k, other) in inputs.dropFirst().enumerated() {
            let last = k == inputs.count - 2
            let output = builder.addTensor(name: last ? name : "\(name)/sum\(k + 1)", shape: shape)
            builder.addOperator(.add, inputs: [sum, other], outputs: [output])
            sum = output
        }
        return sum
    }
}

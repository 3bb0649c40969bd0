import MinnowRuntime

/// Gives each item a new shape with the same number of values (Keras `Reshape`); row-major,
/// like `Flatten`, and exported as the runtime's `reshape`.
public final class Reshape: Layer {
    public var name: String
    public var kind: String { "Reshape" }
    public let targetShape: [Int]
    private var itemShape: [Int] = []

    public init(_ targetShape: [Int], name: String = "reshape") {
        self.targetShape = targetShape
        self.name = name
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        guard !targetShape.isEmpty, targetShape.allSatisfy({ $0 > 0 }), targetShape.reduce(1, *) == inputShape.reduce(1, *) else {
            throw TrainError.invalidLayer(
                layer: "Reshape '\(name)'",
                reason: "cannot reshape items of shape \(inputShape) (\(inputShape.reduce(1, *)) values) to \(targetShape) (\(targetShape.reduce(1, *)) values)")
        }
        itemShape = inputShape
        return targetShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        input.reshaped([input.batchSize] + targetShape)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        outputGradient.reshaped([outputGradient.batchSize] + itemShape)
    }

    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        let output = builder.addTensor(name: name, shape: [1] + targetShape)
        builder.addOperator(.reshape, inputs: [input], outputs: [output])
        return output
    }
}

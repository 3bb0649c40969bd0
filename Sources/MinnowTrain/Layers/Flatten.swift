import MinnowRuntime

/// Collapses every non-batch dimension into one: `[N, d1, d2, …] → [N, d1·d2·…]` (Keras
/// `Flatten`). Row-major order, so NHWC images flatten as (h, w, c) — the order the
/// runtime's `reshape` uses too.
public final class Flatten: Layer {
    public var name: String
    public var kind: String { "Flatten" }
    private var itemShape: [Int] = []

    public init(name: String = "flatten") { self.name = name }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw TrainError.invalidLayer(layer: "Flatten '\(name)'", reason: "needs a non-empty input shape with positive sizes, found \(inputShape)")
        }
        itemShape = inputShape
        return [inputShape.reduce(1, *)]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        input.reshaped([input.batchSize, input.itemCount])
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        outputGradient.reshaped([outputGradient.batchSize] + itemShape)
    }

    /// Emits a `reshape` whose output tensor (named after the layer) is `[1, product]`.
    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        let count = builder.tensors[input].shape.dropFirst().reduce(1, *)
        let output = builder.addTensor(name: name, shape: [1, count])
        builder.addOperator(.reshape, inputs: [input], outputs: [output])
        return output
    }
}

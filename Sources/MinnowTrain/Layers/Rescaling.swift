import MinnowRuntime

/// `y = x · scale + offset` on every value (Keras `Rescaling(scale, offset)`), e.g.
/// `scale: 1/255` so a model takes raw 0–255 pixels. No parameters. Exports as the runtime's
/// `batchNorm` operator with the same scale and offset on every channel.
public final class Rescaling: Layer {
    public var name: String
    public var kind: String { "Rescaling" }
    public let scale: Float
    public let offset: Float
    private var itemShape: [Int] = []

    public init(scale: Float, offset: Float = 0, name: String = "rescaling") {
        precondition(scale.isFinite && offset.isFinite, "Rescaling: scale and offset must be finite")
        self.scale = scale
        self.offset = offset
        self.name = name
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw TrainError.invalidLayer(layer: "Rescaling '\(name)'", reason: "needs a positive input shape, found \(inputShape)")
        }
        itemShape = inputShape
        return inputShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let (a, b) = (scale, offset)
        return Tensor(shape: input.shape, data: input.data.map { $0 * a + b })
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        let a = scale
        return Tensor(shape: outputGradient.shape, data: outputGradient.data.map { $0 * a })
    }

    /// `batchNorm` with `scale` and `offset` constants of the last axis' size, named
    /// `NAME/rescaling_scale` and `NAME/rescaling_offset` so a file read back (`--from`) tells
    /// them from a batch norm's; the output tensor is `NAME`.
    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        let shape = builder.tensors[input].shape
        guard let channels = shape.last, !itemShape.isEmpty, shape.dropFirst().reduce(1, *) == itemShape.reduce(1, *) else {
            throw TrainError.exportFailed(layer: "Rescaling '\(name)'", reason: "export input tensor has shape \(shape), expected [1] + \(itemShape)")
        }
        let s = builder.addConstant(name: "\(name)/rescaling_scale", shape: [channels], floats: [Float](repeating: scale, count: channels))
        let o = builder.addConstant(name: "\(name)/rescaling_offset", shape: [channels], floats: [Float](repeating: offset, count: channels))
        let output = builder.addTensor(name: name, shape: shape)
        builder.addOperator(.batchNorm, inputs: [input, s, o], outputs: [output])
        return output
    }
}

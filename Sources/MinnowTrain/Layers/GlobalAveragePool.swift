import MinnowRuntime

/// Mean over the spatial positions of NHWC images (Keras `GlobalAveragePooling2D`):
/// `[N, H, W, C]` → `[N, C]`.
public final class GlobalAveragePool: Layer {
    public var name: String
    public var kind: String { "GlobalAveragePool" }
    /// Built input shape `[H, W, C]`.
    public private(set) var inputShape: [Int] = []

    private var cachedBatch = 0

    public init(name: String = "global_average_pool") {
        self.name = name
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }) else {
            throw TrainError.invalidLayer(layer: "GlobalAveragePool '\(name)'", reason: "expected an input shape [H, W, C] of positive sizes, found \(inputShape)")
        }
        self.inputShape = inputShape
        return [inputShape[2]]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(!inputShape.isEmpty, "GlobalAveragePool '\(name)': forward before build")
        precondition(
            input.shape.count == 4 && Array(input.shape.dropFirst()) == inputShape,
            "GlobalAveragePool '\(name)': expected input [N] + \(inputShape), found \(input.shape)")
        let batch = input.batchSize
        let positions = inputShape[0] * inputShape[1]
        let c = inputShape[2]
        let scale = Float(positions)
        let output = uninitializedFloats(count: batch * c) { out in
            input.data.withUnsafeBufferPointer { xb in
                let x = xb.baseAddress!
                Parallel.forEachChunk(batch) { items in
                    for n in items {
                        let y = out + n * c
                        var src = x + n * positions * c
                        for ch in 0..<c { y[ch] = 0 }
                        for _ in 0..<positions {
                            for ch in 0..<c { y[ch] += src[ch] }
                            src += c
                        }
                        for ch in 0..<c { y[ch] /= scale }
                    }
                }
            }
        }
        cachedBatch = batch
        return Tensor(shape: [batch, c], data: output)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        precondition(cachedBatch > 0, "GlobalAveragePool '\(name)': backward before forward")
        let batch = cachedBatch
        let positions = inputShape[0] * inputShape[1]
        let c = inputShape[2]
        precondition(
            outputGradient.count == batch * c,
            "GlobalAveragePool '\(name)': output gradient shape \(outputGradient.shape) does not match [\(batch), \(c)]")
        let scale = Float(positions)
        let inputGradient = uninitializedFloats(count: batch * positions * c) { dx in
            outputGradient.data.withUnsafeBufferPointer { dyb in
                let dy = dyb.baseAddress!
                Parallel.forEachChunk(batch) { items in
                    for n in items {
                        let gy = dy + n * c
                        var dst = dx + n * positions * c
                        for _ in 0..<positions {
                            for ch in 0..<c { dst[ch] = gy[ch] / scale }
                            dst += c
                        }
                    }
                }
            }
        }
        return Tensor(shape: [batch] + inputShape, data: inputGradient)
    }

    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        guard !inputShape.isEmpty else { throw TrainError.notBuilt("GlobalAveragePool \'\(name)\' export") }
        let expected = [1] + inputShape
        guard builder.tensors[input].shape == expected else {
            throw TrainError.exportFailed(layer: "GlobalAveragePool '\(name)'", reason: "export input shape \(builder.tensors[input].shape), expected \(expected)")
        }
        let out = builder.addTensor(name: name, shape: [1, inputShape[2]])
        builder.addOperator(.globalAveragePool, inputs: [input], outputs: [out])
        return out
    }
}

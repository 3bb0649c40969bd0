import MinnowRuntime

/// Inverted dropout (Keras `Dropout`): in training each value is zeroed with probability
/// `rate` and the survivors are scaled by `1 / (1 − rate)`, so inference is the identity and
/// exports no operator.
///
/// The mask comes from the layer's own generator, split in `build` from the model's, so a
/// run is reproducible from the model seed.
public final class Dropout: Layer {
    public var name: String
    public var kind: String { "Dropout" }
    public let rate: Float
    private var generator = SeededGenerator(seed: 0)
    /// `0` or `1 / (1 − rate)` per element of the last training forward; empty otherwise.
    private var mask: [Float] = []

    public init(rate: Float, name: String = "dropout") {
        precondition(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1), got \(rate)")
        self.rate = rate
        self.name = name
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        self.generator = generator.split()
        return inputShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training, rate > 0 else {
            mask = []
            return input
        }
        let count = input.count
        let scale = 1 / (1 - rate)
        // Keep when a 24-bit uniform draw is at or above rate · 2^24.
        let threshold = UInt64((rate * Float(1 << 24)).rounded())
        if mask.count != count { mask = [Float](repeating: 0, count: count) }
        var output = [Float](repeating: 0, count: count)
        var random = generator
        mask.withUnsafeMutableBufferPointer { m in
            input.data.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    for i in 0..<count {
                        let keep: Float = (random.next() >> 40) >= threshold ? scale : 0
                        m[i] = keep
                        y[i] = x[i] * keep
                    }
                }
            }
        }
        generator = random
        return Tensor(shape: input.shape, data: output)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        if mask.isEmpty { return outputGradient }
        precondition(mask.count == outputGradient.count, "Dropout '\(name)': gradient shape \(outputGradient.shape) does not match the last forward")
        var result = outputGradient
        let count = result.count
        result.data.withUnsafeMutableBufferPointer { g in
            mask.withUnsafeBufferPointer { m in
                for i in 0..<count { g[i] *= m[i] }
            }
        }
        return result
    }

    /// Dropout is the identity at inference: no operator, the input tensor passes through.
    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int { input }
}

extension Dropout: StatefulLayer {
    /// The mask generator's position: restoring it makes the next masks those the
    /// uninterrupted run would draw.
    public var trainingState: [LayerStateEntry] {
        [LayerStateEntry(name: "generator", value: .words([generator.rawState]))]
    }

    public func restoreTrainingState(_ state: [LayerStateEntry]) throws {
        generator.rawState = try words("generator", count: 1, in: state)[0]
        mask = []
    }
}

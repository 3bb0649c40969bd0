import MinnowRuntime

/// A stack of layers applied in order: the float model the trainer fits and exports.
public final class Sequential {
    public let inputShape: [Int]
    public private(set) var layers: [Layer]
    /// Per-item output shape of every layer, filled by `build`.
    public private(set) var layerOutputShapes: [[Int]] = []
    public private(set) var isBuilt = false

    /// - Parameter inputShape: the per-item input shape (no batch dimension), e.g. `[28, 28, 1]`.
    public init(inputShape: [Int], layers: [Layer]) {
        self.inputShape = inputShape
        self.layers = layers
    }

    /// Gives every layer a unique name, creates parameters from `seed` and checks that shapes chain.
    public func build(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        // Keras-style unique names: dense, dense_1, dense_2, …
        var used = Set<String>()
        for layer in layers {
            if layer.name.isEmpty { layer.name = layer.kind.lowercased() }
            if used.contains(layer.name) {
                let base = layer.name
                var n = 1
                while used.contains("\(base)_\(n)") { n += 1 }
                layer.name = "\(base)_\(n)"
            }
            used.insert(layer.name)
        }
        var shape = inputShape
        layerOutputShapes = []
        for layer in layers {
            do {
                shape = try layer.build(inputShape: shape, generator: &generator)
            } catch let error as TrainError {
                throw TrainError("layer '\(layer.name)' (\(layer.kind)) with input shape \(shape): \(error.description)")
            }
            layerOutputShapes.append(shape)
        }
        if let first = layers.first(where: { !$0.parameters.isEmpty }) as? InputGradientSkipping {
            first.computesInputGradient = false
        }
        isBuilt = true
    }

    public var outputShape: [Int] { layerOutputShapes.last ?? inputShape }

    public var parameters: [Parameter] { layers.flatMap { $0.parameters } }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Runs the batch `input` ([N] + inputShape) through every layer.
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        var x = input
        for layer in layers { x = layer.forward(x, training: training) }
        return x
    }

    /// Back-propagates `outputGradient` through every layer, accumulating parameter gradients.
    public func backward(_ outputGradient: Tensor) {
        var g = outputGradient
        for layer in layers.reversed() { g = layer.backward(g) }
    }

    /// A human-readable table of layers, output shapes and parameter counts.
    public func summary() -> String {
        var lines = ["layer                 kind               output shape        parameters"]
        for (i, layer) in layers.enumerated() {
            let shape = i < layerOutputShapes.count ? "\(layerOutputShapes[i])" : "?"
            lines.append(layer.name.padded(22) + layer.kind.padded(19) + shape.padded(20) + "\(layer.parameterCount)")
        }
        lines.append("total parameters: \(parameterCount)")
        return lines.joined(separator: "\n")
    }

    /// The inference graph: input tensor `[1] + inputShape`, every layer's operators, one output.
    public func exportGraph() throws -> ModelBuilder {
        guard isBuilt else { throw TrainError("export: the model is not built") }
        var builder = ModelBuilder()
        var current = builder.addTensor(name: "input", shape: [1] + inputShape)
        builder.inputs = [current]
        for layer in layers {
            current = try layer.export(to: &builder, input: current)
        }
        builder.outputs = [current]
        return builder
    }
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}

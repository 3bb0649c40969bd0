import MinnowRuntime

/// A graph of layers with one input and one output: the float model the trainer fits and
/// exports (Keras' functional `Model`). `Sequential` is the special case where every layer
/// reads the one before it.
///
/// Layers are kept in an order where every layer comes after the layers it reads
/// (`layerInputs`, with `-1` for the model input), and the last layer is the output. Every
/// layer must contribute to the output. A layer whose output several layers read receives
/// the sum of their gradients, added in a fixed order, so training stays deterministic.
public class FunctionalModel {
    /// The per-item input shape (no batch dimension), e.g. `[28, 28, 1]`.
    public let inputShape: [Int]
    /// Every layer, each after the layers it reads; the last one is the output.
    public private(set) var layers: [Layer]
    /// For each layer, the indices of the layers it reads (`-1`: the model input).
    public let layerInputs: [[Int]]
    /// Per-item output shape of every layer, filled by `build`.
    public private(set) var layerOutputShapes: [[Int]] = []
    public private(set) var isBuilt = false

    /// Index used in `layerInputs` for the model input.
    public static let modelInput = -1

    /// Creates a model from layers in dependency order and what each one reads.
    ///
    /// - Throws: `TrainError.invalidSpec` when a layer reads a later layer, a merge layer has
    ///   fewer than two inputs, another layer has more than one, or a layer does not
    ///   contribute to the output (the last layer).
    public init(inputShape: [Int], layers: [Layer], inputs: [[Int]]) throws {
        guard !layers.isEmpty else { throw TrainError.invalidSpec(location: "model", reason: "has no layers") }
        guard inputs.count == layers.count else {
            throw TrainError.invalidSpec(location: "model", reason: "\(layers.count) layers but \(inputs.count) input lists")
        }
        for (i, layer) in layers.enumerated() {
            let where_ = "layer \(i) '\(layer.name)' (\(layer.kind))"
            guard !inputs[i].isEmpty else { throw TrainError.invalidSpec(location: where_, reason: "reads nothing") }
            for source in inputs[i] where source < Self.modelInput || source >= i {
                throw TrainError.invalidSpec(location: where_, reason: "reads layer \(source), which does not come before it")
            }
            if layer is MergeLayer {
                guard inputs[i].count >= 2 else {
                    throw TrainError.invalidSpec(location: where_, reason: "needs at least two inputs, found \(inputs[i].count)")
                }
            } else if inputs[i].count != 1 {
                throw TrainError.invalidSpec(location: where_, reason: "takes one input, found \(inputs[i].count)")
            }
        }
        var used = [Bool](repeating: false, count: layers.count)
        used[layers.count - 1] = true
        for i in stride(from: layers.count - 1, through: 0, by: -1) where used[i] {
            for source in inputs[i] where source >= 0 { used[source] = true }
        }
        if let unused = used.firstIndex(of: false) {
            throw TrainError.invalidSpec(
                location: "layer \(unused) '\(layers[unused].name)' (\(layers[unused].kind))",
                reason: "does not feed the model's output (the last layer, '\(layers[layers.count - 1].name)'); remove it or use it as an input")
        }
        var seen = Set<ObjectIdentifier>()
        for layer in layers where !seen.insert(ObjectIdentifier(layer)).inserted {
            throw TrainError.invalidSpec(location: "layer '\(layer.name)' (\(layer.kind))",
                                         reason: "is used twice; shared layers are not supported, create a second layer")
        }
        self.inputShape = inputShape
        self.layers = layers
        self.layerInputs = inputs
    }

    /// A model from Keras-style functional calls: `output` traced back to `input`.
    ///
    /// ```swift
    /// let input = SymbolicTensor(inputShape: [32, 32, 3])
    /// let x = Conv2D(filters: 16, kernelSize: (3, 3), padding: .same, activation: .relu)(input)
    /// let y = Conv2D(filters: 16, kernelSize: (3, 3), padding: .same)(x)
    /// let model = try FunctionalModel(input: input, output: ReLU()(Add()(x, y)))
    /// ```
    public convenience init(input: SymbolicTensor, output: SymbolicTensor) throws {
        guard let shape = input.inputShape else {
            throw TrainError.invalidSpec(location: "model", reason: "'input' must be a SymbolicTensor(inputShape:), not a layer's output")
        }
        var order: [SymbolicTensor] = []
        var index: [ObjectIdentifier: Int] = [ObjectIdentifier(input): Self.modelInput]
        // Depth-first post-order from the output: inputs before the layers that read them.
        var stack: [(node: SymbolicTensor, expanded: Bool)] = [(output, false)]
        while let (node, expanded) = stack.popLast() {
            let id = ObjectIdentifier(node)
            if index[id] != nil { continue }
            if node.layer == nil {
                throw TrainError.invalidSpec(location: "model", reason: "the output depends on an input other than the model's 'input'")
            }
            if expanded {
                index[id] = order.count
                order.append(node)
            } else {
                stack.append((node, true))
                for source in node.inputs.reversed() where index[ObjectIdentifier(source)] == nil {
                    stack.append((source, false))
                }
            }
        }
        try self.init(inputShape: shape, layers: order.map { $0.layer! },
                      inputs: order.map { node in node.inputs.map { index[ObjectIdentifier($0)]! } })
    }

    /// Whether every layer reads the one before it.
    public var isSequential: Bool {
        layerInputs.enumerated().allSatisfy { $1 == [$0 - 1] }
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
        layerOutputShapes = []
        for (i, layer) in layers.enumerated() {
            let shapes = layerInputs[i].map { $0 < 0 ? inputShape : layerOutputShapes[$0] }
            let shape: [Int]
            do {
                if let merge = layer as? MergeLayer {
                    shape = try merge.build(inputShapes: shapes, generator: &generator)
                } else {
                    shape = try layer.build(inputShape: shapes[0], generator: &generator)
                }
            } catch let error as TrainError {
                let given = shapes.count == 1 ? "input shape \(shapes[0])" : "input shapes \(shapes.map { "\($0)" }.joined(separator: ", "))"
                throw TrainError.invalidLayer(layer: "layer '\(layer.name)' (\(layer.kind)) with \(given)", reason: error.description)
            }
            layerOutputShapes.append(shape)
        }
        // A layer whose inputs depend on no parameter needs no input gradient: nobody reads it.
        var dependsOnParameters = [Bool](repeating: false, count: layers.count)
        for (i, layer) in layers.enumerated() {
            let upstream = layerInputs[i].contains { $0 >= 0 && dependsOnParameters[$0] }
            if !upstream, let skipping = layer as? InputGradientSkipping, !layer.parameters.isEmpty {
                skipping.computesInputGradient = false
            }
            dependsOnParameters[i] = upstream || !layer.parameters.isEmpty
        }
        isBuilt = true
    }

    public var outputShape: [Int] { layerOutputShapes.last ?? inputShape }

    public var parameters: [Parameter] { layers.flatMap { $0.parameters } }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Runs the batch `input` ([N] + inputShape) through every layer.
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        forward(input, training: training, skippingOutputLayer: false)
    }

    /// Back-propagates `outputGradient` through every layer, accumulating parameter gradients.
    public func backward(_ outputGradient: Tensor) {
        backward(outputGradient, skippingOutputLayer: false)
    }

    /// Runs the layers; with `skippingOutputLayer`, stops before the last one and returns
    /// what it would read (a loss that applies the output activation itself uses this).
    func forward(_ input: Tensor, training: Bool, skippingOutputLayer: Bool) -> Tensor {
        let count = layers.count
        let last = skippingOutputLayer ? count - 1 : count
        // How many layers still have to read each output, so tensors are freed after their last use.
        var remainingReaders = [Int](repeating: 0, count: count)
        for i in 0..<last { for source in layerInputs[i] where source >= 0 { remainingReaders[source] += 1 } }
        let result = skippingOutputLayer ? layerInputs[count - 1][0] : count - 1
        var outputs = [Tensor?](repeating: nil, count: count)
        for i in 0..<last {
            let layer = layers[i]
            let sources = layerInputs[i]
            if let merge = layer as? MergeLayer {
                outputs[i] = merge.forward(sources.map { $0 < 0 ? input : outputs[$0]! }, training: training)
            } else {
                let source = sources[0]
                outputs[i] = layer.forward(source < 0 ? input : outputs[source]!, training: training)
            }
            for source in sources where source >= 0 {
                remainingReaders[source] -= 1
                if remainingReaders[source] == 0, source != result { outputs[source] = nil }
            }
        }
        return result < 0 ? input : outputs[result]!
    }

    func backward(_ outputGradient: Tensor, skippingOutputLayer: Bool) {
        let count = layers.count
        var gradients = [Tensor?](repeating: nil, count: count)
        if skippingOutputLayer {
            let source = layerInputs[count - 1][0]
            if source < 0 { return }
            gradients[source] = outputGradient
        } else {
            gradients[count - 1] = outputGradient
        }
        for i in stride(from: count - 1, through: 0, by: -1) {
            guard let gradient = gradients[i] else { continue }
            gradients[i] = nil
            let layer = layers[i]
            let inputGradients = (layer as? MergeLayer)?.backwardInputs(gradient) ?? [layer.backward(gradient)]
            for (source, inputGradient) in zip(layerInputs[i], inputGradients) where source >= 0 {
                if var sum = gradients[source] {
                    sum.add(inputGradient)
                    gradients[source] = sum
                } else {
                    gradients[source] = inputGradient
                }
            }
        }
    }

    /// A Keras-style table of layers, output shapes, parameter counts and, for graphs, what
    /// each layer reads.
    public func summary() -> String {
        let graph = !isSequential
        var lines = ["layer                 kind               output shape        parameters" + (graph ? "   inputs" : "")]
        for (i, layer) in layers.enumerated() {
            let shape = i < layerOutputShapes.count ? "\(layerOutputShapes[i])" : "?"
            var line = layer.name.padded(22) + layer.kind.padded(19) + shape.padded(20)
            if graph {
                line += "\(layer.parameterCount)".padded(13)
                line += layerInputs[i].map { $0 < 0 ? "input" : layers[$0].name }.joined(separator: ", ")
            } else {
                line += "\(layer.parameterCount)"
            }
            lines.append(line)
        }
        lines.append("total parameters: \(parameterCount) (\(parameterCount * 4) bytes as float32)")
        return lines.joined(separator: "\n")
    }

    /// The inference graph: input tensor `[1] + inputShape`, every layer's operators, one output.
    public func exportGraph() throws -> ModelBuilder {
        guard isBuilt else { throw TrainError.notBuilt("export") }
        var builder = ModelBuilder()
        let input = builder.addTensor(name: "input", shape: [1] + inputShape)
        builder.inputs = [input]
        var tensors = [Int](repeating: -1, count: layers.count)
        for (i, layer) in layers.enumerated() {
            let sources = layerInputs[i].map { $0 < 0 ? input : tensors[$0] }
            if let merge = layer as? MergeLayer {
                tensors[i] = try merge.export(to: &builder, inputs: sources)
            } else {
                tensors[i] = try layer.export(to: &builder, input: sources[0])
            }
        }
        builder.outputs = [tensors[layers.count - 1]]
        return builder
    }
}

/// A stack of layers applied in order (Keras `Sequential`).
public final class Sequential: FunctionalModel {
    /// - Parameter inputShape: the per-item input shape (no batch dimension), e.g. `[28, 28, 1]`.
    public init(inputShape: [Int], layers: [Layer]) {
        precondition(!layers.isEmpty, "Sequential: needs at least one layer")
        do {
            try super.init(inputShape: inputShape, layers: layers, inputs: (0..<layers.count).map { [$0 - 1] })
        } catch {
            preconditionFailure("Sequential: \(error)")
        }
    }
}

/// A layer output in a model under construction (Keras' symbolic tensor): what a layer's
/// `callAsFunction` returns and accepts.
public final class SymbolicTensor {
    /// The layer that produces this tensor; `nil` for the model input.
    public let layer: Layer?
    /// What `layer` reads.
    public let inputs: [SymbolicTensor]
    /// The per-item shape of a model input; `nil` for layer outputs (known after `build`).
    public let inputShape: [Int]?

    /// The model's input, with the per-item shape (no batch dimension).
    public init(inputShape: [Int]) {
        layer = nil
        inputs = []
        self.inputShape = inputShape
    }

    init(layer: Layer, inputs: [SymbolicTensor]) {
        self.layer = layer
        self.inputs = inputs
        inputShape = nil
    }
}

extension Layer {
    /// Applies this layer to `inputs` while building a `FunctionalModel` (Keras' `layer(x)`).
    public func callAsFunction(_ inputs: SymbolicTensor...) -> SymbolicTensor {
        SymbolicTensor(layer: self, inputs: inputs)
    }
}

extension Tensor {
    /// Adds `other` element by element (same element count).
    mutating func add(_ other: Tensor) {
        precondition(count == other.count, "Tensor.add: \(shape) and \(other.shape) differ in size")
        let n = count
        data.withUnsafeMutableBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in
                for i in 0..<n { a[i] += b[i] }
            }
        }
    }
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}

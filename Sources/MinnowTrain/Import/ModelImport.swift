import MinnowRuntime

extension FunctionalModel {
    /// Reads a float model file back into trainer layers — architecture and weights — so it
    /// can be trained further (`minnow train --from`). The model comes back built.
    ///
    /// Every operator the trainer exports maps back to its layer: `fullyConnected` (with a
    /// following `logistic`/`tanh` folded back in) → `Dense`, `conv2D` → `Conv2D`,
    /// `depthwiseConv2D`, pools, `add`, `reshape` (→ `Flatten` or `Reshape`), activations,
    /// `lstm`, `gru`, and `batchNorm`. Layers are named after their output tensors, so
    /// exporting the result again gives the same file. What a file does not keep cannot come
    /// back: dropout layers (the identity at inference) are gone, and a batch norm keeps only
    /// its folded scale and offset, so it returns with frozen statistics (`freezesStatistics`,
    /// Keras' usual setting for fine-tuning) and those as `gamma` and `beta`.
    ///
    /// - Parameter path: names the file in errors.
    public static func load(modelFile bytes: [UInt8], path: String) throws -> FunctionalModel {
        try bytes.withUnsafeBytes { raw in
            let model: Model
            do { model = try Model(bytes: raw) } catch {
                throw TrainError.invalidModelFile(path: path, reason: "\(error)")
            }
            return try ModelImporter(model: model, path: path).importModel()
        }
    }
}

/// Walks a runtime model's operators and rebuilds the layer graph.
private struct ModelImporter {
    let model: Model
    let path: String

    /// A layer with the tensors it reads and the constants to copy in after `build`.
    struct Node {
        var layer: Layer
        var inputs: [Int]
        var load: (Layer) throws -> Void
    }

    func fail(_ op: Int, _ reason: String) -> TrainError {
        .invalidModelFile(path: path, reason: "operator \(op) (\(model.operatorCode(op))): \(reason)")
    }

    func shape(_ t: Int) -> [Int] {
        let s = model.tensorShape(t)
        return (0..<s.rank).map { s[$0] }
    }

    func floats(_ t: Int, op: Int) throws -> [Float] {
        guard model.isConstant(t), model.tensorType(t) == .float32, let values = model.constantFloats(t) else {
            throw fail(op, "expected a float32 constant for tensor \(t) '\(model.tensorName(t))'")
        }
        return Array(values)
    }

    func name(_ t: Int) -> String? {
        let text = model.tensorName(t)
        return text.isEmpty ? nil : text
    }

    func importModel() throws -> FunctionalModel {
        guard model.inputs.count == 1, model.outputs.count == 1 else {
            throw TrainError.invalidModelFile(path: path, reason: "has \(model.inputs.count) inputs and \(model.outputs.count) outputs; training continues only models with one of each")
        }
        for t in 0..<model.tensorCount where model.tensorType(t) != .float32 {
            throw TrainError.invalidModelFile(
                path: path, reason: "is not a float model (tensor \(t) '\(model.tensorName(t))' is \(model.tensorType(t))); continue training from the float model the int8 one was quantized from")
        }
        let input = model.inputs[0]
        let inputShape = Array(shape(input).dropFirst())
        guard !inputShape.isEmpty else { throw TrainError.invalidModelFile(path: path, reason: "the input has no item dimensions") }

        // Readers of each tensor, to fold a standalone sigmoid or tanh back into its producer.
        var readers = [Int](repeating: 0, count: model.tensorCount)
        for op in 0..<model.operatorCount { for t in model.operatorInputs(op) { readers[t] += 1 } }
        var readerOp = [Int](repeating: -1, count: model.tensorCount)
        for op in 0..<model.operatorCount { for t in model.operatorInputs(op) { readerOp[t] = op } }

        var nodes: [Node] = []
        var producer: [Int: Int] = [input: FunctionalModel.modelInput]
        var skipped = Set<Int>()
        func source(_ t: Int, _ op: Int) throws -> Int {
            guard let index = producer[t] else { throw fail(op, "reads tensor \(t) '\(model.tensorName(t))', which nothing produced before it") }
            return index
        }
        /// A standalone activation that reads only `output` and can be folded into its producer.
        func foldableActivation(after output: Int) -> (Activation, op: Int)? {
            guard readers[output] == 1, model.outputs[0] != output else { return nil }
            let next = readerOp[output]
            switch model.operatorCode(next) {
            case .logistic: return (.sigmoid, next)
            case .tanh: return (.tanh, next)
            default: return nil
            }
        }
        func fused(_ activation: FusedActivation) -> Activation {
            switch activation {
            case .none: return .linear
            case .relu: return .relu
            case .relu6: return .relu6
            }
        }
        func add(_ layer: Layer, reading inputs: [Int], output: Int, load: @escaping (Layer) throws -> Void = { _ in }) {
            nodes.append(Node(layer: layer, inputs: inputs, load: load))
            producer[output] = nodes.count - 1
        }

        for op in 0..<model.operatorCount where !skipped.contains(op) {
            let code = model.operatorCode(op)
            let ins = Array(model.operatorInputs(op))
            let outs = Array(model.operatorOutputs(op))
            guard outs.count == 1, !ins.isEmpty else { throw fail(op, "expected one output and at least one input") }
            var output = outs[0]
            let options = model.operatorOptions(op)
            switch code {
            case .fullyConnected, .conv2D, .depthwiseConv2D:
                guard ins.count == 3 else { throw fail(op, "expected inputs [x, weights, bias], found \(ins.count)") }
                let weights = try floats(ins[1], op: op), bias = try floats(ins[2], op: op)
                let weightShape = shape(ins[1])
                var activation = fused(options.activation)
                if activation == .linear, let (standalone, next) = foldableActivation(after: output) {
                    activation = standalone
                    skipped.insert(next)
                    output = model.operatorOutputs(next)[0]
                }
                let layerName = name(output)
                var reading = [try source(ins[0], op)]
                func copy(_ parameters: [Parameter]) throws {
                    guard parameters.count == 2, parameters[0].value.count == weights.count, parameters[1].value.count == bias.count else {
                        throw fail(op, "weights \(weightShape) and bias [\(bias.count)] do not fit the layer built from them")
                    }
                    parameters[0].value = weights
                    parameters[1].value = bias
                }
                switch code {
                case .fullyConnected:
                    guard weightShape.count == 2 else { throw fail(op, "weights must be [out, in], found \(weightShape)") }
                    if shape(ins[0]).count > 2 {
                        // The runtime flattens implicitly; the trainer's Dense wants a Flatten first.
                        add(Flatten(name: "\(layerName ?? "dense")/flatten"), reading: reading, output: -op - 2)
                        reading = [nodes.count - 1]
                    }
                    let dense = Dense(units: weightShape[0], activation: activation, name: layerName ?? "dense")
                    add(dense, reading: reading, output: output) { try copy($0.parameters) }
                case .conv2D:
                    guard weightShape.count == 4 else { throw fail(op, "weights must be [O, kH, kW, C], found \(weightShape)") }
                    let conv = Conv2D(filters: weightShape[0], kernelSize: (weightShape[1], weightShape[2]),
                                      strides: (Int(options.strideHeight), Int(options.strideWidth)), padding: options.padding,
                                      activation: activation, name: layerName ?? "conv2d")
                    add(conv, reading: reading, output: output) { try copy($0.parameters) }
                default:
                    let channels = shape(ins[0]).last ?? 0
                    guard weightShape.count == 4, channels > 0, weightShape[3] % channels == 0 else {
                        throw fail(op, "weights \(weightShape) do not fit an input of \(channels) channels")
                    }
                    let depthwise = DepthwiseConv2D(
                        kernelSize: (weightShape[1], weightShape[2]), strides: (Int(options.strideHeight), Int(options.strideWidth)),
                        padding: options.padding, activation: activation, depthMultiplier: weightShape[3] / channels,
                        name: layerName ?? "depthwise_conv2d")
                    add(depthwise, reading: reading, output: output) { try copy($0.parameters) }
                }
            case .maxPool2D, .averagePool2D:
                let pool = (Int(options.kernelHeight), Int(options.kernelWidth))
                let strides = (Int(options.strideHeight), Int(options.strideWidth))
                let layer: Layer = code == .maxPool2D
                    ? MaxPool2D(poolSize: pool, strides: strides, padding: options.padding, name: name(output) ?? "max_pool2d")
                    : AveragePool2D(poolSize: pool, strides: strides, padding: options.padding, name: name(output) ?? "average_pool2d")
                add(layer, reading: [try source(ins[0], op)], output: output)
            case .globalAveragePool:
                add(GlobalAveragePool(name: name(output) ?? "global_average_pool"), reading: [try source(ins[0], op)], output: output)
            case .add:
                guard ins.count == 2 else { throw fail(op, "expected two inputs, found \(ins.count)") }
                add(Add(name: name(output) ?? "add"), reading: [try source(ins[0], op), try source(ins[1], op)], output: output)
            case .reshape:
                let target = Array(shape(output).dropFirst())
                let layer: Layer = target.count == 1 ? Flatten(name: name(output) ?? "flatten") : Reshape(target, name: name(output) ?? "reshape")
                add(layer, reading: [try source(ins[0], op)], output: output)
            case .softmax:
                add(Softmax(name: name(output) ?? "softmax"), reading: [try source(ins[0], op)], output: output)
            case .logistic, .tanh, .relu, .relu6:
                let activation: Activation = code == .logistic ? .sigmoid : code == .tanh ? .tanh : code == .relu ? .relu : .relu6
                add(ActivationLayer(activation, name: name(output)), reading: [try source(ins[0], op)], output: output)
            case .batchNorm:
                guard ins.count == 3 else { throw fail(op, "expected inputs [x, scale, offset], found \(ins.count)") }
                let scale = try floats(ins[1], op: op), offset = try floats(ins[2], op: op)
                let layerName = name(output)
                if model.tensorName(ins[1]).hasSuffix("/rescaling_scale"), let first = scale.first, let shift = offset.first,
                   scale.allSatisfy({ $0 == first }), offset.allSatisfy({ $0 == shift }) {
                    add(Rescaling(scale: first, offset: shift, name: layerName ?? "rescaling"), reading: [try source(ins[0], op)], output: output)
                } else {
                    let norm = BatchNorm(epsilon: 1.0 / 1024, name: layerName ?? "batch_norm")
                    add(norm, reading: [try source(ins[0], op)], output: output) { layer in
                        try (layer as! BatchNorm).setFolded(scale: scale, offset: offset)
                    }
                }
            case .lstm, .gru:
                let isLSTM = code == .lstm
                guard ins.count == (isLSTM ? 4 : 5) else { throw fail(op, "expected \(isLSTM ? 4 : 5) inputs, found \(ins.count)") }
                let constants = try ins.dropFirst().map { try floats($0, op: op) }
                let units = Int(options.units)
                guard units > 0 else { throw fail(op, "has no unit count") }
                let layer: Layer = isLSTM
                    ? LSTM(units: units, returnSequences: options.returnSequences, name: name(output) ?? "lstm")
                    : GRU(units: units, returnSequences: options.returnSequences, name: name(output) ?? "gru")
                add(layer, reading: [try source(ins[0], op)], output: output) { layer in
                    let parameters = layer.parameters
                    guard parameters.count == constants.count, zip(parameters, constants).allSatisfy({ $0.value.count == $1.count }) else {
                        throw fail(op, "weights do not fit a \(layer.kind) of \(units) units")
                    }
                    for (parameter, values) in zip(parameters, constants) { parameter.value = values }
                }
            case .quantize, .dequantize:
                throw fail(op, "belongs to an int8 model; continue training from the float model")
            }
        }
        guard let last = producer[model.outputs[0]], last == nodes.count - 1 else {
            throw TrainError.invalidModelFile(path: path, reason: "the model's output is not produced by its last operator")
        }
        let result = try FunctionalModel(inputShape: inputShape, layers: nodes.map(\.layer), inputs: nodes.map(\.inputs))
        try result.build(seed: 0)
        for node in nodes { try node.load(node.layer) }
        return result
    }
}

import MinnowRuntime

/// Fully connected layer `y = activation(x · Wᵀ + b)` (Keras `Dense`).
///
/// The weights are stored `[units, inputs]` (OI), the layout of the runtime's
/// `fullyConnected` operator, so export copies them unchanged. Glorot-uniform weights and
/// zero bias, as in Keras. Inputs must be rank 1 per item: put a `Flatten` before it.
public final class Dense: Layer {
    public var name: String
    public var kind: String { "Dense" }
    public let units: Int
    public let activation: Activation
    /// `[units, inputCount]`, regularized.
    public private(set) var weights: Parameter
    /// `[units]`, not regularized.
    public private(set) var bias: Parameter
    /// Values per input item; 0 until `build`.
    public private(set) var inputCount = 0
    /// When `false`, `backward` skips the input-gradient GEMM and returns zeros: set it on the
    /// model's first layer, whose input gradient nobody reads (saves a third of its backward).
    public var computesInputGradient = true
    /// When `false`, the layer runs linear: the trainer sets this while a loss applies the
    /// layer's sigmoid itself (binary cross-entropy on a `Dense(1, activation: .sigmoid)`).
    var appliesActivation = true

    private var cachedInput: [Float] = []
    private var cachedOutput: [Float] = []

    public init(units: Int, activation: Activation = .linear, name: String = "dense") {
        precondition(units > 0, "Dense: units must be positive, got \(units)")
        self.units = units
        self.activation = activation
        self.name = name
        weights = Parameter(name: "\(name)/weights", shape: [units, 0], value: [], isRegularized: true)
        bias = Parameter(name: "\(name)/bias", shape: [units], value: [Float](repeating: 0, count: units), isRegularized: false)
    }

    public var parameters: [Parameter] { [weights, bias] }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        guard inputShape.count == 1, inputShape[0] > 0 else {
            throw TrainError.invalidLayer(layer: "Dense '\(name)'", reason: "expects a rank-1 input per item (features), found shape \(inputShape); add a Flatten layer before it")
        }
        inputCount = inputShape[0]
        weights = Parameter(
            name: "\(name)/weights", shape: [units, inputCount],
            value: Initializer.glorotUniform(count: units * inputCount, fanIn: inputCount, fanOut: units, generator: &generator),
            isRegularized: true)
        bias = Parameter(name: "\(name)/bias", shape: [units], value: [Float](repeating: 0, count: units), isRegularized: false)
        return [units]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let batch = input.batchSize
        precondition(inputCount > 0, "Dense '\(name)': forward before build")
        precondition(input.count == batch * inputCount, "Dense '\(name)': input \(input.shape) does not have \(inputCount) values per item")
        let (inputs, units) = (inputCount, self.units)
        // Start every row from the bias, then accumulate X · Wᵀ on top.
        var output = [Float](repeating: 0, count: batch * units)
        output.withUnsafeMutableBufferPointer { y in
            bias.value.withUnsafeBufferPointer { b in
                for row in 0..<batch {
                    (y.baseAddress! + row * units).update(from: b.baseAddress!, count: units)
                }
            }
            input.data.withUnsafeBufferPointer { x in
                weights.value.withUnsafeBufferPointer { w in
                    Gemm.multiply(
                        transposeA: false, transposeB: true, m: batch, n: units, k: inputs,
                        a: x.baseAddress!, lda: inputs, b: w.baseAddress!, ldb: inputs,
                        c: y.baseAddress!, ldc: units, accumulate: true)
                }
            }
        }
        let activation = appliesActivation ? self.activation : .linear
        ElementwiseKernels.activateInPlace(activation, &output)
        cachedInput = input.data
        cachedOutput = output
        return Tensor(shape: [batch, units], data: output)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        let batch = outputGradient.batchSize
        let (inputs, units) = (inputCount, self.units)
        precondition(outputGradient.count == batch * units && cachedInput.count == batch * inputs,
                     "Dense '\(name)': backward before forward or batch mismatch")
        let gradient = ElementwiseKernels.activationGradient(appliesActivation ? activation : .linear, output: cachedOutput,
                                                             outputGradient: outputGradient.data)
        var inputGradient = [Float](repeating: 0, count: batch * inputs)
        gradient.withUnsafeBufferPointer { g in
            let gp = g.baseAddress!
            // dX = dZ · W
            if computesInputGradient {
                weights.value.withUnsafeBufferPointer { w in
                    inputGradient.withUnsafeMutableBufferPointer { dx in
                        Gemm.multiply(
                            transposeA: false, transposeB: false, m: batch, n: inputs, k: units,
                            a: gp, lda: units, b: w.baseAddress!, ldb: inputs, c: dx.baseAddress!, ldc: inputs)
                    }
                }
            }
            // dW += dZᵀ · X
            cachedInput.withUnsafeBufferPointer { x in
                weights.gradient.withUnsafeMutableBufferPointer { dw in
                    Gemm.multiply(
                        transposeA: true, transposeB: false, m: units, n: inputs, k: batch,
                        a: gp, lda: units, b: x.baseAddress!, ldb: inputs, c: dw.baseAddress!, ldc: inputs,
                        accumulate: true)
                }
            }
            // db += Σ_rows dZ
            bias.gradient.withUnsafeMutableBufferPointer { db in
                let dbp = db.baseAddress!
                for row in 0..<batch {
                    let rowBase = gp + row * units
                    for j in 0..<units { dbp[j] += rowBase[j] }
                }
            }
        }
        return Tensor(shape: [batch, inputs], data: inputGradient)
    }

    /// Emits `fullyConnected` (with ReLU/ReLU6 fused), followed by a standalone `logistic` or
    /// `tanh` operator for those activations. The output tensor is named after the layer.
    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        guard inputCount > 0 else { throw TrainError.notBuilt("Dense \'\(name)\' export") }
        let inputShape = builder.tensors[input].shape
        let perItem = inputShape.dropFirst().reduce(1, *)
        guard perItem == inputCount else {
            throw TrainError.exportFailed(layer: "Dense '\(name)'", reason: "export input tensor has shape \(inputShape) (\(perItem) values per item), expected \(inputCount)")
        }
        let w = builder.addConstant(name: "\(name)/weights", shape: [units, inputCount], floats: weights.value)
        let b = builder.addConstant(name: "\(name)/bias", shape: [units], floats: bias.value)
        if let fused = activation.fused {
            let output = builder.addTensor(name: name, shape: [1, units])
            builder.addOperator(.fullyConnected, inputs: [input, w, b], outputs: [output], options: OperatorOptions(activation: fused))
            return output
        }
        let linear = builder.addTensor(name: "\(name)/linear", shape: [1, units])
        builder.addOperator(.fullyConnected, inputs: [input, w, b], outputs: [linear])
        return activation.exportStandalone(to: &builder, input: linear, name: name)
    }
}

extension Dense: InputGradientSkipping {}

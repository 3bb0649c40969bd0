import MinnowRuntime

/// A mutable host-side copy of a float model: the quantizer rewrites it (batch-norm folding,
/// activation fusion) before choosing int8 parameters.
///
/// Tensor indices of the source model are kept, so calibration statistics gathered on the
/// original file apply to the rewritten graph; rewrites only append new constants.
public struct FloatGraph: Sendable {
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        /// Values of a constant; `nil` for activations.
        public var constant: [Float]?

        public init(name: String, shape: [Int], constant: [Float]? = nil) {
            self.name = name
            self.shape = shape
            self.constant = constant
        }

        public var elementCount: Int { shape.reduce(1, *) }
    }

    public struct Operator: Sendable, Equatable {
        public var code: OperatorCode
        public var inputs: [Int]
        public var outputs: [Int]
        public var options: OperatorOptions

        public init(code: OperatorCode, inputs: [Int], outputs: [Int], options: OperatorOptions = OperatorOptions()) {
            self.code = code
            self.inputs = inputs
            self.outputs = outputs
            self.options = options
        }

        /// The operator's name in reports and `--keep-float`: its output tensor's name.
        public func name(in graph: FloatGraph) -> String { graph.tensors[outputs[0]].name }
    }

    public var tensors: [Tensor]
    public var operators: [Operator]
    public var inputs: [Int]
    public var outputs: [Int]

    public init(tensors: [Tensor], operators: [Operator], inputs: [Int], outputs: [Int]) {
        self.tensors = tensors
        self.operators = operators
        self.inputs = inputs
        self.outputs = outputs
    }

    /// Copies a validated float model. Throws when a tensor is not float32 (already quantized).
    public init(model: Model) throws {
        var tensors: [Tensor] = []
        for t in 0..<model.tensorCount {
            let name = model.tensorName(t)
            guard model.tensorType(t) == .float32 else {
                throw QuantizationError.notFloatModel(tensor: t, name: name, found: model.tensorType(t))
            }
            let shape = model.tensorShape(t)
            let dims = (0..<shape.rank).map { shape[$0] }
            tensors.append(Tensor(name: name, shape: dims, constant: model.constantFloats(t).map { Array($0) }))
        }
        var operators: [Operator] = []
        for op in 0..<model.operatorCount {
            let ins = model.operatorInputs(op), outs = model.operatorOutputs(op)
            operators.append(Operator(code: model.operatorCode(op),
                                      inputs: (0..<ins.count).map { ins[$0] },
                                      outputs: (0..<outs.count).map { outs[$0] },
                                      options: model.operatorOptions(op)))
        }
        let ins = model.inputs, outs = model.outputs
        self.init(tensors: tensors, operators: operators,
                  inputs: (0..<ins.count).map { ins[$0] }, outputs: (0..<outs.count).map { outs[$0] })
    }

    /// Copies a float model under construction (tests, exporters).
    public init(builder: ModelBuilder) throws {
        var tensors: [Tensor] = []
        for (t, entry) in builder.tensors.enumerated() {
            guard entry.type == .float32 else {
                throw QuantizationError.notFloatModel(tensor: t, name: entry.name, found: entry.type)
            }
            var constant: [Float]? = nil
            if let bytes = entry.constantBytes {
                constant = stride(from: 0, to: bytes.count, by: 4).map { i in
                    Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
                }
            }
            tensors.append(Tensor(name: entry.name, shape: entry.shape, constant: constant))
        }
        let operators = builder.operators.map { Operator(code: $0.code, inputs: $0.inputs, outputs: $0.outputs, options: $0.options) }
        self.init(tensors: tensors, operators: operators, inputs: builder.inputs, outputs: builder.outputs)
    }

    /// Appends a float constant and returns its index.
    public mutating func addConstant(name: String, shape: [Int], values: [Float]) -> Int {
        tensors.append(Tensor(name: name, shape: shape, constant: values))
        return tensors.count - 1
    }

    /// Indices of the operators that read tensor `t`.
    public func consumers(of t: Int) -> [Int] {
        operators.indices.filter { operators[$0].inputs.contains(t) }
    }

    /// Index of the operator named `name` (its output tensor's name), if any.
    public func operatorIndex(named name: String) -> Int? {
        operators.indices.first { operators[$0].name(in: self) == name }
    }

    /// A float model builder with the same graph (for running the rewritten graph in the runtime).
    public func floatBuilder() -> ModelBuilder {
        var builder = ModelBuilder()
        for tensor in tensors {
            if let values = tensor.constant {
                _ = builder.addConstant(name: tensor.name, shape: tensor.shape, floats: values)
            } else {
                _ = builder.addTensor(name: tensor.name, shape: tensor.shape)
            }
        }
        for op in operators { builder.addOperator(op.code, inputs: op.inputs, outputs: op.outputs, options: op.options) }
        builder.inputs = inputs
        builder.outputs = outputs
        return builder
    }
}

/// Operators the runtime executes. Raw values are stored in model files: never renumber.
///
/// Each case's operands, options and kernels are documented in its operator file
/// (`Operators/<Name>.swift`); `visit(_:)` below is the only list that maps codes to those files.
public enum OperatorCode: UInt16, Sendable, CaseIterable {
    case fullyConnected = 1
    case conv2D = 2
    case depthwiseConv2D = 3
    case maxPool2D = 4
    case averagePool2D = 5
    case globalAveragePool = 6
    case add = 7
    case reshape = 8
    case softmax = 9
    case logistic = 10
    case tanh = 11
    case relu = 12
    case relu6 = 13
    case batchNorm = 14
    case lstm = 15
    case gru = 16
    case quantize = 17
    case dequantize = 18

    /// Hands the operator's type to `visitor`: the one place that maps codes to operator files. A
    /// firmware build that selects operators (`KernelSelection`) maps the ones it leaves out
    /// entirely to `ExcludedOperator`, so none of their code is linked.
    @inline(__always)
    public func visit<V: OperatorVisitor>(_ visitor: V) throws(V.Failure) -> V.Result {
        switch self {
        case .fullyConnected:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_FULLYCONNECTED && !MINNOW_OP_INT8_FULLYCONNECTED
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(FullyConnectedOperator.self)
            #endif
        case .conv2D:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_CONV2D && !MINNOW_OP_INT8_CONV2D
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(Conv2DOperator.self)
            #endif
        case .depthwiseConv2D:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_DEPTHWISECONV2D && !MINNOW_OP_INT8_DEPTHWISECONV2D
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(DepthwiseConv2DOperator.self)
            #endif
        case .maxPool2D:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_MAXPOOL2D && !MINNOW_OP_INT8_MAXPOOL2D
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(MaxPool2DOperator.self)
            #endif
        case .averagePool2D:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_AVERAGEPOOL2D && !MINNOW_OP_INT8_AVERAGEPOOL2D
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(AveragePool2DOperator.self)
            #endif
        case .globalAveragePool:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_GLOBALAVERAGEPOOL && !MINNOW_OP_INT8_GLOBALAVERAGEPOOL
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(GlobalAveragePoolOperator.self)
            #endif
        case .add:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_ADD && !MINNOW_OP_INT8_ADD
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(AddOperator.self)
            #endif
        case .reshape:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_RESHAPE && !MINNOW_OP_INT8_RESHAPE
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(ReshapeOperator.self)
            #endif
        case .softmax:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_SOFTMAX && !MINNOW_OP_INT8_SOFTMAX
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(SoftmaxOperator.self)
            #endif
        case .logistic:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_LOGISTIC && !MINNOW_OP_INT8_LOGISTIC
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(LogisticOperator.self)
            #endif
        case .tanh:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_TANH && !MINNOW_OP_INT8_TANH
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(TanhOperator.self)
            #endif
        case .relu:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_RELU && !MINNOW_OP_INT8_RELU
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(ReluOperator.self)
            #endif
        case .relu6:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_RELU6 && !MINNOW_OP_INT8_RELU6
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(Relu6Operator.self)
            #endif
        case .batchNorm:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_BATCHNORM && !MINNOW_OP_INT8_BATCHNORM
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(BatchNormOperator.self)
            #endif
        case .lstm:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_LSTM && !MINNOW_OP_INT8_LSTM
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(LSTMOperator.self)
            #endif
        case .gru:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_GRU && !MINNOW_OP_INT8_GRU
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(GRUOperator.self)
            #endif
        case .quantize:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_QUANTIZE && !MINNOW_OP_INT8_QUANTIZE
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(QuantizeOperator.self)
            #endif
        case .dequantize:
            #if MINNOW_SELECTED_OPERATORS && !MINNOW_OP_FLOAT32_DEQUANTIZE && !MINNOW_OP_INT8_DEQUANTIZE
            return try visitor.visit(ExcludedOperator.self)
            #else
            return try visitor.visit(DequantizeOperator.self)
            #endif
        }
    }
}

// MARK: The questions asked of every operator

/// Validation at load (`Model(bytes:)`).
struct ValidateOperator: OperatorVisitor {
    let node: OperatorNode
    @inline(__always) func visit<O: OperatorDefinition>(_ op: O.Type) throws(ModelError) { try O.validate(node) }
}

/// Decoding of version 3 option bytes.
struct DecodeOptions: OperatorVisitor {
    let bytes: OptionBytes
    let op: Int
    @inline(__always) func visit<O: OperatorDefinition>(_ o: O.Type) throws(ModelError) -> OperatorOptions {
        try O.decodeOptions(bytes, op: op)
    }
}

/// Encoding of version 3 option bytes (the builder).
struct EncodeOptions: OperatorVisitor {
    let options: OperatorOptions
    @inline(__always) func visit<O: OperatorDefinition>(_ o: O.Type) -> [UInt8] {
        var writer = OptionWriter()
        O.encodeOptions(options, into: &writer)
        return writer.bytes
    }
}

/// Scratch for the planner.
struct ScratchQuery: OperatorVisitor {
    let node: OperatorNode
    let kernels: KernelPath
    @inline(__always) func visit<O: OperatorDefinition>(_ o: O.Type) -> ScratchRequest { O.scratch(node, kernels: kernels) }
}

/// Memory sharing for the planner.
struct SharingQuery: OperatorVisitor {
    let node: OperatorNode
    @inline(__always) func visit<O: OperatorDefinition>(_ o: O.Type) -> MemorySharing { O.sharing(node) }
}

/// One invocation.
struct InvokeOperator: OperatorVisitor {
    let node: OperatorNode
    let context: InvocationContext
    @inline(__always) func visit<O: OperatorDefinition>(_ o: O.Type) { O.invoke(node, context) }
}

/// Cost of one invocation.
struct CostQuery: OperatorVisitor {
    let node: OperatorNode
    @inline(__always) func visit<O: OperatorDefinition>(_ o: O.Type) -> OperatorCost { O.cost(node) }
}

/// Role of a constant operand.
struct RoleQuery: OperatorVisitor {
    let position: Int
    @inline(__always) func visit<O: OperatorDefinition>(_ o: O.Type) -> OperandRole { O.role(ofInput: position) }
}

/// The output-channel axis of an operator's weights.
struct WeightChannelAxisQuery: OperatorVisitor {
    @inline(__always) func visit<O: OperatorDefinition>(_ o: O.Type) -> Int? { O.weightChannelAxis }
}

/// Whether weights' and bias's quantization parameters are redundant.
struct CarriesQuantizationQuery: OperatorVisitor {
    @inline(__always) func visit<O: OperatorDefinition>(_ o: O.Type) -> Bool { O.constantsCarryQuantization }
}

extension OperatorCode {
    /// What constant input `position` of this operator is for.
    public func role(ofInput position: Int) -> OperandRole { visit(RoleQuery(position: position)) }

    /// The output-channel axis of the operator's weights when it has per-channel weights, a bias
    /// and a fused activation (`OperatorDefinition.weightChannelAxis`).
    public var weightChannelAxis: Int? { visit(WeightChannelAxisQuery()) }

    /// `options` as a version 3 file stores them for this operator: the fields it does not have
    /// back at their defaults.
    public func canonicalOptions(_ options: OperatorOptions) -> OperatorOptions {
        let encoded = visit(EncodeOptions(options: options))
        return encoded.withUnsafeBytes { raw in
            (try? visit(DecodeOptions(bytes: OptionBytes(base: raw.baseAddress, count: raw.count), op: 0))) ?? options
        }
    }

    /// True when the int8 operator's requantization constant makes its weights' and bias's
    /// quantization parameters redundant in a file.
    public var constantsCarryQuantization: Bool { visit(CarriesQuantizationQuery()) }
}

extension Model {
    /// Cost of one invocation of operator `op`.
    public func operatorCost(_ op: Int) -> OperatorCost {
        operatorCode(op).visit(CostQuery(node: OperatorNode(model: self, index: op)))
    }
}

/// Stands in for an operator a firmware build leaves out: models that use it are refused at load.
public enum ExcludedOperator: OperatorDefinition {
    public static var code: OperatorCode { .reshape }
    public static var kernels: KernelSelection { KernelSelection(float: false, int8: false) }
    public static func decodeOptions(_ bytes: OptionBytes, op: Int) throws(ModelError) -> OperatorOptions { OperatorOptions() }
    public static func encodeOptions(_ options: OperatorOptions, into bytes: inout OptionWriter) {}
    public static func validate(_ node: OperatorNode) throws(ModelError) {
        throw .unsupportedOperator(op: node.index, code: node.code)
    }
    public static func invoke(_ node: OperatorNode, _ context: InvocationContext) {}
    public static func cost(_ node: OperatorNode) -> OperatorCost { OperatorCost(operations: 0) }
}

/// Element-wise relu (`max(x, 0)`).
///
/// - Float: `[x]`.
/// - Int8: `[x]`, input and output sharing one quantization: a clamp to the activation's range
///   (`Int8ActivationRange`).
/// - Memory: the output may be written over the input.
public enum ReluOperator: OperatorDefinition {
    public static let code = OperatorCode.relu

    public static var kernels: KernelSelection {
        #if MINNOW_SELECTED_OPERATORS
        var selection = KernelSelection(float: false, int8: false)
        #if MINNOW_OP_FLOAT32_RELU
        selection.float = true
        #endif
        #if MINNOW_OP_INT8_RELU
        selection.int8 = true
        #endif
        return selection
        #else
        return .all
        #endif
    }

    public static func decodeOptions(_ bytes: OptionBytes, op: Int) throws(ModelError) -> OperatorOptions {
        try OptionLayout.decodeNone(bytes, op: op)
    }
    public static func encodeOptions(_ options: OperatorOptions, into bytes: inout OptionWriter) {}

    public static func validate(_ node: OperatorNode) throws(ModelError) {
        let int8 = try path(node)
        try node.requireArity(1)
        if int8 {
            try node.requireInt8Edges()
            try node.requireSameMapping(node.input(0), node.output)
        } else {
            try node.requireFloatOperands()
        }
        try node.require(node.shape(node.output) == node.shape(node.input(0)), .outputShape)
    }

    public static func sharing(_ node: OperatorNode) -> MemorySharing { .overwritesInput }

    public static func invoke(_ node: OperatorNode, _ context: InvocationContext) {
        let count = node.shape(node.output).elementCount
        if node.isInt8 {
            guard kernels.int8 else { return }
            let q = context.quantization(node.output)
            clampInt8(context.int8s(node.input(0)), output: context.int8s(node.output), count: count,
                      range: Int8ActivationRange(.relu, scale: q.scale(), zeroPoint: q.zeroPoint()))
        } else {
            guard kernels.float else { return }
            reluFloat(context.floats(node.input(0)), output: context.floats(node.output), count: count)
        }
    }

    public static func cost(_ node: OperatorNode) -> OperatorCost { OperatorCost(operations: node.shape(node.output).elementCount) }
}

/// Element-wise tanh.
///
/// - Float: `[x]` (`tanhFloat`, plain Float arithmetic: the same bits on every board).
/// - Int8: `[x, table int8 [256]]`, `y = table[q + 128]` (the table is computed at quantize time for
///   the input's quantization); output fixed at scale 1.0/128, zero point 0.
/// - Memory: the output may be written over the input.
public enum TanhOperator: OperatorDefinition {
    public static let code = OperatorCode.tanh

    public static var kernels: KernelSelection {
        #if MINNOW_SELECTED_OPERATORS
        var selection = KernelSelection(float: false, int8: false)
        #if MINNOW_OP_FLOAT32_TANH
        selection.float = true
        #endif
        #if MINNOW_OP_INT8_TANH
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
        try node.requireArity(int8 ? 2 : 1)
        if int8 {
            try node.requireInt8Edges()
            try node.requireConstant(node.input(1), .int8)
            try node.require(node.shape(node.input(1)).equals(256), .weightsShape)
            try node.requireFixedRange(node.output, scale: 1.0/128, zeroPoint: 0)
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
            lookupInt8(context.int8s(node.input(0)), table: context.int8s(node.input(1)), output: context.int8s(node.output), count: count)
        } else {
            guard kernels.float else { return }
            tanhFloat(context.floats(node.input(0)), output: context.floats(node.output), count: count)
        }
    }

    public static func cost(_ node: OperatorNode) -> OperatorCost { OperatorCost(operations: node.shape(node.output).elementCount) }
}

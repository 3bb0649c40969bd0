/// int8 → float at a model's edge: `x = scale · (q − zeroPoint)`. `[x int8]` (per-tensor
/// parameters) → float32 of the same shape. Runs on the int8 path.
public enum DequantizeOperator: OperatorDefinition {
    public static let code = OperatorCode.dequantize

    public static var kernels: KernelSelection {
        #if MINNOW_SELECTED_OPERATORS
        var selection = KernelSelection(float: false, int8: false)
        #if MINNOW_OP_FLOAT32_DEQUANTIZE
        selection.float = true
        #endif
        #if MINNOW_OP_INT8_DEQUANTIZE
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
        guard try path(node) else { throw .unsupportedOperator(op: node.index, code: code) }
        try node.requireArity(1)
        try node.requireType(node.input(0), .int8)
        try node.requirePerTensor(node.input(0))
        try node.requireType(node.output, .float32)
        try node.require(node.shape(node.output) == node.shape(node.input(0)), .outputShape)
    }

    public static func invoke(_ node: OperatorNode, _ context: InvocationContext) {
        guard kernels.int8 else { return }
        let q = context.quantization(node.input(0))
        dequantizeInt8(context.int8s(node.input(0)), output: context.floats(node.output),
                       count: node.shape(node.output).elementCount, scale: q.scale(), zeroPoint: q.zeroPoint())
    }

    public static func cost(_ node: OperatorNode) -> OperatorCost { OperatorCost(operations: node.shape(node.output).elementCount) }
}

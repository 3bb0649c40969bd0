/// Reshape: the output tensor's shape is the target shape; row-major order is kept, so the output
/// aliases the input's memory (no copy) unless the input is a constant.
///
/// - Float or int8 `[x]`; int8 input and output share one quantization.
public enum ReshapeOperator: OperatorDefinition {
    public static let code = OperatorCode.reshape

    public static var kernels: KernelSelection {
        #if MINNOW_SELECTED_OPERATORS
        var selection = KernelSelection(float: false, int8: false)
        #if MINNOW_OP_FLOAT32_RESHAPE
        selection.float = true
        #endif
        #if MINNOW_OP_INT8_RESHAPE
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
        try node.require(node.shape(node.output).elementCount == node.shape(node.input(0)).elementCount, .elementCount)
    }

    public static func sharing(_ node: OperatorNode) -> MemorySharing { .aliasesInput }

    public static func invoke(_ node: OperatorNode, _ context: InvocationContext) {
        guard node.isInt8 ? kernels.int8 : kernels.float else { return }
        let x = context.raw(node.input(0)), y = context.raw(node.output)
        if x != y { y.copyMemory(from: x, byteCount: node.model.tensorByteCount(node.output)) }
    }

    public static func cost(_ node: OperatorNode) -> OperatorCost { OperatorCost(operations: node.shape(node.output).elementCount) }
}

/// Softmax over the last axis.
///
/// - Float: `[x]` → `e^(x − max) / Σ e^(x − max)` per row (`portableExp`, the same bits on every board).
/// - Int8: `[x, table int32 [256]]` with `table[d] = round(2^16·exp(−s_in·d))`; output fixed at scale
///   1/256, zero point −128 (`softmaxInt8`).
public enum SoftmaxOperator: OperatorDefinition {
    public static let code = OperatorCode.softmax

    public static var kernels: KernelSelection {
        #if MINNOW_SELECTED_OPERATORS
        var selection = KernelSelection(float: false, int8: false)
        #if MINNOW_OP_FLOAT32_SOFTMAX
        selection.float = true
        #endif
        #if MINNOW_OP_INT8_SOFTMAX
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
        let x = node.shape(node.input(0))
        if int8 {
            try node.requireInt8Edges()
            try node.requireConstant(node.input(1), .int32)
            try node.require(node.shape(node.input(1)).equals(256), .weightsShape)
            try node.requireFixedRange(node.output, scale: 1.0 / 256, zeroPoint: -128)
        } else {
            try node.requireFloatOperands()
        }
        try node.require(node.shape(node.output) == x, .outputShape)
    }

    public static func invoke(_ node: OperatorNode, _ context: InvocationContext) {
        let x = node.shape(node.input(0))
        let rows = x.elementCount / x.last
        if node.isInt8 {
            guard kernels.int8 else { return }
            softmaxInt8(context.int8s(node.input(0)), table: context.int32s(node.input(1)), output: context.int8s(node.output),
                        rows: rows, depth: x.last)
        } else {
            guard kernels.float else { return }
            softmaxFloat(context.floats(node.input(0)), output: context.floats(node.output), rows: rows, depth: x.last)
        }
    }

    public static func cost(_ node: OperatorNode) -> OperatorCost {
        OperatorCost(operations: saturatingProduct(node.shape(node.output).elementCount, 3))
    }
}

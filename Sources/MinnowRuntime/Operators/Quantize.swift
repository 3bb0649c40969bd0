/// float → int8 at a model's edge: `q = clamp(round(x / scale) + zeroPoint, −128, 127)`, rounding
/// half away from zero (as TFLite); NaN maps to the zero point. `[x float32]` → int8 of the same
/// shape with per-tensor parameters. Runs on the int8 path.
public enum QuantizeOperator: OperatorDefinition {
    public static let code = OperatorCode.quantize

    public static var kernels: KernelSelection {
        #if MINNOW_SELECTED_OPERATORS
        var selection = KernelSelection(float: false, int8: false)
        #if MINNOW_OP_FLOAT32_QUANTIZE
        selection.float = true
        #endif
        #if MINNOW_OP_INT8_QUANTIZE
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
        try node.requireType(node.input(0), .float32)
        try node.requireType(node.output, .int8)
        try node.requirePerTensor(node.output)
        try node.require(node.shape(node.output) == node.shape(node.input(0)), .outputShape)
    }

    public static func invoke(_ node: OperatorNode, _ context: InvocationContext) {
        guard kernels.int8 else { return }
        let q = context.quantization(node.output)
        quantizeInt8(context.floats(node.input(0)), output: context.int8s(node.output),
                     count: node.shape(node.output).elementCount, scale: q.scale(), zeroPoint: q.zeroPoint())
    }

    public static func cost(_ node: OperatorNode) -> OperatorCost { OperatorCost(operations: node.shape(node.output).elementCount) }
}

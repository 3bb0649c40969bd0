/// Inference batch normalization, float only: `[x, scale [C], offset [C]]`,
/// `y = x · scale + offset` over the last axis (scale = γ/√(σ²+ε), offset = β − μ·scale). The
/// quantizer folds it into the preceding layer; a batch norm kept in an int8 model runs in float.
public enum BatchNormOperator: OperatorDefinition {
    public static let code = OperatorCode.batchNorm

    public static var kernels: KernelSelection {
        #if MINNOW_SELECTED_OPERATORS
        var selection = KernelSelection(float: false, int8: false)
        #if MINNOW_OP_FLOAT32_BATCHNORM
        selection.float = true
        #endif
        #if MINNOW_OP_INT8_BATCHNORM
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
        guard try !path(node) else { throw .unsupportedOperator(op: node.index, code: code) }
        try node.requireArity(3)
        try node.requireFloatOperands()
        let x = node.shape(node.input(0))
        try node.require(x.rank >= 1, .inputRank)
        try node.require(node.shape(node.input(1)).equals(x.last) && node.shape(node.input(2)).equals(x.last), .biasShape)
        try node.require(node.shape(node.output) == x, .outputShape)
    }

    public static func invoke(_ node: OperatorNode, _ context: InvocationContext) {
        guard kernels.float && !node.isInt8 else { return }
        let x = node.shape(node.input(0))
        let channels = x.last, rows = x.elementCount / channels
        let input = context.floats(node.input(0)), y = context.floats(node.output)
        let scale = context.floats(node.input(1)), offset = context.floats(node.input(2))
        for r in 0..<rows {
            let base = r &* channels
            for c in 0..<channels { y[base &+ c] = input[base &+ c] * scale[c] + offset[c] }
        }
    }

    public static func cost(_ node: OperatorNode) -> OperatorCost { OperatorCost(operations: node.shape(node.output).elementCount) }
}

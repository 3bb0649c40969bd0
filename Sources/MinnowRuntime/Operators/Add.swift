/// Element-wise addition of two tensors of equal shape, then the fused activation.
///
/// - Float: `[a, b]` → `a + b`.
/// - Int8: `[a, b]`, any per-tensor parameters; TFLite's scheme (20-bit left shift, input
///   multipliers below one, output multiplier) with multipliers derived from the tensor scales
///   (`Int8AddParameters`).
/// - Options: fused activation. Memory: the output may be written over an input that dies here.
public enum AddOperator: OperatorDefinition {
    public static let code = OperatorCode.add

    public static var kernels: KernelSelection {
        #if MINNOW_SELECTED_OPERATORS
        var selection = KernelSelection(float: false, int8: false)
        #if MINNOW_OP_FLOAT32_ADD
        selection.float = true
        #endif
        #if MINNOW_OP_INT8_ADD
        selection.int8 = true
        #endif
        return selection
        #else
        return .all
        #endif
    }

    public static func decodeOptions(_ bytes: OptionBytes, op: Int) throws(ModelError) -> OperatorOptions {
        try OptionLayout.decodeActivation(bytes, op: op)
    }
    public static func encodeOptions(_ options: OperatorOptions, into bytes: inout OptionWriter) {
        OptionLayout.encodeActivation(options, into: &bytes)
    }

    public static func validate(_ node: OperatorNode) throws(ModelError) {
        let int8 = try path(node)
        try node.requireArity(2)
        let x = node.shape(node.input(0))
        if int8 {
            try node.requireInt8Edges()
            try node.requireType(node.input(1), .int8)
            try node.requirePerTensor(node.input(1))
        } else {
            try node.requireFloatOperands()
        }
        try node.require(node.shape(node.input(1)) == x, .operandShapes)
        try node.require(node.shape(node.output) == x, .outputShape)
    }

    public static func sharing(_ node: OperatorNode) -> MemorySharing { .overwritesInput }

    public static func invoke(_ node: OperatorNode, _ context: InvocationContext) {
        let options = Self.options(node)
        let count = node.shape(node.output).elementCount
        if node.isInt8 {
            guard kernels.int8 else { return }
            let qa = context.quantization(node.input(0)), qb = context.quantization(node.input(1))
            let qy = context.quantization(node.output)
            let parameters = Int8AddParameters(scaleA: qa.scale(), zeroPointA: qa.zeroPoint(), scaleB: qb.scale(),
                                               zeroPointB: qb.zeroPoint(), scaleOutput: qy.scale(), zeroPointOutput: qy.zeroPoint())
            addInt8(context.int8s(node.input(0)), context.int8s(node.input(1)), output: context.int8s(node.output), count: count,
                    parameters: parameters, range: Int8ActivationRange(options.activation, scale: qy.scale(), zeroPoint: qy.zeroPoint()))
        } else {
            guard kernels.float else { return }
            let y = context.floats(node.output)
            addFloat(context.floats(node.input(0)), context.floats(node.input(1)), output: y, count: count)
            applyActivation(options.activation, y, count: count)
        }
    }

    public static func cost(_ node: OperatorNode) -> OperatorCost { OperatorCost(operations: node.shape(node.output).elementCount) }
}

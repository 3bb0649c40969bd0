/// Global average pooling: `[1, H, W, C]` → `[1, C]`, the mean over all H·W positions.
///
/// - Float: sums in position order, then one multiplication by `1 / (H·W)`.
/// - Int8: same quantization in and out, `Σ q / (H·W)` rounded half away from zero; at most 2^24
///   positions keep the int32 sums exact.
public enum GlobalAveragePoolOperator: OperatorDefinition {
    public static let code = OperatorCode.globalAveragePool

    public static var kernels: KernelSelection {
        #if MINNOW_SELECTED_OPERATORS
        var selection = KernelSelection(float: false, int8: false)
        #if MINNOW_OP_FLOAT32_GLOBALAVERAGEPOOL
        selection.float = true
        #endif
        #if MINNOW_OP_INT8_GLOBALAVERAGEPOOL
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
        if int8 { try node.requireInt8Edges() } else { try node.requireFloatOperands() }
        let x = node.shape(node.input(0))
        try node.require(x.rank == 4 && x[0] == 1, .inputRank)
        try node.require(node.shape(node.output).equals(1, x[3]), .outputShape)
        guard x[1] &* x[2] <= PoolingRules.maxCells else { throw .accumulatorOverflow(op: node.index) }
        if int8 { try node.requireSameMapping(node.input(0), node.output) }
    }

    public static func invoke(_ node: OperatorNode, _ context: InvocationContext) {
        let x = node.shape(node.input(0))
        if node.isInt8 {
            guard kernels.int8 else { return }
            globalAveragePoolInt8(input: context.int8s(node.input(0)), output: context.int8s(node.output),
                                  positions: x[1] &* x[2], channels: x[3])
        } else {
            guard kernels.float else { return }
            globalAveragePoolFloat(input: context.floats(node.input(0)), output: context.floats(node.output),
                                   positions: x[1] &* x[2], channels: x[3])
        }
    }

    public static func cost(_ node: OperatorNode) -> OperatorCost {
        OperatorCost(operations: node.shape(node.input(0)).elementCount)
    }
}

/// Float global average pooling kernel.
func globalAveragePoolFloat(input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>, positions: Int, channels: Int) {
    for ch in 0..<channels { y[ch] = 0 }
    for p in 0..<positions {
        let pixel = x + p &* channels
        for ch in 0..<channels { y[ch] += pixel[ch] }
    }
    let scale = 1 / Float(positions)
    for ch in 0..<channels { y[ch] *= scale }
}

/// Fully connected layer, batch 1: `y[o] = Σ_i x[i]·w[o, i] + bias[o]`, then the fused activation.
///
/// - Float: inputs `[x, weights [out, in], bias [out]]`; `x` is flattened over its non-batch
///   dimensions (shape `[1, …]`). Output `[1, out]`. Dot products accumulate in increasing `i`,
///   then the bias is added.
/// - Int8: `[x int8, weights int8 n16k4 [out, in], foldedBias int32 [out], rq int32 [2, out]]` →
///   int8 `[1, out]`: one `Int8Gemm.run` with `m = 1` (numerics in `Int8Conventions`).
/// - Options: fused activation.
public enum FullyConnectedOperator: OperatorDefinition {
    public static let code = OperatorCode.fullyConnected

    public static var kernels: KernelSelection {
        #if MINNOW_SELECTED_OPERATORS
        var selection = KernelSelection(float: false, int8: false)
        #if MINNOW_OP_FLOAT32_FULLYCONNECTED
        selection.float = true
        #endif
        #if MINNOW_OP_INT8_FULLYCONNECTED
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
        try node.requireArity(int8 ? 4 : 3)
        if int8 { try node.requireInt8Edges() } else { try node.requireFloatOperands() }
        let x = node.shape(node.input(0)), w = node.shape(node.input(1)), y = node.shape(node.output)
        try node.require(x.rank >= 2 && x[0] == 1, .inputRank)
        try node.require(w.rank == 2 && w[1] == x.elementCount, .weightsShape)
        try node.require(y.equals(1, w[0]), .outputShape)
        if int8 {
            try node.requireRequantizedConstants(channels: w[0], packed: true, depth: w[1])
        } else {
            try node.require(node.shape(node.input(2)).equals(w[0]), .biasShape)
        }
    }

    public static func scratch(_ node: OperatorNode, kernels path: KernelPath) -> ScratchRequest {
        guard node.isInt8 else { return ScratchRequest() }
        return ScratchRequest(bytes: Int8Gemm.scratchByteCount(m: 1, k: node.shape(node.input(0)).elementCount, path: path))
    }

    public static func invoke(_ node: OperatorNode, _ context: InvocationContext) {
        let options = Self.options(node)
        let depth = node.shape(node.input(0)).elementCount
        let channels = node.shape(node.input(1))[0]
        if node.isInt8 {
            guard kernels.int8 else { return }
            let stage = context.outputStage(node, channels: channels, activation: options.activation)
            Int8Gemm.run(context.kernels, m: 1, n: channels, k: depth, a: context.int8s(node.input(0)), lda: depth,
                         packedWeights: context.int8s(node.input(1)), output: stage, c: context.int8s(node.output), ldc: channels,
                         scratch: context.scratch(node.index),
                         scratchBytes: Int8Gemm.scratchByteCount(m: 1, k: depth, path: context.kernels))
        } else {
            guard kernels.float else { return }
            let y = context.floats(node.output)
            fullyConnectedFloat(input: context.floats(node.input(0)), inputSize: depth, weights: context.floats(node.input(1)),
                                bias: context.floats(node.input(2)), output: y, outputSize: channels)
            applyActivation(options.activation, y, count: channels)
        }
    }

    public static func cost(_ node: OperatorNode) -> OperatorCost {
        let macs = saturatingProduct(node.shape(node.input(0)).elementCount, node.shape(node.output).last)
        return OperatorCost(macs: macs, operations: macs)
    }

    public static func role(ofInput position: Int) -> OperandRole {
        position == 1 ? .weights : position == 2 ? .bias : .quantization
    }
    public static var constantsCarryQuantization: Bool { true }
    public static var weightChannelAxis: Int? { 0 }
}

/// Float fully connected kernel: dot products in increasing `i` with plain `+=`, then the bias.
func fullyConnectedFloat(input x: UnsafePointer<Float>, inputSize: Int, weights w: UnsafePointer<Float>,
                         bias: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>, outputSize: Int) {
    for o in 0..<outputSize {
        let row = w + o &* inputSize
        var acc: Float = 0
        for i in 0..<inputSize { acc += x[i] * row[i] }
        y[o] = acc + bias[o]
    }
}

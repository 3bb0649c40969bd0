/// Max and average pooling over NHWC, batch 1 — two operators in one file, as in TensorFlow Lite
/// Micro's `pooling.cc`: they share every rule but the reduction.
///
/// - Float: `[x [1,H,W,C]]` → `[1, oH, oW, C]`; padding cells are ignored (max takes the largest
///   valid cell, average divides by the number of valid cells, as TensorFlow).
/// - Int8: the same, input and output sharing one quantization; average = `Σ q / cells` rounded half
///   away from zero (TFLite's integer average pool), clamped to the fused activation's range
///   (`Int8Pooling`). Windows of at most 2^24 cells keep the int32 sums exact.
/// - Options: window size, strides, padding, fused activation.
/// - Memory: without leading padding the output may be written over the input (each output pixel
///   is written after every window that reads its input pixel has been read).
public enum MaxPool2DOperator: OperatorDefinition {
    public static let code = OperatorCode.maxPool2D

    public static var kernels: KernelSelection {
        #if MINNOW_SELECTED_OPERATORS
        var selection = KernelSelection(float: false, int8: false)
        #if MINNOW_OP_FLOAT32_MAXPOOL2D
        selection.float = true
        #endif
        #if MINNOW_OP_INT8_MAXPOOL2D
        selection.int8 = true
        #endif
        return selection
        #else
        return .all
        #endif
    }

    public static func decodeOptions(_ bytes: OptionBytes, op: Int) throws(ModelError) -> OperatorOptions {
        try OptionLayout.decodePool(bytes, op: op)
    }
    public static func encodeOptions(_ options: OperatorOptions, into bytes: inout OptionWriter) {
        OptionLayout.encodePool(options, into: &bytes)
    }
    public static func validate(_ node: OperatorNode) throws(ModelError) {
        try PoolingRules.validate(node, int8: try path(node), Self.options(node))
    }
    public static func sharing(_ node: OperatorNode) -> MemorySharing { PoolingRules.sharing(node, Self.options(node)) }
    public static func invoke(_ node: OperatorNode, _ context: InvocationContext) {
        PoolingRules.invoke(node, context, Self.options(node), isMax: true, kernels: kernels)
    }
    public static func cost(_ node: OperatorNode) -> OperatorCost { PoolingRules.cost(node, Self.options(node)) }
}

public enum AveragePool2DOperator: OperatorDefinition {
    public static let code = OperatorCode.averagePool2D

    public static var kernels: KernelSelection {
        #if MINNOW_SELECTED_OPERATORS
        var selection = KernelSelection(float: false, int8: false)
        #if MINNOW_OP_FLOAT32_AVERAGEPOOL2D
        selection.float = true
        #endif
        #if MINNOW_OP_INT8_AVERAGEPOOL2D
        selection.int8 = true
        #endif
        return selection
        #else
        return .all
        #endif
    }

    public static func decodeOptions(_ bytes: OptionBytes, op: Int) throws(ModelError) -> OperatorOptions {
        try OptionLayout.decodePool(bytes, op: op)
    }
    public static func encodeOptions(_ options: OperatorOptions, into bytes: inout OptionWriter) {
        OptionLayout.encodePool(options, into: &bytes)
    }
    public static func validate(_ node: OperatorNode) throws(ModelError) {
        try PoolingRules.validate(node, int8: try path(node), Self.options(node))
    }
    public static func sharing(_ node: OperatorNode) -> MemorySharing { PoolingRules.sharing(node, Self.options(node)) }
    public static func invoke(_ node: OperatorNode, _ context: InvocationContext) {
        PoolingRules.invoke(node, context, Self.options(node), isMax: false, kernels: kernels)
    }
    public static func cost(_ node: OperatorNode) -> OperatorCost { PoolingRules.cost(node, Self.options(node)) }
}

/// What the two pooling operators share.
enum PoolingRules {
    /// Largest window: `cells · 128` must fit an int32 sum.
    static let maxCells = 1 << 24

    static func geometry(_ node: OperatorNode, _ o: OperatorOptions) -> WindowGeometry {
        node.uncheckedWindow(input: node.shape(node.input(0)), kernelHeight: Int(o.kernelHeight),
                             kernelWidth: Int(o.kernelWidth), options: o)
    }

    @inline(__always)
    static func validate(_ node: OperatorNode, int8: Bool, _ options: OperatorOptions) throws(ModelError) {
        try node.requireArity(1)
        if int8 { try node.requireInt8Edges() } else { try node.requireFloatOperands() }
        let x = node.shape(node.input(0)), y = node.shape(node.output)
        try node.require(x.rank == 4 && x[0] == 1, .inputRank)
        let g = try node.window(input: x, kernelHeight: Int(options.kernelHeight), kernelWidth: Int(options.kernelWidth),
                                options: options)
        try node.require(y.equals(1, g.outputHeight, g.outputWidth, x[3]), .outputShape)
        guard g.windowCells <= maxCells else { throw .accumulatorOverflow(op: node.index) }
        if int8 { try node.requireSameMapping(node.input(0), node.output) }
    }

    static func sharing(_ node: OperatorNode, _ options: OperatorOptions) -> MemorySharing {
        geometry(node, options).hasNoLeadingPadding ? .overwritesInput : .none
    }

    @inline(__always)
    static func invoke(_ node: OperatorNode, _ context: InvocationContext, _ options: OperatorOptions, isMax: Bool,
                       kernels: KernelSelection) {
        let g = geometry(node, options)
        if node.isInt8 {
            guard kernels.int8 else { return }
            let q = context.quantization(node.output)
            let range = Int8ActivationRange(options.activation, scale: q.scale(), zeroPoint: q.zeroPoint())
            Int8Pooling.run(context.kernels, input: context.int8s(node.input(0)), output: context.int8s(node.output),
                            geometry: g, isMax: isMax, lower: range.lower, upper: range.upper)
        } else {
            guard kernels.float else { return }
            let y = context.floats(node.output)
            pool2DFloat(input: context.floats(node.input(0)), output: y, geometry: g, isMax: isMax)
            applyActivation(options.activation, y, count: g.outputPixels &* g.channels)
        }
    }

    static func cost(_ node: OperatorNode, _ options: OperatorOptions) -> OperatorCost {
        OperatorCost(operations: saturatingProduct(node.shape(node.output).elementCount,
                                                   saturatingProduct(Int(options.kernelHeight), Int(options.kernelWidth))))
    }
}

/// Float max or average pooling (padding cells ignored).
func pool2DFloat(input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>, geometry g: WindowGeometry, isMax: Bool) {
    let c = g.channels
    for oy in 0..<g.outputHeight {
        let y0 = oy &* g.strideHeight &- g.padTop
        let kyStart = max(0, -y0), kyEnd = min(g.kernelHeight, g.inputHeight &- y0)
        for ox in 0..<g.outputWidth {
            let x0 = ox &* g.strideWidth &- g.padLeft
            let kxStart = max(0, -x0), kxEnd = min(g.kernelWidth, g.inputWidth &- x0)
            let out = y + (oy &* g.outputWidth &+ ox) &* c
            let cells = Float((kyEnd &- kyStart) &* (kxEnd &- kxStart))
            for ch in 0..<c {
                var acc: Float = isMax ? -Float.infinity : 0
                var ky = kyStart
                while ky < kyEnd {
                    var kx = kxStart
                    while kx < kxEnd {
                        let v = x[((y0 &+ ky) &* g.inputWidth &+ (x0 &+ kx)) &* c &+ ch]
                        if isMax { acc = max(acc, v) } else { acc += v }
                        kx &+= 1
                    }
                    ky &+= 1
                }
                out[ch] = isMax ? acc : acc / cells
            }
        }
    }
}

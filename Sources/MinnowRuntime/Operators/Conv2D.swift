/// 2-D convolution over NHWC, batch 1, then the fused activation.
///
/// - Float: `[x [1,H,W,C], weights [O, kH, kW, C] (OHWI), bias [O]]` → `[1, oH, oW, O]`. Direct
///   loops; padding cells contribute nothing; each output accumulates in increasing (ky, kx, c)
///   order, then the bias is added.
/// - Int8: `[x, weights int8 n16k4 [O, kH, kW, C] (K = kH·kW·C in (ky, kx, c) order), foldedBias
///   int32 [O], rq int32 [2, O]]` through the int8 GEMM (`Int8Convolution`): im2col in arena scratch
///   a block of output pixels at a time (≤ one output row, ≤ 2 KiB), padding with the input zero
///   point; a 1×1 stride-1 convolution reads the input directly.
/// - Options: padding, strides, dilation (1), fused activation; the window comes from the weights.
public enum Conv2DOperator: OperatorDefinition {
    public static let code = OperatorCode.conv2D

    public static var kernels: KernelSelection {
        #if MINNOW_SELECTED_OPERATORS
        var selection = KernelSelection(float: false, int8: false)
        #if MINNOW_OP_FLOAT32_CONV2D
        selection.float = true
        #endif
        #if MINNOW_OP_INT8_CONV2D
        selection.int8 = true
        #endif
        return selection
        #else
        return .all
        #endif
    }

    public static func decodeOptions(_ bytes: OptionBytes, op: Int) throws(ModelError) -> OperatorOptions {
        try OptionLayout.decodeConvolution(bytes, op: op)
    }
    public static func encodeOptions(_ options: OperatorOptions, into bytes: inout OptionWriter) {
        OptionLayout.encodeConvolution(options, into: &bytes)
    }

    public static func validate(_ node: OperatorNode) throws(ModelError) {
        let int8 = try path(node)
        try node.requireArity(int8 ? 4 : 3)
        if int8 { try node.requireInt8Edges() } else { try node.requireFloatOperands() }
        let options = Self.options(node)
        let x = node.shape(node.input(0)), w = node.shape(node.input(1)), y = node.shape(node.output)
        try node.require(x.rank == 4 && x[0] == 1, .inputRank)
        try node.require(w.rank == 4 && w[3] == x[3], .weightsShape)
        try node.require((options.kernelHeight == 0 || Int(options.kernelHeight) == w[1])
                         && (options.kernelWidth == 0 || Int(options.kernelWidth) == w[2]), .kernelSize)
        guard options.depthMultiplier == 1 else { throw .badOptions(op: node.index, field: .depthMultiplier) }
        let g = try node.window(input: x, kernelHeight: w[1], kernelWidth: w[2], options: options)
        try node.require(y.equals(1, g.outputHeight, g.outputWidth, w[0]), .outputShape)
        if int8 {
            try node.requireRequantizedConstants(channels: w[0], packed: true, depth: w[1] &* w[2] &* w[3])
        } else {
            try node.require(node.shape(node.input(2)).equals(w[0]), .biasShape)
        }
    }

    /// The validated node's window.
    static func geometry(_ node: OperatorNode, _ options: OperatorOptions) -> WindowGeometry {
        let w = node.shape(node.input(1))
        return node.uncheckedWindow(input: node.shape(node.input(0)), kernelHeight: w[1], kernelWidth: w[2], options: options)
    }

    public static func scratch(_ node: OperatorNode, kernels path: KernelPath) -> ScratchRequest {
        guard node.isInt8 else { return ScratchRequest() }
        let g = geometry(node, Self.options(node))
        return ScratchRequest(bytes: Int8Convolution.scratchBytes(g, outputChannels: node.shape(node.input(1))[0], path: path))
    }

    public static func invoke(_ node: OperatorNode, _ context: InvocationContext) {
        let options = Self.options(node)
        let g = geometry(node, options)
        let channels = node.shape(node.input(1))[0]
        if node.isInt8 {
            guard kernels.int8 else { return }
            let stage = context.outputStage(node, channels: channels, activation: options.activation)
            Int8Convolution.run(context.kernels, input: context.int8s(node.input(0)), packedWeights: context.int8s(node.input(1)),
                                outputChannels: channels, stage: stage,
                                inputZeroPoint: context.quantization(node.input(0)).zeroPoint(), geometry: g,
                                output: context.int8s(node.output), scratch: context.scratch(node.index))
        } else {
            guard kernels.float else { return }
            let y = context.floats(node.output)
            conv2DFloat(input: context.floats(node.input(0)), weights: context.floats(node.input(1)),
                        bias: context.floats(node.input(2)), output: y, outputChannels: channels, geometry: g)
            applyActivation(options.activation, y, count: g.outputPixels &* channels)
        }
    }

    public static func cost(_ node: OperatorNode) -> OperatorCost {
        let w = node.shape(node.input(1))
        let macs = saturatingProduct(node.shape(node.output).elementCount, w[1] &* w[2] &* w[3])
        return OperatorCost(macs: macs, operations: macs)
    }

    public static func role(ofInput position: Int) -> OperandRole {
        position == 1 ? .weights : position == 2 ? .bias : .quantization
    }
    public static var constantsCarryQuantization: Bool { true }
    public static var weightChannelAxis: Int? { 0 }
}

/// Float 2-D convolution, direct loops (no im2col, no scratch); padding cells contribute nothing.
func conv2DFloat(input x: UnsafePointer<Float>, weights w: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                 output y: UnsafeMutablePointer<Float>, outputChannels: Int, geometry g: WindowGeometry) {
    let c = g.channels
    for oy in 0..<g.outputHeight {
        let y0 = oy &* g.strideHeight &- g.padTop
        let kyStart = max(0, -y0), kyEnd = min(g.kernelHeight, g.inputHeight &- y0)
        for ox in 0..<g.outputWidth {
            let x0 = ox &* g.strideWidth &- g.padLeft
            let kxStart = max(0, -x0), kxEnd = min(g.kernelWidth, g.inputWidth &- x0)
            let out = y + (oy &* g.outputWidth &+ ox) &* outputChannels
            for oc in 0..<outputChannels {
                var acc: Float = 0
                let filter = w + oc &* g.kernelHeight &* g.kernelWidth &* c
                var ky = kyStart
                while ky < kyEnd {
                    var kx = kxStart
                    while kx < kxEnd {
                        let pixel = x + ((y0 &+ ky) &* g.inputWidth &+ (x0 &+ kx)) &* c
                        let tap = filter + (ky &* g.kernelWidth &+ kx) &* c
                        for ic in 0..<c { acc += pixel[ic] * tap[ic] }
                        kx &+= 1
                    }
                    ky &+= 1
                }
                out[oc] = acc + bias[oc]
            }
        }
    }
}

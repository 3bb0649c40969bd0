#if MINNOW_C_KERNELS
import CMinnowInt8Kernels
#endif

/// Depthwise 2-D convolution over NHWC, batch 1, as TensorFlow Lite defines it: input channel `c`
/// feeds output channels `c·m … c·m + m − 1` (depth multiplier `m`; N = C·m outputs), each filtered
/// on its own, then the fused activation.
///
/// - Float: `[x [1,H,W,C], weights [1, kH, kW, N], bias [N]]` → `[1, oH, oW, N]`; sums run in
///   (ky, kx) order, then the bias is added.
/// - Int8: `[x, weights int8 dense [1, kH, kW, N], foldedBias int32 [N], rq int32 [2, N]]`:
///   `acc[o] = foldedBias[o] + Σ_taps (q + 128) · w[ky, kx, o]` with `q` from input channel `o / m`,
///   padding cells reading the input zero point (the same folding as the GEMM operators with `Σ_k w`
///   over the taps), then the shared int8 output stage. Weight channels lie on axis 3. The native
///   path runs `minnow_depthwise_conv2d_int8` (AVX2 and NEON code), the others the Swift loops.
/// - Options: padding, strides, dilation (1), depth multiplier, fused activation.
public enum DepthwiseConv2DOperator: OperatorDefinition {
    public static let code = OperatorCode.depthwiseConv2D

    public static var kernels: KernelSelection {
        #if MINNOW_SELECTED_OPERATORS
        var selection = KernelSelection(float: false, int8: false)
        #if MINNOW_OP_FLOAT32_DEPTHWISECONV2D
        selection.float = true
        #endif
        #if MINNOW_OP_INT8_DEPTHWISECONV2D
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
        let (channels, overflow) = x[3].multipliedReportingOverflow(by: Int(options.depthMultiplier))
        guard options.depthMultiplier >= 1, !overflow else { throw .badOptions(op: node.index, field: .depthMultiplier) }
        try node.require(w.rank == 4 && w[3] == channels && w[0] == 1, .weightsShape)
        try node.require((options.kernelHeight == 0 || Int(options.kernelHeight) == w[1])
                         && (options.kernelWidth == 0 || Int(options.kernelWidth) == w[2]), .kernelSize)
        let g = try node.window(input: x, kernelHeight: w[1], kernelWidth: w[2], options: options)
        try node.require(y.equals(1, g.outputHeight, g.outputWidth, channels), .outputShape)
        if int8 {
            try node.requireRequantizedConstants(channels: channels, packed: false, depth: w[1] &* w[2])
        } else {
            try node.require(node.shape(node.input(2)).equals(channels), .biasShape)
        }
    }

    public static func invoke(_ node: OperatorNode, _ context: InvocationContext) {
        let options = Self.options(node)
        let w = node.shape(node.input(1))
        let g = node.uncheckedWindow(input: node.shape(node.input(0)), kernelHeight: w[1], kernelWidth: w[2], options: options)
        let multiplier = Int(options.depthMultiplier)
        if node.isInt8 {
            guard kernels.int8 else { return }
            let stage = context.outputStage(node, channels: w[3], activation: options.activation)
            let zeroPoint = context.quantization(node.input(0)).zeroPoint()
            #if MINNOW_C_KERNELS
            if context.kernels.isNative {
                var window = g.cWindow
                var cStage = stage.cOutputStage
                minnow_depthwise_conv2d_int8(context.kernels.family, context.int8s(node.input(0)), &window, multiplier,
                                             Int8(truncatingIfNeeded: zeroPoint), context.int8s(node.input(1)), &cStage,
                                             context.int8s(node.output))
                return
            }
            #endif
            depthwiseConv2DInt8(input: context.int8s(node.input(0)), weights: context.int8s(node.input(1)), stage: stage,
                                inputZeroPoint: zeroPoint, geometry: g, multiplier: multiplier, output: context.int8s(node.output))
        } else {
            guard kernels.float else { return }
            let y = context.floats(node.output)
            depthwiseConv2DFloat(input: context.floats(node.input(0)), weights: context.floats(node.input(1)),
                                 bias: context.floats(node.input(2)), output: y, geometry: g, multiplier: multiplier)
            applyActivation(options.activation, y, count: g.outputPixels &* w[3])
        }
    }

    public static func cost(_ node: OperatorNode) -> OperatorCost {
        let w = node.shape(node.input(1))
        let macs = saturatingProduct(node.shape(node.output).elementCount, w[1] &* w[2])  // per output channel
        return OperatorCost(macs: macs, operations: macs)
    }

    public static func role(ofInput position: Int) -> OperandRole {
        position == 1 ? .weights : position == 2 ? .bias : .quantization
    }
    public static var constantsCarryQuantization: Bool { true }
    public static var weightChannelAxis: Int? { 3 }
}

/// Float depthwise kernel: each output channel's taps in (ky, kx) order, then the bias.
func depthwiseConv2DFloat(input x: UnsafePointer<Float>, weights w: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                          output y: UnsafeMutablePointer<Float>, geometry g: WindowGeometry, multiplier m: Int) {
    let c = g.channels, n = c &* m
    for oy in 0..<g.outputHeight {
        let y0 = oy &* g.strideHeight &- g.padTop
        let kyStart = max(0, -y0), kyEnd = min(g.kernelHeight, g.inputHeight &- y0)
        for ox in 0..<g.outputWidth {
            let x0 = ox &* g.strideWidth &- g.padLeft
            let kxStart = max(0, -x0), kxEnd = min(g.kernelWidth, g.inputWidth &- x0)
            let out = y + (oy &* g.outputWidth &+ ox) &* n
            for ch in 0..<n {
                var acc: Float = 0
                var ky = kyStart
                while ky < kyEnd {
                    var kx = kxStart
                    while kx < kxEnd {
                        let pixel = x + ((y0 &+ ky) &* g.inputWidth &+ (x0 &+ kx)) &* c
                        acc += pixel[ch / m] * w[(ky &* g.kernelWidth &+ kx) &* n &+ ch]
                        kx &+= 1
                    }
                    ky &+= 1
                }
                out[ch] = acc + bias[ch]
            }
        }
    }
}

/// Int8 depthwise kernel (the portable and reference path): direct loops with the input zero point
/// in padding cells.
func depthwiseConv2DInt8(input x: UnsafePointer<Int8>, weights w: UnsafePointer<Int8>, stage: Int8OutputStage,
                         inputZeroPoint: Int32, geometry g: WindowGeometry, multiplier m: Int,
                         output y: UnsafeMutablePointer<Int8>) {
    let c = g.channels, n = c &* m
    let padValue = inputZeroPoint &+ Int8Conventions.activationOffset
    for oy in 0..<g.outputHeight {
        let y0 = oy &* g.strideHeight &- g.padTop
        for ox in 0..<g.outputWidth {
            let x0 = ox &* g.strideWidth &- g.padLeft
            let out = y + (oy &* g.outputWidth &+ ox) &* n
            for ch in 0..<n {
                var acc: Int32 = 0
                for ky in 0..<g.kernelHeight {
                    let iy = y0 &+ ky
                    let rowInside = iy >= 0 && iy < g.inputHeight
                    for kx in 0..<g.kernelWidth {
                        let ix = x0 &+ kx
                        let u = rowInside && ix >= 0 && ix < g.inputWidth
                            ? Int32(x[(iy &* g.inputWidth &+ ix) &* c &+ ch / m]) &+ Int8Conventions.activationOffset
                            : padValue
                        acc &+= u &* Int32(w[(ky &* g.kernelWidth &+ kx) &* n &+ ch])
                    }
                }
                out[ch] = Int8Gemm.requantize(acc, channel: ch, stage)
            }
        }
    }
}

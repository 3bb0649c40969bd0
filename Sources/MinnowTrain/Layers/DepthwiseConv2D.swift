import MinnowRuntime

/// Depthwise 2-D convolution (Keras `DepthwiseConv2D`): each input channel is convolved with
/// its own `depthMultiplier` filters of `kH × kW`, giving `C · depthMultiplier` output channels
/// (output channel `c · M + m` comes from input channel `c`, as in Keras and TFLite). Direct
/// loops — with one filter per channel a GEMM would be a matrix-vector product per pixel.
///
/// Weights are `[1, kH, kW, C·M]` and bias `[C·M]`, as the runtime's `depthwiseConv2D` expects.
/// The runtime runs multiplier 1 today; a larger multiplier trains, and export refuses it.
/// Backward computes each item's weight and bias gradients separately (in parallel) and sums
/// them in item order, so results do not depend on `Parallel.workerCount`.
public final class DepthwiseConv2D: Layer {
    public var name: String
    public var kind: String { "DepthwiseConv2D" }
    public let kernelSize: (height: Int, width: Int)
    public let strides: (height: Int, width: Int)
    public let padding: Padding
    public let activation: Activation
    /// Filters per input channel.
    public let depthMultiplier: Int

    /// `[1, kH, kW, C·M]`.
    public private(set) var weights: Parameter!
    /// `[C·M]`.
    public private(set) var bias: Parameter!
    public private(set) var geometry: WindowGeometry?

    private var cachedInput: Tensor?
    private var cachedOutput: [Float] = []
    /// Per-item weight and bias gradients (`N × (kH·kW·C + C)`) before the ordered sum.
    private let partialGradients = ScratchBuffer<Float>()

    public init(
        kernelSize: (Int, Int), strides: (Int, Int) = (1, 1), padding: Padding = .valid,
        activation: Activation = .linear, depthMultiplier: Int = 1, name: String = "depthwise_conv2d"
    ) {
        precondition(depthMultiplier > 0, "DepthwiseConv2D: depth multiplier must be positive, found \(depthMultiplier)")
        self.depthMultiplier = depthMultiplier
        self.kernelSize = (kernelSize.0, kernelSize.1)
        self.strides = (strides.0, strides.1)
        self.padding = padding
        self.activation = activation
        self.name = name
    }

    public var parameters: [Parameter] {
        guard let weights, let bias else { return [] }
        return [weights, bias]
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        let g = try WindowGeometry(
            itemShape: inputShape, kernel: kernelSize, strides: strides, padding: padding,
            layer: "DepthwiseConv2D '\(name)'")
        geometry = g
        // Keras' kernel is [kH, kW, C, M]: fanIn = kH·kW·C, fanOut = kH·kW·M.
        let receptive = kernelSize.height * kernelSize.width
        let outputChannels = g.channels * depthMultiplier
        weights = Parameter(
            name: "\(name)/weights", shape: [1, kernelSize.height, kernelSize.width, outputChannels],
            value: Initializer.glorotUniform(
                count: g.patchSize * depthMultiplier, fanIn: receptive * g.channels, fanOut: receptive * depthMultiplier,
                generator: &generator),
            isRegularized: true)
        bias = Parameter(
            name: "\(name)/bias", shape: [outputChannels], value: [Float](repeating: 0, count: outputChannels),
            isRegularized: false)
        return [g.outputHeight, g.outputWidth, outputChannels]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard let g = geometry, let weights, let bias else {
            preconditionFailure("DepthwiseConv2D '\(name)': forward before build")
        }
        precondition(
            input.shape.count == 4 && Array(input.shape.dropFirst()) == [g.inputHeight, g.inputWidth, g.channels],
            "DepthwiseConv2D '\(name)': expected input [N, \(g.inputHeight), \(g.inputWidth), \(g.channels)], found \(input.shape)")
        if depthMultiplier > 1 { return forwardMultiplied(input, g: g, weights: weights, bias: bias) }
        let batch = input.batchSize
        let c = g.channels
        let outItem = g.outputPositions * c
        let activation = self.activation
        let output = uninitializedFloats(count: batch * outItem) { out in
            input.data.withUnsafeBufferPointer { xb in
                weights.value.withUnsafeBufferPointer { wb in
                    bias.value.withUnsafeBufferPointer { bb in
                        let x = xb.baseAddress!, w = wb.baseAddress!, b = bb.baseAddress!
                        Parallel.forEachChunk(batch) { items in
                            for n in items {
                                let xi = x + n * g.inputItemCount
                                var y = out + n * outItem
                                for oy in 0..<g.outputHeight {
                                    let iy0 = oy * g.strideHeight - g.padTop
                                    let rows = g.validRows(origin: iy0)
                                    for ox in 0..<g.outputWidth {
                                        let ix0 = ox * g.strideWidth - g.padLeft
                                        let cols = g.validColumns(origin: ix0)
                                        for ch in 0..<c { y[ch] = 0 }
                                        for ky in rows.lower..<rows.upper {
                                            for kx in cols.lower..<cols.upper {
                                                let src = xi + ((iy0 + ky) * g.inputWidth + ix0 + kx) * c
                                                let filter = w + (ky * g.kernelWidth + kx) * c
                                                for ch in 0..<c { y[ch] += src[ch] * filter[ch] }
                                            }
                                        }
                                        y += c
                                    }
                                }
                                activation.convolutionAddBiasAndApply(out + n * outItem, rows: g.outputPositions, bias: b, channels: c)
                            }
                        }
                    }
                }
            }
        }
        cachedInput = input
        cachedOutput = output
        return Tensor(shape: [batch, g.outputHeight, g.outputWidth, c], data: output)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let g = geometry, let weights, let bias, let input = cachedInput else {
            preconditionFailure("DepthwiseConv2D '\(name)': backward before forward")
        }
        if depthMultiplier > 1 { return backwardMultiplied(outputGradient, g: g, input: input, weights: weights, bias: bias) }
        let batch = input.batchSize
        let c = g.channels
        let outItem = g.outputPositions * c
        precondition(
            outputGradient.count == batch * outItem,
            "DepthwiseConv2D '\(name)': output gradient shape \(outputGradient.shape) does not match [\(batch), \(g.outputHeight), \(g.outputWidth), \(c)]")
        let kernelCount = g.patchSize
        let partialCount = kernelCount + c
        let partials = partialGradients.pointer(count: batch * partialCount)
        let activation = self.activation
        var dy = outputGradient.data

        let inputGradient = uninitializedFloats(count: input.count) { dx in
            dy.withUnsafeMutableBufferPointer { dyb in
                cachedOutput.withUnsafeBufferPointer { yb in
                    input.data.withUnsafeBufferPointer { xb in
                        weights.value.withUnsafeBufferPointer { wb in
                            let x = xb.baseAddress!, w = wb.baseAddress!, y = yb.baseAddress!
                            let gradients = dyb.baseAddress!
                            Parallel.forEachChunk(batch) { items in
                                for n in items {
                                    let gy0 = gradients + n * outItem
                                    activation.convolutionBackward(output: y + n * outItem, gradient: gy0, count: outItem)
                                    let xi = x + n * g.inputItemCount
                                    let dxi = dx + n * g.inputItemCount
                                    let dwi = partials + n * partialCount
                                    let dbi = dwi + kernelCount
                                    dxi.update(repeating: 0, count: g.inputItemCount)
                                    dwi.update(repeating: 0, count: partialCount)
                                    var gy = gy0
                                    for oy in 0..<g.outputHeight {
                                        let iy0 = oy * g.strideHeight - g.padTop
                                        let rows = g.validRows(origin: iy0)
                                        for ox in 0..<g.outputWidth {
                                            let ix0 = ox * g.strideWidth - g.padLeft
                                            let cols = g.validColumns(origin: ix0)
                                            for ch in 0..<c { dbi[ch] += gy[ch] }
                                            for ky in rows.lower..<rows.upper {
                                                for kx in cols.lower..<cols.upper {
                                                    let offset = ((iy0 + ky) * g.inputWidth + ix0 + kx) * c
                                                    let tap = (ky * g.kernelWidth + kx) * c
                                                    for ch in 0..<c {
                                                        dxi[offset + ch] += gy[ch] * w[tap + ch]
                                                        dwi[tap + ch] += gy[ch] * xi[offset + ch]
                                                    }
                                                }
                                            }
                                            gy += c
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Sum the per-item gradients in item order.
        weights.gradient.withUnsafeMutableBufferPointer { dw in
            bias.gradient.withUnsafeMutableBufferPointer { db in
                for n in 0..<batch {
                    let dwi = partials + n * partialCount
                    for i in 0..<kernelCount { dw[i] += dwi[i] }
                    for ch in 0..<c { db[ch] += dwi[kernelCount + ch] }
                }
            }
        }
        return Tensor(shape: input.shape, data: inputGradient)
    }

    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        guard let g = geometry, let weights, let bias else {
            throw TrainError.notBuilt("DepthwiseConv2D \'\(name)\' export")
        }
        guard depthMultiplier == 1 else {
            throw TrainError.noRuntimeOperator(name, kind: "depthwise_conv2d with depth multiplier \(depthMultiplier)")
        }
        let expected = [1, g.inputHeight, g.inputWidth, g.channels]
        guard builder.tensors[input].shape == expected else {
            throw TrainError.exportFailed(layer: "DepthwiseConv2D '\(name)'", reason: "export input shape \(builder.tensors[input].shape), expected \(expected)")
        }
        let w = builder.addConstant(name: "\(name)/weights", shape: weights.shape, floats: weights.value)
        let b = builder.addConstant(name: "\(name)/bias", shape: bias.shape, floats: bias.value)
        let fused = activation.fused
        let out = builder.addTensor(
            name: fused == nil ? "\(name)/preactivation" : name,
            shape: [1, g.outputHeight, g.outputWidth, g.channels])
        let options = OperatorOptions(
            kernelHeight: Int32(kernelSize.height), kernelWidth: Int32(kernelSize.width),
            strideHeight: Int32(strides.height), strideWidth: Int32(strides.width),
            padding: padding, activation: fused ?? FusedActivation.none)
        builder.addOperator(.depthwiseConv2D, inputs: [input, w, b], outputs: [out], options: options)
        if fused != nil { return out }
        return activation.exportStandalone(to: &builder, input: out, name: name)
    }
}

extension DepthwiseConv2D {
    /// Forward with `depthMultiplier` > 1: output channel `c·M + m` convolves input channel `c`.
    private func forwardMultiplied(_ input: Tensor, g: WindowGeometry, weights: Parameter, bias: Parameter) -> Tensor {
        let batch = input.batchSize
        let c = g.channels, m = depthMultiplier, oc = c * m
        let outItem = g.outputPositions * oc
        let activation = self.activation
        let output = uninitializedFloats(count: batch * outItem) { out in
            input.data.withUnsafeBufferPointer { xb in
                weights.value.withUnsafeBufferPointer { wb in
                    bias.value.withUnsafeBufferPointer { bb in
                        let x = xb.baseAddress!, w = wb.baseAddress!, b = bb.baseAddress!
                        Parallel.forEachChunk(batch) { items in
                            for n in items {
                                let xi = x + n * g.inputItemCount
                                var y = out + n * outItem
                                for oy in 0..<g.outputHeight {
                                    let iy0 = oy * g.strideHeight - g.padTop
                                    let rows = g.validRows(origin: iy0)
                                    for ox in 0..<g.outputWidth {
                                        let ix0 = ox * g.strideWidth - g.padLeft
                                        let cols = g.validColumns(origin: ix0)
                                        for o in 0..<oc { y[o] = 0 }
                                        for ky in rows.lower..<rows.upper {
                                            for kx in cols.lower..<cols.upper {
                                                let src = xi + ((iy0 + ky) * g.inputWidth + ix0 + kx) * c
                                                let filter = w + (ky * g.kernelWidth + kx) * oc
                                                for ch in 0..<c {
                                                    for j in 0..<m { y[ch * m + j] += src[ch] * filter[ch * m + j] }
                                                }
                                            }
                                        }
                                        y += oc
                                    }
                                }
                                activation.convolutionAddBiasAndApply(out + n * outItem, rows: g.outputPositions, bias: b, channels: oc)
                            }
                        }
                    }
                }
            }
        }
        cachedInput = input
        cachedOutput = output
        return Tensor(shape: [batch, g.outputHeight, g.outputWidth, oc], data: output)
    }

    /// Backward with `depthMultiplier` > 1; per-item weight and bias gradients are summed in item order.
    private func backwardMultiplied(_ outputGradient: Tensor, g: WindowGeometry, input: Tensor,
                                    weights: Parameter, bias: Parameter) -> Tensor {
        let batch = input.batchSize
        let c = g.channels, m = depthMultiplier, oc = c * m
        let outItem = g.outputPositions * oc
        precondition(outputGradient.count == batch * outItem,
                     "DepthwiseConv2D '\(name)': output gradient shape \(outputGradient.shape) does not match [\(batch), \(g.outputHeight), \(g.outputWidth), \(oc)]")
        let kernelCount = g.kernelHeight * g.kernelWidth * oc
        let partialCount = kernelCount + oc
        let partials = partialGradients.pointer(count: batch * partialCount)
        let activation = self.activation
        var dy = outputGradient.data
        let inputGradient = uninitializedFloats(count: input.count) { dx in
            dy.withUnsafeMutableBufferPointer { dyb in
                cachedOutput.withUnsafeBufferPointer { yb in
                    input.data.withUnsafeBufferPointer { xb in
                        weights.value.withUnsafeBufferPointer { wb in
                            let x = xb.baseAddress!, w = wb.baseAddress!, y = yb.baseAddress!
                            let gradients = dyb.baseAddress!
                            Parallel.forEachChunk(batch) { items in
                                for n in items {
                                    let gy0 = gradients + n * outItem
                                    activation.convolutionBackward(output: y + n * outItem, gradient: gy0, count: outItem)
                                    let xi = x + n * g.inputItemCount
                                    let dxi = dx + n * g.inputItemCount
                                    let dwi = partials + n * partialCount
                                    let dbi = dwi + kernelCount
                                    dxi.update(repeating: 0, count: g.inputItemCount)
                                    dwi.update(repeating: 0, count: partialCount)
                                    var gy = gy0
                                    for oy in 0..<g.outputHeight {
                                        let iy0 = oy * g.strideHeight - g.padTop
                                        let rows = g.validRows(origin: iy0)
                                        for ox in 0..<g.outputWidth {
                                            let ix0 = ox * g.strideWidth - g.padLeft
                                            let cols = g.validColumns(origin: ix0)
                                            for o in 0..<oc { dbi[o] += gy[o] }
                                            for ky in rows.lower..<rows.upper {
                                                for kx in cols.lower..<cols.upper {
                                                    let offset = ((iy0 + ky) * g.inputWidth + ix0 + kx) * c
                                                    let tap = (ky * g.kernelWidth + kx) * oc
                                                    for ch in 0..<c {
                                                        for j in 0..<m {
                                                            let o = ch * m + j
                                                            dxi[offset + ch] += gy[o] * w[tap + o]
                                                            dwi[tap + o] += gy[o] * xi[offset + ch]
                                                        }
                                                    }
                                                }
                                            }
                                            gy += oc
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        weights.gradient.withUnsafeMutableBufferPointer { dw in
            bias.gradient.withUnsafeMutableBufferPointer { db in
                for n in 0..<batch {
                    let dwi = partials + n * partialCount
                    for i in 0..<kernelCount { dw[i] += dwi[i] }
                    for o in 0..<oc { db[o] += dwi[kernelCount + o] }
                }
            }
        }
        return Tensor(shape: input.shape, data: inputGradient)
    }
}

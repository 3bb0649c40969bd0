import Foundation
import MinnowRuntime

/// 2-D convolution over NHWC images (Keras `Conv2D`), computed as im2col + one GEMM per
/// batch chunk.
///
/// Weights are stored OHWI, `[filters, kH, kW, C]`, exactly as the runtime's `conv2D`
/// expects, so each filter is one row of the GEMM's B matrix and an im2col row — ordered
/// (ky, kx, c) — is one row of A: `Y[N·outH·outW, O] = cols · Wᵀ`. Backward:
/// `dW += dYᵀ · cols`, `dCols = dY · W`, then col2im into `dX`.
///
/// Patch extraction and its adjoint run in parallel over batch items; every reduction over the
/// batch (the weight and bias gradients) runs in a fixed order, so results are bit-identical
/// for any `Parallel.workerCount`.
public final class Conv2D: Layer {
    public var name: String
    public var kind: String { "Conv2D" }
    public let filters: Int
    public let kernelSize: (height: Int, width: Int)
    public let strides: (height: Int, width: Int)
    public let padding: Padding
    public let activation: Activation
    /// Largest im2col matrix (in floats) held at once; bigger batches are processed in chunks
    /// of whole items, and backward then re-extracts each chunk's patches.
    public var maximumColumnElements: Int = 1 << 23
    /// When `false`, `backward` skips `dCols = dY · W` and col2im and returns zeros: set it on
    /// a model's first layer, whose input gradient nobody reads.
    public var computesInputGradient = true

    /// `[filters, kH, kW, C]`.
    public private(set) var weights: Parameter!
    /// `[filters]`.
    public private(set) var bias: Parameter!
    public private(set) var geometry: WindowGeometry?

    private var cachedInput: Tensor?
    private var cachedOutput: [Float] = []
    private let columns = ScratchBuffer<Float>()
    private let maskedGradient = ScratchBuffer<Float>()
    private let partialBiasGradients = ScratchBuffer<Float>()
    /// Whether `columns` still holds the patches of the whole cached batch.
    private var columnsHoldWholeBatch = false

    public init(
        filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1),
        padding: Padding = .valid, activation: Activation = .linear, name: String = "conv2d"
    ) {
        precondition(filters > 0, "Conv2D: filters must be positive, found \(filters)")
        self.filters = filters
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
            layer: "Conv2D '\(name)'")
        geometry = g
        let receptive = kernelSize.height * kernelSize.width
        let count = filters * g.patchSize
        weights = Parameter(
            name: "\(name)/weights", shape: [filters, kernelSize.height, kernelSize.width, g.channels],
            value: Initializer.glorotUniform(
                count: count, fanIn: receptive * g.channels, fanOut: receptive * filters, generator: &generator),
            isRegularized: true)
        bias = Parameter(
            name: "\(name)/bias", shape: [filters], value: [Float](repeating: 0, count: filters),
            isRegularized: false)
        return [g.outputHeight, g.outputWidth, filters]
    }

    /// Items per im2col chunk for this geometry.
    private func itemsPerChunk(_ g: WindowGeometry, batch: Int) -> Int {
        let perItem = max(1, g.outputPositions * g.patchSize)
        return max(1, min(batch, maximumColumnElements / perItem))
    }

    /// Extracts the patches of items `range` of `input` into `columns`, in parallel over items.
    private func extractPatches(
        _ g: WindowGeometry, input: UnsafePointer<Float>, range: Range<Int>, into cols: UnsafeMutablePointer<Float>
    ) {
        let perItem = g.outputPositions * g.patchSize
        Parallel.forEachChunk(range.count) { chunk in
            for local in chunk {
                Im2Col.im2col(
                    g, input: input + (range.lowerBound + local) * g.inputItemCount,
                    columns: cols + local * perItem)
            }
        }
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard let g = geometry, let weights, let bias else { preconditionFailure("Conv2D '\(name)': forward before build") }
        precondition(
            input.shape.count == 4 && Array(input.shape.dropFirst()) == [g.inputHeight, g.inputWidth, g.channels],
            "Conv2D '\(name)': expected input [N, \(g.inputHeight), \(g.inputWidth), \(g.channels)], found \(input.shape)")
        let batch = input.batchSize
        let positions = g.outputPositions
        let k = g.patchSize
        let chunkItems = itemsPerChunk(g, batch: batch)
        let cols = columns.pointer(count: chunkItems * positions * k)
        let activation = self.activation
        let filters = self.filters

        let output = uninitializedFloats(count: batch * positions * filters) { out in
            input.data.withUnsafeBufferPointer { x in
                weights.value.withUnsafeBufferPointer { w in
                    bias.value.withUnsafeBufferPointer { b in
                        var start = 0
                        while start < batch {
                            let range = start..<min(batch, start + chunkItems)
                            extractPatches(g, input: x.baseAddress!, range: range, into: cols)
                            let rows = range.count * positions
                            let y = out + start * positions * filters
                            Gemm.multiply(
                                transposeA: false, transposeB: true, m: rows, n: filters, k: k,
                                a: cols, lda: k, b: w.baseAddress!, ldb: k, c: y, ldc: filters)
                            let bp = b.baseAddress!
                            Parallel.forEachChunk(rows, minimumChunk: 256) { part in
                                activation.convolutionAddBiasAndApply(
                                    y + part.lowerBound * filters, rows: part.count, bias: bp, channels: filters)
                            }
                            start = range.upperBound
                        }
                    }
                }
            }
        }
        columnsHoldWholeBatch = chunkItems >= batch
        cachedInput = input
        cachedOutput = output
        return Tensor(shape: [batch, g.outputHeight, g.outputWidth, filters], data: output)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let g = geometry, let weights, let bias, let input = cachedInput else {
            preconditionFailure("Conv2D '\(name)': backward before forward")
        }
        let batch = input.batchSize
        let positions = g.outputPositions
        let k = g.patchSize
        let filters = self.filters
        precondition(
            outputGradient.count == batch * positions * filters,
            "Conv2D '\(name)': output gradient shape \(outputGradient.shape) does not match [\(batch), \(g.outputHeight), \(g.outputWidth), \(filters)]")
        let chunkItems = itemsPerChunk(g, batch: batch)
        let cols = columns.pointer(count: chunkItems * positions * k)
        let reuseColumns = columnsHoldWholeBatch && chunkItems >= batch
        columnsHoldWholeBatch = false
        let activation = self.activation
        let itemValues = positions * filters
        // dY through the activation (in scratch; linear reads the caller's tensor directly)
        // and each item's bias-gradient partial, summed below in item order.
        let masked = maskedGradient.pointer(count: activation == .linear ? 0 : batch * itemValues)
        let biasPartials = partialBiasGradients.pointer(count: batch * filters)
        let computesInputGradient = self.computesInputGradient

        let inputGradient = uninitializedFloats(count: input.count) { dx in
            if !computesInputGradient { dx.update(repeating: 0, count: input.count) }
            outputGradient.data.withUnsafeBufferPointer { dyBuffer in
                let dyp: UnsafePointer<Float> = activation == .linear ? dyBuffer.baseAddress! : UnsafePointer(masked)
                cachedOutput.withUnsafeBufferPointer { yBuffer in
                    let yp = yBuffer.baseAddress!, dyIn = dyBuffer.baseAddress!
                    Parallel.forEachChunk(batch) { items in
                        for n in items {
                            let offset = n * itemValues
                            if activation != .linear {
                                activation.convolutionBackward(
                                    output: yp + offset, gradient: dyIn + offset, into: masked + offset, count: itemValues)
                            }
                            let sums = biasPartials + n * filters
                            sums.update(repeating: 0, count: filters)
                            Self.accumulateColumnSums(dyp + offset, rows: positions, columns: filters, into: sums)
                        }
                    }
                }
                bias.gradient.withUnsafeMutableBufferPointer { db in
                    Self.accumulateColumnSums(biasPartials, rows: batch, columns: filters, into: db.baseAddress!)
                }
                input.data.withUnsafeBufferPointer { x in
                    weights.value.withUnsafeBufferPointer { w in
                        weights.gradient.withUnsafeMutableBufferPointer { dw in
                            var start = 0
                            while start < batch {
                                let range = start..<min(batch, start + chunkItems)
                                if !reuseColumns {
                                    extractPatches(g, input: x.baseAddress!, range: range, into: cols)
                                }
                                let rows = range.count * positions
                                let dyChunk = dyp + start * positions * filters
                                // dW += dYᵀ · cols, continuing each entry's chain across chunks.
                                Gemm.multiply(
                                    transposeA: true, transposeB: false, m: filters, n: k, k: rows,
                                    a: dyChunk, lda: filters, b: cols, ldb: k, c: dw.baseAddress!, ldc: k,
                                    accumulate: true)
                                guard computesInputGradient else {
                                    start = range.upperBound
                                    continue
                                }
                                // dCols = dY · W, written over the patches (no longer needed).
                                Gemm.multiply(
                                    transposeA: false, transposeB: false, m: rows, n: k, k: filters,
                                    a: dyChunk, lda: filters, b: w.baseAddress!, ldb: k, c: cols, ldc: k)
                                let perItem = positions * k
                                Parallel.forEachChunk(range.count) { part in
                                    for local in part {
                                        Im2Col.col2im(
                                            g, columns: cols + local * perItem,
                                            inputGradient: dx + (start + local) * g.inputItemCount)
                                    }
                                }
                                start = range.upperBound
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: input.shape, data: inputGradient)
    }

    /// `sums[j] += Σ_i values[i][j]`, each column summed over rows in order (deterministic)
    /// in registers, eight columns at a time.
    static func accumulateColumnSums(
        _ values: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>
    ) {
        var j = 0
        while j + 8 <= columns {
            var total = SIMD8<Float>()
            var row = values + j
            for _ in 0..<rows {
                total += UnsafeRawPointer(row).loadUnaligned(as: SIMD8<Float>.self)
                row += columns
            }
            for lane in 0..<8 { sums[j + lane] += total[lane] }
            j += 8
        }
        while j < columns {
            var total: Float = 0
            var row = values + j
            for _ in 0..<rows {
                total += row[0]
                row += columns
            }
            sums[j] += total
            j += 1
        }
    }

    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        try export(to: &builder, input: input, outputName: name)
    }

    /// Emits `conv2D` (ReLU/ReLU6 fused, other activations as their own operator) whose final
    /// tensor is named `outputName`; constants are named after the layer.
    func export(to builder: inout ModelBuilder, input: Int, outputName: String) throws -> Int {
        guard let g = geometry, let weights, let bias else {
            throw TrainError.notBuilt("Conv2D \'\(name)\' export")
        }
        let expected = [1, g.inputHeight, g.inputWidth, g.channels]
        guard builder.tensors[input].shape == expected else {
            throw TrainError.exportFailed(layer: "Conv2D '\(name)'", reason: "export input shape \(builder.tensors[input].shape), expected \(expected)")
        }
        let w = builder.addConstant(name: "\(name)/weights", shape: weights.shape, floats: weights.value)
        let b = builder.addConstant(name: "\(name)/bias", shape: bias.shape, floats: bias.value)
        let fused = activation.fused
        let out = builder.addTensor(
            name: fused == nil ? "\(outputName)/preactivation" : outputName,
            shape: [1, g.outputHeight, g.outputWidth, filters])
        let options = OperatorOptions(
            kernelHeight: Int32(kernelSize.height), kernelWidth: Int32(kernelSize.width),
            strideHeight: Int32(strides.height), strideWidth: Int32(strides.width),
            padding: padding, activation: fused ?? FusedActivation.none)
        builder.addOperator(.conv2D, inputs: [input, w, b], outputs: [out], options: options)
        if fused != nil { return out }
        return activation.exportStandalone(to: &builder, input: out, name: outputName)
    }
}

// MARK: - Pointer forms of the activations, shared by the convolution layers.

extension Activation {
    /// Adds `bias[j]` to column `j` of a `rows × channels` block and applies the activation,
    /// in place, with the same arithmetic as `apply(_:)`.
    func convolutionAddBiasAndApply(
        _ values: UnsafeMutablePointer<Float>, rows: Int, bias: UnsafePointer<Float>, channels: Int
    ) {
        func each(_ body: (Float) -> Float) {
            var row = values
            for _ in 0..<rows {
                for j in 0..<channels { row[j] = body(row[j] + bias[j]) }
                row += channels
            }
        }
        switch self {
        case .linear: each { $0 }
        case .relu: each { max($0, 0) }
        case .relu6: each { min(max($0, 0), 6) }
        case .sigmoid: each { 1 / (1 + Foundation.exp(-$0)) }
        case .tanh: each { Foundation.tanh($0) }
        }
    }

    /// Writes `gradient ⊙ f′` to `result` given the activation's outputs, with the same
    /// arithmetic as `backward(output:gradient:)`; ReLU masks are branch-free selects so the
    /// loops vectorize (a data-dependent branch mispredicts on half the values, 20× slower).
    func convolutionBackward(
        output: UnsafePointer<Float>, gradient: UnsafePointer<Float>, into result: UnsafeMutablePointer<Float>, count: Int
    ) {
        switch self {
        case .linear: for i in 0..<count { result[i] = gradient[i] }
        case .relu:
            for i in 0..<count {
                let g = gradient[i]  // loaded unconditionally so the select needs no branch
                result[i] = output[i] > 0 ? g : 0
            }
        case .relu6:
            for i in 0..<count {
                let g = gradient[i], y = output[i]
                result[i] = y > 0 ? (y < 6 ? g : 0) : 0
            }
        case .sigmoid: for i in 0..<count { result[i] = gradient[i] * (output[i] * (1 - output[i])) }
        case .tanh: for i in 0..<count { result[i] = gradient[i] * (1 - output[i] * output[i]) }
        }
    }

    /// Multiplies `gradient` in place by the derivative given the activation's outputs.
    func convolutionBackward(output: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>, count: Int) {
        convolutionBackward(output: output, gradient: UnsafePointer(gradient), into: gradient, count: count)
    }
}

extension Conv2D: InputGradientSkipping {}

import MinnowRuntime

/// Batch normalization over the last axis (features of `[N, F]`, channels of NHWC), as Keras
/// `BatchNormalization(momentum: 0.99, epsilon: 1e-3)`.
///
/// Training normalizes with the batch's mean and biased variance and updates the moving
/// averages `moving = momentum · moving + (1 − momentum) · batch`; inference uses the moving
/// averages. Parameters: `gamma` (scale, starts at 1) and `beta` (offset, starts at 0), neither
/// regularized. Exports as the runtime's `batchNorm` with folded `scale` and `offset`.
public final class BatchNorm: Layer {
    public var name: String
    public var kind: String { "BatchNorm" }
    public let momentum: Float
    public let epsilon: Float
    public private(set) var gamma: Parameter
    public private(set) var beta: Parameter
    /// Moving statistics used at inference (start at 0 and 1).
    public var movingMean: [Float] = []
    public var movingVariance: [Float] = []
    /// When set, training uses and keeps the moving statistics (Keras' `trainable=False`
    /// batch norm, the usual choice for fine-tuning): only `gamma` and `beta` learn. A model
    /// read back from a file has its batch norms frozen, because the file keeps only the
    /// folded scale and offset.
    public var freezesStatistics = false
    public var channels: Int { gamma.value.count }

    // Cache for backward: normalized input, 1/√(σ²+ε) per channel, and which statistics were used.
    private var normalized: [Float] = []
    private var inverseStd: [Float] = []
    private var usedBatchStatistics = false

    /// Rows per block for channel sums. Fixed (not per core) so sums, and hence training runs,
    /// are identical on every machine.
    private static let blockRows = 256

    public init(momentum: Float = 0.99, epsilon: Float = 1e-3, name: String = "batch_norm") {
        self.momentum = momentum
        self.epsilon = epsilon
        self.name = name
        gamma = Parameter(name: "\(name)/gamma", shape: [0], value: [], isRegularized: false)
        beta = Parameter(name: "\(name)/beta", shape: [0], value: [], isRegularized: false)
    }

    public var parameters: [Parameter] { [gamma, beta] }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        guard let c = inputShape.last, c > 0 else {
            throw TrainError.invalidLayer(layer: "BatchNorm '\(name)'", reason: "needs a non-empty last (channel) axis, found input shape \(inputShape)")
        }
        gamma = Parameter(name: "\(name)/gamma", shape: [c], value: [Float](repeating: 1, count: c), isRegularized: false)
        beta = Parameter(name: "\(name)/beta", shape: [c], value: [Float](repeating: 0, count: c), isRegularized: false)
        movingMean = [Float](repeating: 0, count: c)
        movingVariance = [Float](repeating: 1, count: c)
        return inputShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let c = channels
        precondition(c > 0 && input.count % c == 0, "BatchNorm '\(name)': input \(input.shape) does not end in \(c) channels")
        let rows = input.count / c
        var mean: [Float]
        var variance: [Float]
        let training = training && !freezesStatistics
        if training {
            mean = Self.channelSums(rows: rows, width: c) { range, acc in
                input.data.withUnsafeBufferPointer { x in
                    for r in range {
                        let row = x.baseAddress! + r * c
                        for j in 0..<c { acc[j] += row[j] }
                    }
                }
            }
            for j in 0..<c { mean[j] /= Float(rows) }
            variance = mean.withUnsafeBufferPointer { m in
                Self.channelSums(rows: rows, width: c) { range, acc in
                    input.data.withUnsafeBufferPointer { x in
                        for r in range {
                            let row = x.baseAddress! + r * c
                            for j in 0..<c {
                                let d = row[j] - m[j]
                                acc[j] += d * d
                            }
                        }
                    }
                }
            }
            for j in 0..<c { variance[j] /= Float(rows) }
            for j in 0..<c {
                movingMean[j] = momentum * movingMean[j] + (1 - momentum) * mean[j]
                movingVariance[j] = momentum * movingVariance[j] + (1 - momentum) * variance[j]
            }
        } else {
            mean = movingMean
            variance = movingVariance
        }
        inverseStd = variance.map { 1 / ($0 + epsilon).squareRoot() }
        usedBatchStatistics = training

        var xhat = [Float](repeating: 0, count: input.count)
        var output = [Float](repeating: 0, count: input.count)
        input.data.withUnsafeBufferPointer { x in
            xhat.withUnsafeMutableBufferPointer { n in
                output.withUnsafeMutableBufferPointer { y in
                    mean.withUnsafeBufferPointer { m in
                        inverseStd.withUnsafeBufferPointer { s in
                            gamma.value.withUnsafeBufferPointer { g in
                                beta.value.withUnsafeBufferPointer { b in
                                    let (xp, np, yp) = (x.baseAddress!, n.baseAddress!, y.baseAddress!)
                                    Self.forEachRowRange(rows: rows, channels: c) { range in
                                        for r in range {
                                            let base = r * c
                                            for j in 0..<c {
                                                let v = (xp[base + j] - m[j]) * s[j]
                                                np[base + j] = v
                                                yp[base + j] = v * g[j] + b[j]
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        normalized = xhat
        return Tensor(shape: input.shape, data: output)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        let c = channels
        precondition(outputGradient.count == normalized.count, "BatchNorm '\(name)': backward before forward or shape mismatch")
        let rows = outputGradient.count / c
        // Column sums of dy and dy·x̂ (one pass, two accumulators per channel).
        let sums = Self.channelSums(rows: rows, width: 2 * c) { range, acc in
            outputGradient.data.withUnsafeBufferPointer { dy in
                normalized.withUnsafeBufferPointer { n in
                    for r in range {
                        let base = r * c
                        for j in 0..<c {
                            let g = dy[base + j]
                            acc[j] += g
                            acc[c + j] += g * n[base + j]
                        }
                    }
                }
            }
        }
        let sumDy = Array(sums[0..<c])
        let sumDyXhat = Array(sums[c..<(2 * c)])
        for j in 0..<c {
            beta.gradient[j] += sumDy[j]
            gamma.gradient[j] += sumDyXhat[j]
        }

        var inputGradient = [Float](repeating: 0, count: outputGradient.count)
        // Training: dx = γ·s/M · (M·dy − Σdy − x̂·Σ(dy·x̂)); inference: dx = γ·s·dy.
        let training = usedBatchStatistics
        let count = Float(rows)
        let factor = (0..<c).map { j in gamma.value[j] * inverseStd[j] / (training ? count : 1) }
        outputGradient.data.withUnsafeBufferPointer { dy in
            normalized.withUnsafeBufferPointer { n in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    factor.withUnsafeBufferPointer { f in
                        sumDy.withUnsafeBufferPointer { sd in
                            sumDyXhat.withUnsafeBufferPointer { sdn in
                                let (dyp, np, dxp) = (dy.baseAddress!, n.baseAddress!, dx.baseAddress!)
                                Self.forEachRowRange(rows: rows, channels: c) { range in
                                    for r in range {
                                        let base = r * c
                                        if training {
                                            for j in 0..<c {
                                                dxp[base + j] = f[j] * (count * dyp[base + j] - sd[j] - np[base + j] * sdn[j])
                                            }
                                        } else {
                                            for j in 0..<c { dxp[base + j] = f[j] * dyp[base + j] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: outputGradient.shape, data: inputGradient)
    }

    /// The inference form `y = x · scale + offset` with `scale = γ/√(σ²+ε)` and
    /// `offset = β − μ · scale` from the moving statistics.
    public var foldedScaleAndOffset: (scale: [Float], offset: [Float]) {
        var scale = [Float](repeating: 0, count: channels)
        var offset = [Float](repeating: 0, count: channels)
        for j in 0..<channels {
            scale[j] = gamma.value[j] / (movingVariance[j] + epsilon).squareRoot()
            offset[j] = beta.value[j] - movingMean[j] * scale[j]
        }
        return (scale, offset)
    }

    /// Sets the parameters and statistics so that the inference form is exactly `scale` and
    /// `offset` (mean 0, variance + ε = 1, so `γ = scale`, `β = offset`), and freezes the
    /// statistics: what a file's folded batch norm can be read back as.
    public func setFolded(scale: [Float], offset: [Float]) throws {
        guard scale.count == channels, offset.count == channels else {
            throw TrainError.incompatibleState("BatchNorm '\(name)': \(scale.count) scales and \(offset.count) offsets for \(channels) channels")
        }
        guard epsilon == 1.0 / 1024 else {
            throw TrainError.incompatibleState("BatchNorm '\(name)': folded values need epsilon 2^-10 so that variance + epsilon is exactly 1")
        }
        gamma.value = scale
        beta.value = offset
        movingMean = [Float](repeating: 0, count: channels)
        movingVariance = [Float](repeating: 1 - epsilon, count: channels)
        freezesStatistics = true
    }

    /// Emits `batchNorm` with inputs `[x, scale [C], offset [C]]`.
    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        let shape = builder.tensors[input].shape
        guard channels > 0, shape.last == channels else {
            throw TrainError.exportFailed(layer: "BatchNorm '\(name)'", reason: "export input tensor has shape \(shape), expected last axis \(channels)")
        }
        let folded = foldedScaleAndOffset
        let scale = builder.addConstant(name: "\(name)/scale", shape: [channels], floats: folded.scale)
        let offset = builder.addConstant(name: "\(name)/offset", shape: [channels], floats: folded.offset)
        let output = builder.addTensor(name: name, shape: shape)
        builder.addOperator(.batchNorm, inputs: [input, scale, offset], outputs: [output])
        return output
    }

    // MARK: - Loops

    /// `width` column sums over `rows`: `body(rowRange, accumulators)` adds one block of rows into
    /// zeroed accumulators; blocks run in parallel and are combined in block order.
    private static func channelSums(
        rows: Int, width: Int, _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void
    ) -> [Float] {
        let blocks = (rows + blockRows - 1) / blockRows
        var partial = [Float](repeating: 0, count: blocks * width)
        partial.withUnsafeMutableBufferPointer { p in
            let pp = p.baseAddress!
            let minimumBlocks = max(1, 32_768 / (blockRows * width))
            Parallel.forEachChunk(blocks, minimumChunk: minimumBlocks) { blockRange in
                for block in blockRange {
                    let start = block * blockRows
                    body(start..<min(rows, start + blockRows), pp + block * width)
                }
            }
        }
        var total = [Double](repeating: 0, count: width)
        for block in 0..<blocks {
            for j in 0..<width { total[j] += Double(partial[block * width + j]) }
        }
        return total.map { Float($0) }
    }

    /// Runs `body` over row ranges, in parallel when the tensor is large.
    private static func forEachRowRange(rows: Int, channels: Int, _ body: (Range<Int>) -> Void) {
        if rows * channels < ElementwiseKernels.parallelThreshold {
            if rows > 0 { body(0..<rows) }
        } else {
            Parallel.forEachChunk(rows, minimumChunk: max(1, ElementwiseKernels.parallelThreshold / 2 / channels), body)
        }
    }
}

extension BatchNorm: StatefulLayer {
    /// The moving averages, which training updates but the optimizer does not see.
    public var trainingState: [LayerStateEntry] {
        [LayerStateEntry(name: "moving_mean", value: .floats(movingMean)),
         LayerStateEntry(name: "moving_variance", value: .floats(movingVariance))]
    }

    public func restoreTrainingState(_ state: [LayerStateEntry]) throws {
        let mean = try floats("moving_mean", count: channels, in: state)
        let variance = try floats("moving_variance", count: channels, in: state)
        movingMean = mean
        movingVariance = variance
    }
}

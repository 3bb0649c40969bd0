import MinnowRuntime

/// Max pooling over NHWC images (Keras `MaxPooling2D`). Padding cells never win ('same'
/// padding behaves like −∞). Forward records, per output value, the input index of the first
/// maximum in window order (row-major); backward routes each gradient there.
public final class MaxPool2D: Layer {
    public var name: String
    public var kind: String { "MaxPool2D" }
    public let poolSize: (height: Int, width: Int)
    public let strides: (height: Int, width: Int)
    public let padding: Padding
    public private(set) var geometry: WindowGeometry?

    private var cachedBatch = 0
    /// For each output value, the winning input index within its item.
    private let argmax = ScratchBuffer<Int32>()

    /// - Parameter strides: defaults to `poolSize` (non-overlapping windows).
    public init(
        poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid,
        name: String = "max_pool2d"
    ) {
        self.poolSize = (poolSize.0, poolSize.1)
        let s = strides ?? poolSize
        self.strides = (s.0, s.1)
        self.padding = padding
        self.name = name
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        let g = try WindowGeometry(
            itemShape: inputShape, kernel: poolSize, strides: strides, padding: padding, layer: "MaxPool2D '\(name)'")
        guard g.inputItemCount <= Int(Int32.max) else {
            throw TrainError.invalidLayer(layer: "MaxPool2D '\(name)'", reason: "\(g.inputItemCount) values per item exceed the Int32 argmax index range")
        }
        geometry = g
        return [g.outputHeight, g.outputWidth, g.channels]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard let g = geometry else { preconditionFailure("MaxPool2D '\(name)': forward before build") }
        checkPoolInput(input, g, layer: "MaxPool2D '\(name)'")
        let batch = input.batchSize
        let c = g.channels
        let outItem = g.outputPositions * c
        let winners = argmax.pointer(count: batch * outItem)
        let output = uninitializedFloats(count: batch * outItem) { out in
            input.data.withUnsafeBufferPointer { xb in
                let x = xb.baseAddress!
                Parallel.forEachChunk(batch) { items in
                    for n in items {
                        let xi = x + n * g.inputItemCount
                        var y = out + n * outItem
                        var best = winners + n * outItem
                        for oy in 0..<g.outputHeight {
                            let iy0 = oy &* g.strideHeight &- g.padTop
                            let rows = g.validRows(origin: iy0)
                            for ox in 0..<g.outputWidth {
                                let ix0 = ox &* g.strideWidth &- g.padLeft
                                let cols = g.validColumns(origin: ix0)
                                // The first valid cell seeds the maximum; later cells must be strictly
                                // larger. Eight channels at a time in SIMD registers, the rest scalar.
                                // (Index arithmetic wraps: the geometry was validated at build.)
                                let first = ((iy0 &+ rows.lower) &* g.inputWidth &+ ix0 &+ cols.lower) &* c
                                var ch = 0
                                while ch &+ 8 <= c {
                                    var maximum = SIMD8<Float>(loadingFrom: xi + (first &+ ch))
                                    var winner = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: first &+ ch)) &+ laneOffsets
                                    for ky in rows.lower..<rows.upper {
                                        for kx in cols.lower..<cols.upper {
                                            let offset = ((iy0 &+ ky) &* g.inputWidth &+ ix0 &+ kx) &* c &+ ch
                                            let v = SIMD8<Float>(loadingFrom: xi + offset)
                                            let larger = v .> maximum
                                            maximum.replace(with: v, where: larger)
                                            winner.replace(
                                                with: SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: offset)) &+ laneOffsets,
                                                where: larger)
                                        }
                                    }
                                    maximum.store(to: y + ch)
                                    winner.store(to: best + ch)
                                    ch &+= 8
                                }
                                for ch in ch..<c {
                                    var maximum = xi[first &+ ch]
                                    var winner = Int32(truncatingIfNeeded: first &+ ch)
                                    for ky in rows.lower..<rows.upper {
                                        for kx in cols.lower..<cols.upper {
                                            let offset = ((iy0 &+ ky) &* g.inputWidth &+ ix0 &+ kx) &* c &+ ch
                                            if xi[offset] > maximum {
                                                maximum = xi[offset]
                                                winner = Int32(truncatingIfNeeded: offset)
                                            }
                                        }
                                    }
                                    y[ch] = maximum
                                    best[ch] = winner
                                }
                                y += c
                                best += c
                            }
                        }
                    }
                }
            }
        }
        cachedBatch = batch
        return Tensor(shape: [batch, g.outputHeight, g.outputWidth, c], data: output)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let g = geometry, cachedBatch > 0 else { preconditionFailure("MaxPool2D '\(name)': backward before forward") }
        let batch = cachedBatch
        let outItem = g.outputPositions * g.channels
        precondition(
            outputGradient.count == batch * outItem,
            "MaxPool2D '\(name)': output gradient shape \(outputGradient.shape) does not match [\(batch), \(g.outputHeight), \(g.outputWidth), \(g.channels)]")
        let winners = argmax.pointer(count: batch * outItem)
        let inputGradient = uninitializedFloats(count: batch * g.inputItemCount) { dx in
            outputGradient.data.withUnsafeBufferPointer { dyb in
                let dy = dyb.baseAddress!
                Parallel.forEachChunk(batch) { items in
                    for n in items {
                        let dxi = dx + n * g.inputItemCount
                        let dyi = dy + n * outItem
                        let wi = winners + n * outItem
                        dxi.update(repeating: 0, count: g.inputItemCount)
                        for i in 0..<outItem { dxi[Int(wi[i])] += dyi[i] }
                    }
                }
            }
        }
        return Tensor(shape: [batch, g.inputHeight, g.inputWidth, g.channels], data: inputGradient)
    }

    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        guard let g = geometry else { throw TrainError.notBuilt("MaxPool2D \'\(name)\' export") }
        return try exportPool(.maxPool2D, g, padding: padding, to: &builder, input: input, name: name, layer: "MaxPool2D '\(name)'")
    }
}

/// Average pooling over NHWC images (Keras `AveragePooling2D`). With 'same' padding each
/// window is divided by its number of non-padding cells, as TensorFlow does.
public final class AveragePool2D: Layer {
    public var name: String
    public var kind: String { "AveragePool2D" }
    public let poolSize: (height: Int, width: Int)
    public let strides: (height: Int, width: Int)
    public let padding: Padding
    public private(set) var geometry: WindowGeometry?

    private var cachedBatch = 0

    /// - Parameter strides: defaults to `poolSize` (non-overlapping windows).
    public init(
        poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid,
        name: String = "average_pool2d"
    ) {
        self.poolSize = (poolSize.0, poolSize.1)
        let s = strides ?? poolSize
        self.strides = (s.0, s.1)
        self.padding = padding
        self.name = name
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        let g = try WindowGeometry(
            itemShape: inputShape, kernel: poolSize, strides: strides, padding: padding,
            layer: "AveragePool2D '\(name)'")
        geometry = g
        return [g.outputHeight, g.outputWidth, g.channels]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard let g = geometry else { preconditionFailure("AveragePool2D '\(name)': forward before build") }
        checkPoolInput(input, g, layer: "AveragePool2D '\(name)'")
        let batch = input.batchSize
        let c = g.channels
        let outItem = g.outputPositions * c
        let output = uninitializedFloats(count: batch * outItem) { out in
            input.data.withUnsafeBufferPointer { xb in
                let x = xb.baseAddress!
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
                                        for ch in 0..<c { y[ch] += src[ch] }
                                    }
                                }
                                let cells = Float((rows.upper - rows.lower) * (cols.upper - cols.lower))
                                for ch in 0..<c { y[ch] /= cells }
                                y += c
                            }
                        }
                    }
                }
            }
        }
        cachedBatch = batch
        return Tensor(shape: [batch, g.outputHeight, g.outputWidth, c], data: output)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let g = geometry, cachedBatch > 0 else {
            preconditionFailure("AveragePool2D '\(name)': backward before forward")
        }
        let batch = cachedBatch
        let c = g.channels
        let outItem = g.outputPositions * c
        precondition(
            outputGradient.count == batch * outItem,
            "AveragePool2D '\(name)': output gradient shape \(outputGradient.shape) does not match [\(batch), \(g.outputHeight), \(g.outputWidth), \(c)]")
        let inputGradient = uninitializedFloats(count: batch * g.inputItemCount) { dx in
            outputGradient.data.withUnsafeBufferPointer { dyb in
                let dy = dyb.baseAddress!
                Parallel.forEachChunk(batch) { items in
                    for n in items {
                        let dxi = dx + n * g.inputItemCount
                        var gy = dy + n * outItem
                        dxi.update(repeating: 0, count: g.inputItemCount)
                        for oy in 0..<g.outputHeight {
                            let iy0 = oy * g.strideHeight - g.padTop
                            let rows = g.validRows(origin: iy0)
                            for ox in 0..<g.outputWidth {
                                let ix0 = ox * g.strideWidth - g.padLeft
                                let cols = g.validColumns(origin: ix0)
                                let cells = Float((rows.upper - rows.lower) * (cols.upper - cols.lower))
                                for ky in rows.lower..<rows.upper {
                                    for kx in cols.lower..<cols.upper {
                                        let dst = dxi + ((iy0 + ky) * g.inputWidth + ix0 + kx) * c
                                        for ch in 0..<c { dst[ch] += gy[ch] / cells }
                                    }
                                }
                                gy += c
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [batch, g.inputHeight, g.inputWidth, c], data: inputGradient)
    }

    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        guard let g = geometry else { throw TrainError.notBuilt("AveragePool2D \'\(name)\' export") }
        return try exportPool(.averagePool2D, g, padding: padding, to: &builder, input: input, name: name, layer: "AveragePool2D '\(name)'")
    }
}

/// Checks that a batch matches the geometry the pool was built for.
private func checkPoolInput(_ input: Tensor, _ g: WindowGeometry, layer: String) {
    precondition(
        input.shape.count == 4 && Array(input.shape.dropFirst()) == [g.inputHeight, g.inputWidth, g.channels],
        "\(layer): expected input [N, \(g.inputHeight), \(g.inputWidth), \(g.channels)], found \(input.shape)")
}

/// Appends one pooling operator with its window options.
private func exportPool(
    _ code: OperatorCode, _ g: WindowGeometry, padding: Padding, to builder: inout ModelBuilder, input: Int,
    name: String, layer: String
) throws -> Int {
    let expected = [1, g.inputHeight, g.inputWidth, g.channels]
    guard builder.tensors[input].shape == expected else {
        throw TrainError.exportFailed(layer: layer, reason: "export input shape \(builder.tensors[input].shape), expected \(expected)")
    }
    let out = builder.addTensor(name: name, shape: [1, g.outputHeight, g.outputWidth, g.channels])
    let options = OperatorOptions(
        kernelHeight: Int32(g.kernelHeight), kernelWidth: Int32(g.kernelWidth),
        strideHeight: Int32(g.strideHeight), strideWidth: Int32(g.strideWidth), padding: padding)
    builder.addOperator(code, inputs: [input], outputs: [out], options: options)
    return out
}

private let laneOffsets = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)

extension SIMD8 where Scalar: BitwiseCopyable {
    /// Loads eight consecutive values (no alignment needed).
    @inline(__always)
    fileprivate init(loadingFrom pointer: UnsafePointer<Scalar>) {
        self = UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Scalar>.self)
    }

    @inline(__always)
    fileprivate init(loadingFrom pointer: UnsafeMutablePointer<Scalar>) {
        self.init(loadingFrom: UnsafePointer(pointer))
    }

    /// Stores the eight values to consecutive memory (no alignment needed).
    @inline(__always)
    fileprivate func store(to pointer: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: SIMD8<Scalar>.self)
    }
}

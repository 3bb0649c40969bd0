import MinnowRuntime
import XCTest

/// The prepacked int8 convolution path: im2col writing the GEMM micro-kernels' packed rows
/// (`Int8SpatialKernels.im2colPacked`) and the GEMM running on them in place
/// (`Int8Gemm.runPrepacked`), for every C kernel family, against convolutions computed here from
/// the definition; and whole int8 conv models through the interpreter (which takes that path).
final class Int8ConvPackedTests: XCTestCase {
    /// A random geometry with Keras padding rules: odd sizes, kernels 1…4, strides 1…3.
    func randomGeometry(_ rng: inout IntRandom, channels: Int, maxSize: Int = 13) -> (WindowGeometry, Padding) {
        while true {
            let h = rng.int(1...maxSize), w = rng.int(1...maxSize)
            let kh = rng.int(1...4), kw = rng.int(1...4)
            let sh = rng.int(1...3), sw = rng.int(1...3)
            let padding: Padding = rng.int(0...1) == 0 ? .same : .valid
            guard let rows = AxisGeometry(input: h, kernel: kh, stride: sh, padding: padding),
                  let cols = AxisGeometry(input: w, kernel: kw, stride: sw, padding: padding) else { continue }
            return (WindowGeometry(inputHeight: h, inputWidth: w, channels: channels, kernelHeight: kh,
                                       kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                                       outputHeight: rows.outputSize, outputWidth: cols.outputSize,
                                       padTop: rows.padBefore, padLeft: cols.padBefore), padding)
        }
    }

    /// Patch values of output pixel `p` in (ky, kx, c) order, from the definition.
    func patch(_ x: [Int8], _ g: WindowGeometry, pixel p: Int, pad: Int8) -> [Int8] {
        let oy = p / g.outputWidth, ox = p % g.outputWidth
        var out: [Int8] = []
        for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth { for ch in 0..<g.channels {
            let iy = oy * g.strideHeight - g.padTop + ky, ix = ox * g.strideWidth - g.padLeft + kx
            let inside = iy >= 0 && iy < g.inputHeight && ix >= 0 && ix < g.inputWidth
            out.append(inside ? x[(iy * g.inputWidth + ix) * g.channels + ch] : pad)
        } } }
        return out
    }

    /// Every output pixel's `n` channels (row stride `ldc`, other bytes 0x3C) of `layer` over `x`
    /// from the definition: padding cells take the input zero point, so they contribute 0.
    func expectedConv(_ x: [Int8], _ g: WindowGeometry, layer: QuantizedLayer, n: Int, inputZeroPoint zpIn: Int32,
                      activation: FusedActivation, ldc: Int) -> [Int8] {
        let depth = g.kernelHeight * g.kernelWidth * g.channels
        let pixels = g.outputHeight * g.outputWidth
        var expected = [Int8](repeating: 0x3C, count: pixels * ldc)
        for p in 0..<pixels {
            let values = patch(x, g, pixel: p, pad: Int8(zpIn))
            for o in 0..<n {
                var acc = Int64(layer.bias[o])
                for i in 0..<depth { acc += Int64(Int32(values[i]) - zpIn) * Int64(layer.weights[o * depth + i]) }
                expected[p * ldc + o] = layer.requantize(acc, channel: o, activation: activation)
            }
        }
        return expected
    }

    let channelChoices = [1, 1, 2, 3, 5, 7, 8, 16, 17]

    func testPackedIm2colWritesFlippedZeroPaddedRows() {
        var rng = IntRandom(seed: 91)
        // Rows wider than the C kernel's 2 KiB padded-row buffer take its other (tap-by-tap) path.
        let wide = [
            WindowGeometry(inputHeight: 3, inputWidth: 70, channels: 64, kernelHeight: 3, kernelWidth: 3,
                               strideHeight: 1, strideWidth: 1, outputHeight: 3, outputWidth: 70, padTop: 1, padLeft: 1),
            WindowGeometry(inputHeight: 4, inputWidth: 300, channels: 15, kernelHeight: 2, kernelWidth: 3,
                               strideHeight: 2, strideWidth: 1, outputHeight: 2, outputWidth: 298, padTop: 0, padLeft: 0),
        ]
        for trial in 0..<204 {
            let g = trial < 200 ? randomGeometry(&rng, channels: channelChoices[trial % channelChoices.count]).0
                                : wide[trial % 2]
            let depth = g.kernelHeight * g.kernelWidth * g.channels
            let pixels = g.outputHeight * g.outputWidth
            let first = rng.int(0...(pixels - 1))
            let count = rng.int(1...(pixels - first))
            let stride = 4 * ((depth + 3) / 4) + [0, 0, 4, 9][trial % 4]
            let flip = trial % 2 == 0
            let pad = Int8(rng.int(-128...127))
            let x = rng.int8s(g.inputHeight * g.inputWidth * g.channels)
            var expected: [UInt8] = []
            for p in first..<(first + count) {
                expected += patch(x, g, pixel: p, pad: pad).map { UInt8(bitPattern: $0) ^ (flip ? 0x80 : 0) }
                expected += [UInt8](repeating: 0, count: stride - depth)
            }
            expected.append(0xA5)  // guard byte: nothing written past the block
            var out = [UInt8](repeating: 0xA5, count: count * stride + 1)
            x.withUnsafeBufferPointer { xb in
                out.withUnsafeMutableBufferPointer { ob in
                    Int8Convolution.im2colPacked(input: xb.baseAddress!, geometry: g, firstPixel: first, pixels: count,
                                                    padValue: pad, rowStride: stride, flipsSign: flip,
                                                    output: ob.baseAddress!)
                }
            }
            XCTAssertEqual(out, expected, "trial \(trial) \(g) first \(first) count \(count) stride \(stride) flip \(flip)")
        }
    }

    /// 3×3 stride-1 single-channel windows (grayscale first layers), which the x86 C kernel
    /// gathers 16 pixels at a time: widths below, at and above 16 and 32, both paddings, any
    /// block of pixels, packed 12-byte rows.
    func testSingleChannel3x3PackedIm2colMatchesDefinition() {
        var rng = IntRandom(seed: 92)
        for trial in 0..<160 {
            let h = rng.int(1...12), w = [1, 2, 3, 15, 16, 17, 28, 31, 33, 40][trial % 10]
            let padding: Padding = trial % 3 == 0 ? .valid : .same
            guard let rows = AxisGeometry(input: h, kernel: 3, stride: 1, padding: padding),
                  let cols = AxisGeometry(input: w, kernel: 3, stride: 1, padding: padding) else { continue }
            let g = WindowGeometry(inputHeight: h, inputWidth: w, channels: 1, kernelHeight: 3, kernelWidth: 3,
                                       strideHeight: 1, strideWidth: 1, outputHeight: rows.outputSize,
                                       outputWidth: cols.outputSize, padTop: rows.padBefore, padLeft: cols.padBefore)
            let pixels = g.outputHeight * g.outputWidth
            let first = trial % 4 == 0 ? 0 : rng.int(0...(pixels - 1))
            let count = trial % 4 == 0 ? pixels : rng.int(1...(pixels - first))
            let flip = trial % 2 == 0
            let pad = Int8(rng.int(-128...127))
            let x = rng.int8s(h * w)
            var expected: [UInt8] = []
            for p in first..<(first + count) {
                expected += patch(x, g, pixel: p, pad: pad).map { UInt8(bitPattern: $0) ^ (flip ? 0x80 : 0) }
                expected += [0, 0, 0]
            }
            expected.append(0xA5)  // guard byte: nothing written past the block
            var out = [UInt8](repeating: 0xA5, count: count * 12 + 1)
            x.withUnsafeBufferPointer { xb in
                out.withUnsafeMutableBufferPointer { ob in
                    Int8Convolution.im2colPacked(input: xb.baseAddress!, geometry: g, firstPixel: first, pixels: count,
                                                    padValue: pad, rowStride: 12, flipsSign: flip, output: ob.baseAddress!)
                }
            }
            XCTAssertEqual(out, expected, "trial \(trial) \(g) first \(first) count \(count) flip \(flip)")
        }
    }

    func testPrepackedConvMatchesDefinitionForEveryKernel() {
        let kernels = InstructionSet.supported
        XCTAssertTrue(kernels.contains(.scalar))
        var rng = IntRandom(seed: 92)
        var checked = 0
        for kernel in kernels {
            for trial in 0..<40 {
                let g = randomGeometry(&rng, channels: channelChoices[trial % channelChoices.count]).0
                let n = [1, 3, 16, 17, 32, 40, 64, 70][trial % 8]
                let depth = g.kernelHeight * g.kernelWidth * g.channels
                let pixels = g.outputHeight * g.outputWidth
                let zpIn = Int32(rng.int(-30...30))
                let layer = QuantizedLayer(channels: n, depth: depth, rng: &rng, inputZeroPoint: zpIn)
                let activation: FusedActivation = [.none, .relu, .relu6][trial % 3]
                let x = rng.int8s(g.inputHeight * g.inputWidth * g.channels)
                let ldc = n + trial % 3

                let expected = expectedConv(x, g, layer: layer, n: n, inputZeroPoint: zpIn, activation: activation, ldc: ldc)

                // Actual: blocks of packed rows (random block sizes), one prepacked GEMM per block.
                let folded = layer.foldedBias { c in (0..<depth).reduce(Int32(0)) { $0 + Int32(layer.weights[c * depth + $1]) } }
                let packedWeights = WeightPacking.pack(layer.weights, channels: n, depth: depth)
                let mults = layer.multipliers.map { $0.multiplier }, shifts = layer.multipliers.map { $0.shift }
                let (lo, hi) = referenceRange(activation, scale: layer.outputScale, zeroPoint: layer.outputZeroPoint)
                let rowBytes = Int8Gemm.prepackedRowBytes(k: depth, path: .native)
                XCTAssertEqual(rowBytes, 4 * ((depth + 3) / 4))
                let block = [1, 5, 6, 7, g.outputWidth, pixels][trial % 6]
                var actual = [Int8](repeating: 0x3C, count: pixels * ldc)
                var rows = [UInt8](repeating: 0xEE, count: block * rowBytes)
                folded.withUnsafeBufferPointer { b in mults.withUnsafeBufferPointer { m in shifts.withUnsafeBufferPointer { s in
                    packedWeights.withUnsafeBufferPointer { w in x.withUnsafeBufferPointer { xb in
                        rows.withUnsafeMutableBufferPointer { a in actual.withUnsafeMutableBufferPointer { y in
                            let stage = Int8OutputStage(bias: b.baseAddress!, multipliers: m.baseAddress!,
                                                        shifts: s.baseAddress!, outputZeroPoint: layer.outputZeroPoint,
                                                        lowerBound: Int32(lo), upperBound: Int32(hi))
                            var p0 = 0
                            while p0 < pixels {
                                let count = min(block, pixels - p0)
                                Int8Convolution.im2colPacked(
                                    input: xb.baseAddress!, geometry: g, firstPixel: p0, pixels: count,
                                    padValue: Int8(zpIn), rowStride: rowBytes,
                                    flipsSign: Int8Gemm.readsUnsignedActivations(.native(kernel)), output: a.baseAddress!)
                                Int8Gemm.runPrepacked(.native(kernel), m: count, n: n, k: depth,
                                                      a: UnsafePointer(a.baseAddress!), aStride: rowBytes,
                                                      packedWeights: w.baseAddress!, output: stage,
                                                      c: y.baseAddress! + p0 * ldc, ldc: ldc)
                                p0 += count
                            }
                        } }
                    } }
                } } }
                assertEqualInt8(actual, expected, "\(kernel) trial \(trial) n \(n) block \(block) \(g)")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 40 * kernels.count)
    }

    /// The one-call convolution against the definition: the indirect GEMM (channels in multiples
    /// of 4) and the whole-image im2col (3 channels, and shapes the indirect path refuses), for
    /// AVX-512 VNNI and AVX2;
    /// kernels 1…4, strides 1…3, both paddings, output channels with partial panels and several
    /// column blocks. Where a kernel has no such path (or its buffers would pass 16 KiB) the call
    /// must say so and leave the output untouched.
    func testWholeConvMatchesDefinition() {
        var rng = IntRandom(seed: 93)
        var ran = 0
        for kernel in InstructionSet.supported {
            for trial in 0..<120 {
                let channels = [4, 8, 12, 16, 20, 32, 3, 64, 1, 16][trial % 10]
                var (g, _) = randomGeometry(&rng, channels: channels, maxSize: 20)
                if trial % 10 == 9 {  // too few output pixels for the indirect path
                    g = WindowGeometry(inputHeight: 4, inputWidth: 5, channels: 4, kernelHeight: 3, kernelWidth: 3,
                                           strideHeight: 1, strideWidth: 1, outputHeight: 4, outputWidth: 5,
                                           padTop: 1, padLeft: 1)
                }
                let c = g.channels
                let n = [1, 16, 17, 32, 40, 64, 70, 130][trial % 8]
                let depth = g.kernelHeight * g.kernelWidth * g.channels
                let pixels = g.outputHeight * g.outputWidth
                let zpIn = Int32(rng.int(-30...30))
                let layer = QuantizedLayer(channels: n, depth: depth, rng: &rng, inputZeroPoint: zpIn)
                let activation: FusedActivation = [.none, .relu, .relu6][trial % 3]
                let x = rng.int8s(g.inputHeight * g.inputWidth * g.channels)
                let expected = expectedConv(x, g, layer: layer, n: n, inputZeroPoint: zpIn, activation: activation, ldc: n)
                let folded = layer.foldedBias { c in (0..<depth).reduce(Int32(0)) { $0 + Int32(layer.weights[c * depth + $1]) } }
                let packedWeights = WeightPacking.pack(layer.weights, channels: n, depth: depth)
                let mults = layer.multipliers.map { $0.multiplier }, shifts = layer.multipliers.map { $0.shift }
                let (lo, hi) = referenceRange(activation, scale: layer.outputScale, zeroPoint: layer.outputZeroPoint)
                var actual = [Int8](repeating: 0x3C, count: pixels * n)
                var handled = false
                folded.withUnsafeBufferPointer { b in mults.withUnsafeBufferPointer { m in shifts.withUnsafeBufferPointer { s in
                    packedWeights.withUnsafeBufferPointer { w in x.withUnsafeBufferPointer { xb in
                        actual.withUnsafeMutableBufferPointer { y in
                            let stage = Int8OutputStage(bias: b.baseAddress!, multipliers: m.baseAddress!,
                                                        shifts: s.baseAddress!, outputZeroPoint: layer.outputZeroPoint,
                                                        lowerBound: Int32(lo), upperBound: Int32(hi))
                            handled = Int8Convolution.runWhole(
                                .native(kernel), input: xb.baseAddress!, geometry: g, padValue: Int8(zpIn),
                                packedWeights: w.baseAddress!, outputChannels: n, stage: stage, output: y.baseAddress!)
                        }
                    } }
                } } }
                let paddedBytes = ((g.outputHeight - 1) * g.strideHeight + g.kernelHeight)
                    * ((g.outputWidth - 1) * g.strideWidth + g.kernelWidth) * c
                let indirect = c % 4 == 0 && pixels >= 24 && paddedBytes <= 16 * 1024
                let unfolded = pixels * Int8Gemm.prepackedRowBytes(k: depth, path: .native) <= 16 * 1024
                // VNNI: one stack buffer of 16 KiB; AVX2 unfolds block by block on the stack, so
                // every shape here suits it; the scalar family has no whole-convolution path.
                let suits = kernel == .avx512VNNI ? indirect || unfolded : kernel == .avx2
                XCTAssertEqual(handled, suits, "\(kernel) trial \(trial) \(g)")
                if handled {
                    assertEqualInt8(actual, expected, "one call \(kernel) trial \(trial) n \(n) \(g)")
                    ran += 1
                } else {
                    XCTAssertTrue(actual.allSatisfy { $0 == 0x3C }, "\(kernel) trial \(trial): wrote without a path")
                }
            }
        }
        if InstructionSet.supported.contains(.avx512VNNI) || InstructionSet.supported.contains(.avx2) {
            XCTAssertGreaterThan(ran, 20)
        }
    }

    func testX86FamiliesReadUnsignedRowsAndARMFamiliesRawRows() {
        for kernel in InstructionSet.supported {
            let expected = kernel == .scalar || kernel == .avx2 || kernel == .avx512VNNI
            XCTAssertEqual(Int8Gemm.readsUnsignedActivations(.native(kernel)), expected, "\(kernel)")
        }
    }

    /// Whole int8 conv models through the interpreter (im2col blocks of one output row, packed
    /// in place) against the definition, including the preset's 28×28×1 and 14×14×16 layers.
    func testInterpreterConvMatchesDefinition() throws {
        var rng = IntRandom(seed: 93)
        var geometries: [(WindowGeometry, Padding)] = [(
            WindowGeometry(inputHeight: 28, inputWidth: 28, channels: 1, kernelHeight: 3, kernelWidth: 3,
                               strideHeight: 1, strideWidth: 1, outputHeight: 28, outputWidth: 28, padTop: 1, padLeft: 1), .same),
            (
            WindowGeometry(inputHeight: 14, inputWidth: 14, channels: 16, kernelHeight: 3, kernelWidth: 3,
                               strideHeight: 1, strideWidth: 1, outputHeight: 14, outputWidth: 14, padTop: 1, padLeft: 1), .same),
        ]
        for trial in 0..<14 { geometries.append(randomGeometry(&rng, channels: channelChoices[trial % channelChoices.count], maxSize: 17)) }
        for (trial, (g, padding)) in geometries.enumerated() {
            // Skip 1×1 stride-1 kernels: they read the input directly, not through im2col.
            if g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1 { continue }
            let o = trial < 2 ? [16, 32][trial] : [1, 5, 16, 17, 33][trial % 5]
            let k = g.kernelHeight * g.kernelWidth * g.channels
            let zpIn = Int32(rng.int(-20...20))
            let layer = QuantizedLayer(channels: o, depth: k, rng: &rng, inputZeroPoint: zpIn)
            let activation: FusedActivation = [.relu, .none, .relu6][trial % 3]
            var b = ModelBuilder()
            let x = b.addTensor(name: "x", type: .int8, shape: [1, g.inputHeight, g.inputWidth, g.channels],
                                quantization: .init(scale: 0.1, zeroPoint: zpIn))
            let w = b.addPackedWeights(name: "w", shape: [o, g.kernelHeight, g.kernelWidth, g.channels], values: layer.weights)
            let folded = layer.foldedBias { c in (0..<k).reduce(Int32(0)) { $0 + Int32(layer.weights[c * k + $1]) } }
            let bias = b.addConstant(name: "b", shape: [o], int32s: folded)
            let rq = layer.addRequantization(to: &b)
            let y = b.addTensor(name: "y", type: .int8, shape: [1, g.outputHeight, g.outputWidth, o],
                                quantization: .init(scale: layer.outputScale, zeroPoint: layer.outputZeroPoint))
            b.addOperator(.conv2D, inputs: [x, w, bias, rq], outputs: [y],
                          options: OperatorOptions(kernelHeight: Int32(g.kernelHeight), kernelWidth: Int32(g.kernelWidth),
                                                   strideHeight: Int32(g.strideHeight), strideWidth: Int32(g.strideWidth),
                                                   padding: padding, activation: activation))
            b.inputs = [x]; b.outputs = [y]
            let input = rng.int8s(g.inputHeight * g.inputWidth * g.channels)
            var expected: [Int8] = []
            for p in 0..<(g.outputHeight * g.outputWidth) {
                let values = patch(input, g, pixel: p, pad: Int8(zpIn))
                for c in 0..<o {
                    var acc = Int64(layer.bias[c])
                    for i in 0..<k { acc += Int64(Int32(values[i]) - zpIn) * Int64(layer.weights[c * k + i]) }
                    expected.append(layer.requantize(acc, channel: c, activation: activation))
                }
            }
            assertEqualInt8(try runInt8Model(b, inputs: [input])[0], expected, "conv trial \(trial) \(g) \(padding)")
        }
    }
}

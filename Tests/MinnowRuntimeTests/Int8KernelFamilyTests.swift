import CMinnowInt8Kernels
import MinnowRuntime
import XCTest

/// The C int8 kernels called directly, family by family (every family this CPU runs; the others
/// are skipped), against definitions written here: the kernel limit that forces a family,
/// depthwise convolution, pooling, and the AVX2 tiles' edges. (GEMM, whole convolution and the
/// LSTM/GRU kernels have their own test files, which also run every family.)
final class Int8KernelFamilyTests: XCTestCase {
    /// The families `minnow_qgemm_kernel_supported` reports for this CPU.
    static var families: [Int32] {
        (0..<Int32(MINNOW_QGEMM_KERNEL_COUNT)).filter { minnow_qgemm_kernel_supported($0) != 0 }
    }

    static func name(_ family: Int32) -> String { String(cString: minnow_qgemm_kernel_name(family)) }

    /// Runs `body` with the kernel limit set to `family`, restoring the previous limit after.
    func withKernelLimit(_ family: Int32, _ body: () throws -> Void) rethrows {
        let previous = minnow_int8_kernel_limit()
        minnow_int8_set_kernel_limit(family)
        defer { minnow_int8_set_kernel_limit(previous) }
        try body()
    }

    func testKernelLimitForcesAFamilyAndNeverAddsInstructionSets() {
        let detected = minnow_int8_isa_detected()
        for family in Self.families {
            withKernelLimit(family) {
                XCTAssertEqual(minnow_qgemm_best_kernel(), family, Self.name(family))
                XCTAssertEqual(minnow_int8_kernel_limit(), family)
                let isa = minnow_int8_isa()
                XCTAssertEqual(isa & ~detected, 0, "\(Self.name(family)) allows an instruction set the CPU lacks")
                if family == Int32(MINNOW_QGEMM_AVX2) {
                    XCTAssertEqual(isa, UInt32(MINNOW_ISA_AVX2), "AVX2 limit: AVX2 and nothing of AVX-512")
                }
                if family == Int32(MINNOW_QGEMM_SCALAR) { XCTAssertEqual(isa, 0) }
                // Every family still runs when asked for explicitly (tests run them all).
                for other in Self.families { XCTAssertNotEqual(minnow_qgemm_kernel_supported(other), 0) }
            }
        }
        // A limit the CPU cannot honour picks nothing the CPU lacks.
        #if arch(x86_64)
        withKernelLimit(Int32(MINNOW_QGEMM_NEONDOT)) {
            XCTAssertEqual(minnow_int8_isa(), 0)
            XCTAssertEqual(minnow_qgemm_best_kernel(), Int32(MINNOW_QGEMM_SCALAR))
        }
        #endif
        #if arch(x86_64)
        if detected & UInt32(MINNOW_ISA_AVX2) != 0 {
            XCTAssertTrue(Self.families.contains(Int32(MINNOW_QGEMM_AVX2)))
        }
        #endif
    }

    // MARK: GEMM edges

    /// `minnow_qgemm_prepacked` with rows longer than the 16 KiB the AVX2 family widens them into
    /// (K > 8192: its tile then reads the u8 rows directly), and just below, for every family.
    func testPrepackedGemmWithVeryLongRowsMatchesReference() {
        var rng = IntRandom(seed: 164)
        for k in [8209, 8191] {
            let m = 7, n = 20, kp = 4 * ((k + 3) / 4)
            let a = rng.int8s(m * k), w = rng.int8s(n * k)
            let packed = WeightPacking.pack(w, channels: n, depth: k)
            let bias = (0..<n).map { _ in Int32(rng.int(-100_000...100_000)) }
            let scales = (0..<n).map { _ in referenceMultiplier((0.2 + rng.unit()) / (128 * 91)) }
            let mults = scales.map { $0.multiplier }, shifts = scales.map { $0.shift }
            bias.withUnsafeBufferPointer { b in mults.withUnsafeBufferPointer { mu in shifts.withUnsafeBufferPointer { sh in
                packed.withUnsafeBufferPointer { pw in a.withUnsafeBufferPointer { ab in
                    let stage = Int8OutputStage(bias: b.baseAddress!, multipliers: mu.baseAddress!, shifts: sh.baseAddress!,
                                                outputZeroPoint: -3, lowerBound: -128, upperBound: 127)
                    var expected = [Int8](repeating: 0, count: m * n)
                    expected.withUnsafeMutableBufferPointer {
                        Int8Gemm.reference(m: m, n: n, k: k, a: ab.baseAddress!, lda: k, packedWeights: pw.baseAddress!,
                                           output: stage, c: $0.baseAddress!, ldc: n)
                    }
                    for family in Self.families {
                        let flip: UInt8 = minnow_qgemm_unsigned_activations(family) != 0 ? 0x80 : 0
                        var rows = [UInt8](repeating: 0, count: m * kp)
                        for r in 0..<m { for i in 0..<k { rows[r * kp + i] = UInt8(bitPattern: a[r * k + i]) ^ flip } }
                        var found = [Int8](repeating: 0x3C, count: m * n)
                        var c = stage.cStage
                        rows.withUnsafeBufferPointer { rb in found.withUnsafeMutableBufferPointer { fb in
                            minnow_qgemm_prepacked(family, m, n, k, rb.baseAddress!, kp, pw.baseAddress!, &c, fb.baseAddress!, n)
                        } }
                        XCTAssertEqual(found, expected, "\(Self.name(family)) K=\(k)")
                    }
                } }
            } } }
        }
    }

    // MARK: im2col under each kernel limit

    /// `minnow_im2col_int8_packed` picks its code by the limited instruction sets (the VBMI
    /// gather for 3×3 one-channel windows where allowed): under every family's limit it must
    /// write the definition's rows, so the AVX2-only and scalar paths run on this host too.
    func testPackedIm2colUnderEveryKernelLimitMatchesDefinition() {
        var rng = IntRandom(seed: 165)
        for family in Self.families {
            withKernelLimit(family) {
                for trial in 0..<60 {
                    var g = Self.randomWindow(&rng, channels: [1, 3, 4, 16][trial % 4], maxSize: 20, maxKernel: 4)
                    if trial % 2 == 0 {  // 3×3 stride 1 "same" over one channel: the gathered rows
                        let h = rng.int(1...20), w = rng.int(1...40)
                        g = minnow_window(input_height: h, input_width: w, channels: 1, kernel_height: 3, kernel_width: 3,
                                          stride_height: 1, stride_width: 1, output_height: h, output_width: w,
                                          pad_top: 1, pad_left: 1)
                    }
                    let depth = g.kernel_height * g.kernel_width * g.channels, stride = 4 * ((depth + 3) / 4)
                    let pixels = g.output_height * g.output_width
                    let first = rng.int(0...(pixels - 1)), count = rng.int(1...(pixels - first))
                    let pad = Int8(rng.int(-128...127)), flip = trial % 3 != 0
                    let x = rng.int8s(g.input_height * g.input_width * g.channels)
                    var expected: [UInt8] = []
                    for p in first..<(first + count) {
                        let oy = p / g.output_width, ox = p % g.output_width
                        for ky in 0..<g.kernel_height { for kx in 0..<g.kernel_width { for ch in 0..<g.channels {
                            let iy = oy * g.stride_height - g.pad_top + ky, ix = ox * g.stride_width - g.pad_left + kx
                            let inside = iy >= 0 && iy < g.input_height && ix >= 0 && ix < g.input_width
                            let q = inside ? x[(iy * g.input_width + ix) * g.channels + ch] : pad
                            expected.append(UInt8(bitPattern: q) ^ (flip ? 0x80 : 0))
                        } } }
                        expected += [UInt8](repeating: 0, count: stride - depth)
                    }
                    expected.append(0xA5)
                    var out = [UInt8](repeating: 0xA5, count: count * stride + 1)
                    var window = g
                    x.withUnsafeBufferPointer { xb in out.withUnsafeMutableBufferPointer { ob in
                        minnow_im2col_int8_packed(xb.baseAddress!, &window, first, count, pad, stride, flip ? 1 : 0, ob.baseAddress!)
                    } }
                    XCTAssertEqual(out, expected, "limit \(Self.name(family)) trial \(trial) \(g)")
                }
            }
        }
    }

    // MARK: Depthwise convolution

    /// A random window with Keras padding rules over `channels` channels.
    static func randomWindow(_ rng: inout IntRandom, channels: Int, maxSize: Int = 12, maxKernel: Int = 5) -> minnow_window {
        while true {
            let h = rng.int(1...maxSize), w = rng.int(1...maxSize)
            let kh = rng.int(1...maxKernel), kw = rng.int(1...maxKernel)
            let sh = rng.int(1...2), sw = rng.int(1...2)
            let same = rng.int(0...1) == 0
            guard let rows = AxisGeometry(input: h, kernel: kh, stride: sh, padding: same ? .same : .valid),
                  let cols = AxisGeometry(input: w, kernel: kw, stride: sw, padding: same ? .same : .valid) else { continue }
            return minnow_window(input_height: h, input_width: w, channels: channels, kernel_height: kh, kernel_width: kw,
                                 stride_height: sh, stride_width: sw, output_height: rows.outputSize,
                                 output_width: cols.outputSize, pad_top: rows.padBefore, pad_left: cols.padBefore)
        }
    }

    /// One depthwise layer: input, weights [kH·kW, C·multiplier], output-stage parameters.
    struct Depthwise {
        var g: minnow_window
        var multiplier: Int
        var x: [Int8], weights: [Int8]
        var bias: [Int32], multipliers: [Int32], shifts: [Int32]
        var zeroPoint: Int32, lower: Int32, upper: Int32
        var pad: Int8

        var outputs: Int { g.channels * multiplier }
        var pixels: Int { g.output_height * g.output_width }

        init(_ g: minnow_window, multiplier: Int, rng: inout IntRandom) {
            self.g = g
            self.multiplier = multiplier
            let n = g.channels * multiplier, taps = g.kernel_height * g.kernel_width
            x = rng.int8s(g.input_height * g.input_width * g.channels)
            weights = rng.int8s(taps * n, -127...127)
            bias = (0..<n).map { _ in Int32(rng.int(-200_000...200_000)) }
            let scales = (0..<n).map { _ in referenceMultiplier((0.2 + rng.unit()) / (128 * Double(taps) * 16)) }
            multipliers = scales.map { $0.multiplier }
            shifts = scales.map { $0.shift }
            zeroPoint = Int32(rng.int(-10...10))
            (lower, upper) = rng.int(0...1) == 0 ? (-128, 127) : (zeroPoint, 127)
            pad = Int8(rng.int(-128...127))
        }

        /// The definition: Σ (q + 128)·w over the taps, padding cells at `pad`, then bias,
        /// single-rounding requantization, zero point and clamp.
        func expected() -> [Int8] {
            let n = outputs
            var y = [Int8](repeating: 0, count: pixels * n)
            for oy in 0..<g.output_height {
                for ox in 0..<g.output_width {
                    for o in 0..<n {
                        var acc = Int64(bias[o])
                        for ky in 0..<g.kernel_height {
                            for kx in 0..<g.kernel_width {
                                let iy = oy * g.stride_height - g.pad_top + ky, ix = ox * g.stride_width - g.pad_left + kx
                                let inside = iy >= 0 && iy < g.input_height && ix >= 0 && ix < g.input_width
                                let q = inside ? Int64(x[(iy * g.input_width + ix) * g.channels + o / multiplier]) : Int64(pad)
                                acc += (q + 128) * Int64(weights[(ky * g.kernel_width + kx) * n + o])
                            }
                        }
                        let r = referenceRequantize(acc, multipliers[o], shifts[o]) + Int64(zeroPoint)
                        y[(oy * g.output_width + ox) * n + o] = clampInt8(r, lower: Int64(lower), upper: Int64(upper))
                    }
                }
            }
            return y
        }

        /// Runs `body(x, window, weights, stage, y)` on an output buffer with a guard byte.
        func run(_ body: (UnsafePointer<Int8>, UnsafePointer<minnow_window>, UnsafePointer<Int8>,
                          UnsafePointer<minnow_qgemm_output>, UnsafeMutablePointer<Int8>) -> Void) -> [Int8] {
            var y = [Int8](repeating: 0x3C, count: pixels * outputs + 1)
            var window = g
            x.withUnsafeBufferPointer { xb in weights.withUnsafeBufferPointer { wb in
                bias.withUnsafeBufferPointer { b in multipliers.withUnsafeBufferPointer { m in shifts.withUnsafeBufferPointer { s in
                    var stage = minnow_qgemm_output(bias: b.baseAddress, multipliers: m.baseAddress, shifts: s.baseAddress,
                                                    output_zero_point: zeroPoint, lower_bound: lower, upper_bound: upper)
                    y.withUnsafeMutableBufferPointer { yb in body(xb.baseAddress!, &window, wb.baseAddress!, &stage, yb.baseAddress!) }
                } } }
            } }
            return y
        }
    }

    func testDepthwiseEveryFamilyMatchesDefinition() {
        var rng = IntRandom(seed: 161)
        var checked = 0
        for trial in 0..<240 {
            let channels = [1, 3, 8, 16, 17, 32, 7, 64][trial % 8]
            let multiplier = trial % 5 == 4 ? rng.int(2...4) : 1
            var g = Self.randomWindow(&rng, channels: channels)
            if trial % 4 == 0 {  // the usual 3×3 stride 1 "same"
                let h = rng.int(3...10), w = rng.int(3...10)
                g = minnow_window(input_height: h, input_width: w, channels: channels, kernel_height: 3, kernel_width: 3,
                                  stride_height: 1, stride_width: 1, output_height: h, output_width: w, pad_top: 1, pad_left: 1)
            }
            let layer = Depthwise(g, multiplier: multiplier, rng: &rng)
            let expected = layer.expected() + [0x3C]  // guard byte untouched
            let reference = layer.run { x, g, w, o, y in
                minnow_depthwise_conv2d_int8_reference(x, g, multiplier, layer.pad, w, o, y)
            }
            XCTAssertEqual(reference, expected, "reference trial \(trial) \(g) multiplier \(multiplier)")
            for family in Self.families {
                let found = layer.run { x, g, w, o, y in
                    minnow_depthwise_conv2d_int8(family, x, g, multiplier, layer.pad, w, o, y)
                }
                XCTAssertEqual(found, expected, "\(Self.name(family)) trial \(trial) \(g) multiplier \(multiplier)")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 240 * Self.families.count)
    }

    // MARK: Pooling

    /// Max and average pooling of every family against the Swift reference twin, including the
    /// 2×2 stride-2 downsampling shapes (16 and multiples of 32 channels, odd sizes) and in place.
    func testPoolingEveryFamilyMatchesReference() {
        var rng = IntRandom(seed: 162)
        var checked = 0
        for trial in 0..<300 {
            let channels = [1, 3, 16, 17, 32, 33, 64, 96, 8, 48][trial % 10]
            var g = Self.randomWindow(&rng, channels: channels, maxSize: 11, maxKernel: 4)
            if trial % 3 == 0 {  // 2×2 stride 2, no leading padding (valid, or same on odd sizes)
                let h = rng.int(2...13), w = rng.int(2...13)
                g = minnow_window(input_height: h, input_width: w, channels: channels, kernel_height: 2, kernel_width: 2,
                                  stride_height: 2, stride_width: 2, output_height: (h + 1) / 2 - (trial % 2 == 0 ? 0 : h % 2),
                                  output_width: (w + 1) / 2 - (trial % 2 == 0 ? 0 : w % 2), pad_top: 0, pad_left: 0)
            }
            let geometry = WindowGeometry(inputHeight: g.input_height, inputWidth: g.input_width, channels: g.channels,
                                          kernelHeight: g.kernel_height, kernelWidth: g.kernel_width,
                                              strideHeight: g.stride_height, strideWidth: g.stride_width,
                                              outputHeight: g.output_height, outputWidth: g.output_width,
                                              padTop: g.pad_top, padLeft: g.pad_left)
            let x = rng.int8s(g.input_height * g.input_width * channels)
            let (lower, upper): (Int32, Int32) = trial % 4 == 0 ? (-128, 127) : (Int32(rng.int(-128...0)), Int32(rng.int(1...127)))
            let count = g.output_height * g.output_width * channels
            for isMax in [true, false] {
                var expected = [Int8](repeating: 0x3C, count: count + 1)
                x.withUnsafeBufferPointer { xb in expected.withUnsafeMutableBufferPointer { yb in
                    Int8Pooling.run(.reference, input: xb.baseAddress!, output: yb.baseAddress!, geometry: geometry,
                                            isMax: isMax, lower: lower, upper: upper)
                } }
                for family in Self.families {
                    var found = [Int8](repeating: 0x3C, count: count + 1)
                    var window = g
                    x.withUnsafeBufferPointer { xb in found.withUnsafeMutableBufferPointer { yb in
                        if isMax { minnow_max_pool_int8_kernel(family, xb.baseAddress!, &window, lower, upper, yb.baseAddress!) }
                        else { minnow_average_pool_int8_kernel(family, xb.baseAddress!, &window, lower, upper, yb.baseAddress!) }
                    } }
                    XCTAssertEqual(found, expected, "\(Self.name(family)) \(isMax ? "max" : "average") trial \(trial) \(g)")
                    if g.pad_top == 0 && g.pad_left == 0 {  // in place: output over the input
                        var buffer = x + [Int8](repeating: 0, count: max(0, count - x.count))
                        buffer.withUnsafeMutableBufferPointer { b in
                            if isMax { minnow_max_pool_int8_kernel(family, b.baseAddress!, &window, lower, upper, b.baseAddress!) }
                            else { minnow_average_pool_int8_kernel(family, b.baseAddress!, &window, lower, upper, b.baseAddress!) }
                        }
                        XCTAssertEqual(Array(buffer[0..<count]), Array(expected[0..<count]),
                                       "\(Self.name(family)) in place trial \(trial) \(g)")
                    }
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, 600 * Self.families.count)
    }

    // MARK: LSTM / GRU

    /// The C kernels' built-in σ̂ table (used when a caller passes none) is the Swift one.
    func testBuiltInSigmoidTableIsTheContractTable() {
        let c = withUnsafeBytes(of: minnow_int8_sigmoid_table) { Array($0.bindMemory(to: UInt16.self)) }
        XCTAssertEqual(c, FixedPointActivations.sigmoidTable)
    }

    /// The C reference twins (`minnow_int8_lstm_reference`, `minnow_int8_gru_reference`, which
    /// the AArch64 twin harness checks the NEON families against) and every C family this CPU
    /// runs, called directly, against the portable Swift kernels: outputs and state, fresh and
    /// carried over, including saturating operands.
    func testRecurrentReferenceTwinAndFamiliesMatchPortableSwift() {
        let families = (1...4).map(Int32.init).filter { minnow_int8_rnn_kernel_supported($0) != 0 }
        var rng = Int8RNNRandom(seed: 163)
        var checked = 0
        for (index, (steps, features, units, sequences)) in Int8RecurrentSpeedKernelTests.shapes.enumerated() {
            for gates in [4, 3] {
                var op = RandomRecurrentOp(gates: gates, steps: steps, features: features, units: units, rng: &rng)
                if index % 3 == 2 { op = op.saturated(rng: &rng) }
                let x = Int8RecurrentSpeedKernelTests.inputs(op, rng: &rng)
                let scratchBytes = gates == 4 ? Int8LSTMKernel.scratchBytes(units: units, features: features)
                                              : Int8GRUKernel.scratchBytes(units: units, features: features)
                let outCount = sequences ? steps * units : units
                let stateBytes = 2 * units * (gates == 4 ? 3 : 2)
                /// Two calls (fresh state, then carried over) of `body(scratch, y)`: outputs + state.
                func run(_ body: (UnsafeMutableRawPointer, UnsafeMutablePointer<Int8>) -> Void) -> [[UInt8]] {
                    let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 16)
                    defer { scratch.deallocate() }
                    scratch.initializeMemory(as: UInt8.self, repeating: 0, count: scratchBytes)
                    var results: [[UInt8]] = []
                    for _ in 0..<2 {
                        var y = [Int8](repeating: 99, count: outCount)
                        y.withUnsafeMutableBufferPointer { body(scratch, $0.baseAddress!) }
                        results.append(y.map { UInt8(bitPattern: $0) })
                        results.append(Array(UnsafeRawBufferPointer(start: scratch, count: stateBytes)))
                    }
                    return results
                }
                FixedPointActivations.sigmoidTable.withUnsafeBufferPointer { table in
                    x.withUnsafeBufferPointer { xb in
                        let xp = xb.baseAddress!
                        let name = "\(gates == 4 ? "LSTM" : "GRU") T=\(steps) F=\(features) H=\(units) seq=\(sequences)"
                        var expected: [[UInt8]] = []
                        var c = minnow_int8_rnn()
                        if gates == 4 {
                            op.withLSTM(sequences: sequences) { k in
                                expected = run { Int8LSTMKernel.portable(k, input: xp, output: $1, scratch: $0) }
                                c = minnow_int8_rnn(steps: k.steps, features: k.features, units: k.units,
                                                    return_sequences: sequences ? 1 : 0, input_weights: k.inputWeights,
                                                    recurrent_weights: k.recurrentWeights, bias: k.bias, recurrent_bias: nil,
                                                    row_exponents: k.rowExponents, parameters: k.parameters,
                                                    sigmoid_table: table.baseAddress)
                                XCTAssertEqual(run { minnow_int8_lstm_reference(&c, xp, $1, $0) }, expected, "C reference \(name)")
                                for family in families {
                                    XCTAssertEqual(run { minnow_int8_lstm(family, &c, xp, $1, $0) }, expected,
                                                   "\(String(cString: minnow_int8_rnn_kernel_name(family))) \(name)")
                                }
                            }
                        } else {
                            op.withGRU(sequences: sequences) { k in
                                expected = run { Int8GRUKernel.portable(k, input: xp, output: $1, scratch: $0) }
                                c = minnow_int8_rnn(steps: k.steps, features: k.features, units: k.units,
                                                    return_sequences: sequences ? 1 : 0, input_weights: k.inputWeights,
                                                    recurrent_weights: k.recurrentWeights, bias: k.inputBias,
                                                    recurrent_bias: k.recurrentBias, row_exponents: k.rowExponents,
                                                    parameters: k.parameters, sigmoid_table: table.baseAddress)
                                XCTAssertEqual(run { minnow_int8_gru_reference(&c, xp, $1, $0) }, expected, "C reference \(name)")
                                for family in families {
                                    XCTAssertEqual(run { minnow_int8_gru(family, &c, xp, $1, $0) }, expected,
                                                   "\(String(cString: minnow_int8_rnn_kernel_name(family))) \(name)")
                                }
                            }
                        }
                        checked += 1
                    }
                }
            }
        }
        XCTAssertEqual(checked, 2 * Int8RecurrentSpeedKernelTests.shapes.count)
        #if arch(x86_64)
        if minnow_int8_isa_detected() & UInt32(MINNOW_ISA_AVX2) != 0 {
            XCTAssertTrue(families.contains(Int32(MINNOW_RNN_AVX2)), "AVX2 CPU without the AVX2 recurrent family")
        }
        #endif
    }
}

extension Int8OutputStage {
    /// The same parameters as the C kernels take them (the runtime's own conversion is internal).
    var cStage: minnow_qgemm_output {
        minnow_qgemm_output(bias: bias, multipliers: multipliers, shifts: shifts, output_zero_point: outputZeroPoint,
                            lower_bound: lowerBound, upper_bound: upperBound)
    }
}

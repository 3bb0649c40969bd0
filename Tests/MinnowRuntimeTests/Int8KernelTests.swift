import Foundation
import MinnowRuntime
import XCTest

/// Every int8 operator against an independent integer reference, on odd shapes and with padding.
final class Int8KernelTests: XCTestCase {
    let inputScale: Float = 0.1

    func testFullyConnectedMatchesReference() throws {
        var rng = IntRandom(seed: 1)
        for (k, n, activation) in [(13, 19, FusedActivation.none), (37, 5, .relu), (64, 33, .relu6), (1, 1, .none), (784, 18, .none)] {
            let zpIn = Int32(rng.int(-30...30))
            let layer = QuantizedLayer(channels: n, depth: k, rng: &rng, inputZeroPoint: zpIn)
            var b = ModelBuilder()
            let x = b.addTensor(name: "x", type: .int8, shape: [1, k], quantization: .init(scale: inputScale, zeroPoint: zpIn))
            let w = b.addPackedWeights(name: "w", shape: [n, k], values: layer.weights)
            let folded = layer.foldedBias { c in (0..<k).reduce(Int32(0)) { $0 + Int32(layer.weights[c * k + $1]) } }
            let bias = b.addConstant(name: "b", shape: [n], int32s: folded)
            let rq = layer.addRequantization(to: &b)
            let y = b.addTensor(name: "y", type: .int8, shape: [1, n],
                                quantization: .init(scale: layer.outputScale, zeroPoint: layer.outputZeroPoint))
            b.addOperator(.fullyConnected, inputs: [x, w, bias, rq], outputs: [y], options: OperatorOptions(activation: activation))
            b.inputs = [x]; b.outputs = [y]
            let input = rng.int8s(k)
            let expected: [Int8] = (0..<n).map { c in
                var acc = Int64(layer.bias[c])
                for i in 0..<k { acc += Int64(Int32(input[i]) - zpIn) * Int64(layer.weights[c * k + i]) }
                return layer.requantize(acc, channel: c, activation: activation)
            }
            assertEqualInt8(try runInt8Model(b, inputs: [input])[0], expected, "FC k=\(k) n=\(n)")
        }
    }

    struct ConvCase {
        var h: Int, w: Int, c: Int, o: Int, kh: Int, kw: Int, sh: Int, sw: Int
        var padding: Padding, activation: FusedActivation
    }

    func outputSize(_ input: Int, _ kernel: Int, _ stride: Int, _ padding: Padding) -> (Int, Int) {
        padding == .same ? samePadding(input: input, kernel: kernel, stride: stride) : (validOutput(input: input, kernel: kernel, stride: stride), 0)
    }

    func testConvMatchesReference() throws {
        var rng = IntRandom(seed: 2)
        let cases = [
            ConvCase(h: 7, w: 6, c: 3, o: 5, kh: 3, kw: 3, sh: 1, sw: 1, padding: .same, activation: .relu),
            ConvCase(h: 9, w: 8, c: 2, o: 17, kh: 3, kw: 2, sh: 2, sw: 2, padding: .same, activation: .none),
            ConvCase(h: 5, w: 5, c: 4, o: 3, kh: 5, kw: 5, sh: 1, sw: 1, padding: .valid, activation: .none),
            ConvCase(h: 6, w: 7, c: 5, o: 4, kh: 1, kw: 1, sh: 1, sw: 1, padding: .same, activation: .relu6),
            ConvCase(h: 28, w: 28, c: 1, o: 16, kh: 3, kw: 3, sh: 1, sw: 1, padding: .same, activation: .relu),
            ConvCase(h: 5, w: 40, c: 16, o: 3, kh: 3, kw: 3, sh: 1, sw: 1, padding: .same, activation: .none),
        ]
        for t in cases {
            let (oh, padTop) = outputSize(t.h, t.kh, t.sh, t.padding)
            let (ow, padLeft) = outputSize(t.w, t.kw, t.sw, t.padding)
            let k = t.kh * t.kw * t.c
            let zpIn = Int32(rng.int(-20...20))
            let layer = QuantizedLayer(channels: t.o, depth: k, rng: &rng, inputZeroPoint: zpIn)
            var b = ModelBuilder()
            let x = b.addTensor(name: "x", type: .int8, shape: [1, t.h, t.w, t.c], quantization: .init(scale: inputScale, zeroPoint: zpIn))
            let w = b.addPackedWeights(name: "w", shape: [t.o, t.kh, t.kw, t.c], values: layer.weights)
            let folded = layer.foldedBias { c in (0..<k).reduce(Int32(0)) { $0 + Int32(layer.weights[c * k + $1]) } }
            let bias = b.addConstant(name: "b", shape: [t.o], int32s: folded)
            let rq = layer.addRequantization(to: &b)
            let y = b.addTensor(name: "y", type: .int8, shape: [1, oh, ow, t.o],
                                quantization: .init(scale: layer.outputScale, zeroPoint: layer.outputZeroPoint))
            b.addOperator(.conv2D, inputs: [x, w, bias, rq], outputs: [y],
                          options: OperatorOptions(kernelHeight: Int32(t.kh), kernelWidth: Int32(t.kw), strideHeight: Int32(t.sh),
                                                   strideWidth: Int32(t.sw), padding: t.padding, activation: t.activation))
            b.inputs = [x]; b.outputs = [y]
            let input = rng.int8s(t.h * t.w * t.c)
            var expected: [Int8] = []
            for oy in 0..<oh { for ox in 0..<ow { for o in 0..<t.o {
                var acc = Int64(layer.bias[o])
                for ky in 0..<t.kh { for kx in 0..<t.kw {
                    let iy = oy * t.sh - padTop + ky, ix = ox * t.sw - padLeft + kx
                    guard iy >= 0, iy < t.h, ix >= 0, ix < t.w else { continue } // padding: q − zp = 0
                    for c in 0..<t.c {
                        acc += Int64(Int32(input[(iy * t.w + ix) * t.c + c]) - zpIn)
                            * Int64(layer.weights[o * k + (ky * t.kw + kx) * t.c + c])
                    }
                } }
                expected.append(layer.requantize(acc, channel: o, activation: t.activation))
            } } }
            assertEqualInt8(try runInt8Model(b, inputs: [input])[0], expected, "conv \(t)")
        }
    }

    func testDepthwiseConvMatchesReference() throws {
        var rng = IntRandom(seed: 3)
        let cases = [
            ConvCase(h: 7, w: 6, c: 3, o: 3, kh: 3, kw: 3, sh: 1, sw: 1, padding: .same, activation: .relu),
            ConvCase(h: 8, w: 9, c: 5, o: 5, kh: 3, kw: 3, sh: 2, sw: 2, padding: .same, activation: .none),
            ConvCase(h: 6, w: 6, c: 4, o: 4, kh: 2, kw: 3, sh: 1, sw: 2, padding: .valid, activation: .relu6),
        ]
        for t in cases {
            let (oh, padTop) = outputSize(t.h, t.kh, t.sh, t.padding)
            let (ow, padLeft) = outputSize(t.w, t.kw, t.sw, t.padding)
            let taps = t.kh * t.kw
            let zpIn = Int32(rng.int(-20...20))
            // weights[tap * C + c] (the [1, kH, kW, C] layout)
            let layer = QuantizedLayer(channels: t.c, depth: taps, rng: &rng, inputZeroPoint: zpIn)
            var b = ModelBuilder()
            let x = b.addTensor(name: "x", type: .int8, shape: [1, t.h, t.w, t.c], quantization: .init(scale: inputScale, zeroPoint: zpIn))
            let w = b.addConstant(name: "w", shape: [1, t.kh, t.kw, t.c], int8s: layer.weights)
            let folded = layer.foldedBias { c in (0..<taps).reduce(Int32(0)) { $0 + Int32(layer.weights[$1 * t.c + c]) } }
            let bias = b.addConstant(name: "b", shape: [t.c], int32s: folded)
            let rq = layer.addRequantization(to: &b)
            let y = b.addTensor(name: "y", type: .int8, shape: [1, oh, ow, t.c],
                                quantization: .init(scale: layer.outputScale, zeroPoint: layer.outputZeroPoint))
            b.addOperator(.depthwiseConv2D, inputs: [x, w, bias, rq], outputs: [y],
                          options: OperatorOptions(kernelHeight: Int32(t.kh), kernelWidth: Int32(t.kw), strideHeight: Int32(t.sh),
                                                   strideWidth: Int32(t.sw), padding: t.padding, activation: t.activation))
            b.inputs = [x]; b.outputs = [y]
            let input = rng.int8s(t.h * t.w * t.c)
            var expected: [Int8] = []
            for oy in 0..<oh { for ox in 0..<ow { for c in 0..<t.c {
                var acc = Int64(layer.bias[c])
                for ky in 0..<t.kh { for kx in 0..<t.kw {
                    let iy = oy * t.sh - padTop + ky, ix = ox * t.sw - padLeft + kx
                    guard iy >= 0, iy < t.h, ix >= 0, ix < t.w else { continue }
                    acc += Int64(Int32(input[(iy * t.w + ix) * t.c + c]) - zpIn) * Int64(layer.weights[(ky * t.kw + kx) * t.c + c])
                } }
                expected.append(layer.requantize(acc, channel: c, activation: t.activation))
            } } }
            assertEqualInt8(try runInt8Model(b, inputs: [input])[0], expected, "depthwise \(t)")
        }
    }

    func testPoolingMatchesReference() throws {
        var rng = IntRandom(seed: 4)
        for (h, w, c, k, s, padding, isMax, activation) in [
            (7, 5, 3, 3, 2, Padding.same, true, FusedActivation.none), (7, 5, 3, 3, 2, .same, false, .none),
            (6, 6, 2, 2, 2, .valid, true, .relu), (9, 7, 4, 3, 1, .same, false, .relu),
        ] {
            let zp = Int32(rng.int(-10...10))
            let q = QuantizationParameters(scale: 0.07, zeroPoint: zp)
            let (oh, padTop) = outputSize(h, k, s, padding)
            let (ow, padLeft) = outputSize(w, k, s, padding)
            var b = ModelBuilder()
            let x = b.addTensor(name: "x", type: .int8, shape: [1, h, w, c], quantization: q)
            let y = b.addTensor(name: "y", type: .int8, shape: [1, oh, ow, c], quantization: q)
            b.addOperator(isMax ? .maxPool2D : .averagePool2D, inputs: [x], outputs: [y],
                          options: OperatorOptions(kernelHeight: Int32(k), kernelWidth: Int32(k), strideHeight: Int32(s),
                                                   strideWidth: Int32(s), padding: padding, activation: activation))
            b.inputs = [x]; b.outputs = [y]
            let input = rng.int8s(h * w * c)
            let (lo, hi) = referenceRange(activation, scale: 0.07, zeroPoint: zp)
            var expected: [Int8] = []
            for oy in 0..<oh { for ox in 0..<ow { for ch in 0..<c {
                var cells: [Int] = []
                for ky in 0..<k { for kx in 0..<k {
                    let iy = oy * s - padTop + ky, ix = ox * s - padLeft + kx
                    if iy >= 0, iy < h, ix >= 0, ix < w { cells.append(Int(input[(iy * w + ix) * c + ch])) }
                } }
                let value = isMax ? cells.max()! : Int((Double(cells.reduce(0, +)) / Double(cells.count)).rounded())
                expected.append(clampInt8(Int64(value), lower: lo, upper: hi))
            } } }
            assertEqualInt8(try runInt8Model(b, inputs: [input])[0], expected, "pool max=\(isMax) \(h)x\(w)")
        }
    }

    func testGlobalAveragePoolRoundsHalfAwayFromZero() throws {
        var rng = IntRandom(seed: 5)
        let q = QuantizationParameters(scale: 0.05, zeroPoint: 3)
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", type: .int8, shape: [1, 3, 5, 7], quantization: q)
        let y = b.addTensor(name: "y", type: .int8, shape: [1, 7], quantization: q)
        b.addOperator(.globalAveragePool, inputs: [x], outputs: [y])
        b.inputs = [x]; b.outputs = [y]
        let input = rng.int8s(105)
        let expected = (0..<7).map { c in
            Int8((Double((0..<15).reduce(0) { $0 + Int(input[$1 * 7 + c]) }) / 15).rounded())
        }
        assertEqualInt8(try runInt8Model(b, inputs: [input])[0], expected)
        // −7.5 rounds to −8 and 2.5 to 3 (away from zero).
        var b2 = ModelBuilder()
        let x2 = b2.addTensor(name: "x", type: .int8, shape: [1, 1, 2, 2], quantization: q)
        let y2 = b2.addTensor(name: "y", type: .int8, shape: [1, 2], quantization: q)
        b2.addOperator(.globalAveragePool, inputs: [x2], outputs: [y2])
        b2.inputs = [x2]; b2.outputs = [y2]
        XCTAssertEqual(try runInt8Model(b2, inputs: [[-7, 2, -8, 3]])[0], [-8, 3])
    }

    func testAddMatchesTFLiteScheme() throws {
        var rng = IntRandom(seed: 6)
        let (sa, za, sb, zb, so, zo): (Float, Int32, Float, Int32, Float, Int32) = (0.04, 5, 0.11, -9, 0.13, 2)
        for activation in [FusedActivation.none, .relu] {
            var b = ModelBuilder()
            let a = b.addTensor(name: "a", type: .int8, shape: [1, 3, 11], quantization: .init(scale: sa, zeroPoint: za))
            let c = b.addTensor(name: "b", type: .int8, shape: [1, 3, 11], quantization: .init(scale: sb, zeroPoint: zb))
            let y = b.addTensor(name: "y", type: .int8, shape: [1, 3, 11], quantization: .init(scale: so, zeroPoint: zo))
            b.addOperator(.add, inputs: [a, c], outputs: [y], options: OperatorOptions(activation: activation))
            b.inputs = [a, c]; b.outputs = [y]
            let va = rng.int8s(33), vb = rng.int8s(33)
            let twiceMax = 2 * Double(max(sa, sb))
            let ma = referenceMultiplier(Double(sa) / twiceMax), mb = referenceMultiplier(Double(sb) / twiceMax)
            let mo = referenceMultiplier(twiceMax / (Double(1 << 20) * Double(so)))
            let (lo, hi) = referenceRange(activation, scale: so, zeroPoint: zo)
            let expected: [Int8] = (0..<33).map { i in
                let x = referenceRequantize(Int64(Int32(va[i]) - za) << 20, ma.multiplier, ma.shift)
                let z = referenceRequantize(Int64(Int32(vb[i]) - zb) << 20, mb.multiplier, mb.shift)
                return clampInt8(referenceRequantize(x + z, mo.multiplier, mo.shift) + Int64(zo), lower: lo, upper: hi)
            }
            let actual = try runInt8Model(b, inputs: [va, vb])[0]
            assertEqualInt8(actual, expected)
            // And the real values add up to within one output step.
            for i in 0..<33 where activation == .none {
                let real = sa * Float(Int32(va[i]) - za) + sb * Float(Int32(vb[i]) - zb)
                let clamped = min(max(real, so * Float(-128 - zo)), so * Float(127 - zo))
                XCTAssertLessThanOrEqual(abs(so * Float(Int32(actual[i]) - zo) - clamped), so * 1.01)
            }
        }
    }

    /// Logistic and tanh read 256-entry tables built here from the float functions.
    func testLookupTablesAndFixedOutputRanges() throws {
        var rng = IntRandom(seed: 7)
        let sIn: Float = 0.06, zpIn: Int32 = -4
        for (code, sOut, zpOut) in [(OperatorCode.logistic, Float(1.0 / 256), Int32(-128)), (.tanh, Float(1.0 / 128), Int32(0))] {
            let f: (Double) -> Double = code == .logistic ? { 1 / (1 + exp(-$0)) } : { tanh($0) }
            let table: [Int8] = (0..<256).map { i in
                clampInt8(Int64((f(Double(sIn) * Double(i - 128 - Int(zpIn))) / Double(sOut)).rounded()) + Int64(zpOut))
            }
            var b = ModelBuilder()
            let x = b.addTensor(name: "x", type: .int8, shape: [1, 50], quantization: .init(scale: sIn, zeroPoint: zpIn))
            let lut = b.addConstant(name: "lut", shape: [256], int8s: table)
            let y = b.addTensor(name: "y", type: .int8, shape: [1, 50], quantization: .init(scale: sOut, zeroPoint: zpOut))
            b.addOperator(code, inputs: [x, lut], outputs: [y])
            b.inputs = [x]; b.outputs = [y]
            let input = rng.int8s(50)
            let actual = try runInt8Model(b, inputs: [input])[0]
            for i in 0..<50 {
                // The fixed ranges top out one step below 1.
                let expected = min(f(Double(sIn) * Double(Int32(input[i]) - zpIn)), Double(sOut) * Double(127 - zpOut))
                XCTAssertLessThanOrEqual(abs(Double(sOut) * Double(Int32(actual[i]) - zpOut) - expected), Double(sOut) * 0.51 + 1e-9, "\(code) \(i)")
            }
            // A wrong output range is rejected at load.
            var bad = b
            bad = ModelBuilder()
            let bx = bad.addTensor(name: "x", type: .int8, shape: [1, 4], quantization: .init(scale: sIn, zeroPoint: zpIn))
            let bl = bad.addConstant(name: "lut", shape: [256], int8s: table)
            let by = bad.addTensor(name: "y", type: .int8, shape: [1, 4], quantization: .init(scale: 0.01, zeroPoint: 0))
            bad.addOperator(code, inputs: [bx, bl], outputs: [by])
            bad.inputs = [bx]; bad.outputs = [by]
            let badFile = AlignedBuffer(bad.serializedBytes())
            XCTAssertThrowsError(try Model(bytes: badFile.bytes)) {
                XCTAssertEqual($0 as? ModelError, .badQuantization(tensor: by, detail: .fixedRange))
            }
        }
    }

    func testSoftmaxMatchesFloatWithinOneStep() throws {
        var rng = IntRandom(seed: 8)
        let sIn: Float = 0.08, zpIn: Int32 = 10
        let table: [Int32] = (0..<256).map { Int32((exp(-Double(sIn) * Double($0)) * 65536).rounded()) }
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", type: .int8, shape: [1, 3, 10], quantization: .init(scale: sIn, zeroPoint: zpIn))
        let lut = b.addConstant(name: "exp", shape: [256], int32s: table)
        let y = b.addTensor(name: "y", type: .int8, shape: [1, 3, 10], quantization: .init(scale: 1.0 / 256, zeroPoint: -128))
        b.addOperator(.softmax, inputs: [x, lut], outputs: [y])
        b.inputs = [x]; b.outputs = [y]
        let input = rng.int8s(30)
        let actual = try runInt8Model(b, inputs: [input])[0]
        for r in 0..<3 {
            let row = (0..<10).map { Double(sIn) * Double(Int32(input[r * 10 + $0]) - zpIn) }
            let m = row.max()!
            let e = row.map { exp($0 - m) }
            let sum = e.reduce(0, +)
            for i in 0..<10 {
                let p = e[i] / sum
                XCTAssertLessThanOrEqual(abs(Double(Int32(actual[r * 10 + i]) + 128) / 256 - min(p, 255.0 / 256)), 1.01 / 256, "row \(r) \(i)")
            }
        }
    }

    func testQuantizeDequantizeAndClampOperators() throws {
        let q = QuantizationParameters(scale: 0.1, zeroPoint: -3)
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 8])
        let xq = b.addTensor(name: "xq", type: .int8, shape: [1, 8], quantization: q)
        b.addOperator(.quantize, inputs: [x], outputs: [xq])
        let r = b.addTensor(name: "r", type: .int8, shape: [1, 8], quantization: q)
        b.addOperator(.relu6, inputs: [xq], outputs: [r])
        let y = b.addTensor(name: "y", shape: [1, 8])
        b.addOperator(.dequantize, inputs: [r], outputs: [y])
        b.inputs = [x]; b.outputs = [y]
        let input: [Float] = [-1, 0.25, 0.33, -0.05, 3.14, 7, 100, .nan]
        // quantize: round half away from zero(x / 0.1) − 3, clamp; relu6: clamp to [−3, −3 + 60]; dequantize.
        let quantized: [Int32] = [-13, 0 - 3 + 3, 4 - 3 + 0, -1 - 3, 31 - 3, 70 - 3, 127, -3]
        // 0.25/0.1 = 2.5 → 3 (away from zero), 0.33/0.1 → 3, −0.05/0.1 = −0.5 → −1.
        let q1: [Int32] = [-13, 0, 0, -4, 28, 67, 127, -3]
        XCTAssertEqual(quantized.count, q1.count)
        let expected = q1.map { Float(min(max($0, -3), 57) + 3) * 0.1 }
        let out = try runModel(b, inputs: [input])[0]
        assertClose(out, expected, tolerance: 1e-6)
    }

    /// reshape output shares its input's memory, and an element-wise op writes in place.
    func testReshapeAliasesAndElementwiseRunsInPlace() throws {
        let q = QuantizationParameters(scale: 0.2, zeroPoint: 1)
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", type: .int8, shape: [1, 2, 3, 4], quantization: q)
        let p = b.addTensor(name: "p", type: .int8, shape: [1, 2, 3, 4], quantization: q)
        b.addOperator(.maxPool2D, inputs: [x], outputs: [p], options: OperatorOptions(kernelHeight: 1, kernelWidth: 1))
        let flat = b.addTensor(name: "flat", type: .int8, shape: [1, 24], quantization: q)
        b.addOperator(.reshape, inputs: [p], outputs: [flat])
        let r = b.addTensor(name: "r", type: .int8, shape: [1, 24], quantization: q)
        b.addOperator(.relu, inputs: [flat], outputs: [r])
        let y = b.addTensor(name: "y", type: .int8, shape: [1, 24], quantization: q)
        b.addOperator(.relu6, inputs: [r], outputs: [y])
        b.inputs = [x]; b.outputs = [y]
        let file = AlignedBuffer(b.serializedBytes())
        let model = try Model(bytes: file.bytes)
        let arena = AlignedBuffer(count: Interpreter.requiredArenaBytes(for: model))
        let interpreter = try Interpreter(model: model, arena: arena.raw)
        let input: [Int8] = (0..<24).map { Int8($0 * 7 % 61 - 30) }
        _ = interpreter.inputInt8(0).update(from: input)
        try interpreter.invoke()
        XCTAssertEqual(interpreter.tensorInt8(flat).baseAddress, interpreter.tensorInt8(p).baseAddress, "reshape is an alias")
        XCTAssertEqual(interpreter.tensorInt8(r).baseAddress, interpreter.tensorInt8(flat).baseAddress, "relu in place")
        XCTAssertNotEqual(interpreter.tensorInt8(y).baseAddress, interpreter.tensorInt8(r).baseAddress, "model output not in place")
        XCTAssertEqual(Array(interpreter.outputInt8(0)), input.map { min(max($0, 1), 31) })
        // Data: the pool/reshape/relu group (32 bytes) overlaps x (32); y (32) reuses x's slot → 64
        // bytes. Offsets: 9 buffers × 4 → 48. Planning work (7 columns × 4 bytes for each of the 9
        // buffers that can need memory: the input, 4 outputs, 4 scratch slots) exceeds the data here.
        XCTAssertEqual(Interpreter.requiredArenaBytes(for: model), 48 + max(64, 9 * 28))
    }
}

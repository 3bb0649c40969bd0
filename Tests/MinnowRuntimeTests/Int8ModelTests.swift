import CMallocCounter
import Foundation
import MinnowRuntime
import XCTest

/// Format version 2, whole int8 graphs, arena sizing and the no-allocation guarantee.
final class Int8ModelTests: XCTestCase {
    /// Appends an int8 FC (random weights) to `b`; returns the output tensor.
    static func addFC(_ b: inout ModelBuilder, input: Int, inputs k: Int, outputs n: Int, relu: Bool, rng: inout IntRandom,
                      name: String) -> Int {
        let w = b.addPackedWeights(name: "\(name)/w", shape: [n, k], values: rng.int8s(n * k, -127...127),
                                   quantization: QuantizationParameters(scales: [Float](repeating: 0.01, count: n),
                                                                        zeroPoints: [Int32](repeating: 0, count: n)))
        let bias = b.addConstant(name: "\(name)/b", shape: [n], int32s: (0..<n).map { _ in Int32(rng.int(-999...999)) })
        let rq = b.addRequantization(name: "\(name)/rq", (0..<n).map { _ in QuantizedMultiplier(0.001 + rng.unit() * 0.004) })
        let y = b.addTensor(name: name, type: .int8, shape: [1, n], quantization: .init(scale: 0.05, zeroPoint: relu ? -128 : 3))
        b.addOperator(.fullyConnected, inputs: [input, w, bias, rq], outputs: [y], options: OperatorOptions(activation: relu ? .relu : .none))
        return y
    }

    static func addConv(_ b: inout ModelBuilder, input: Int, size: Int, channels c: Int, filters o: Int, rng: inout IntRandom,
                        name: String) -> Int {
        let w = b.addPackedWeights(name: "\(name)/w", shape: [o, 3, 3, c], values: rng.int8s(o * 9 * c, -127...127))
        let bias = b.addConstant(name: "\(name)/b", shape: [o], int32s: (0..<o).map { _ in Int32(rng.int(-999...999)) })
        let rq = b.addRequantization(name: "\(name)/rq", (0..<o).map { _ in QuantizedMultiplier(0.001 + rng.unit() * 0.004) })
        let y = b.addTensor(name: name, type: .int8, shape: [1, size, size, o], quantization: .init(scale: 0.05, zeroPoint: -128))
        b.addOperator(.conv2D, inputs: [input, w, bias, rq], outputs: [y],
                      options: OperatorOptions(kernelHeight: 3, kernelWidth: 3, padding: .same, activation: .relu))
        return y
    }

    static func addPool(_ b: inout ModelBuilder, input: Int, size: Int, channels: Int, name: String) -> Int {
        let y = b.addTensor(name: name, type: .int8, shape: [1, size / 2, size / 2, channels], quantization: .init(scale: 0.05, zeroPoint: -128))
        b.addOperator(.maxPool2D, inputs: [input], outputs: [y],
                      options: OperatorOptions(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2))
        return y
    }

    /// Preset MLP: Flatten → Dense(128, relu) → Dense(10), int8 in and out.
    static func mlp(seed: UInt64 = 11) -> ModelBuilder {
        var rng = IntRandom(seed: seed)
        var b = ModelBuilder()
        b.includesNames = false
        let x = b.addTensor(name: "x", type: .int8, shape: [1, 28, 28], quantization: .init(scale: 1.0 / 255, zeroPoint: -128))
        let flat = b.addTensor(name: "flat", type: .int8, shape: [1, 784], quantization: .init(scale: 1.0 / 255, zeroPoint: -128))
        b.addOperator(.reshape, inputs: [x], outputs: [flat])
        let h = addFC(&b, input: flat, inputs: 784, outputs: 128, relu: true, rng: &rng, name: "d1")
        let y = addFC(&b, input: h, inputs: 128, outputs: 10, relu: false, rng: &rng, name: "d2")
        b.inputs = [x]; b.outputs = [y]
        return b
    }

    /// Preset CNN: Conv(16) → MaxPool → Conv(32) → MaxPool → Flatten → Dense(64, relu) → Dense(10).
    static func cnn(seed: UInt64 = 12) -> ModelBuilder {
        var rng = IntRandom(seed: seed)
        var b = ModelBuilder()
        b.includesNames = false
        let x = b.addTensor(name: "x", type: .int8, shape: [1, 28, 28, 1], quantization: .init(scale: 1.0 / 255, zeroPoint: -128))
        let c1 = addConv(&b, input: x, size: 28, channels: 1, filters: 16, rng: &rng, name: "c1")
        let p1 = addPool(&b, input: c1, size: 28, channels: 16, name: "p1")
        let c2 = addConv(&b, input: p1, size: 14, channels: 16, filters: 32, rng: &rng, name: "c2")
        let p2 = addPool(&b, input: c2, size: 14, channels: 32, name: "p2")
        let flat = b.addTensor(name: "flat", type: .int8, shape: [1, 1568], quantization: .init(scale: 0.05, zeroPoint: -128))
        b.addOperator(.reshape, inputs: [p2], outputs: [flat])
        let h = addFC(&b, input: flat, inputs: 1568, outputs: 64, relu: true, rng: &rng, name: "d1")
        let y = addFC(&b, input: h, inputs: 64, outputs: 10, relu: false, rng: &rng, name: "d2")
        b.inputs = [x]; b.outputs = [y]
        return b
    }

    /// Float: x [1,5,5,2] → conv 3×3 same relu → reshape → FC 4 → softmax; and an LSTM branch.
    static func floatModel() -> ModelBuilder {
        var rng = TestRandom(seed: 9)
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 5, 5, 2])
        let c = b.addTensor(name: "c", shape: [1, 5, 5, 3])
        b.addOperator(.conv2D, inputs: [x, b.addConstant(name: "w", shape: [3, 3, 3, 2], floats: rng.floats(54)),
                                        b.addConstant(name: "b", shape: [3], floats: rng.floats(3))], outputs: [c],
                      options: OperatorOptions(padding: .same, activation: .relu))
        let flat = b.addTensor(name: "flat", shape: [1, 5, 15])
        b.addOperator(.reshape, inputs: [c], outputs: [flat])
        let h = b.addTensor(name: "h", shape: [1, 4])
        b.addOperator(.lstm, inputs: [flat, b.addConstant(name: "wx", shape: [16, 15], floats: rng.floats(240)),
                                      b.addConstant(name: "wh", shape: [16, 4], floats: rng.floats(64)),
                                      b.addConstant(name: "bl", shape: [16], floats: rng.floats(16))], outputs: [h],
                      options: OperatorOptions(units: 4))
        let y = b.addTensor(name: "y", shape: [1, 4])
        b.addOperator(.softmax, inputs: [h], outputs: [y])
        b.inputs = [x]; b.outputs = [y]
        return b
    }

    func testPresetFileSizesAndArenasMeetTheBudgets() throws {
        // (builder, weights, biases, arena target = 0.75 × TFLite-Micro's smallest arena)
        for (name, builder, weights, biases, arenaTarget) in [
            ("MLP", Self.mlp(), 784 * 128 + 128 * 10, 138, 3048),
            ("CNN", Self.cnn(), 9 * 16 + 144 * 32 + 1568 * 64 + 64 * 10, 16 + 32 + 64 + 10, 14148),
        ] {
            let bytes = builder.serializedBytes()
            let budget = weights + 4 * biases + 2048
            XCTAssertLessThanOrEqual(bytes.count, budget, "\(name) file bytes")
            let file = AlignedBuffer(bytes)
            let model = try Model(bytes: file.bytes)
            XCTAssertEqual(model.formatVersion, 3)
            let arena = Interpreter.requiredArenaBytes(for: model)
            XCTAssertLessThanOrEqual(arena, arenaTarget, "\(name) arena")
            print("\(name) int8: file \(bytes.count) bytes (budget \(budget)), arena \(arena) bytes (target \(arenaTarget))")
        }
    }

    func testArenaExactSizeForInt8Models() throws {
        for builder in [Self.mlp(), Self.cnn()] {
            let file = AlignedBuffer(builder.serializedBytes())
            let model = try Model(bytes: file.bytes)
            let required = Interpreter.requiredArenaBytes(for: model)
            let short = AlignedBuffer(count: required - 1)
            XCTAssertThrowsError(try Interpreter(model: model, arena: short.raw)) {
                XCTAssertEqual($0 as? RuntimeError, .arenaTooSmall(required: required, provided: required - 1))
            }
            let exact = AlignedBuffer(count: required)
            let interpreter = try Interpreter(model: model, arena: exact.raw)
            XCTAssertEqual(interpreter.usedArenaBytes, required)
            for i in 0..<interpreter.inputInt8(0).count { interpreter.inputInt8(0)[i] = Int8(truncatingIfNeeded: i * 37) }
            try interpreter.invoke()
            // Same answer with every tensor preserved (no reuse, no in-place): the plan did not clobber anything.
            let preserved = AlignedBuffer(count: Interpreter.requiredArenaBytes(for: model, preservingAllTensors: true))
            let reference = try Interpreter(model: model, arena: preserved.raw, preservingAllTensors: true)
            for i in 0..<reference.inputInt8(0).count { reference.inputInt8(0)[i] = Int8(truncatingIfNeeded: i * 37) }
            try reference.invoke()
            XCTAssertEqual(Array(interpreter.outputInt8(0)), Array(reference.outputInt8(0)))
        }
    }

    func testInitAndInvokeAllocateNothing() throws {
        try XCTSkipUnless(minnow_malloc_counting_available() == 1, "malloc interposition needs glibc")
        #if DEBUG
        // -Onone keeps some closure contexts and generic metadata on the heap; the guarantee is
        // for optimized builds (CI runs `swift test -c release`).
        throw XCTSkip("zero-allocation check runs in release builds")
        #endif
        // Sanity: the counter sees allocations.
        minnow_malloc_counting_begin()
        let probe = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
        XCTAssertGreaterThan(minnow_malloc_counting_end(), 0)
        probe.deallocate()

        let float = Self.floatModel()
        for builder in [float, Self.mlp(), Self.cnn()] {
            let file = AlignedBuffer(builder.serializedBytes())
            let model = try Model(bytes: file.bytes)
            let arena = AlignedBuffer(count: Interpreter.requiredArenaBytes(for: model) + 64)
            minnow_malloc_counting_begin()
            let interpreter = try Interpreter(model: model, arena: arena.raw)
            try interpreter.invoke()
            try interpreter.invoke()
            let calls = minnow_malloc_counting_end()
            XCTAssertEqual(calls, 0, "heap allocations during init + invoke")
        }
    }

    // MARK: Compact formats (versions 2 and 3)

    func testCompactRoundTripPreservesQuantizationLayoutAndOptions() throws {
        var b = ModelBuilder()
        let q = QuantizationParameters(scale: 0.125, zeroPoint: -7)
        let x = b.addTensor(name: "input", type: .int8, shape: [1, 5, 5, 3], quantization: q)
        var rng = IntRandom(seed: 21)
        let weights = rng.int8s(4 * 9 * 3, -127...127)
        b.dropsRedundantQuantization = false
        let perChannel = QuantizationParameters(scales: [0.5, 0.25, 0.125, 2], zeroPoints: [0, 0, 0, 0], axis: 0)
        let w = b.addPackedWeights(name: "w", shape: [4, 3, 3, 3], values: weights, quantization: perChannel)
        // The most negative bias whose sum with 27 products still fits int32.
        let bias = b.addConstant(name: "b", shape: [4], int32s: [1, -2, 3, Int32.min + 27 * 255 * 128 + 1])
        let rq = b.addRequantization(name: "rq", [QuantizedMultiplier(0.3), QuantizedMultiplier(0.01), QuantizedMultiplier(1e-5), QuantizedMultiplier(2.5)])
        let y = b.addTensor(name: "conv", type: .int8, shape: [1, 3, 3, 4], quantization: .init(scales: [0.2], zeroPoints: [5]))
        b.addOperator(.conv2D, inputs: [x, w, bias, rq], outputs: [y],
                      options: OperatorOptions(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padding: .same, activation: .relu6))
        let mixed = b.addConstant(name: "mixed", type: .int16, shape: [2, 3], bytes: Array(repeating: 1, count: 12),
                                  quantization: .init(scales: [1, 2], zeroPoints: [3, -4], axis: 0))
        b.inputs = [x]; b.outputs = [y]
        for version in [2, 3] { try checkRoundTrip(version) }
        func checkRoundTrip(_ version: Int) throws {
        var b = b
        let bytes = b.serializedBytes(formatVersion: version)
        XCTAssertEqual(Int(bytes[4]) | Int(bytes[5]) << 8, version)
        let file = AlignedBuffer(bytes)
        let model = try Model(bytes: file.bytes)
        XCTAssertEqual(model.formatVersion, version)
        for (t, entry) in b.tensors.enumerated() {
            XCTAssertEqual(model.tensorName(t), entry.name)
            XCTAssertEqual(model.tensorType(t), entry.type)
            XCTAssertEqual(model.tensorShape(t).dimensions, entry.shape)
            XCTAssertEqual(model.tensorLayout(t), entry.layout)
            XCTAssertEqual(model.quantization(t)?.parameters, entry.quantization, "tensor \(t)")
            if let data = entry.constantBytes {
                XCTAssertEqual(Array(model.constantData(t)!), data)
                XCTAssertEqual(UInt(bitPattern: model.constantData(t)!.baseAddress!) % 4, 0)
            }
        }
        XCTAssertEqual(model.quantization(mixed)?.zeroPoint(1), -4)
        XCTAssertEqual(model.operatorOptions(0), version == 2 ? b.operators[0].options
                       : OperatorCode.conv2D.canonicalOptions(b.operators[0].options))
        XCTAssertEqual(Array(model.operatorInputs(0)), [x, w, bias, rq])
        XCTAssertEqual(Array(model.operatorOutputs(0)), [y])

        // Names left out and redundant quantization dropped: smaller, same graph.
        b.includesNames = false
        b.dropsRedundantQuantization = true
        let compact = b.serializedBytes(formatVersion: version)
        XCTAssertLessThan(compact.count, bytes.count - 16)
        let compactFile = AlignedBuffer(compact)
        let compactModel = try Model(bytes: compactFile.bytes)
        XCTAssertEqual(compactModel.tensorNameBytes(0).count, 0)
        XCTAssertNil(compactModel.quantization(w))
        XCTAssertEqual(compactModel.quantization(y)?.parameters, QuantizationParameters(scale: 0.2, zeroPoint: 5))
        XCTAssertEqual(compactModel.quantization(mixed)?.parameters.scales, [1, 2], "not a GEMM operand: kept")
        }

        // New files of every kind are version 3.
        XCTAssertEqual(Self.floatModel().serializedBytes()[4], 3)
    }

    func testRejectsMalformedQuantization() {
        func load(_ q: QuantizationParameters, type: ElementType = .int8) -> ModelError? {
            var b = ModelBuilder()
            let x = b.addTensor(name: "x", type: type, shape: [1, 4], quantization: q)
            let y = b.addTensor(name: "y", type: .int8, shape: [1, 4], quantization: .init(scale: 1, zeroPoint: 0))
            b.addOperator(.relu, inputs: [x], outputs: [y])
            b.inputs = [x]; b.outputs = [y]
            let file = AlignedBuffer(b.serializedBytes())
            do { _ = try Model(bytes: file.bytes); return nil } catch { return error as? ModelError }
        }
        XCTAssertEqual(load(.init(scale: 0, zeroPoint: 0)), .badQuantization(tensor: 0, detail: .scale))
        XCTAssertEqual(load(.init(scale: .nan, zeroPoint: 0)), .badQuantization(tensor: 0, detail: .scale))
        XCTAssertEqual(load(.init(scale: -1, zeroPoint: 0)), .badQuantization(tensor: 0, detail: .scale))
        XCTAssertEqual(load(.init(scale: 1, zeroPoint: 128)), .badQuantization(tensor: 0, detail: .zeroPoint))
        XCTAssertEqual(load(.init(scales: [1, 1, 1], zeroPoints: [0, 0, 0], axis: 1)), .badQuantization(tensor: 0, detail: .channelCount))
        XCTAssertEqual(load(.init(scale: 1, zeroPoint: 0), type: .float32), .badQuantization(tensor: 0, detail: .elementType))
        XCTAssertEqual(load(.init(scale: 0.5, zeroPoint: 0)), .badQuantization(tensor: 1, detail: .mismatch))
        XCTAssertNil(load(.init(scale: 1, zeroPoint: 0)))
    }

    func testRejectsRequantizationShiftOutOfRange() {
        var rng = IntRandom(seed: 3)
        for (shift, ok) in [(Int32(30), true), (-31, true), (31, false), (-32, false)] {
            var b = ModelBuilder()
            let x = b.addTensor(name: "x", type: .int8, shape: [1, 3], quantization: .init(scale: 1, zeroPoint: 0))
            let w = b.addPackedWeights(name: "w", shape: [2, 3], values: rng.int8s(6))
            let bias = b.addConstant(name: "b", shape: [2], int32s: [0, 0])
            let rq = b.addConstant(name: "rq", shape: [2, 2], int32s: [1 << 30, 1 << 30, 0, shift])
            let y = b.addTensor(name: "y", type: .int8, shape: [1, 2], quantization: .init(scale: 1, zeroPoint: 0))
            b.addOperator(.fullyConnected, inputs: [x, w, bias, rq], outputs: [y])
            b.inputs = [x]; b.outputs = [y]
            let file = AlignedBuffer(b.serializedBytes())
            do {
                _ = try Model(bytes: file.bytes)
                XCTAssertTrue(ok, "shift \(shift) accepted")
            } catch {
                XCTAssertFalse(ok, "shift \(shift): \(error)")
                XCTAssertEqual(error as? ModelError, .badRequantization(op: 0, index: 1))
            }
        }
    }

    /// A small int8 model: x [1,6] → FC 5 (relu) → FC 3.
    func smallInt8Model() -> ModelBuilder {
        var rng = IntRandom(seed: 31)
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", type: .int8, shape: [1, 6], quantization: .init(scale: 0.1, zeroPoint: 2))
        let h = Self.addFC(&b, input: x, inputs: 6, outputs: 5, relu: true, rng: &rng, name: "h")
        let y = Self.addFC(&b, input: h, inputs: 5, outputs: 3, relu: false, rng: &rng, name: "y")
        b.inputs = [x]; b.outputs = [y]
        return b
    }

    func testEveryByteFlipAndTruncationOfAnInt8ModelIsRejected() throws {
        let original = smallInt8Model().serializedBytes()
        let file = AlignedBuffer(original)
        XCTAssertNoThrow(try Model(bytes: file.bytes))
        for position in 0..<original.count {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                file.raw.copyBytes(from: original)
                file.raw[position] ^= mask
                XCTAssertThrowsError(try Model(bytes: file.bytes), "flip at \(position)")
            }
        }
        file.raw.copyBytes(from: original)
        for length in 0..<original.count {
            XCTAssertThrowsError(try Model(bytes: UnsafeRawBufferPointer(rebasing: file.bytes[0..<length])), "length \(length)")
        }
    }

    /// Structural validation (CRC repaired) must catch or safely accept every corruption.
    func testInt8CorruptionWithRepairedChecksumNeverCrashes() throws {
        let original = smallInt8Model().serializedBytes()
        let file = AlignedBuffer(original)
        var accepted = 0, rejected = 0
        for position in 16..<original.count {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var bytes = original
                bytes[position] ^= mask
                let crc = referenceCRC32(Array(bytes[16...]))
                for i in 0..<4 { bytes[12 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
                file.raw.copyBytes(from: bytes)
                guard let model = try? Model(bytes: file.bytes) else { rejected += 1; continue }
                accepted += 1
                let required = Interpreter.requiredArenaBytes(for: model)
                guard required < 1 << 20 else { XCTFail("byte \(position): implausible arena \(required)"); continue }
                let arena = AlignedBuffer(count: required)
                let interpreter = try Interpreter(model: model, arena: arena.raw)
                for i in 0..<model.inputs.count where model.tensorType(model.inputs[i]) == .int8 {
                    let input = interpreter.inputInt8(i)
                    for k in 0..<input.count { input[k] = Int8(truncatingIfNeeded: k * 13) }
                }
                try interpreter.invoke()
            }
        }
        XCTAssertGreaterThan(rejected, 0)
        XCTAssertGreaterThan(accepted, 0)
    }

    // MARK: A hand-quantized graph against its float original

    /// x [1,8] → FC 36 → reshape [1,3,3,4] → conv 2×2 valid relu → [1,2,2,3]; weights quantized here.
    func testHandQuantizedFCConvGraphTracksTheFloatGraph() throws {
        var fr = TestRandom(seed: 5)
        let fcW = fr.floats(36 * 8, scale: 0.5), fcB = fr.floats(36, scale: 0.1)
        let convW = fr.floats(3 * 2 * 2 * 4, scale: 0.4), convB = fr.floats(3, scale: 0.1)
        let input = fr.floats(8)

        var f = ModelBuilder()
        let fx = f.addTensor(name: "x", shape: [1, 8])
        let fh = f.addTensor(name: "h", shape: [1, 36])
        f.addOperator(.fullyConnected, inputs: [fx, f.addConstant(name: "w", shape: [36, 8], floats: fcW),
                                                f.addConstant(name: "b", shape: [36], floats: fcB)], outputs: [fh])
        let fimg = f.addTensor(name: "img", shape: [1, 3, 3, 4])
        f.addOperator(.reshape, inputs: [fh], outputs: [fimg])
        let fy = f.addTensor(name: "y", shape: [1, 2, 2, 3])
        f.addOperator(.conv2D, inputs: [fimg, f.addConstant(name: "cw", shape: [3, 2, 2, 4], floats: convW),
                                        f.addConstant(name: "cb", shape: [3], floats: convB)], outputs: [fy],
                      options: OperatorOptions(activation: .relu))
        f.inputs = [fx]; f.outputs = [fy]
        let floatHidden = (0..<36).map { o in (0..<8).reduce(fcB[o]) { $0 + fcW[o * 8 + $1] * input[$1] } }
        let floatOut = try runModel(f, inputs: [input])[0]

        // Activation parameters from the observed ranges (asymmetric, zero exactly representable).
        func affine(_ lo: Float, _ hi: Float) -> (Float, Int32) {
            let lo = min(lo, 0), hi = max(hi, 0)
            let s = (hi - lo) / 255
            return (s, Int32((-128 - lo / s).rounded()))
        }
        let (sx, zx) = affine(-1, 1)
        let (sh, zh) = affine(floatHidden.min()!, floatHidden.max()!)
        let (sy, zy) = affine(0, floatOut.max()!)
        func symmetric(_ w: [Float], channels n: Int) -> ([Int8], [Float]) {
            let k = w.count / n
            var q = [Int8](), scales = [Float]()
            for c in 0..<n {
                let s = max(w[c * k..<(c + 1) * k].map { abs($0) }.max()!, 1e-6) / 127
                scales.append(s)
                q += w[c * k..<(c + 1) * k].map { Int8(($0 / s).rounded()) }
            }
            return (q, scales)
        }
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", type: .int8, shape: [1, 8], quantization: .init(scale: sx, zeroPoint: zx))
        func gemm(_ w: [Float], _ bias: [Float], n: Int, shape: [Int], sIn: Float, zIn: Int32, sOut: Float) -> [Int] {
            let (q, ws) = symmetric(w, channels: n)
            let k = w.count / n
            let qb = (0..<n).map { Int32((bias[$0] / (sIn * ws[$0])).rounded()) }
            let folded = (0..<n).map { c in qb[c] - (zIn + 128) * (0..<k).reduce(Int32(0)) { $0 + Int32(q[c * k + $1]) } }
            return [b.addPackedWeights(name: "w", shape: shape, values: q),
                    b.addConstant(name: "b", shape: [n], int32s: folded),
                    b.addRequantization(name: "rq", (0..<n).map { QuantizedMultiplier(Double(sIn) * Double(ws[$0]) / Double(sOut)) })]
        }
        let h = b.addTensor(name: "h", type: .int8, shape: [1, 36], quantization: .init(scale: sh, zeroPoint: zh))
        b.addOperator(.fullyConnected, inputs: [x] + gemm(fcW, fcB, n: 36, shape: [36, 8], sIn: sx, zIn: zx, sOut: sh), outputs: [h])
        let img = b.addTensor(name: "img", type: .int8, shape: [1, 3, 3, 4], quantization: .init(scale: sh, zeroPoint: zh))
        b.addOperator(.reshape, inputs: [h], outputs: [img])
        let y = b.addTensor(name: "y", type: .int8, shape: [1, 2, 2, 3], quantization: .init(scale: sy, zeroPoint: zy))
        b.addOperator(.conv2D, inputs: [img] + gemm(convW, convB, n: 3, shape: [3, 2, 2, 4], sIn: sh, zIn: zh, sOut: sy),
                      outputs: [y], options: OperatorOptions(activation: .relu))
        b.inputs = [x]; b.outputs = [y]
        let qInput = input.map { Int8(min(max(($0 / sx).rounded() + Float(zx), -128), 127)) }
        let out = try runInt8Model(b, inputs: [qInput])[0].map { sy * Float(Int32($0) - zy) }
        for i in 0..<out.count {
            XCTAssertEqual(out[i], floatOut[i], accuracy: 4 * sy + 0.02 * abs(floatOut[i]), "output \(i)")
        }
    }
}

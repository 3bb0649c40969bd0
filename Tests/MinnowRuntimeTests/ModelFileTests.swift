import MinnowRuntime
import XCTest

/// Model file format: builder → bytes → `Model` round trip, alignment, and rejection of
/// corrupted, truncated or inconsistent files.
final class ModelFileTests: XCTestCase {
    /// input [1,5,5,2] → conv 3×3 stride 2 same relu → [1,3,3,3] → reshape [1,27] → FC → [1,4] → softmax.
    func makeConvModel() -> (builder: ModelBuilder, weights: [Float], fcWeights: [Float]) {
        var b = ModelBuilder()
        var rng = TestRandom(seed: 7)
        let x = b.addTensor(name: "input", shape: [1, 5, 5, 2])
        let weights = rng.floats(3 * 3 * 3 * 2)
        let w = b.addConstant(name: "conv/w", shape: [3, 3, 3, 2], floats: weights)
        let bias = b.addConstant(name: "conv/b", shape: [3], floats: [0.1, -0.2, 0.3])
        let c = b.addTensor(name: "conv", shape: [1, 3, 3, 3])
        b.addOperator(.conv2D, inputs: [x, w, bias], outputs: [c],
                      options: OperatorOptions(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                                               padding: .same, activation: .relu))
        let flat = b.addTensor(name: "flat", shape: [1, 27])
        b.addOperator(.reshape, inputs: [c], outputs: [flat])
        let fcWeights = rng.floats(4 * 27)
        let fw = b.addConstant(name: "fc/w", shape: [4, 27], floats: fcWeights)
        let fb = b.addConstant(name: "fc/b", shape: [4], floats: [1, 2, 3, 4])
        let logits = b.addTensor(name: "logits", shape: [1, 4])
        b.addOperator(.fullyConnected, inputs: [flat, fw, fb], outputs: [logits])
        let probs = b.addTensor(name: "probs", shape: [1, 4])
        b.addOperator(.softmax, inputs: [logits], outputs: [probs])
        b.inputs = [x]
        b.outputs = [probs]
        return (b, weights, fcWeights)
    }

    /// input [1,4] → FC [3,4] → softmax: small enough to flip every byte.
    func makeSmallModel() -> ModelBuilder {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 4])
        let w = b.addConstant(name: "w", shape: [3, 4], floats: [1, 2, 3, 4, -1, -2, -3, -4, 0.5, 0.25, 0, 1])
        let bias = b.addConstant(name: "b", shape: [3], floats: [0, 1, -1])
        let h = b.addTensor(name: "h", shape: [1, 3])
        b.addOperator(.fullyConnected, inputs: [x, w, bias], outputs: [h], options: OperatorOptions(activation: .relu))
        let y = b.addTensor(name: "y", shape: [1, 3])
        b.addOperator(.softmax, inputs: [h], outputs: [y])
        b.inputs = [x]
        b.outputs = [y]
        return b
    }

    func testRoundTripPreservesEveryField() throws {
        let (builder, weights, fcWeights) = makeConvModel()
        let file = AlignedBuffer(builder.serializedBytes())
        let model = try Model(bytes: file.bytes)

        XCTAssertEqual(model.byteCount, file.bytes.count)
        XCTAssertEqual(model.tensorCount, builder.tensors.count)
        for (t, entry) in builder.tensors.enumerated() {
            XCTAssertEqual(model.tensorName(t), entry.name)
            XCTAssertEqual(model.tensorType(t), entry.type)
            XCTAssertEqual(model.tensorShape(t).dimensions, entry.shape)
            XCTAssertEqual(model.isConstant(t), entry.constantBytes != nil)
            if let bytes = entry.constantBytes {
                XCTAssertEqual(Array(model.constantData(t)!), bytes, "constant \(entry.name)")
            } else {
                XCTAssertNil(model.constantData(t))
            }
        }
        XCTAssertEqual(Array(model.constantFloats(1)!), weights)
        XCTAssertEqual(Array(model.constantFloats(5)!), fcWeights)
        XCTAssertEqual(Array(model.constantFloats(2)!), [0.1, -0.2, 0.3])

        XCTAssertEqual(model.operatorCount, builder.operators.count)
        for (op, entry) in builder.operators.enumerated() {
            XCTAssertEqual(model.operatorCode(op), entry.code)
            XCTAssertEqual(Array(model.operatorInputs(op)), entry.inputs)
            XCTAssertEqual(Array(model.operatorOutputs(op)), entry.outputs)
            XCTAssertEqual(model.operatorOptions(op), entry.code.canonicalOptions(entry.options))
        }
        XCTAssertEqual(model.operatorOptions(0).strideHeight, 2)
        XCTAssertEqual(model.operatorOptions(0).padding, .same)
        XCTAssertEqual(model.operatorOptions(0).activation, .relu)
        XCTAssertEqual(Array(model.inputs), [0])
        XCTAssertEqual(Array(model.outputs), [8])
    }

    func testRecurrentOptionsRoundTrip() throws {
        var b = ModelBuilder()
        let x = b.addTensor(name: "seq", shape: [1, 3, 2])
        let wx = b.addConstant(name: "wx", shape: [8, 2], floats: [Float](repeating: 0.1, count: 16))
        let wh = b.addConstant(name: "wh", shape: [8, 2], floats: [Float](repeating: 0.2, count: 16))
        let bias = b.addConstant(name: "b", shape: [8], floats: [Float](repeating: 0, count: 8))
        let y = b.addTensor(name: "h", shape: [1, 3, 2])
        let options = OperatorOptions(units: 2, returnSequences: true)
        b.addOperator(.lstm, inputs: [x, wx, wh, bias], outputs: [y], options: options)
        b.inputs = [x]
        b.outputs = [y]
        let file = AlignedBuffer(b.serializedBytes())
        let model = try Model(bytes: file.bytes)
        XCTAssertEqual(model.operatorOptions(0), options)
        XCTAssertEqual(model.operatorCode(0), .lstm)
    }

    /// Version 1 placed every constant on a 16-byte boundary; versions 2 and 3 on 4 bytes (the
    /// kernels read with unaligned-safe loads, and 16-byte padding per constant costs flash).
    func testConstantsAreAligned() throws {
        var b = makeConvModel().builder
        // Odd-sized constants and names shift everything that follows.
        _ = b.addConstant(name: "odd", shape: [3], floats: [1, 2, 3])
        _ = b.addConstant(name: "bytes", type: .int8, shape: [5], bytes: [1, 2, 3, 4, 5])
        _ = b.addConstant(name: "z", shape: [1], floats: [9])
        for (version, alignment) in [(1, 16), (3, 4)] {
        let file = AlignedBuffer(b.serializedBytes(formatVersion: version))
        XCTAssertEqual(UInt(bitPattern: file.bytes.baseAddress!) % 16, 0)
        let model = try Model(bytes: file.bytes)
        var constants = 0
        for t in 0..<model.tensorCount {
            guard let data = model.constantData(t) else { continue }
            constants += 1
            XCTAssertEqual(UInt(bitPattern: data.baseAddress!) % UInt(alignment), 0, "v\(version) tensor \(t) \(model.tensorName(t))")
            XCTAssertGreaterThanOrEqual(data.baseAddress!, file.bytes.baseAddress!)
            XCTAssertLessThanOrEqual(data.baseAddress! + data.count, file.bytes.baseAddress! + file.bytes.count)
        }
        XCTAssertEqual(constants, 7)
        XCTAssertEqual(Array(model.constantData(model.tensorCount - 2)!), [1, 2, 3, 4, 5])
        }
    }

    func testHeaderLayoutMatchesDocumentation() throws {
        let bytes = makeSmallModel().serializedBytes()
        XCTAssertEqual(Array(bytes[0..<4]), Array("MNOW".utf8))
        XCTAssertEqual(Int(bytes[4]) | Int(bytes[5]) << 8, 3)
        let length = bytes[8..<12].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(length, bytes.count)
        let stored = bytes[12..<16].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        XCTAssertEqual(stored, referenceCRC32(Array(bytes[16...])))
    }

    func testCRC32MatchesStandardCheckValue() {
        let data = Array("123456789".utf8)
        data.withUnsafeBytes { XCTAssertEqual(crc32($0), 0xCBF4_3926) }
        XCTAssertEqual(referenceCRC32(data), 0xCBF4_3926)
    }

    func testEverySingleByteFlipIsRejected() throws {
        let original = makeSmallModel().serializedBytes()
        let file = AlignedBuffer(original)
        XCTAssertNoThrow(try Model(bytes: file.bytes))
        var rejected = 0
        for position in 0..<original.count {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                file.raw.copyBytes(from: original)
                file.raw[position] ^= mask
                do {
                    _ = try Model(bytes: file.bytes)
                    XCTFail("flip 0x\(String(mask, radix: 16)) at byte \(position) was accepted")
                } catch {
                    rejected += 1
                }
            }
        }
        XCTAssertEqual(rejected, original.count * 3)
    }

    func testEveryTruncationIsRejected() throws {
        let original = makeSmallModel().serializedBytes()
        let file = AlignedBuffer(original)
        for length in 0..<original.count {
            let prefix = UnsafeRawBufferPointer(rebasing: file.bytes[0..<length])
            XCTAssertThrowsError(try Model(bytes: prefix), "length \(length)") { error in
                guard case ModelError.truncated(_, let found) = error as! ModelError else {
                    return XCTFail("length \(length): \(error)")
                }
                XCTAssertLessThanOrEqual(found, length)
            }
        }
        XCTAssertNoThrow(try Model(bytes: file.bytes))
    }

    /// Corrupts each byte after the header and repairs the checksum, so the structural
    /// validation (not the CRC) must catch it; whatever it accepts must run without crashing.
    func testCorruptionWithRepairedChecksumNeverCrashes() throws {
        let original = makeConvModel().builder.serializedBytes()
        let file = AlignedBuffer(original)
        var accepted = 0, rejected = 0
        for position in 16..<original.count {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var bytes = original
                bytes[position] ^= mask
                let crc = referenceCRC32(Array(bytes[16...]))
                for i in 0..<4 { bytes[12 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
                file.raw.copyBytes(from: bytes)
                guard let model = try? Model(bytes: file.bytes) else {
                    rejected += 1
                    continue
                }
                accepted += 1
                let required = Interpreter.requiredArenaBytes(for: model)
                XCTAssertLessThan(required, 1 << 20, "byte \(position): implausible arena")
                guard required < 1 << 20 else { continue }
                let arena = AlignedBuffer(count: required)
                let interpreter = try Interpreter(model: model, arena: arena.raw)
                for i in 0..<model.inputs.count {
                    let input = interpreter.inputFloats(i)
                    for k in 0..<input.count { input[k] = Float(k % 7) * 0.1 }
                }
                try interpreter.invoke()
            }
        }
        XCTAssertGreaterThan(rejected, 0)
        XCTAssertGreaterThan(accepted, 0)
    }

    // MARK: Specific validation errors

    func loadError(_ builder: ModelBuilder) -> ModelError? {
        let file = AlignedBuffer(builder.serializedBytes())
        do {
            _ = try Model(bytes: file.bytes)
            return nil
        } catch {
            return error
        }
    }

    func fcModel(weightShape: [Int], inputs extraInputs: Int = 0) -> ModelBuilder {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 4])
        let w = b.addConstant(name: "w", shape: weightShape, floats: [Float](repeating: 1, count: weightShape.reduce(1, *)))
        let bias = b.addConstant(name: "b", shape: [3], floats: [0, 0, 0])
        let y = b.addTensor(name: "y", shape: [1, 3])
        b.addOperator(.fullyConnected, inputs: Array([x, w, bias].prefix(3 - extraInputs)), outputs: [y])
        b.inputs = [x]
        b.outputs = [y]
        return b
    }

    func testRejectsFullyConnectedWeightsThatDoNotMatchInput() {
        XCTAssertNil(loadError(fcModel(weightShape: [3, 4])))
        XCTAssertEqual(loadError(fcModel(weightShape: [3, 5])), .shapeMismatch(op: 0, detail: .weightsShape))
        XCTAssertEqual(loadError(fcModel(weightShape: [3, 4], inputs: 1)), .operatorArity(op: 0, code: .fullyConnected))
    }

    func testRejectsConvolutionWithWrongOutputShape() {
        func conv(output: [Int], padding: Padding, stride: Int32) -> ModelBuilder {
            var b = ModelBuilder()
            let x = b.addTensor(name: "x", shape: [1, 7, 6, 2])
            let w = b.addConstant(name: "w", shape: [4, 3, 3, 2], floats: [Float](repeating: 0, count: 72))
            let bias = b.addConstant(name: "b", shape: [4], floats: [0, 0, 0, 0])
            let y = b.addTensor(name: "y", shape: output)
            b.addOperator(.conv2D, inputs: [x, w, bias], outputs: [y],
                          options: OperatorOptions(strideHeight: stride, strideWidth: stride, padding: padding))
            b.inputs = [x]
            b.outputs = [y]
            return b
        }
        // valid, stride 2: (7−3)/2+1 = 3, (6−3)/2+1 = 2. same, stride 2: ceil(7/2) = 4, ceil(6/2) = 3.
        XCTAssertNil(loadError(conv(output: [1, 3, 2, 4], padding: .valid, stride: 2)))
        XCTAssertNil(loadError(conv(output: [1, 4, 3, 4], padding: .same, stride: 2)))
        XCTAssertEqual(loadError(conv(output: [1, 4, 3, 4], padding: .valid, stride: 2)),
                       .shapeMismatch(op: 0, detail: .outputShape))
        XCTAssertEqual(loadError(conv(output: [1, 3, 2, 4], padding: .same, stride: 2)),
                       .shapeMismatch(op: 0, detail: .outputShape))
        XCTAssertEqual(loadError(conv(output: [1, 3, 2, 4], padding: .valid, stride: 0)),
                       .badOptions(op: 0, field: .stride))
    }

    func testRejectsBadGraphs() {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 4])
        let a = b.addTensor(name: "a", shape: [1, 4])
        let c = b.addTensor(name: "c", shape: [1, 4])
        b.addOperator(.relu, inputs: [a], outputs: [c]) // reads `a` before it is written
        b.addOperator(.relu, inputs: [x], outputs: [a])
        b.inputs = [x]
        b.outputs = [c]
        XCTAssertEqual(loadError(b), .badGraph(op: 0, tensor: a, detail: .readBeforeWrite))

        var twice = ModelBuilder()
        let x2 = twice.addTensor(name: "x", shape: [1, 4])
        let y2 = twice.addTensor(name: "y", shape: [1, 4])
        twice.addOperator(.relu, inputs: [x2], outputs: [y2])
        twice.addOperator(.tanh, inputs: [x2], outputs: [y2])
        twice.inputs = [x2]
        twice.outputs = [y2]
        XCTAssertEqual(loadError(twice), .badGraph(op: 1, tensor: y2, detail: .writtenTwice))

        var badIndex = ModelBuilder()
        let x3 = badIndex.addTensor(name: "x", shape: [1, 4])
        badIndex.addOperator(.relu, inputs: [x3], outputs: [99])
        badIndex.inputs = [x3]
        XCTAssertEqual(loadError(badIndex), .badTensorIndex(op: 0, position: 1, found: 99))

        var missingOutput = ModelBuilder()
        let x4 = missingOutput.addTensor(name: "x", shape: [1, 4])
        let y4 = missingOutput.addTensor(name: "y", shape: [1, 4])
        missingOutput.inputs = [x4]
        missingOutput.outputs = [y4]
        XCTAssertEqual(loadError(missingOutput), .badModelOutput(position: 0, found: y4))
    }

    func testRejectsRecurrentUnitsMismatchAndUnsupportedOperators() {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 3, 2])
        let wx = b.addConstant(name: "wx", shape: [6, 2], floats: [Float](repeating: 0, count: 12))
        let wh = b.addConstant(name: "wh", shape: [6, 2], floats: [Float](repeating: 0, count: 12))
        let bx = b.addConstant(name: "bx", shape: [6], floats: [Float](repeating: 0, count: 6))
        let bh = b.addConstant(name: "bh", shape: [6], floats: [Float](repeating: 0, count: 6))
        let y = b.addTensor(name: "y", shape: [1, 2])
        b.addOperator(.gru, inputs: [x, wx, wh, bx, bh], outputs: [y], options: OperatorOptions(units: 3))
        b.inputs = [x]
        b.outputs = [y]
        XCTAssertEqual(loadError(b), .badOptions(op: 0, field: .units))

        var q = ModelBuilder()
        let qx = q.addTensor(name: "x", shape: [4])
        let qy = q.addTensor(name: "y", type: .int8, shape: [4])
        q.addOperator(.quantize, inputs: [qx], outputs: [qy])
        q.inputs = [qx]
        q.outputs = [qy]
        XCTAssertEqual(loadError(q), .badQuantization(tensor: qy, detail: .missing))
    }

    func testHeaderErrorsNameTheProblem() throws {
        // Version 1 layout: its tensor records carry the constant length checked at the end.
        var bytes = makeSmallModel().serializedBytes(formatVersion: 1)
        let file = AlignedBuffer(bytes)
        func error(_ mutate: (inout [UInt8]) -> Void) -> ModelError? {
            var copy = bytes
            mutate(&copy)
            file.raw.copyBytes(from: copy)
            do { _ = try Model(bytes: file.bytes); return nil } catch { return error }
        }
        XCTAssertEqual(error { $0[0] = UInt8(ascii: "X") }, .badMagic)
        XCTAssertEqual(error { $0[4] = 4 }, .unsupportedVersion(found: 4))
        XCTAssertEqual(error { $0[6] = 1 }, .unsupportedFlags(found: 1))
        let stored = referenceCRC32(Array(bytes[16...]))
        let last = bytes.count - 1
        bytes[last] ^= 0x40 // inside the last constant's padding or data
        let expectedFound = referenceCRC32(Array(bytes[16...]))
        bytes[last] ^= 0x40
        XCTAssertEqual(error { $0[last] ^= 0x40 }, .checksumMismatch(expected: stored, found: expectedFound))

        // Constant length field of tensor 1 ("w", 12 floats = 48 bytes) changed to 44, CRC repaired.
        let tensorTable = Int(bytes[20]) | Int(bytes[21]) << 8
        XCTAssertEqual(error {
            $0[tensorTable + 48 + 40] = 44
            let crc = referenceCRC32(Array($0[16...]))
            for i in 0..<4 { $0[12 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        }, .constantSize(tensor: 1, expected: 48, found: 44))
    }

    func testErrorDescriptionsSayWhatAndWhere() {
        XCTAssertTrue(ModelError.truncated(expected: 72, found: 10).description.contains("72"))
        let text = ModelError.shapeMismatch(op: 3, detail: .weightsShape).description
        XCTAssertTrue(text.contains("operator 3") && text.contains("weightsShape"), text)
    }
}

/// Independent bitwise CRC-32 (zlib) for checking the writer and the reader.
func referenceCRC32(_ data: [UInt8]) -> UInt32 {
    var table = [UInt32](repeating: 0, count: 256)
    for i in 0..<256 {
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        table[i] = c
    }
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
}

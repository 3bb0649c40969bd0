import Foundation
import XCTest
import MinnowTFLite

/// Hostile and broken files give typed errors, never a crash, hang or huge allocation.
final class TFLiteMalformedTests: XCTestCase {
    /// Decodes, and when that succeeds also writes and re-reads: nothing may trap.
    func decodeOrTypedError(_ bytes: [UInt8]) -> TFLiteError? {
        do {
            let model = try TFLiteModel(bytes: bytes)
            _ = try? model.tfliteBytes()
            return nil
        } catch {
            return error
        }
    }

    func testEveryTruncationIsATypedError() throws {
        let bytes = try Fixtures.bytes("relu_int8.tflite")
        for length in 0..<bytes.count {
            let error = decodeOrTypedError(Array(bytes.prefix(length)))
            XCTAssertNotNil(error, "a \(length)-byte prefix decoded")
        }
        XCTAssertNil(decodeOrTypedError(bytes))
    }

    func testRandomByteFlipsNeverCrash() throws {
        var rng = SplitMix64(seed: 14)
        for name in ["relu_int8", "conv2d_s2_same_relu_int8", "lstm_int8", "squeeze_float"] {
            let original = try Fixtures.bytes("\(name).tflite")
            var failures = 0
            for round in 0..<600 {
                var bytes = original
                for _ in 0...(round % 8) {
                    let at = Int(rng.next() % UInt64(bytes.count))
                    bytes[at] = round % 3 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : bytes[at] ^ (1 << (rng.next() % 8))
                }
                if decodeOrTypedError(bytes) != nil { failures += 1 }
            }
            XCTAssertGreaterThan(failures, 0, "\(name): no mutation was rejected")
        }
    }

    func testBadIdentifierAndTinyBuffers() {
        XCTAssertEqual(decodeOrTypedError([]), .notTFLite(reason: "a FlatBuffer of 0 bytes is impossible (needs 8 bytes to 2 GiB)"))
        var bytes = (try? Fixtures.bytes("relu_int8.tflite")) ?? []
        bytes[4] = UInt8(ascii: "X")
        XCTAssertEqual(decodeOrTypedError(bytes), .notTFLite(reason: "file identifier is \"XFL3\", expected \"TFL3\""))
    }

    func testRootOffsetOutOfBounds() {
        let bytes: [UInt8] = [0xF0, 0xFF, 0, 0] + Array("TFL3".utf8)
        guard case .malformed(path: "model", .outOfBounds)? = decodeOrTypedError(bytes) else {
            return XCTFail("\(String(describing: decodeOrTypedError(bytes)))")
        }
    }

    /// A table whose soffset is 0 makes the table its own vtable (overlapping structures).
    func testTableThatIsItsOwnVTable() {
        let bytes: [UInt8] = [8, 0, 0, 0] + Array("TFL3".utf8) + [0, 0, 0, 0, 0, 0, 0, 0]
        guard case .malformed(path: "model", .badVTable)? = decodeOrTypedError(bytes) else {
            return XCTFail("\(String(describing: decodeOrTypedError(bytes)))")
        }
    }

    /// A vtable reaching before the buffer, or field offsets past the table's end.
    func testVTableOutsideBufferAndFieldPastTable() {
        // soffset 100 puts the vtable 100 bytes before the table at 8: before the buffer's start.
        let before: [UInt8] = [8, 0, 0, 0] + Array("TFL3".utf8) + [100, 0, 0, 0]
        guard case .malformed(path: "model", .outOfBounds)? = decodeOrTypedError(before) else {
            return XCTFail("\(String(describing: decodeOrTypedError(before)))")
        }
        // vtable at 12: size 6, table size 4, field 0 at +200 (past the 4-byte table at 20).
        let past: [UInt8] = [20, 0, 0, 0] + Array("TFL3".utf8) + [0, 0, 0, 0] + [6, 0, 4, 0, 200, 0, 0, 0] + [8, 0, 0, 0]
        let error = decodeOrTypedError(past)
        guard case .malformed(path: "version", .badVTable)? = error else { return XCTFail("\(String(describing: error))") }
    }

    /// A vector length of 2^32 − 1 is refused before anything is allocated.
    func testHugeVectorLength() throws {
        var model = try Fixtures.model("relu_int8")
        model.subgraphs[0].tensors[0].shape = [1, 77]
        var bytes = model.encodedWithoutValidation()
        // Find the shape vector [1, 77] (count 2, then 1 and 77) and claim 4 billion elements.
        let pattern: [UInt8] = [2, 0, 0, 0, 1, 0, 0, 0, 77, 0, 0, 0]
        let at = try XCTUnwrap((0...(bytes.count - pattern.count)).first { Array(bytes[$0..<($0 + 12)]) == pattern })
        bytes.replaceSubrange(at..<(at + 4), with: [0xFF, 0xFF, 0xFF, 0xFF])
        guard case .malformed(path: "subgraphs[0].tensors[0].shape", .vectorTooLong)? = decodeOrTypedError(bytes) else {
            return XCTFail("\(String(describing: decodeOrTypedError(bytes)))")
        }
    }

    /// Many references to one large vector would expand a small file into gigabytes: refused.
    func testSharedVectorsCannotAmplify() throws {
        var b = FlatBufferBuilder()
        let name = b.string(String(repeating: "n", count: 60_000))
        let shape = b.vector([Int32](repeating: 1, count: 8))
        var tensors: [FlatBufferBuilder.Offset] = []
        for _ in 0..<2000 {
            b.startTable()
            b.add(TFLiteField.Tensor.shape, shape)
            b.add(TFLiteField.Tensor.type, Int8(9), default: 0)
            b.add(TFLiteField.Tensor.name, name)
            tensors.append(b.endTable())
        }
        let tensorVector = b.vector(tensors)
        b.startTable()
        b.add(TFLiteField.SubGraph.tensors, tensorVector)
        let subgraph = b.endTable()
        let subgraphs = b.vector([subgraph])
        b.startTable()
        b.add(TFLiteField.Model.version, UInt32(3), default: 0)
        b.add(TFLiteField.Model.subgraphs, subgraphs)
        let root = b.endTable()
        let bytes = b.finish(root: root, fileIdentifier: "TFL3")
        XCTAssertLessThan(bytes.count, 200_000)
        guard case .tooLarge? = decodeOrTypedError(bytes) else {
            return XCTFail("\(String(describing: decodeOrTypedError(bytes)))")
        }
    }

    /// Unsupported content names the operator index, its builtin name and what is unsupported.
    func testUnsupportedOperatorsAndOptions() throws {
        var model = try Fixtures.model("relu_int8")
        model.operatorCodes[0].builtin = TFLiteBuiltinOperator(rawValue: 45)  // STRIDED_SLICE
        XCTAssertEqual(decodeOrTypedError(model.encodedWithoutValidation()),
                       .unsupportedOperator(subgraph: 0, index: 0, builtin: "STRIDED_SLICE", reason: "operator not supported"))

        model = try Fixtures.model("relu_int8")
        model.operatorCodes[0].version = 9
        XCTAssertEqual(decodeOrTypedError(model.encodedWithoutValidation()),
                       .unsupportedOperator(subgraph: 0, index: 0, builtin: "RELU", reason: "version 9 (supported: 1 to 3)"))

        model = try Fixtures.model("relu_int8")
        model.operatorCodes[0].builtin = TFLiteBuiltinOperator(rawValue: 300)
        XCTAssertEqual(decodeOrTypedError(model.encodedWithoutValidation()),
                       .unsupportedOperator(subgraph: 0, index: 0, builtin: "BUILTIN_300", reason: "operator not supported"))

        // RELU carrying CONV_2D's options.
        model = try Fixtures.model("relu_int8")
        model.subgraphs[0].operators[0].options = .conv2D(.init(padding: .same, strideW: 1, strideH: 1))
        XCTAssertEqual(decodeOrTypedError(model.encodedWithoutValidation()),
                       .unsupportedOperator(subgraph: 0, index: 0, builtin: "RELU", reason: "builtin_options type 1 does not belong to RELU (expects none)"))

        // A zero stride.
        model = try Fixtures.model("conv2d_s2_same_relu_int8")
        model.subgraphs[0].operators[0].options = .conv2D(.init(padding: .same, strideW: 0, strideH: 1))
        XCTAssertEqual(decodeOrTypedError(model.encodedWithoutValidation()),
                       .invalid(path: "subgraphs[0].operators[0](CONV_2D).builtin_options.stride_w", reason: "0 (must be ≥ 1)"))

        // CONV_2D without options.
        model.subgraphs[0].operators[0].options = .none
        XCTAssertEqual(decodeOrTypedError(model.encodedWithoutValidation()),
                       .unsupportedOperator(subgraph: 0, index: 0, builtin: "CONV_2D", reason: "builtin_options are missing"))
    }

    func testInvalidTensorsAreNamed() throws {
        var model = try Fixtures.model("fully_connected_relu_int8")
        let weights = Int(model.subgraphs[0].operators[0].inputs[1])
        model.subgraphs[0].tensors[weights].shape[0] = 15  // 16 scales along dimension 0 of [15, 20]
        let error = decodeOrTypedError(model.encodedWithoutValidation())
        guard case let .invalid(path, _)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(path, "subgraphs[0].tensors[\(weights)].quantization.quantized_dimension")

        model = try Fixtures.model("fully_connected_relu_int8")
        model.subgraphs[0].tensors[weights].quantization?.quantizedDimension = 0
        model.subgraphs[0].tensors[weights].shape = [16, 21]  // buffer holds 16 × 20 bytes
        guard case let .invalid(path2, reason)? = decodeOrTypedError(model.encodedWithoutValidation()) else { return XCTFail() }
        XCTAssertEqual(path2, "subgraphs[0].tensors[\(weights)].buffer")
        XCTAssertTrue(reason.contains("holds 320 bytes"), reason)

        model = try Fixtures.model("fully_connected_relu_int8")
        model.subgraphs[0].operators[0].inputs[0] = 1000
        XCTAssertEqual(decodeOrTypedError(model.encodedWithoutValidation()),
                       .invalid(path: "subgraphs[0].operators[0].inputs[0]", reason: "tensor 1000 does not exist (\(model.subgraphs[0].tensors.count) tensors)"))
    }

    /// The committed regression corpus (inputs that once crashed or hung the fuzzer, and seeds)
    /// all end in a model or a typed error.
    func testFuzzRegressionCorpus() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fuzz")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }
        XCTAssertFalse(files.isEmpty, "empty regression corpus")
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(file)))
            // As the fuzz target: what decodes must write and read back unchanged.
            guard let model = try? TFLiteModel(bytes: bytes) else { continue }
            XCTAssertEqual(try? TFLiteModel(bytes: model.encodedWithoutValidation()), model, file)
        }
    }
}

/// A small deterministic PRNG for the mutation tests.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import Foundation
import XCTest
import MinnowTFLite

final class TFLiteRoundTripTests: XCTestCase {
    /// read fixture → write → read gives the same IR, and writing again gives the same bytes.
    func testEveryFixtureRoundTrips() throws {
        for entry in try Fixtures.manifest() {
            let name = try XCTUnwrap(entry["name"] as? String)
            let model = try Fixtures.model(name)
            let written = try model.tfliteBytes()
            // tools/tflite-fixtures/check-written sets this to run TFLite itself on the files.
            if let directory = ProcessInfo.processInfo.environment["MINNOW_TFLITE_WRITE_DIR"] {
                try Data(written).write(to: URL(fileURLWithPath: directory).appendingPathComponent("\(name).tflite"))
            }
            let reread = try TFLiteModel(bytes: written)
            XCTAssertEqual(reread, model, name)
            XCTAssertEqual(try reread.tfliteBytes(), written, "\(name): writing is deterministic")
            // Buffer data is 16-byte aligned in the written file, as TFLite's schema asks.
            let buffer = try FlatBuffer(bytes: written)
            let root = try buffer.root()
            let buffers = try XCTUnwrap(try root.vector(TFLiteField.Model.buffers, elementSize: 4))
            for i in 0..<buffers.count {
                if let data = try buffers.table(i).vector(TFLiteField.Buffer.data, elementSize: 1), data.count > 0 {
                    XCTAssertEqual(data.start % 16, 0, "\(name) buffer \(i)")
                }
            }
        }
    }

    /// A model built by hand in the IR (as `minnow export` will) writes and reads back.
    func testHandBuiltModelRoundTrips() throws {
        let weights = TFLiteBuffer(data: (0..<24).map { UInt8(truncatingIfNeeded: $0 * 37) })
        let bias = TFLiteBuffer(data: [UInt8](repeating: 0, count: 8))
        let model = TFLiteModel(
            description: "Minnow test",
            operatorCodes: [TFLiteOperatorCode(builtin: .fullyConnected, version: 4),
                            TFLiteOperatorCode(builtin: .softmax, version: 2)],
            subgraphs: [TFLiteSubgraph(
                name: "main",
                tensors: [
                    TFLiteTensor(name: "x", shape: [1, 12], type: .int8,
                                 quantization: .init(scale: [0.05], zeroPoint: [-3])),
                    TFLiteTensor(name: "w", shape: [2, 12], type: .int8, buffer: 1,
                                 quantization: .init(scale: [0.01, 0.02], zeroPoint: [0, 0])),
                    TFLiteTensor(name: "b", shape: [2], type: .int32, buffer: 2,
                                 quantization: .init(scale: [0.0005, 0.001], zeroPoint: [0, 0])),
                    TFLiteTensor(name: "logits", shape: [1, 2], shapeSignature: [-1, 2], type: .int8,
                                 quantization: .init(scale: [0.1], zeroPoint: [4])),
                    TFLiteTensor(name: "y", shape: [1, 2], type: .int8,
                                 quantization: .init(scale: [1.0 / 256], zeroPoint: [-128])),
                ],
                inputs: [0], outputs: [4],
                operators: [
                    TFLiteOperator(opcodeIndex: 0, inputs: [0, 1, 2], outputs: [3],
                                   options: .fullyConnected(.init(activation: .relu, keepNumDims: false))),
                    TFLiteOperator(opcodeIndex: 1, inputs: [3], outputs: [4], options: .softmax(beta: 1)),
                ])],
            buffers: [TFLiteBuffer(), weights, bias, TFLiteBuffer(data: Array("1.5.0\0".utf8))],
            metadata: [TFLiteMetadata(name: "min_runtime_version", buffer: 3)])
        let bytes = try model.tfliteBytes()
        XCTAssertEqual(Array(bytes[4..<8]), Array("TFL3".utf8))
        XCTAssertEqual(try TFLiteModel(bytes: bytes), model)
    }

    /// The writer refuses a model whose file would not read back.
    func testWriterRejectsInvalidModels() throws {
        var model = try Fixtures.model("relu_int8")
        model.subgraphs[0].outputs = [99]
        XCTAssertThrowsError(try model.tfliteBytes()) { error in
            XCTAssertEqual(error as? TFLiteError,
                           .invalid(path: "subgraphs[0].outputs[0]", reason: "tensor 99 does not exist (\(model.subgraphs[0].tensors.count) tensors)"))
        }
        var nan = try Fixtures.model("softmax_float")
        let index = nan.subgraphs[0].operators.firstIndex { nan.operatorCodes[Int($0.opcodeIndex)].builtin == .softmax }!
        nan.subgraphs[0].operators[index].options = .softmax(beta: .nan)
        XCTAssertThrowsError(try nan.tfliteBytes())
    }

    /// FlatBufferBuilder and the reader agree on every field kind, defaults and alignment.
    func testBuilderAndReaderAgree() throws {
        var b = FlatBufferBuilder(capacity: 16)  // forces growth
        let name = b.string("héllo")
        let longs = b.vector([Int64.min, -1, Int64.max])
        let floats = b.vector([Float(1.5), -0.0, .infinity])
        let data = b.bytes([1, 2, 3], alignment: 16)
        b.startTable()
        b.add(0, Int8(-5), default: 0)
        b.add(1, UInt32(7), default: 7)  // equals default: omitted
        b.add(2, Float(2.25), default: 0)
        b.add(3, true, default: false)
        b.add(4, name)
        b.add(5, Int64(1) << 40, default: 0)
        let child = b.endTable()
        let children = b.vector([child, child])
        b.startTable()
        b.add(0, children)
        b.add(1, longs)
        b.add(2, floats)
        b.add(3, data)
        let root = b.endTable()
        let bytes = b.finish(root: root, fileIdentifier: "TEST")
        let fb = try FlatBuffer(bytes: bytes)
        XCTAssertEqual(fb.fileIdentifier, "TEST")
        let r = try fb.root()
        let kids = try XCTUnwrap(try r.vector(0, elementSize: 4))
        XCTAssertEqual(kids.count, 2)
        let t = try kids.table(1)
        XCTAssertEqual(try t.scalar(0, default: Int8(0)), -5)
        XCTAssertEqual(try t.scalar(1, default: UInt32(7)), 7)
        XCTAssertFalse(try t.has(1))
        XCTAssertEqual(try t.float(2, default: 0), 2.25)
        XCTAssertEqual(try t.bool(3, default: false), true)
        XCTAssertEqual(try t.string(4), "héllo")
        XCTAssertEqual(try t.scalar(5, default: Int64(0)), 1 << 40)
        XCTAssertNil(try t.string(9), "a field past the vtable is absent")
        XCTAssertEqual(try r.vector(1, elementSize: 8)?.scalars(as: Int64.self), [Int64.min, -1, Int64.max])
        XCTAssertEqual(try r.vector(2, elementSize: 4)?.floats().map(\.bitPattern),
                       [Float(1.5), -0.0, .infinity].map(\.bitPattern))
        let bytesVector = try XCTUnwrap(try r.vector(3, elementSize: 1))
        XCTAssertEqual(Array(bytesVector.bytes), [1, 2, 3])
        XCTAssertEqual(bytesVector.start % 16, 0)
    }
}

import Foundation
import MinnowData
import MinnowPredict
import MinnowRuntime
import XCTest

final class PredictionTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("minnow-predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func floatBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) }
    }

    /// float [2, 3] → RELU → float [2, 3]
    func reluModel() -> [UInt8] {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [2, 3])
        let y = b.addTensor(name: "y", shape: [2, 3])
        b.addOperator(.relu, inputs: [x], outputs: [y])
        b.inputs = [x]
        b.outputs = [y]
        return b.serializedBytes()
    }

    /// int8 [4] (scale 0.5, zero point -2) → DEQUANTIZE → float [4]
    func dequantizeModel() -> [UInt8] {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", type: .int8, shape: [4], quantization: .init(scale: 0.5, zeroPoint: -2))
        let y = b.addTensor(name: "y", shape: [4])
        b.addOperator(.dequantize, inputs: [x], outputs: [y])
        b.inputs = [x]
        b.outputs = [y]
        return b.serializedBytes()
    }

    /// float [4] → QUANTIZE (scale 0.25, zero point 3) → int8 [4]
    func quantizeModel() -> [UInt8] {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [4])
        let y = b.addTensor(name: "y", type: .int8, shape: [4], quantization: .init(scale: 0.25, zeroPoint: 3))
        b.addOperator(.quantize, inputs: [x], outputs: [y])
        b.inputs = [x]
        b.outputs = [y]
        return b.serializedBytes()
    }

    func testFloatNpyThroughAFloatModel() throws {
        let values: [Float] = (0..<30).map { Float($0 % 7) - 3.25 }
        let path = try file("x.npy", NumpyEncoding.encode(descr: "<f4", shape: [5, 2, 3], data: floatBytes(values)))
        let input = try PredictionInput.load(path: path)
        let result = try Prediction.run(modelBytes: reluModel(), modelPath: "relu.minnow", input: input)
        XCTAssertEqual(result.count, 5)
        XCTAssertEqual(result.outputShape, [2, 3])
        XCTAssertEqual(result.outputDescr, "<f4")
        XCTAssertEqual(result.dequantized, values.map { max($0, 0) })
        XCTAssertEqual(result.raw, floatBytes(values.map { max($0, 0) }))
        for item in 0..<5 {
            let slice = Array(values[(item * 6)..<(item * 6 + 6)]).map { max($0, 0) }
            XCTAssertEqual(result.argmax[item], slice.firstIndex(of: slice.max()!)!)
        }
        // The .npy of the outputs reads back with NumPy's layout: [N, …output shape], float32.
        let array = try NumpyReader.parse(result.npyBytes, source: "out.npy")
        XCTAssertEqual(array.elementType, .float32)
        XCTAssertEqual(array.shape, [5, 2, 3])
        XCTAssertEqual(array.floatValues(), values.map { max($0, 0) })
    }

    func testInt8DataEntersAnInt8InputAsRawBytes() throws {
        let q: [Int8] = [-128, -2, 0, 127, 5, 6, 7, 8]
        let path = try file("q.npy", NumpyEncoding.encode(descr: "|i1", shape: [2, 4], data: q.map { UInt8(bitPattern: $0) }))
        let result = try Prediction.run(modelBytes: dequantizeModel(), modelPath: "m", input: try PredictionInput.load(path: path))
        XCTAssertEqual(result.dequantized, q.map { 0.5 * (Float($0) + 2) })
        XCTAssertEqual(result.argmax, [3, 3])
    }

    func testFloatDataIsQuantizedForAnInt8Input() throws {
        let x: [Float] = [1.0, -1.2, 10.0, -100.0]  // → q = 0, -4, 18, -128 (clamped)
        let path = try file("x.npy", NumpyEncoding.encode(descr: "<f4", shape: [1, 4], data: floatBytes(x)))
        let result = try Prediction.run(modelBytes: dequantizeModel(), modelPath: "m", input: try PredictionInput.load(path: path))
        XCTAssertEqual(result.dequantized, [1.0, -1.0, 10.0, -63.0])
    }

    func testInt8OutputsAreWrittenRaw() throws {
        let x: [Float] = [0.0, 1.1, -0.6, 40.0]  // → 3, 7, 1 (−0.6/0.25 = −2.4 → −2), 127 (clamped)
        let path = try file("x.npy", NumpyEncoding.encode(descr: "<f4", shape: [4], data: floatBytes(x)))
        let result = try Prediction.run(modelBytes: quantizeModel(), modelPath: "m", input: try PredictionInput.load(path: path))
        XCTAssertEqual(result.count, 1, "data of exactly the input's shape is one item")
        XCTAssertEqual(result.outputDescr, "|i1")
        XCTAssertEqual(result.raw.map { Int8(bitPattern: $0) }, [3, 7, 1, 127])
        let array = try NumpyReader.parse(result.npyBytes, source: "out.npy")
        XCTAssertEqual(array.elementType, .int8)
        XCTAssertEqual(array.shape, [1, 4])
    }

    func testMismatchesAreNamed() throws {
        let q = try file("q.npy", NumpyEncoding.encode(descr: "|i1", shape: [2, 6], data: [UInt8](repeating: 1, count: 12)))
        XCTAssertThrowsError(try Prediction.run(modelBytes: reluModel(), modelPath: "m", input: try PredictionInput.load(path: q))) { error in
            guard case .typeMismatch(path: q, _)? = error as? PredictError else { return XCTFail("\(error)") }
        }
        let wrong = try file("w.npy", NumpyEncoding.encode(descr: "<f4", shape: [3, 5], data: floatBytes([Float](repeating: 0, count: 15))))
        XCTAssertThrowsError(try Prediction.run(modelBytes: reluModel(), modelPath: "m", input: try PredictionInput.load(path: wrong))) { error in
            XCTAssertEqual(error as? PredictError, .shapeMismatch(path: wrong, dataShape: [3, 5], inputShape: [2, 3]))
        }
        XCTAssertThrowsError(try Prediction.run(modelBytes: Array(reluModel().prefix(20)), modelPath: "bad.minnow",
                                                input: try PredictionInput.load(path: wrong))) { error in
            guard case .model(path: "bad.minnow", _)? = error as? PredictError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try PredictionInput.load(path: try file("x.bin", [1, 2, 3]))) { error in
            guard case .unknownFormat? = error as? PredictError else { return XCTFail("\(error)") }
        }
    }

    func testItemCountRules() throws {
        func count(_ shape: [Int], _ input: [Int]) -> Int? {
            try? PredictionInput(values: .float([]), shape: shape, path: "p").itemCount(forInputShape: input)
        }
        XCTAssertEqual(count([7, 28, 28, 1], [28, 28, 1]), 7)
        XCTAssertEqual(count([7, 28, 28], [28, 28, 1]), 7, "a trailing channel of 1 may be left out")
        XCTAssertEqual(count([7, 32, 32, 3], [1, 32, 32, 3]), 7, "TFLite-style leading batch of 1")
        XCTAssertEqual(count([32, 32, 3], [1, 32, 32, 3]), 1)
        XCTAssertEqual(count([7, 1, 10], [10]), 7)
        XCTAssertNil(count([7, 2, 10], [10]))
        XCTAssertNil(count([7, 784], [28, 28, 1]))
    }

    func testCSVWithAndWithoutLabelColumn() throws {
        let labelled = try file("a.csv", Array("x0,label,x1,x2,x3\r\n1,9,2,3,4\r\n\r\n5,0,6,7,8\r\n".utf8))
        let a = try PredictionInput.load(path: labelled)
        XCTAssertEqual(a.values, .float([1, 2, 3, 4, 5, 6, 7, 8]))
        XCTAssertEqual(try a.itemCount(forInputShape: [4]), 2)
        XCTAssertEqual(try a.itemCount(forInputShape: [2, 2]), 2, "rows fill any input shape with their element count")

        let plain = try file("b.csv", Array("1,2,3,4\n-1,-2,-3,-4\n".utf8))
        let b = try PredictionInput.load(path: plain)
        XCTAssertEqual(b.values, .float([1, 2, 3, 4, -1, -2, -3, -4]), "every column is a feature")
        let result = try Prediction.run(modelBytes: dequantizeModel(), modelPath: "m", input: b)
        XCTAssertEqual(result.count, 2)

        let broken = try file("c.csv", Array("1,2\n3,x\n".utf8))
        XCTAssertThrowsError(try PredictionInput.load(path: broken)) { error in
            guard case let .data(e)? = error as? PredictError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.file, broken)
            XCTAssertEqual(e.line, 2)
            XCTAssertEqual(e.column, 2)
        }
    }

    func testIDXImagesAreScaledToUnitRange() throws {
        let path = try file("t-images-idx3-ubyte", IDXReader.encode(IDXArray(dimensions: [2, 2, 3], bytes: [0, 51, 102, 153, 204, 255, 0, 0, 0, 0, 0, 255])))
        let input = try PredictionInput.load(path: path)
        XCTAssertEqual(input.shape, [2, 2, 3])
        let result = try Prediction.run(modelBytes: reluModel(), modelPath: "m", input: input)
        XCTAssertEqual(result.dequantized, [0, 0.2, 0.4, 0.6, 0.8, 1, 0, 0, 0, 0, 0, 1])
    }
}

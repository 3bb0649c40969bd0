import Foundation
import MinnowData
import XCTest

final class NumpyTests: XCTestCase {
    /// Writes an .npy file following the format specification (independently of the reader).
    private func npy(descr: String, shape: [Int], data: [UInt8], fortran: Bool = false, major: UInt8 = 1) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
        let preamble = major == 1 ? 10 : 12
        while (preamble + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = header.utf8.count
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
        bytes += major == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)]
            : [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]
        return bytes + Array(header.utf8) + data
    }

    private func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value.littleEndian >> ($0 * 8)) } }
    }
    private func float32Bytes(_ values: [Float]) -> [UInt8] { littleEndian(values.map(\.bitPattern)) }
    private func float64Bytes(_ values: [Double]) -> [UInt8] { littleEndian(values.map(\.bitPattern)) }

    func testFloatFeaturesWithInt64Labels() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let features = try directory.write(npy(descr: "<f4", shape: [2, 3], data: float32Bytes([1, 2, 3, -4, 5.5, 6])), to: "x.npy")
        let labels = try directory.write(npy(descr: "<i8", shape: [2], data: littleEndian([Int64(4), 1])), to: "y.npy")
        let dataset = try DatasetResolver(dataDirectory: nil).load("npy:\(features),\(labels)")
        XCTAssertEqual(dataset.itemShape, [3])
        XCTAssertEqual(dataset.features, [1, 2, 3, -4, 5.5, 6])
        XCTAssertEqual(dataset.labels, [4, 1])
        XCTAssertEqual(dataset.classCount, 5)
    }

    func testThreeDimensionalSequencesKeepTheirShape() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // N=2 sequences of T=3 steps with F=2 features; value = 100n + 10t + f.
        var values: [Float] = []
        for n in 0..<2 { for t in 0..<3 { for f in 0..<2 { values.append(Float(100 * n + 10 * t + f)) } } }
        let features = try directory.write(npy(descr: "<f4", shape: [2, 3, 2], data: float32Bytes(values), major: 2), to: "seq.npy")
        let labels = try directory.write(npy(descr: "<i4", shape: [2, 1], data: littleEndian([Int32(0), 1]), major: 3), to: "lab.npy")
        let dataset = try LabeledDataset.loadNumpy(features: features, labels: labels)
        XCTAssertEqual(dataset.itemShape, [3, 2])
        XCTAssertEqual(Array(dataset.features(at: 1)), [100, 101, 110, 111, 120, 121])
        XCTAssertEqual(dataset.labels, [0, 1])
        let flat = try LabeledDataset.loadNumpy(features: features, labels: labels, itemShape: [6])
        XCTAssertEqual(flat.itemShape, [6])
        XCTAssertThrowsError(try LabeledDataset.loadNumpy(features: features, labels: labels, itemShape: [5]))
    }

    func testUInt8ScalingOnlyWhenAsked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let features = try directory.write(npy(descr: "|u1", shape: [1, 3], data: [0, 51, 255]), to: "u.npy")
        let labels = try directory.write(npy(descr: "|u1", shape: [1], data: [2]), to: "l.npy")
        XCTAssertEqual(try LabeledDataset.loadNumpy(features: features, labels: labels).features, [0, 51, 255])
        XCTAssertEqual(try LabeledDataset.loadNumpy(features: features, labels: labels, scaleBytesToUnitRange: true).features,
                       [0, 0.2, 1], accuracy: 1e-7)
    }

    func testFloat64FeaturesAreConverted() throws {
        let array = try NumpyReader.parse(npy(descr: "<f8", shape: [3], data: float64Bytes([0.5, -2, 1e-3])), source: "d.npy")
        XCTAssertEqual(array.shape, [3])
        XCTAssertEqual(array.floatValues(), [0.5, -2, 0.001])
    }

    func testErrorsNameTheFileAndTheProblem() {
        XCTAssertThrowsError(try NumpyReader.parse(Array("PK\u{3}\u{4}data....".utf8), source: "z.npy")) { error in
            XCTAssertTrue("\(error)".hasPrefix("z.npy: not a .npy file"), "\(error)")
        }
        XCTAssertThrowsError(try NumpyReader.parse(npy(descr: "<c8", shape: [1], data: [UInt8](repeating: 0, count: 8)), source: "c.npy")) { error in
            XCTAssertEqual((error as? DataError)?.kind, .unsupportedFormat)
            XCTAssertTrue("\(error)".contains("unsupported dtype '<c8'"), "\(error)")
        }
        XCTAssertThrowsError(try NumpyReader.parse(npy(descr: ">f4", shape: [1], data: [0, 0, 0, 0]), source: "b.npy")) { error in
            XCTAssertTrue("\(error)".contains("'>f4'"), "\(error)")
        }
        XCTAssertThrowsError(try NumpyReader.parse(npy(descr: "<f4", shape: [2, 3], data: float32Bytes([1, 2, 3, 4, 5])), source: "t.npy")) { error in
            // 2×3 float32 needs 24 bytes; 5 floats are 20.
            XCTAssertTrue("\(error)".contains("needs 24 bytes, found 20"), "\(error)")
        }
        XCTAssertThrowsError(try NumpyReader.parse(npy(descr: "<f4", shape: [1, 2], data: float32Bytes([1, 2]), fortran: true), source: "f.npy")) { error in
            XCTAssertTrue("\(error)".contains("Fortran"), "\(error)")
        }
        var badVersion = npy(descr: "<f4", shape: [1], data: float32Bytes([1]))
        badVersion[6] = 4
        XCTAssertThrowsError(try NumpyReader.parse(badVersion, source: "v.npy")) { error in
            XCTAssertTrue("\(error)".contains("version 4.0"), "\(error)")
        }
    }

    func testLabelErrors() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let features = try directory.write(npy(descr: "<f4", shape: [2, 1], data: float32Bytes([1, 2])), to: "x.npy")
        let fractional = try directory.write(npy(descr: "<f4", shape: [2], data: float32Bytes([1, 0.5])), to: "frac.npy")
        XCTAssertThrowsError(try LabeledDataset.loadNumpy(features: features, labels: fractional)) { error in
            XCTAssertTrue("\(error)".hasPrefix(fractional + ": label at index 1 is 0.5"), "\(error)")
        }
        let three = try directory.write(npy(descr: "<i8", shape: [3], data: littleEndian([Int64(0), 1, 2])), to: "three.npy")
        XCTAssertThrowsError(try LabeledDataset.loadNumpy(features: features, labels: three)) { error in
            XCTAssertTrue("\(error)".contains("3 labels but \(features) has 2 items"), "\(error)")
        }
    }

    func testFilesWrittenByNumPy() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let script = """
            import numpy as np
            x = (np.arange(24, dtype=np.float32) / 8).reshape(4, 3, 2)
            np.save('\(directory.file("x.npy"))', x)
            np.save('\(directory.file("y.npy"))', np.array([3, 1, 4, 1], dtype=np.int64))
            np.save('\(directory.file("u.npy"))', np.arange(250, 256, dtype=np.uint8).reshape(2, 3))
            np.save('\(directory.file("f.npy"))', np.asfortranarray(x))
            """
        guard let result = try runTool("python3", ["-c", script]), result.status == 0 else {
            throw XCTSkip("python3 with numpy is not available")
        }
        let dataset = try LabeledDataset.loadNumpy(features: directory.file("x.npy"), labels: directory.file("y.npy"))
        XCTAssertEqual(dataset.itemShape, [3, 2])
        XCTAssertEqual(dataset.features, (0..<24).map { Float($0) / 8 })
        XCTAssertEqual(dataset.labels, [3, 1, 4, 1])
        let bytes = try NumpyReader.read(path: directory.file("u.npy"))
        XCTAssertEqual(bytes.elementType, .uint8)
        XCTAssertEqual(bytes.shape, [2, 3])
        XCTAssertEqual(bytes.floatValues(), [250, 251, 252, 253, 254, 255])
        XCTAssertThrowsError(try NumpyReader.read(path: directory.file("f.npy"))) { error in
            XCTAssertTrue("\(error)".contains("Fortran"), "\(error)")
        }
    }
}

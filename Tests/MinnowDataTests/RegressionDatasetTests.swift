import Foundation
import MinnowData
import XCTest

/// Float targets from .npy and .csv files, and features without targets.
final class RegressionDatasetTests: XCTestCase {
    /// An .npy file written from the format specification (independently of the reader).
    private func npy(descr: String, shape: [Int], data: [UInt8]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
            + Array(header.utf8) + data
    }

    private func float32(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32($0))) } }
    }

    func testNumpyFloatTargetsKeepTheirShape() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let x = try directory.write(npy(descr: "<f4", shape: [3, 2], data: float32([1, 2, 3, 4, 5, 6])), to: "x.npy")
        let y = try directory.write(npy(descr: "<f4", shape: [3, 2], data: float32([0.5, -1, 1.5, -2, 2.5, -3])), to: "y.npy")
        let data = try RegressionDataset.load(spec: "npy:\(x),\(y)")
        XCTAssertEqual(data.count, 3)
        XCTAssertEqual(data.itemShape, [2])
        XCTAssertEqual(data.targetShape, [2])
        XCTAssertEqual(data.targets, [0.5, -1, 1.5, -2, 2.5, -3])
        XCTAssertEqual(data.targetSource, y)
        let scalar = try directory.write(npy(descr: "<f4", shape: [3], data: float32([0.25, 0.5, 0.75])), to: "s.npy")
        XCTAssertEqual(try RegressionDataset.load(spec: "npy:\(x),\(scalar)").targetShape, [1])
    }

    func testFeaturesAloneHaveNoTargets() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let x = try directory.write(npy(descr: "<f4", shape: [2, 2, 2], data: float32((0..<8).map(Float.init))), to: "x.npy")
        let data = try RegressionDataset.load(spec: "npy:\(x)")
        XCTAssertNil(data.targets)
        XCTAssertEqual(data.itemShape, [2, 2])
        XCTAssertEqual(data.count, 2)
    }

    func testTargetErrorsNameTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let x = try directory.write(npy(descr: "<f4", shape: [3, 2], data: float32([1, 2, 3, 4, 5, 6])), to: "x.npy")
        let short = try directory.write(npy(descr: "<f4", shape: [2], data: float32([1, 2])), to: "short.npy")
        XCTAssertThrowsError(try RegressionDataset.load(spec: "npy:\(x),\(short)")) { error in
            XCTAssertTrue("\(error)".contains("short.npy") && "\(error)".contains("2 target rows") && "\(error)".contains("3 items"), "\(error)")
        }
        let nan = try directory.write(npy(descr: "<f4", shape: [3], data: float32([1, .nan, 2])), to: "nan.npy")
        XCTAssertThrowsError(try RegressionDataset.load(spec: "npy:\(x),\(nan)")) { error in
            XCTAssertTrue("\(error)".contains("nan.npy") && "\(error)".contains("item 1"), "\(error)")
        }
    }

    func testCSVTargetColumnByNameOrLast() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let named = try directory.write("a,target,b\n1,0.5,2\n3,-1.25,4\n", to: "named.csv")
        let data = try RegressionDataset.load(spec: "csv:\(named)")
        XCTAssertEqual(data.features, [1, 2, 3, 4])
        XCTAssertEqual(data.targets, [0.5, -1.25])
        XCTAssertTrue(data.sourceDescription.contains("target column 'target'"), data.sourceDescription)
        let plain = try directory.write("1,2,3.5\n4,5,6.5\n\n", to: "plain.csv")
        let last = try RegressionDataset.load(spec: "csv:\(plain)")
        XCTAssertEqual(last.targets, [3.5, 6.5])
        XCTAssertEqual(last.features, [1, 2, 4, 5])
        let bad = try directory.write("x,y\n1,2\n3,oops\n", to: "bad.csv")
        XCTAssertThrowsError(try RegressionDataset.load(spec: "csv:\(bad)")) { error in
            XCTAssertEqual("\(error)", "\(bad):3:2: 'oops' is not a finite number")
        }
        let ragged = try directory.write("1,2\n3\n", to: "ragged.csv")
        XCTAssertThrowsError(try RegressionDataset.load(spec: "csv:\(ragged)")) { error in
            XCTAssertEqual("\(error)", "\(ragged):2: expected 2 columns, found 1")
        }
    }

    func testFashionMNISTKeepsLabelsAsOneValueTargets() throws {
        let data = try RegressionDataset.load(spec: "fashion-mnist:test")
        XCTAssertEqual(data.targetShape, [1])
        XCTAssertEqual(data.targets?.count, data.count)
        XCTAssertTrue(data.targets!.allSatisfy { $0 >= 0 && $0 <= 9 && $0 == $0.rounded() })
    }
}

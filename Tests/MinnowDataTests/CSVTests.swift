import Foundation
import MinnowData
import XCTest

final class CSVTests: XCTestCase {
    func testHeaderWithNamedLabelColumnAnywhere() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("x,\"label\",y\r\n1.5,2,-3\r\n\r\n0.25,0,1e2\r\n", to: "data.csv")
        let dataset = try CSVReader.load(path: path)
        XCTAssertEqual(dataset.count, 2)
        XCTAssertEqual(dataset.itemShape, [2])
        XCTAssertEqual(dataset.labels, [2, 0])
        XCTAssertEqual(dataset.features, [1.5, -3, 0.25, 100])
        XCTAssertEqual(dataset.classCount, 3)
        XCTAssertTrue(dataset.sourceDescription.contains(path), dataset.sourceDescription)
    }

    func testNoHeaderUsesLastColumnAndItemShape() throws {
        let text = "0,1,2,3,1\n4,5,6,7,0\n8,9,10,11,3.0\n"
        let dataset = try CSVReader.parse(Array(text.utf8), source: "mem.csv", itemShape: [2, 2])
        XCTAssertEqual(dataset.labels, [1, 0, 3])
        XCTAssertEqual(dataset.itemShape, [2, 2])
        XCTAssertEqual(Array(dataset.features(at: 2)), [8, 9, 10, 11])
    }

    func testExplicitLabelColumnAndForcedHeader() throws {
        let text = "7,0.5,0.25\n3,1,2\n"
        let byIndex = try CSVReader.parse(Array(text.utf8), source: "a.csv", options: CSVOptions(labelColumn: .index(0)))
        XCTAssertEqual(byIndex.labels, [7, 3])
        XCTAssertEqual(byIndex.features, [0.5, 0.25, 1, 2])
        // A numeric first line treated as a header leaves one data row.
        let headed = try CSVReader.parse(Array(text.utf8), source: "a.csv", options: CSVOptions(hasHeader: true))
        XCTAssertEqual(headed.labels, [2])
    }

    func testBadNumberErrorGivesFileLineAndColumn() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("a,b,label\n1,2,0\n3,x4,1\n", to: "bad.csv")
        XCTAssertThrowsError(try CSVReader.load(path: path)) { error in
            XCTAssertEqual((error as? DataError)?.line, 3)
            XCTAssertEqual((error as? DataError)?.column, 2)
            XCTAssertTrue("\(error)".hasPrefix("\(path):3:2: 'x4'"), "\(error)")
        }
    }

    func testColumnCountAndLabelErrors() {
        XCTAssertThrowsError(try CSVReader.parse(Array("1,2,0\n1,2\n".utf8), source: "c.csv")) { error in
            XCTAssertTrue("\(error)".hasPrefix("c.csv:2: expected 3 columns, found 2"), "\(error)")
        }
        XCTAssertThrowsError(try CSVReader.parse(Array("1,2,0\n1,2,-1\n".utf8), source: "n.csv")) { error in
            XCTAssertTrue("\(error)".hasPrefix("n.csv:2:3: label '-1'"), "\(error)")
        }
        XCTAssertThrowsError(try CSVReader.parse(Array("1,2,0.5\n".utf8), source: "f.csv")) { error in
            XCTAssertEqual((error as? DataError)?.column, 3)
        }
        XCTAssertThrowsError(try CSVReader.parse(Array("1,2,0\n".utf8), source: "s.csv", itemShape: [3])) { error in
            XCTAssertEqual((error as? DataError)?.kind, .shapeMismatch)
        }
        XCTAssertThrowsError(try CSVReader.parse(Array("a,b\n".utf8), source: "h.csv")) { error in
            XCTAssertTrue("\(error)".contains("no data rows"), "\(error)")
        }
        XCTAssertThrowsError(try CSVReader.parse(Array("1,0\n".utf8), source: "m.csv",
                                                 options: CSVOptions(labelColumn: .named("class")))) { error in
            XCTAssertTrue("\(error)".contains("no header"), "\(error)")
        }
    }

    func testCSVSpecThroughResolver() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("1,2,3,4,5,6,1\n", to: "seq.csv")
        let dataset = try DatasetResolver(dataDirectory: nil).load("csv:\(path)", itemShape: [3, 2])
        XCTAssertEqual(dataset.itemShape, [3, 2])
        XCTAssertEqual(dataset.labels, [1])
    }
}

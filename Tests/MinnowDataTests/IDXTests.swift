import Foundation
import MinnowData
import XCTest

final class IDXTests: XCTestCase {
    /// Two 2×3 images: header 00 00 08 03, sizes 2, 2, 3 (big-endian), then 12 pixels.
    private let imageFile: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3]
        + [0, 51, 102, 153, 204, 255, 255, 0, 255, 0, 255, 0]
    /// Two labels: header 00 00 08 01, size 2, then 7 and 2.
    private let labelFile: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 2, 7, 2]

    func testParsesHandBuiltFiles() throws {
        let images = try IDXReader.parse(imageFile, source: "images")
        XCTAssertEqual(images.dimensions, [2, 2, 3])
        XCTAssertEqual(images.bytes, [0, 51, 102, 153, 204, 255, 255, 0, 255, 0, 255, 0])
        let labels = try IDXReader.parse(labelFile, source: "labels")
        XCTAssertEqual(labels.dimensions, [2])
        XCTAssertEqual(labels.bytes, [7, 2])
        XCTAssertEqual(IDXReader.encode(images), imageFile)
    }

    func testLoadsRawAndGzippedPairsIntoADataset() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let rawImages = try directory.write(imageFile, to: "images-idx3-ubyte")
        let gzLabels = try directory.write(systemGzip(labelFile, level: 9, in: directory), to: "labels-idx1-ubyte.gz")
        let dataset = try LabeledDataset.loadIDX(images: rawImages, labels: gzLabels)
        XCTAssertEqual(dataset.count, 2)
        XCTAssertEqual(dataset.itemShape, [2, 3, 1])
        XCTAssertEqual(dataset.labels, [7, 2])
        XCTAssertEqual(dataset.classCount, 8)
        XCTAssertEqual(Array(dataset.features(at: 0)), [0, 0.2, 0.4, 0.6, 0.8, 1.0].map { Float($0) }, accuracy: 1e-6)
        XCTAssertEqual(Array(dataset.features(at: 1)), [1, 0, 1, 0, 1, 0], accuracy: 0)
        let flat = try DatasetResolver(dataDirectory: nil).load("idx:\(rawImages),\(gzLabels)", itemShape: [6])
        XCTAssertEqual(flat.itemShape, [6])
        XCTAssertEqual(flat.features, dataset.features)
    }

    func testRejectsBadMagicNamingTheFile() throws {
        var bytes = imageFile
        bytes[0] = 0x12
        XCTAssertThrowsError(try IDXReader.parse(bytes, source: "/data/x-idx3-ubyte")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("/data/x-idx3-ubyte: "), message)
            XCTAssertTrue(message.contains("0x12000803") && message.contains("expected 0x00000803"), message)
        }
        bytes = imageFile
        bytes[2] = 0x0D // float elements
        XCTAssertThrowsError(try IDXReader.parse(bytes, source: "f")) { error in
            XCTAssertEqual((error as? DataError)?.kind, .unsupportedFormat)
        }
    }

    func testRejectsTruncatedAndOversizedFilesWithExpectedVsFound() throws {
        XCTAssertThrowsError(try IDXReader.parse(Array(imageFile.dropLast(2)), source: "short")) { error in
            let message = "\(error)"
            // 16 header bytes + 2×2×3 pixels = 28 expected; 26 present.
            XCTAssertTrue(message.contains("28 bytes") && message.contains("found 26"), message)
            XCTAssertTrue(message.contains("truncated"), message)
        }
        XCTAssertThrowsError(try IDXReader.parse(imageFile + [0], source: "long")) { error in
            XCTAssertTrue("\(error)".contains("found 29"), "\(error)")
        }
        XCTAssertThrowsError(try IDXReader.parse([0, 0, 8, 3, 0, 0], source: "header")) { error in
            XCTAssertTrue("\(error)".contains("needs 16 header bytes"), "\(error)")
        }
    }

    func testMismatchedCountsNameBothFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let images = try directory.write(imageFile, to: "images")
        let labels = try directory.write([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3], to: "labels")
        XCTAssertThrowsError(try LabeledDataset.loadIDX(images: images, labels: labels)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(images) && message.contains(labels), message)
            XCTAssertTrue(message.contains("2 images but 3 labels"), message)
        }
    }

    func testCorruptGzipFileErrorNamesFileAndOffset() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let compressed = try systemGzip(imageFile, level: 9, in: directory)
        let path = try directory.write(Array(compressed.dropLast(6)), to: "cut.gz")
        XCTAssertThrowsError(try IDXReader.read(path: path)) { error in
            XCTAssertEqual((error as? DataError)?.kind, .corruptCompressedData)
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix(path + ": ") && message.contains("byte "), message)
        }
        XCTAssertThrowsError(try IDXReader.read(path: directory.file("missing"))) { error in
            XCTAssertEqual((error as? DataError)?.kind, .unreadableFile)
            XCTAssertTrue("\(error)".contains("does not exist"))
        }
    }
}

func XCTAssertEqual(_ actual: [Float], _ expected: [Float], accuracy: Float, _ message: String = "",
                    file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count " + message, file: file, line: line)
    for (index, (a, e)) in zip(actual, expected).enumerated() where abs(a - e) > accuracy {
        XCTFail("element \(index): \(a) vs \(e) \(message)", file: file, line: line)
        return
    }
}

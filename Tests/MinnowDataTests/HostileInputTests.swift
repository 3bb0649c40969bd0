import Foundation
import MinnowData
import XCTest

/// Hostile data files (issue 13): every count read from a file is overflow-checked and
/// bounded before memory is taken, and bad values get a typed error naming file and field.
final class HostileInputTests: XCTestCase {
    // MARK: gzip / DEFLATE output limit

    /// `count` zero bytes, gzip-compressed by the system tool (about 1,000:1).
    private func zeroBomb(_ count: Int, in directory: TemporaryDirectory) throws -> [UInt8] {
        try systemGzip([UInt8](repeating: 0, count: count), level: 9, in: directory)
    }

    func testInflateStopsAtTheOutputLimitBeforeTakingTheMemory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bomb = try zeroBomb(8 << 20, in: directory)
        XCTAssertLessThan(bomb.count, 20_000)
        XCTAssertEqual(try Gzip.decompress(bomb, maximumOutput: 8 << 20).count, 8 << 20, "exactly the limit is allowed")
        for limit in [0, 1, 1000, (8 << 20) - 1] {
            XCTAssertThrowsError(try Gzip.decompress(bomb, maximumOutput: limit), "limit \(limit)") { error in
                XCTAssertEqual((error as? CompressionError)?.kind, .outputLimitExceeded, "\(error)")
                XCTAssertTrue("\(error)".contains("more than the limit of \(limit) bytes"), "\(error)")
            }
        }
        // The raw DEFLATE body (after the header and its file name, before the trailer) is limited too.
        var bodyStart = 10
        if bomb[3] & 0x08 != 0 { while bomb[bodyStart] != 0 { bodyStart += 1 }; bodyStart += 1 }
        let body = Array(bomb[bodyStart..<(bomb.count - 8)])
        XCTAssertEqual(try Inflate.decompress(body, maximumOutput: 8 << 20).count, 8 << 20)
        XCTAssertThrowsError(try Inflate.decompress(body, maximumOutput: 4096)) { error in
            XCTAssertEqual((error as? CompressionError)?.kind, .outputLimitExceeded)
        }
    }

    func testStoredBlocksRespectTheLimit() throws {
        // One stored block of 5 bytes: BFINAL=1, BTYPE=00, LEN=5, NLEN=~5, "hello".
        let stored: [UInt8] = [0x01, 0x05, 0x00, 0xFA, 0xFF] + Array("hello".utf8)
        XCTAssertEqual(try Inflate.decompress(stored, maximumOutput: 5), Array("hello".utf8))
        XCTAssertThrowsError(try Inflate.decompress(stored, maximumOutput: 4)) { error in
            XCTAssertEqual((error as? CompressionError)?.kind, .outputLimitExceeded)
        }
    }

    func testPrefixDecodesOnlyTheHeaderOfABomb() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bomb = try zeroBomb(8 << 20, in: directory)
        let prefix = try bomb.withUnsafeBytes { try Gzip.decompressedPrefix($0, count: 16) }
        XCTAssertEqual(prefix, [UInt8](repeating: 0, count: 16))
        let short = try systemGzip(Array("abc".utf8), level: 6, in: directory)
        XCTAssertEqual(try short.withUnsafeBytes { try Gzip.decompressedPrefix($0, count: 16) }, Array("abc".utf8))
    }

    func testGzippedCSVMayExpandOnlySoFar() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let row = Array("0,0,0,0,0,0,0,1\n".utf8)
        let text = (0..<50_000).flatMap { _ in row } // 800 KB of text, compresses ~400:1
        let path = try directory.write(try systemGzip(text, level: 9, in: directory), to: "rows.csv.gz")
        let tight = DataLimits(maximumExpansion: 10, minimumInflateAllowance: 1000)
        XCTAssertThrowsError(try CSVReader.load(path: path, limits: tight)) { error in
            let message = "\(error)"
            XCTAssertEqual((error as? DataError)?.kind, .corruptCompressedData)
            XCTAssertTrue(message.hasPrefix(path + ": gzip data decompresses to more than"), message)
            XCTAssertTrue(message.contains(DataLimits.expansionVariable), message)
        }
        let dataset = try CSVReader.load(path: path, limits: DataLimits(maximumExpansion: 1000, minimumInflateAllowance: 1000))
        XCTAssertEqual(dataset.count, 50_000)
        XCTAssertEqual(DataLimits().inflateAllowance(forCompressedBytes: 1), 64 << 20)
        XCTAssertEqual(DataLimits().inflateAllowance(forCompressedBytes: 2 << 20), 128 << 20)
        XCTAssertEqual(DataLimits(maximumExpansion: .max).inflateAllowance(forCompressedBytes: 3), .max, "no overflow")
    }

    // MARK: IDX

    func testIDXDimensionsThatOverflowAreATypedError() {
        let header: [UInt8] = [0, 0, 8, 3] + [UInt8](repeating: 0xFF, count: 12)
        XCTAssertThrowsError(try IDXReader.parse(header, source: "big-idx3-ubyte")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("big-idx3-ubyte: IDX dimensions [4294967295, 4294967295, 4294967295]"), message)
            XCTAssertTrue(message.contains("overflows"), message)
        }
        // 60000×28×28 is fine by default, but not with a limit of 1,000 values.
        let fashion: [UInt8] = [0, 0, 8, 3, 0, 0, 0xEA, 0x60, 0, 0, 0, 28, 0, 0, 0, 28]
        XCTAssertThrowsError(try IDXReader.parse(fashion, source: "f", limits: DataLimits(maximumValues: 1000))) { error in
            XCTAssertTrue("\(error)".contains("47,040,000 values") && "\(error)".contains(DataLimits.valuesVariable), "\(error)")
        }
    }

    func testGzippedIDXDecompressesNoFurtherThanItsHeaderDeclares() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Declares one 2×2 image (4 bytes after the 16-byte header) but carries 4 MB of zeros.
        let header: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2]
        let path = try directory.write(try systemGzip(header + [UInt8](repeating: 0, count: 4 << 20), level: 9, in: directory),
                                       to: "bomb-idx3-ubyte.gz")
        XCTAssertThrowsError(try IDXReader.read(path: path)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix(path + ": gzip data decompresses to more than 20 bytes"), message)
            XCTAssertTrue(message.contains("IDX header declares dimensions [1, 2, 2]"), message)
        }
        // A tiny file declaring 2^31 − 1 labels is refused before anything is inflated.
        let huge = try directory.write(try systemGzip([0, 0, 8, 1, 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3], level: 9, in: directory),
                                       to: "huge-idx1-ubyte.gz")
        XCTAssertThrowsError(try IDXReader.read(path: huge)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix(huge + ": IDX header declares dimensions [2147483647]"), message)
            XCTAssertTrue(message.contains(DataLimits.expansionVariable), message)
        }
        // A genuine gzip IDX file still loads.
        let good = try directory.write(try systemGzip(header + [1, 2, 3, 4], level: 9, in: directory), to: "good-idx3-ubyte.gz")
        XCTAssertEqual(try IDXReader.read(path: good).bytes, [1, 2, 3, 4])
    }

    // MARK: NPY

    private func npy(descr: String, shapeText: String, data: [UInt8]) -> [UInt8] {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = header.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + data
    }

    func testNpyShapeWhoseByteCountWrapsIsATypedError() throws {
        // 2^61 + 1 float64 elements: the byte count (× 8) wraps to 8, the size of the data present.
        let wrapping = npy(descr: "<f8", shapeText: "(2305843009213693953,)", data: [UInt8](repeating: 0, count: 8))
        XCTAssertThrowsError(try NumpyReader.parse(wrapping, source: "wrap.npy")) { error in
            let message = "\(error)"
            XCTAssertEqual((error as? DataError)?.kind, .invalidFormat)
            XCTAssertTrue(message.hasPrefix("wrap.npy: header field 'shape' [2305843009213693953]"), message)
            XCTAssertTrue(message.contains("overflows"), message)
        }
        let product = npy(descr: "|u1", shapeText: "(4294967296, 4294967296)", data: [])
        XCTAssertThrowsError(try NumpyReader.parse(product, source: "p.npy")) { error in
            XCTAssertTrue("\(error)".contains("'shape'") && "\(error)".contains("overflows"), "\(error)")
        }
        let limited = npy(descr: "|u1", shapeText: "(10, 10)", data: [UInt8](repeating: 0, count: 100))
        XCTAssertEqual(try NumpyReader.parse(limited, source: "l.npy").shape, [10, 10])
        XCTAssertThrowsError(try NumpyReader.parse(limited, source: "l.npy", limits: DataLimits(maximumValues: 99))) { error in
            XCTAssertTrue("\(error)".contains("declares 100 values") && "\(error)".contains(DataLimits.valuesVariable), "\(error)")
        }
    }

    func testNpyHeaderAndRankAreBounded() {
        var long: [UInt8] = [0x93] + Array("NUMPY".utf8) + [2, 0, 0xFF, 0xFF, 0xFF, 0x7F]
        long += [UInt8](repeating: 0x20, count: 100)
        XCTAssertThrowsError(try NumpyReader.parse(long, source: "h.npy")) { error in
            XCTAssertTrue("\(error)".contains("header length field says 2,147,483,647 bytes"), "\(error)")
        }
        let rank = npy(descr: "|u1", shapeText: "(" + String(repeating: "1, ", count: 65) + ")", data: [0])
        XCTAssertThrowsError(try NumpyReader.parse(rank, source: "r.npy")) { error in
            XCTAssertTrue("\(error)".contains("65 dimensions"), "\(error)")
        }
        // A malformed header is quoted only in part.
        var garbage = "{'descr': '<f4', " + String(repeating: "x", count: 9000)
        while (10 + garbage.utf8.count + 1) % 64 != 0 { garbage += " " }
        garbage += "\n"
        let bytes = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(garbage.utf8.count & 0xFF), UInt8(garbage.utf8.count >> 8)] + Array(garbage.utf8)
        XCTAssertThrowsError(try NumpyReader.parse(bytes, source: "g.npy")) { error in
            XCTAssertLessThan("\(error)".count, 400, "\(error)")
        }
    }

    func testNpyFeaturesMustBeFinite() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let labels = try directory.write(npy(descr: "|u1", shapeText: "(2,)", data: [0, 1]), to: "y.npy")
        let cases: [(String, String, [UInt8], String)] = [
            ("nan.npy", "<f4", [1, 2, 3, Float.nan].flatMap(bytes), "element 3 (item 1, value 1 of the item) is nan"),
            ("inf.npy", "<f4", [1, -Float.infinity, 3, 4].flatMap(bytes), "element 1 (item 0, value 1 of the item) is -inf"),
            ("big.npy", "<f8", [1, 2, 1e300, 4].flatMap(bytes), "element 2 (item 1, value 0 of the item) is inf (a float64 value beyond Float's range)"),
        ]
        for (name, descr, data, expected) in cases {
            let features = try directory.write(npy(descr: descr, shapeText: "(2, 2)", data: data), to: name)
            XCTAssertThrowsError(try LabeledDataset.loadNumpy(features: features, labels: labels), name) { error in
                XCTAssertEqual((error as? DataError)?.kind, .invalidValue)
                XCTAssertEqual("\(error)", "\(features): \(expected); features must be finite numbers")
            }
        }
    }

    private func bytes(_ value: Float) -> [UInt8] { withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    private func bytes(_ value: Double) -> [UInt8] { withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }

    // MARK: CSV

    func testCSVFieldsWithNulOrTrailingGarbageAreErrors() {
        let cases: [(String, String)] = [
            ("0.5,1\n1\u{0}abc,0\n", "x.csv:2:1: '1\\0abc' is not a finite number (it contains a NUL byte)"),
            ("0.5,1\n2\u{0},1\n", "x.csv:2:1: '2\\0' is not a finite number (it contains a NUL byte)"),
            ("1,0\n1,2\u{0}\n", "x.csv:2:2: label '2\\0' is not a non-negative integer (it contains a NUL byte)"),
            ("1.5x,0\n", "x.csv:1:1: '1.5x' is not a finite number"),
            ("1,1e5x\n", "x.csv:1:2: label '1e5x' is not a non-negative integer"),
            ("1,2\n3 4,0\n", "x.csv:2:1: '3 4' is not a finite number"),
            ("nan,0\n", "x.csv:1:1: 'nan' is not a finite number"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try CSVReader.parse(Array(text.utf8), source: "x.csv", options: CSVOptions(hasHeader: false)),
                                 text.debugDescription) { error in
                XCTAssertEqual("\(error)", expected)
            }
        }
    }

    func testNulOnTheFirstLineIsNotTakenForAHeader() {
        XCTAssertThrowsError(try CSVReader.parse(Array("1\u{0}abc,0\n2,1\n".utf8), source: "h.csv")) { error in
            XCTAssertEqual("\(error)", "h.csv:1:1: '1\\0abc' contains a NUL byte; this is not a text CSV file")
        }
    }

    func testCSVDoesNotReserveRowsTimesTheFirstLinesColumns() throws {
        // Line 1 has 100,000 columns and 100,000 one-column rows follow: reserving rows × columns
        // up front would ask for 40 GB; the reader must fail on line 2 instead.
        var text = [UInt8]()
        text.reserveCapacity(400_000)
        for _ in 0..<99_999 { text += Array("0,".utf8) }
        text += Array("0\n".utf8)
        for _ in 0..<100_000 { text += Array("1\n".utf8) }
        XCTAssertThrowsError(try CSVReader.parse(text, source: "wide.csv")) { error in
            XCTAssertEqual("\(error)", "wide.csv:2: expected 100000 columns, found 1")
        }
    }

    func testCSVNumbersMatchSwiftsParser() throws {
        // The integer fast path and the general path agree with Float(String) on every value.
        var random = TestRandom(state: 77)
        var fields: [String] = ["-0", "0", "+7", "16777217", "-16777217", "123456789012345678", "1e-45", "3.4028235e38",
                                "0x1p-3", ".5", "5.", "-1.25e-3", "000123"]
        for _ in 0..<2000 {
            switch random.below(3) {
            case 0: fields.append(String(Int64(bitPattern: random.next()) >> random.below(64)))
            case 1: fields.append(String(Float(bitPattern: UInt32(truncatingIfNeeded: random.next()) & 0x7F7F_FFFF)))
            default: fields.append("\(random.below(1000)).\(random.below(100_000))e\(Int(random.below(40)) - 20)")
            }
        }
        let text = fields.map { "\($0),0\n" }.joined()
        let dataset = try CSVReader.parse(Array(text.utf8), source: "n.csv", options: CSVOptions(hasHeader: false))
        for (index, field) in fields.enumerated() {
            let expected = Float(field)!
            XCTAssertEqual(dataset.features[index].bitPattern, expected.bitPattern, "'\(field)': \(dataset.features[index]) vs \(expected)")
        }
    }

    func testCSVValueLimit() {
        let text = Array("1,2,0\n3,4,1\n5,6,0\n".utf8)
        XCTAssertEqual(try CSVReader.parse(text, source: "v.csv", limits: DataLimits(maximumValues: 6)).count, 3)
        XCTAssertThrowsError(try CSVReader.parse(text, source: "v.csv", limits: DataLimits(maximumValues: 5))) { error in
            XCTAssertTrue("\(error)".hasPrefix("v.csv:3: the file holds more than 5 feature values"), "\(error)")
        }
    }

    // MARK: labels against a model's classes

    func testLabelsOutsideTheModelsClassesNameRowAndValue() throws {
        let data = try LabeledDataset(features: [0, 1, 2, 3], itemShape: [1], labels: [0, 9, Int32.max, 1], sourceDescription: "CSV l.csv")
        XCTAssertEqual(data.classCount, Int(Int32.max) + 1, "the data alone cannot know the classes")
        XCTAssertThrowsError(try data.checkLabels(classCount: 10, of: "m.minnow")) { error in
            XCTAssertEqual("\(error)", "CSV l.csv: data row 3 (item 2) has label 2147483647, outside the 10 classes 0…9 of m.minnow")
        }
        XCTAssertThrowsError(try data.checkLabels(classCount: 5, of: "m")) { error in
            XCTAssertTrue("\(error)".contains("data row 2 (item 1) has label 9"), "\(error)")
        }
        XCTAssertNoThrow(try data.checkLabels(classCount: 10, of: "m", limit: 2))
    }

    // MARK: files that are not files

    func testDevicesAndDirectoriesAreRefusedWithoutReading() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        XCTAssertThrowsError(try CSVReader.load(path: "/dev/zero")) { error in
            XCTAssertEqual("\(error)", "/dev/zero: file is a device; save the data to a regular file first")
        }
        XCTAssertThrowsError(try NumpyReader.read(path: directory.path)) { error in
            XCTAssertEqual("\(error)", "\(directory.path): file is a directory; save the data to a regular file first")
        }
        // A symbolic link to a regular file is read as the file.
        let target = try directory.write("1,0\n", to: "t.csv")
        try FileManager.default.createSymbolicLink(atPath: directory.file("link.csv"), withDestinationPath: target)
        XCTAssertEqual(try CSVReader.load(path: directory.file("link.csv")).count, 1)
    }
}

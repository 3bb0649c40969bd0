import Foundation
import MinnowData
import XCTest

/// Replays the data readers' regression corpus, `Fuzz/<format>/`: hand-made files (written by
/// tools/fuzz-data-target/make-regression-corpus.py, including the crashers of issue 13) and
/// inputs found by `tools/fuzz-data`. A file named `ok-*` must load, `bad-*` must fail with a
/// `DataError` that names the file; every other file may do either, but nothing may crash.
final class FuzzCorpusTests: XCTestCase {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fuzz")

    private func files(_ format: String) throws -> [String] {
        let folder = Self.directory.appendingPathComponent(format).path
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        XCTAssertTrue(names.contains { $0.hasPrefix("ok-") } && names.contains { $0.hasPrefix("bad-") },
                      "\(format): the corpus needs files that load and files that fail")
        return names.map { folder + "/" + $0 }
    }

    /// Runs `load` on every file of `format` and checks the outcome against the file's name.
    private func replay(_ format: String, _ load: (String) throws -> Void) throws {
        for path in try files(format) {
            let name = (path as NSString).lastPathComponent
            do {
                try load(path)
                XCTAssertFalse(name.hasPrefix("bad-"), "\(name) loaded but must be refused")
            } catch let error as DataError {
                XCTAssertFalse(name.hasPrefix("ok-"), "\(name) must load: \(error)")
                XCTAssertTrue("\(error)".hasPrefix(path + ":"), "the error must name the file: \(error)")
                XCTAssertLessThan("\(error)".count, 1000, "the message stays readable: \(error)")
            }
        }
    }

    func testNumpyCorpus() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try replay("npy") { path in
            let array = try NumpyReader.read(path: path)
            _ = array.floatValues()
            guard let count = array.shape.first, array.shape.count >= 2 else { return }
            // Features with a label per item, as `npy:FEATURES,LABELS` reads them.
            var labels: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
            var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(count),), }"
            while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            labels += [UInt8(header.utf8.count), 0] + Array(header.utf8) + [UInt8](repeating: 0, count: count)
            _ = try LabeledDataset.loadNumpy(features: path, labels: try directory.write(labels, to: "labels.npy"))
        }
    }

    func testCSVCorpus() throws {
        try replay("csv") { path in _ = try CSVReader.load(path: path) }
    }

    func testIDXCorpus() throws {
        try replay("idx") { path in _ = try IDXReader.read(path: path) }
    }

    func testGzipCorpus() throws {
        try replay("gzip") { path in
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            do {
                let output = try Gzip.decompress(bytes, maximumOutput: DataLimits().inflateAllowance(forCompressedBytes: bytes.count))
                XCTAssertLessThanOrEqual(output.count, DataLimits().inflateAllowance(forCompressedBytes: bytes.count))
            } catch {
                throw DataError(.corruptCompressedData, file: path, "\(error)")
            }
        }
    }
}

import MinnowData
import XCTest

final class LabeledDatasetTests: XCTestCase {
    /// Four items of shape [2]: item i holds (10i, 10i + 1), label i % 3.
    private func makeDataset() throws -> LabeledDataset {
        try LabeledDataset(features: [0, 1, 10, 11, 20, 21, 30, 31], itemShape: [2], labels: [0, 1, 2, 0],
                           sourceDescription: "test")
    }

    func testItemAccessSubsetAndPrefix() throws {
        let dataset = try makeDataset()
        XCTAssertEqual(dataset.count, 4)
        XCTAssertEqual(dataset.classCount, 3)
        XCTAssertEqual(Array(dataset.item(at: 2).features), [20, 21])
        XCTAssertEqual(dataset.item(at: 2).label, 2)
        let picked = dataset.subset([3, 0, 3])
        XCTAssertEqual(picked.count, 3)
        XCTAssertEqual(picked.features, [30, 31, 0, 1, 30, 31])
        XCTAssertEqual(picked.labels, [0, 0, 0])
        XCTAssertEqual(picked.classCount, 3, "class count is kept from the full set")
        XCTAssertEqual(dataset.prefix(2).features, [0, 1, 10, 11])
        XCTAssertEqual(dataset.prefix(10).count, 4)
        XCTAssertEqual(dataset.labelHistogram(), [2, 1, 1])
    }

    func testReshapeChecksSize() throws {
        let dataset = try makeDataset()
        XCTAssertEqual(try dataset.reshaped(to: [1, 2, 1]).itemShape, [1, 2, 1])
        XCTAssertThrowsError(try dataset.reshaped(to: [3]))
    }

    func testInitializerValidates() {
        XCTAssertThrowsError(try LabeledDataset(features: [1, 2, 3], itemShape: [2], labels: [0, 1], sourceDescription: "s")) { error in
            XCTAssertTrue("\(error)".contains("need 4 feature values, found 3"), "\(error)")
        }
        XCTAssertThrowsError(try LabeledDataset(features: [1, 2], itemShape: [1], labels: [0, 5], classCount: 3, sourceDescription: "s"))
        XCTAssertThrowsError(try LabeledDataset(features: [1], itemShape: [1], labels: [-1], sourceDescription: "s"))
    }
}

final class DataSpecTests: XCTestCase {
    func testParsesEveryForm() throws {
        XCTAssertEqual(try DataSpec(parsing: "fashion-mnist:train"), .fashionMNIST(.train, requireFullSet: false))
        XCTAssertEqual(try DataSpec(parsing: "fashion-mnist-full:test"), .fashionMNIST(.test, requireFullSet: true))
        XCTAssertEqual(try DataSpec(parsing: "csv:/tmp/a:b.csv"), .csv(path: "/tmp/a:b.csv"))
        XCTAssertEqual(try DataSpec(parsing: "npy:x.npy,y.npy"), .numpy(features: "x.npy", labels: "y.npy"))
        XCTAssertEqual(try DataSpec(parsing: "idx:i.gz,l.gz"), .idx(images: "i.gz", labels: "l.gz"))
        XCTAssertEqual(try DataSpec(parsing: "npy:x.npy,y.npy").description, "npy:x.npy,y.npy")
    }

    func testRejectsMalformedSpecsWithUsage() {
        for spec in ["fashion-mnist", "fashion-mnist:validation", "npy:x.npy", "idx:a,b,c", "parquet:x", "csv:"] {
            XCTAssertThrowsError(try DataSpec(parsing: spec), spec) { error in
                XCTAssertEqual((error as? DataError)?.kind, .invalidSpec, spec)
                XCTAssertTrue("\(error)".hasPrefix(spec + ": "), "\(error)")
            }
        }
    }
}

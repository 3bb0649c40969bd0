import Foundation
import MinnowData
import XCTest

final class FashionMNISTTests: XCTestCase {
    private let system = FashionMNIST.systemDirectory

    private func requireInstalledSet() throws {
        let file = system + "/train-images-idx3-ubyte.gz"
        guard FileManager.default.fileExists(atPath: file) else {
            throw XCTSkip("Fashion-MNIST is not installed (\(FashionMNIST.installCommand))")
        }
    }

    /// A resolver that ignores $MINNOW_DATA_DIR so results do not depend on the environment.
    private var installedResolver: DatasetResolver { DatasetResolver(dataDirectory: nil) }
    private var subsetOnlyResolver: DatasetResolver {
        DatasetResolver(dataDirectory: nil, systemDirectory: "/nonexistent/fashion-mnist")
    }

    func testFullTrainingSetMatchesPublishedFacts() throws {
        try requireInstalledSet()
        let start = Date()
        let images = try Gzip.decompress([UInt8](Data(contentsOf: URL(fileURLWithPath: system + "/train-images-idx3-ubyte.gz"))), maximumOutput: .max)
        let seconds = Date().timeIntervalSince(start)
        print("Decompressed train-images-idx3-ubyte.gz (\(images.count) bytes) in \(String(format: "%.3f", seconds)) s")
        XCTAssertEqual(images.count, 16 + 60_000 * 28 * 28)

        let train = try installedResolver.load("fashion-mnist:train")
        XCTAssertEqual(train.count, 60_000)
        XCTAssertEqual(train.itemShape, [28, 28, 1])
        XCTAssertEqual(train.features.count, 60_000 * 784)
        XCTAssertEqual(train.classCount, 10)
        XCTAssertEqual(train.labels.first, 9, "the first Fashion-MNIST training image is an ankle boot")
        XCTAssertEqual(train.labelHistogram(), [Int](repeating: 6_000, count: 10))
        XCTAssertEqual(train.features.min(), 0)
        XCTAssertEqual(train.features.max(), 1)
        XCTAssertEqual(train.sourceDescription, "Fashion-MNIST train (60,000 images, \(system))")
    }

    func testFullTestSetMatchesPublishedFacts() throws {
        try requireInstalledSet()
        let test = try installedResolver.load("fashion-mnist-full:test")
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual(test.labelHistogram(), [Int](repeating: 1_000, count: 10))
        XCTAssertTrue(test.sourceDescription.contains("10,000 images"), test.sourceDescription)
    }

    func testEmbeddedSubsetLoadsWhenFullSetIsMissing() throws {
        let train = try subsetOnlyResolver.load("fashion-mnist:train")
        XCTAssertEqual(train.count, 10_000)
        XCTAssertEqual(train.itemShape, [28, 28, 1])
        XCTAssertEqual(train.labels.first, 9)
        XCTAssertEqual(train.classCount, 10)
        XCTAssertTrue(train.sourceDescription.contains("embedded subset (10,000 of 60,000 images"), train.sourceDescription)
        XCTAssertTrue(train.sourceDescription.contains(FashionMNIST.installCommand), train.sourceDescription)

        let test = try subsetOnlyResolver.load("fashion-mnist:test", itemShape: [784])
        XCTAssertEqual(test.count, 2_000)
        XCTAssertEqual(test.itemShape, [784])
        XCTAssertTrue(test.sourceDescription.contains("2,000 of 10,000"), test.sourceDescription)
        // Every class occurs in the first 2,000 test images.
        XCTAssertTrue(test.labelHistogram().allSatisfy { $0 > 0 })
    }

    func testEmbeddedSubsetIsThePrefixOfTheFullSet() throws {
        try requireInstalledSet()
        let subset = try subsetOnlyResolver.load("fashion-mnist:test")
        let full = try installedResolver.load("fashion-mnist:test").prefix(subset.count)
        XCTAssertEqual(subset.labels, full.labels)
        XCTAssertTrue(subset.features == full.features)
    }

    func testFullSpecFailsWithInstallCommandWhenMissing() {
        XCTAssertThrowsError(try subsetOnlyResolver.load("fashion-mnist-full:train")) { error in
            XCTAssertEqual((error as? DataError)?.kind, .datasetNotInstalled)
            XCTAssertTrue("\(error)".contains("sudo apt-get install dataset-fashion-mnist"), "\(error)")
        }
    }

    func testDataDirectoryOverridesAndMustContainTheFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Three 28×28 images of constant brightness 0, 1/255*2, 1/255*4 with labels 4, 0, 9.
        var images: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 28, 0, 0, 0, 28]
        for value in [0, 2, 4] as [UInt8] { images += [UInt8](repeating: value, count: 784) }
        _ = try directory.write(images, to: "t10k-images-idx3-ubyte")
        _ = try directory.write([0, 0, 8, 1, 0, 0, 0, 3, 4, 0, 9], to: "t10k-labels-idx1-ubyte")
        let resolver = DatasetResolver(dataDirectory: directory.path, systemDirectory: "/nonexistent")
        let test = try resolver.load("fashion-mnist:test")
        XCTAssertEqual(test.labels, [4, 0, 9])
        XCTAssertEqual(test.features[784], 2 / 255, accuracy: 1e-7)
        XCTAssertEqual(test.sourceDescription, "Fashion-MNIST test (3 images, \(directory.path))")

        XCTAssertThrowsError(try resolver.load("fashion-mnist:train")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("MINNOW_DATA_DIR=\(directory.path)") && message.contains("train-images-idx3-ubyte"), message)
        }
    }
}

final class EmbeddedSubsetTests: XCTestCase {
    func testEmbeddedDirectoryHoldsTheFourFiles() throws {
        let directory = try XCTUnwrap(FashionMNIST.embeddedDirectory)
        for split in DataSpec.Split.allCases {
            let names = FashionMNIST.fileNames(split)
            for name in [names.images, names.labels] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/" + name + ".gz"), name)
            }
        }
    }
}

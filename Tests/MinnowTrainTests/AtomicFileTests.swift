import Foundation
import MinnowTrain
import XCTest

final class AtomicFileTests: XCTestCase {
    func testReplacesContentsAndLeavesNoTemporaryFiles() throws {
        let directory = NSTemporaryDirectory() + "atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/model.minnow"
        try AtomicFile.write([1, 2, 3], to: path)
        try AtomicFile.write(Array(repeating: 7, count: 100_000), to: path)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertEqual([UInt8](data), Array(repeating: 7, count: 100_000))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["model.minnow"])
    }

    func testUnwritableDirectoryGivesAnErrorNamingThePath() {
        XCTAssertThrowsError(try AtomicFile.write([1], to: "/nonexistent-dir/model.minnow")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent-dir/model.minnow"), "\(error)")
        }
    }
}

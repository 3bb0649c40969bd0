import Foundation
import MinnowData
import XCTest

final class GzipTests: XCTestCase {
    /// Data with a mix of short repeats, long runs and random bytes, so that the encoder
    /// emits literals, short and long matches (including overlapping ones) and, for random
    /// stretches, stored or near-stored blocks.
    private func sampleData(count: Int, seed: UInt64) -> [UInt8] {
        var random = TestRandom(state: seed)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        let words = ["minnow ", "fish ", "swims ", "in ", "the ", "stream ", "\n"].map { Array($0.utf8) }
        while bytes.count < count {
            switch random.below(4) {
            case 0: bytes += words[random.below(words.count)]
            case 1: bytes += [UInt8](repeating: UInt8(random.below(256)), count: 1 + random.below(300))
            case 2: for _ in 0..<random.below(200) { bytes.append(UInt8(random.below(256))) }
            default:
                if bytes.count > 10 { // copy from some distance back, possibly overlapping
                    let distance = 1 + random.below(min(bytes.count, 40_000))
                    let start = bytes.count - distance
                    for offset in 0..<(3 + random.below(300)) { bytes.append(bytes[start + offset]) }
                }
            }
        }
        return Array(bytes.prefix(count))
    }

    func testRoundTripAgainstSystemGzip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for (index, size) in [0, 1, 17, 1000, 65_535, 65_536, 70_001, 300_000].enumerated() {
            let original = sampleData(count: size, seed: UInt64(index + 1))
            for level in [1, 6, 9] {
                let compressed = try systemGzip(original, level: level, in: directory)
                let decompressed = try Gzip.decompress(compressed, maximumOutput: .max)
                XCTAssertEqual(decompressed.count, original.count, "size \(size), gzip -\(level)")
                XCTAssertTrue(decompressed == original, "content differs for size \(size), gzip -\(level)")
            }
        }
    }

    func testIncompressibleDataUsesStoredBlocksAndRoundTrips() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var random = TestRandom(state: 99)
        let original = (0..<200_000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        for level in [1, 9] {
            let compressed = try systemGzip(original, level: level, in: directory)
            XCTAssertTrue(try Gzip.decompress(compressed, maximumOutput: .max) == original, "gzip -\(level)")
        }
    }

    func testConcatenatedMembersDecodeToConcatenation() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = Array("first member\n".utf8), second = sampleData(count: 5000, seed: 7)
        let joined = try systemGzip(first, level: 6, in: directory) + systemGzip(second, level: 6, in: directory)
        XCTAssertEqual(try Gzip.decompress(joined, maximumOutput: .max), first + second)
    }

    func testHandBuiltStoredAndFixedBlocks() throws {
        // Stored block: BFINAL=1, BTYPE=00, aligned LEN=5, NLEN=~5, then the bytes.
        XCTAssertEqual(try Inflate.decompress([0x01, 0x05, 0x00, 0xFA, 0xFF] + Array("hello".utf8), maximumOutput: .max), Array("hello".utf8))
        // Fixed block holding only end-of-block (code 0000000).
        XCTAssertEqual(try Inflate.decompress([0x03, 0x00], maximumOutput: .max), [])
        // Fixed block: literal 'a' (0x61 → 8-bit code 0x30 + 0x61), then length 4 (symbol 258,
        // 7-bit code 2) at distance 1 (5-bit code 0): an overlapping run "aaaaa".
        var writer = BitWriter()
        writer.write(1, bits: 1)
        writer.write(1, bits: 2)
        writer.writeCode(0x30 + 0x61, bits: 8)
        writer.writeCode(2, bits: 7)
        writer.writeCode(0, bits: 5)
        writer.writeCode(0, bits: 7) // end of block
        XCTAssertEqual(try Inflate.decompress(writer.bytes, maximumOutput: .max), Array("aaaaa".utf8))
    }

    func testCRC32MatchesKnownCheckValue() {
        // The standard CRC-32 check value for "123456789".
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([]), 0)
    }

    func testTruncatedInputIsReportedAsTruncated() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let compressed = try systemGzip(sampleData(count: 50_000, seed: 3), level: 6, in: directory)
        for cut in [0, 1, 5, 10, 11, 200, compressed.count / 2, compressed.count - 9, compressed.count - 4, compressed.count - 1] {
            XCTAssertThrowsError(try Gzip.decompress(Array(compressed.prefix(cut)), maximumOutput: .max), "cut at \(cut)") { error in
                guard let error = error as? CompressionError else { return XCTFail("unexpected \(error)") }
                XCTAssertEqual(error.kind, .truncated, "cut at \(cut): \(error)")
                XCTAssertLessThanOrEqual(error.byteOffset, cut)
            }
        }
    }

    func testCorruptTrailerAndHeaderAreReportedWithOffsets() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let compressed = try systemGzip(sampleData(count: 10_000, seed: 4), level: 6, in: directory)

        var badCRC = compressed
        badCRC[compressed.count - 8] ^= 0xFF
        XCTAssertThrowsError(try Gzip.decompress(badCRC, maximumOutput: .max)) { error in
            XCTAssertEqual((error as? CompressionError)?.kind, .checksumMismatch)
            XCTAssertEqual((error as? CompressionError)?.byteOffset, compressed.count - 8)
            XCTAssertTrue("\(error)".contains("CRC-32"), "\(error)")
        }
        var badSize = compressed
        badSize[compressed.count - 4] ^= 0x01
        XCTAssertThrowsError(try Gzip.decompress(badSize, maximumOutput: .max)) { error in
            XCTAssertEqual((error as? CompressionError)?.kind, .sizeMismatch)
            XCTAssertEqual((error as? CompressionError)?.byteOffset, compressed.count - 4)
        }
        var badMagic = compressed
        badMagic[1] = 0x8C
        XCTAssertThrowsError(try Gzip.decompress(badMagic, maximumOutput: .max)) { error in
            XCTAssertEqual((error as? CompressionError)?.kind, .invalidHeader)
            XCTAssertEqual((error as? CompressionError)?.byteOffset, 0)
        }
        XCTAssertThrowsError(try Gzip.decompress(compressed + [0x42, 0x43], maximumOutput: .max)) { error in
            XCTAssertEqual((error as? CompressionError)?.kind, .trailingData)
            XCTAssertEqual((error as? CompressionError)?.byteOffset, compressed.count)
        }
        XCTAssertEqual(try Gzip.decompress(compressed + [0, 0, 0], maximumOutput: .max).count, 10_000, "zero padding is ignored")
    }

    func testInvalidDeflateStructuresAreRejected() {
        // BFINAL=1, BTYPE=11 (reserved).
        XCTAssertThrowsError(try Inflate.decompress([0x07], maximumOutput: .max)) { error in
            XCTAssertEqual((error as? CompressionError)?.kind, .invalidBlockType)
        }
        // Stored block whose NLEN is not the complement of LEN.
        XCTAssertThrowsError(try Inflate.decompress([0x01, 0x05, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5], maximumOutput: .max)) { error in
            XCTAssertEqual((error as? CompressionError)?.kind, .invalidStoredLength)
            XCTAssertEqual((error as? CompressionError)?.byteOffset, 1)
        }
        // Fixed block starting with a match (length 3, distance 1) before any output.
        var writer = BitWriter()
        writer.write(1, bits: 1)
        writer.write(1, bits: 2)
        writer.writeCode(1, bits: 7)
        writer.writeCode(0, bits: 5)
        writer.writeCode(0, bits: 7)
        XCTAssertThrowsError(try Inflate.decompress(writer.bytes, maximumOutput: .max)) { error in
            XCTAssertEqual((error as? CompressionError)?.kind, .invalidDistance)
            XCTAssertTrue("\(error)".contains("distance 1"), "\(error)")
        }
        // Dynamic block whose code-length code gives every symbol length 1 (over-subscribed).
        var dynamic = BitWriter()
        dynamic.write(1, bits: 1)
        dynamic.write(2, bits: 2)
        dynamic.write(0, bits: 5)
        dynamic.write(0, bits: 5)
        dynamic.write(15, bits: 4) // 19 code-length code lengths
        for _ in 0..<19 { dynamic.write(1, bits: 3) }
        XCTAssertThrowsError(try Inflate.decompress(dynamic.bytes + [0, 0, 0, 0], maximumOutput: .max)) { error in
            XCTAssertEqual((error as? CompressionError)?.kind, .invalidCodeLengths)
        }
    }

    func testCorruptedBodyNeverDecodesSilently() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let original = sampleData(count: 30_000, seed: 5)
        let compressed = try systemGzip(original, level: 9, in: directory)
        var random = TestRandom(state: 11)
        // Corrupt bytes strictly inside the DEFLATE body (the header is 10 bytes; the last body
        // byte may hold unused padding bits); every corruption must raise an error.
        for _ in 0..<60 {
            var corrupted = compressed
            let position = 10 + random.below(compressed.count - 8 - 1 - 10)
            corrupted[position] ^= UInt8(1 + random.below(255))
            XCTAssertThrowsError(try Gzip.decompress(corrupted, maximumOutput: .max), "corruption at byte \(position) went unnoticed")
        }
    }

    func testRandomInputsTerminateWithoutCrashing() throws {
        // Random streams and bit-flipped valid streams must end in a result or a typed error
        // (debug builds also check every array access here).
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let valid = Array(try systemGzip(sampleData(count: 20_000, seed: 8), level: 6, in: directory).dropFirst(10).dropLast(8))
        var random = TestRandom(state: 2024)
        var errors = 0
        for trial in 0..<600 {
            var input: [UInt8]
            if trial % 2 == 0 {
                input = (0..<random.below(400)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            } else {
                input = valid
                for _ in 0..<(1 + random.below(4)) { input[random.below(input.count)] ^= UInt8(1 << random.below(8)) }
            }
            do {
                _ = try Inflate.decompress(input, maximumOutput: .max)
            } catch {
                errors += 1
            }
        }
        XCTAssertGreaterThan(errors, 300, "most random inputs are invalid DEFLATE")
    }
}

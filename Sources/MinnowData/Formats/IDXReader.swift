/// An unsigned-byte array read from an IDX file (the MNIST file format).
public struct IDXArray: Equatable, Sendable {
    /// Dimension sizes, outermost first (e.g. [60000, 28, 28] for images, [60000] for labels).
    public var dimensions: [Int]
    /// The elements in row-major order.
    public var bytes: [UInt8]

    public init(dimensions: [Int], bytes: [UInt8]) {
        self.dimensions = dimensions
        self.bytes = bytes
    }
}

/// Reads IDX files: a 4-byte magic `00 00 <type> <rank>`, `rank` big-endian UInt32 sizes,
/// then the data. Only element type 0x08 (unsigned byte) is supported — magic 0x00000803 for
/// images (N×rows×cols) and 0x00000801 for labels (N), as used by MNIST and Fashion-MNIST.
public enum IDXReader {
    /// Reads an IDX file, gzip-compressed or raw (detected by the 1f 8b magic).
    public static func read(path: String) throws(DataError) -> IDXArray {
        let bytes = try FileBytes.decompressedContents(of: path)
        return try parse(bytes, source: path)
    }

    /// Parses IDX bytes; `source` names the file in errors.
    public static func parse(_ bytes: [UInt8], source: String) throws(DataError) -> IDXArray {
        guard bytes.count >= 4 else {
            throw DataError(.invalidFormat, file: source, "IDX file too short: expected at least a 4-byte magic number, found \(bytes.count) bytes")
        }
        let magic = readBigEndianUInt32(bytes, at: 0)
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw DataError(.invalidFormat, file: source,
                            "bad IDX magic number \(hex(magic)): expected 0x00000803 (images) or 0x00000801 (labels)")
        }
        guard bytes[2] == 0x08 else {
            throw DataError(.unsupportedFormat, file: source,
                            "unsupported IDX element type 0x\(String(bytes[2], radix: 16)) in magic \(hex(magic)): only 0x08 (unsigned byte) is supported")
        }
        let rank = Int(bytes[3])
        guard rank >= 1 else {
            throw DataError(.invalidFormat, file: source, "bad IDX magic number \(hex(magic)): rank 0, expected 1 (labels) or 3 (images)")
        }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw DataError(.invalidFormat, file: source,
                            "IDX header truncated: rank \(rank) needs \(headerSize) header bytes, file has \(bytes.count)")
        }
        var dimensions: [Int] = []
        var elementCount = 1
        for axis in 0..<rank {
            let size = Int(readBigEndianUInt32(bytes, at: 4 + 4 * axis))
            dimensions.append(size)
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: size)
            guard !overflow, product <= Int(Int32.max) * 64 else {
                throw DataError(.invalidFormat, file: source, "IDX dimensions \(dimensions) are implausibly large")
            }
            elementCount = product
        }
        let expectedSize = headerSize + elementCount
        guard bytes.count == expectedSize else {
            let shape = dimensions.map(String.init).joined(separator: "×")
            throw DataError(.invalidFormat, file: source,
                            "IDX data size mismatch: header says \(shape) (\(expectedSize) bytes with the header), found \(bytes.count) bytes\(bytes.count < expectedSize ? " (truncated)" : "")")
        }
        return IDXArray(dimensions: dimensions, bytes: Array(bytes[headerSize...]))
    }

    /// Encodes an unsigned-byte IDX file (handy for tests and for writing subsets).
    public static func encode(_ array: IDXArray) -> [UInt8] {
        precondition(array.dimensions.reduce(1, *) == array.bytes.count, "IDX dimensions do not match the element count")
        var output: [UInt8] = [0, 0, 0x08, UInt8(array.dimensions.count)]
        for size in array.dimensions {
            output += [UInt8(truncatingIfNeeded: size >> 24), UInt8(truncatingIfNeeded: size >> 16),
                       UInt8(truncatingIfNeeded: size >> 8), UInt8(truncatingIfNeeded: size)]
        }
        return output + array.bytes
    }

    private static func readBigEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}

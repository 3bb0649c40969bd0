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
    ///
    /// For a gzip file the header is decoded first, and the whole file may then decompress to
    /// exactly what its dimensions declare, and no more; declared sizes are bounded by `limits`.
    public static func read(path: String, limits: DataLimits = .fromEnvironment) throws(DataError) -> IDXArray {
        try FileBytes.withContents(of: path) { (raw) throws(DataError) in try decode(raw, source: path, limits: limits) }
    }

    /// Decodes the contents of an IDX file, gzip-compressed or raw; `source` names the file.
    static func decode(_ raw: UnsafeRawBufferPointer, source: String, limits: DataLimits) throws(DataError) -> IDXArray {
        guard Gzip.isGzip(raw) else {
            return try parse(Array(raw), source: source, limits: limits)
        }
        let header = try declaredHeader(gzip: raw, source: source, limits: limits)
        let allowance = limits.inflateAllowance(forCompressedBytes: raw.count)
        guard header.fileBytes <= allowance else {
            throw DataError(.invalidFormat, file: source,
                            "IDX header declares dimensions \(header.dimensions) (\(groupedDigits(header.fileBytes)) bytes), but \(limits.expansionAdvice(compressedBytes: raw.count))")
        }
        let bytes = try FileBytes.gunzip(raw, path: source, maximumOutput: header.fileBytes,
                                         limitAdvice: "its IDX header declares dimensions \(header.dimensions), \(groupedDigits(header.fileBytes)) bytes with the header")
        return try parse(bytes, source: source, limits: limits)
    }

    /// Parses IDX bytes; `source` names the file in errors.
    public static func parse(_ bytes: [UInt8], source: String, limits: DataLimits = .fromEnvironment) throws(DataError) -> IDXArray {
        let header = try bytes.withBytes { (raw) throws(DataError) in try parseHeader(raw, source: source, limits: limits) }
        guard bytes.count == header.fileBytes else {
            let shape = header.dimensions.map(String.init).joined(separator: "×")
            throw DataError(.invalidFormat, file: source,
                            "IDX data size mismatch: header says \(shape) (\(header.fileBytes) bytes with the header), found \(bytes.count) bytes\(bytes.count < header.fileBytes ? " (truncated)" : "")")
        }
        return IDXArray(dimensions: header.dimensions, bytes: Array(bytes[header.size...]))
    }

    struct Header {
        var dimensions: [Int]
        /// Bytes of the magic number and the dimension sizes.
        var size: Int
        /// The whole file's size as the header declares it (header plus one byte per element).
        var fileBytes: Int
    }

    /// Decodes just the header of a gzip-compressed IDX file.
    static func declaredHeader(gzip raw: UnsafeRawBufferPointer, source: String, limits: DataLimits) throws(DataError) -> Header {
        func prefix(_ count: Int) throws(DataError) -> [UInt8] {
            do throws(CompressionError) {
                return try Gzip.decompressedPrefix(raw, count: count)
            } catch {
                throw DataError(.corruptCompressedData, file: source, "corrupt gzip data at \(error.description)")
            }
        }
        let magic = try prefix(4)
        let rank = magic.count == 4 ? Int(magic[3]) : 0
        let header = try prefix(4 + 4 * rank)
        return try header.withBytes { (bytes) throws(DataError) in try parseHeader(bytes, source: source, limits: limits) }
    }

    /// Checks the magic number and reads the dimensions, overflow-checked and bounded by
    /// `limits.maximumValues`; `bytes` may be just the header or the whole file.
    static func parseHeader(_ bytes: UnsafeRawBufferPointer, source: String, limits: DataLimits) throws(DataError) -> Header {
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
        let dimensions = (0..<rank).map { Int(readBigEndianUInt32(bytes, at: 4 + 4 * $0)) }
        guard let elementCount = checkedProduct(dimensions) else {
            throw DataError(.invalidFormat, file: source, "IDX dimensions \(dimensions): their product overflows")
        }
        guard elementCount <= limits.maximumValues else {
            throw DataError(.invalidFormat, file: source,
                            "IDX dimensions \(dimensions) declare \(groupedDigits(elementCount)) values; \(limits.valuesAdvice())")
        }
        return Header(dimensions: dimensions, size: headerSize, fileBytes: headerSize + elementCount)
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

    private static func readBigEndianUInt32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}

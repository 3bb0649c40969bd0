/// The gzip file format (RFC 1952): header, DEFLATE body, CRC-32 and ISIZE trailer.
///
/// Concatenated members (as produced by `cat a.gz b.gz`) decode to the concatenation of
/// their contents, like the `gzip` tool; zero padding after the last member is ignored.
public enum Gzip {
    /// Whether `bytes` start with the gzip magic number 1f 8b.
    public static func isGzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Whether `bytes` start with the gzip magic number 1f 8b.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { isGzip($0) }
    }

    /// Decompresses a gzip file, verifying each member's CRC-32 and length.
    ///
    /// - Parameter maximumOutput: the most bytes the file may decompress to (all members
    ///   together); more fails with `.outputLimitExceeded` before more memory is taken. Pass
    ///   what the caller's format declares, or `DataLimits.inflateAllowance(forCompressedBytes:)`.
    public static func decompress(_ bytes: [UInt8], maximumOutput: Int) throws(CompressionError) -> [UInt8] {
        let result: Result<[UInt8], CompressionError> = bytes.withUnsafeBytes { input in
            do throws(CompressionError) {
                return .success(try decompress(input, maximumOutput: maximumOutput))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Decompresses a gzip file, verifying each member's CRC-32 and length.
    ///
    /// - Parameter maximumOutput: the most bytes the file may decompress to (see above).
    public static func decompress(_ input: UnsafeRawBufferPointer, maximumOutput: Int) throws(CompressionError) -> [UInt8] {
        try decode(input, maximumOutput: maximumOutput, prefixOnly: false)
    }

    /// The first `count` decompressed bytes (fewer if the data is shorter), decoding no further
    /// than needed and without checking the trailer: for reading a header that declares how
    /// large the rest is before committing memory to it.
    public static func decompressedPrefix(_ input: UnsafeRawBufferPointer, count: Int) throws(CompressionError) -> [UInt8] {
        try decode(input, maximumOutput: count, prefixOnly: true)
    }

    private static func decode(_ input: UnsafeRawBufferPointer, maximumOutput: Int, prefixOnly: Bool) throws(CompressionError) -> [UInt8] {
        // ISIZE of the last member is a good (mod 2^32) guess of the output size; DEFLATE
        // expands at most ~1032:1, and the limit caps the guess either way.
        var capacityHint = input.count * 4
        if input.count >= 18 {
            let size = Int(readUInt32(input, at: input.count - 4))
            if size <= input.count * 1032 { capacityHint = size + 16 }
        }
        var inflater = Inflater(capacity: capacityHint, maximumOutput: maximumOutput)
        defer { inflater.deallocate() }

        var offset = 0
        repeat {
            let bodyStart = try parseHeader(input, at: offset)
            let memberStart = inflater.count
            let bodyEnd: Int
            do {
                bodyEnd = try inflater.inflate(input, from: bodyStart)
            } catch where prefixOnly && error.kind == .outputLimitExceeded {
                return inflater.output
            }
            guard bodyEnd + 8 <= input.count else {
                throw CompressionError(.truncated, at: input.count,
                                       "input ended inside the gzip trailer (expected CRC-32 and ISIZE at byte \(bodyEnd))")
            }
            let member = UnsafeRawBufferPointer(rebasing: inflater.outputPointer[memberStart...])
            let expectedCRC = readUInt32(input, at: bodyEnd)
            let actualCRC = CRC32.checksum(member)
            guard expectedCRC == actualCRC else {
                throw CompressionError(.checksumMismatch, at: bodyEnd, "CRC-32 mismatch: trailer says \(hex(expectedCRC)), data has \(hex(actualCRC))")
            }
            let expectedSize = readUInt32(input, at: bodyEnd + 4)
            guard expectedSize == UInt32(truncatingIfNeeded: member.count) else {
                throw CompressionError(.sizeMismatch, at: bodyEnd + 4,
                                       "ISIZE mismatch: trailer says \(expectedSize) bytes, decoded \(member.count)")
            }
            offset = bodyEnd + 8
            // Ignore zero padding after the last member.
            var next = offset
            while next < input.count && input[next] == 0 { next += 1 }
            if next == input.count { break }
            guard offset + 1 < input.count, input[offset] == 0x1F, input[offset + 1] == 0x8B else {
                throw CompressionError(.trailingData, at: offset,
                                       "\(input.count - offset) unexpected bytes after the gzip member (expected end of file or another member)")
            }
        } while true
        return inflater.output
    }

    /// Validates a member header at `offset` and returns where its DEFLATE body starts.
    private static func parseHeader(_ input: UnsafeRawBufferPointer, at offset: Int) throws(CompressionError) -> Int {
        guard offset + 10 <= input.count else {
            throw CompressionError(.truncated, at: input.count, "input ended inside the 10-byte gzip header (\(input.count - offset) bytes)")
        }
        guard input[offset] == 0x1F, input[offset + 1] == 0x8B else {
            throw CompressionError(.invalidHeader, at: offset,
                                   "not gzip data: expected magic 1f 8b, found \(hex(input[offset])) \(hex(input[offset + 1]))")
        }
        guard input[offset + 2] == 8 else {
            throw CompressionError(.invalidHeader, at: offset + 2, "unsupported gzip compression method \(input[offset + 2]) (expected 8, deflate)")
        }
        let flags = input[offset + 3]
        guard flags & 0xE0 == 0 else {
            throw CompressionError(.invalidHeader, at: offset + 3, "reserved gzip header flags set (\(hex(flags)))")
        }
        var position = offset + 10
        func need(_ byteCount: Int, _ what: String) throws(CompressionError) {
            guard position + byteCount <= input.count else {
                throw CompressionError(.truncated, at: input.count, "input ended inside the gzip header \(what)")
            }
        }
        if flags & 0x04 != 0 { // FEXTRA
            try need(2, "extra-field length")
            let extraLength = Int(input[position]) | Int(input[position + 1]) << 8
            position += 2
            try need(extraLength, "extra field")
            position += extraLength
        }
        for (flag, what) in [(UInt8(0x08), "file name"), (0x10, "comment")] where flags & flag != 0 {
            while true {
                try need(1, what)
                position += 1
                if input[position - 1] == 0 { break }
            }
        }
        if flags & 0x02 != 0 { // FHCRC: low 16 bits of the header's CRC-32
            try need(2, "header CRC")
            let expected = UInt16(input[position]) | UInt16(input[position + 1]) << 8
            let actual = UInt16(truncatingIfNeeded: CRC32.checksum(UnsafeRawBufferPointer(rebasing: input[offset..<position])))
            guard expected == actual else {
                throw CompressionError(.checksumMismatch, at: position, "gzip header CRC mismatch")
            }
            position += 2
        }
        return position
    }

    private static func readUInt32(_ input: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(input[offset]) | UInt32(input[offset + 1]) << 8 | UInt32(input[offset + 2]) << 16 | UInt32(input[offset + 3]) << 24
    }

    private static func hex<T: BinaryInteger>(_ value: T) -> String {
        let digits = String(value, radix: 16)
        let width = MemoryLayout<T>.size * 2
        return "0x" + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

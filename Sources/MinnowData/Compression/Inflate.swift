/// A DEFLATE (RFC 1951) decoder: stored, fixed-Huffman and dynamic-Huffman blocks.
///
/// Use `Inflate.decompress` for a raw DEFLATE stream or `Gzip.decompress` for a `.gz` file.
public enum Inflate {
    /// Decompresses a raw DEFLATE stream that fills `input` (trailing bytes after the final
    /// block are ignored).
    ///
    /// - Parameter maximumOutput: the most bytes the stream may decode to; a stream that would
    ///   produce more fails with `.outputLimitExceeded` before more memory is taken.
    public static func decompress(_ input: [UInt8], maximumOutput: Int) throws(CompressionError) -> [UInt8] {
        var decoder = Inflater(capacity: input.count * 4, maximumOutput: maximumOutput)
        defer { decoder.deallocate() }
        let result: Result<Int, CompressionError> = input.withUnsafeBytes { bytes in
            do throws(CompressionError) {
                return .success(try decoder.inflate(bytes, from: 0))
            } catch {
                return .failure(error)
            }
        }
        _ = try result.get()
        return decoder.output
    }
}

/// The DEFLATE state machine, appending to a manually managed output buffer so that the hot
/// loop works on raw pointers. Call `deallocate()` when done.
///
/// The output never grows past `maximumOutput` bytes (plus the fixed slack the hot loop needs
/// for one maximal match): decoding more throws `.outputLimitExceeded`, so a small hostile
/// stream cannot claim unbounded memory.
struct Inflater {
    /// Room past the last written byte that the hot loop needs: a maximal match (258 bytes)
    /// plus one 8-byte chunk of overshoot from the overlapping copy.
    static let slack = 258 + 8

    private(set) var buffer: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    private(set) var count = 0
    /// The most bytes this inflater may produce in total.
    let maximumOutput: Int
    private var literalLength = HuffmanTable(primaryBits: 10)
    private var distance = HuffmanTable(primaryBits: 8)
    private var codeLength = HuffmanTable(primaryBits: 7)

    /// - Parameters:
    ///   - capacity: the initial buffer size (a hint; clamped to the limit).
    ///   - maximumOutput: the most bytes the decoded output may hold (negative counts as 0).
    init(capacity: Int, maximumOutput: Int) {
        self.maximumOutput = max(0, maximumOutput)
        let ceiling = self.maximumOutput > Int.max - Self.slack ? Int.max : self.maximumOutput + Self.slack
        self.capacity = min(max(capacity, 1024), ceiling)
        self.buffer = .allocate(capacity: self.capacity)
    }

    func deallocate() { buffer.deallocate() }

    /// A copy of the bytes decoded so far.
    var output: [UInt8] { Array(UnsafeBufferPointer(start: buffer, count: count)) }

    /// The bytes decoded so far, without copying (valid until the next mutation).
    var outputPointer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: buffer, count: count) }

    /// Grows the buffer to hold at least `needed` bytes (callers keep `needed` within
    /// `maximumOutput + slack`); doubling stops at that ceiling.
    private mutating func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        let ceiling = maximumOutput > Int.max - Self.slack ? Int.max : maximumOutput + Self.slack
        var newCapacity = capacity
        while newCapacity < needed && newCapacity < ceiling { newCapacity = newCapacity > ceiling / 2 ? ceiling : newCapacity * 2 }
        newCapacity = max(needed, min(newCapacity, ceiling))
        let newBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBuffer.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = newBuffer
        capacity = newCapacity
    }

    /// Decodes one DEFLATE stream starting at byte `start` of `input`, appending to the output.
    /// Returns the offset of the first byte after the stream (rounded up to a byte boundary).
    mutating func inflate(_ input: UnsafeRawBufferPointer, from start: Int) throws(CompressionError) -> Int {
        guard let base = input.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw CompressionError(.truncated, at: 0, "empty input: expected a DEFLATE block header")
        }
        var reader = BitReader(base: base, count: input.count, position: start)
        var isFinal = false
        while !isFinal {
            reader.refill()
            let headerOffset = reader.byteOffset
            isFinal = reader.read(1) == 1
            let blockType = reader.read(2)
            if reader.isOverrun {
                throw CompressionError(.truncated, at: input.count, "input ended inside a block header (expected more DEFLATE blocks)")
            }
            switch blockType {
            case 0:
                try copyStoredBlock(&reader)
            case 1:
                try decodeHuffmanBlock(&reader, HuffmanTable.fixedLiteralLength, HuffmanTable.fixedDistance)
            case 2:
                try readDynamicTables(&reader)
                try decodeHuffmanBlock(&reader, literalLength, distance)
            default:
                throw CompressionError(.invalidBlockType, at: headerOffset, "invalid DEFLATE block type 3 (reserved)")
            }
        }
        if reader.isOverrun {
            throw CompressionError(.truncated, at: input.count, "input ended inside the final DEFLATE block")
        }
        reader.alignToByte()
        return reader.position
    }

    private mutating func copyStoredBlock(_ reader: inout BitReader) throws(CompressionError) {
        reader.alignToByte()
        let headerOffset = reader.position
        guard headerOffset + 4 <= reader.count else {
            throw CompressionError(.truncated, at: reader.count, "input ended inside a stored block header (expected LEN and NLEN at byte \(headerOffset))")
        }
        let length = Int(reader.base[headerOffset]) | Int(reader.base[headerOffset + 1]) << 8
        let complement = Int(reader.base[headerOffset + 2]) | Int(reader.base[headerOffset + 3]) << 8
        guard length ^ complement == 0xFFFF else {
            throw CompressionError(.invalidStoredLength, at: headerOffset,
                                   "stored block LEN \(length) and NLEN \(complement) are not one's complements")
        }
        let dataStart = headerOffset + 4
        guard dataStart + length <= reader.count else {
            throw CompressionError(.truncated, at: reader.count,
                                   "stored block of \(length) bytes at byte \(dataStart) runs past the end of the input")
        }
        guard length <= maximumOutput - count else {
            // Keep what fits, so that a caller reading only a prefix still gets it.
            let fitting = maximumOutput - count
            reserve(maximumOutput)
            (buffer + count).update(from: reader.base + dataStart, count: fitting)
            count = maximumOutput
            throw outputLimitError(at: headerOffset)
        }
        reserve(count + length)
        (buffer + count).update(from: reader.base + dataStart, count: length)
        count += length
        reader.position = dataStart + length
    }

    private mutating func readDynamicTables(_ reader: inout BitReader) throws(CompressionError) {
        reader.refill()
        let headerOffset = reader.byteOffset
        let literalCount = reader.read(5) + 257
        let distanceCount = reader.read(5) + 1
        let codeLengthCount = reader.read(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw CompressionError(.invalidCodeLengths, at: headerOffset,
                                   "dynamic block declares \(literalCount) literal/length and \(distanceCount) distance codes (at most 286 and 30)")
        }
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for index in 0..<codeLengthCount {
            if index % 16 == 0 { reader.refill() }
            codeLengthLengths[order[index]] = UInt8(reader.read(3))
        }
        if reader.isOverrun {
            throw CompressionError(.truncated, at: reader.count, "input ended inside a dynamic block header")
        }
        guard codeLength.build(lengths: codeLengthLengths[...], payloads: HuffmanTable.codeLengthPayloads) else {
            throw CompressionError(.invalidCodeLengths, at: headerOffset, "over-subscribed code-length code in dynamic block header")
        }

        let total = literalCount + distanceCount
        var lengths = [UInt8](repeating: 0, count: total)
        var index = 0
        while index < total {
            reader.refill()
            if reader.isOverrun {
                throw CompressionError(.truncated, at: reader.count, "input ended inside the code lengths of a dynamic block")
            }
            let symbolOffset = reader.byteOffset
            let entry = codeLength.entries[reader.peek(7)]
            if (entry >> 5) & 7 == HuffmanTable.kindInvalid {
                throw CompressionError(.invalidSymbol, at: symbolOffset, "invalid code-length code in dynamic block header")
            }
            reader.consume(Int(entry & 31))
            let symbol = Int(entry >> 16)
            var repeatCount = 0
            var repeatedLength: UInt8 = 0
            switch symbol {
            case 0...15:
                lengths[index] = UInt8(symbol)
                index += 1
                continue
            case 16:
                guard index > 0 else {
                    throw CompressionError(.invalidCodeLengths, at: symbolOffset, "code-length repeat (16) with no previous length")
                }
                repeatedLength = lengths[index - 1]
                repeatCount = 3 + reader.read(2)
            case 17:
                repeatCount = 3 + reader.read(3)
            default:
                repeatCount = 11 + reader.read(7)
            }
            guard index + repeatCount <= total else {
                throw CompressionError(.invalidCodeLengths, at: symbolOffset,
                                       "code-length repeat runs past the \(total) declared code lengths")
            }
            for offset in index..<(index + repeatCount) { lengths[offset] = repeatedLength }
            index += repeatCount
        }
        if reader.isOverrun {
            throw CompressionError(.truncated, at: reader.count, "input ended inside the code lengths of a dynamic block")
        }
        guard lengths[256] != 0 else {
            throw CompressionError(.invalidCodeLengths, at: headerOffset, "dynamic block has no code for end-of-block (symbol 256)")
        }
        guard literalLength.build(lengths: lengths[0..<literalCount], payloads: HuffmanTable.literalLengthPayloads) else {
            throw CompressionError(.invalidCodeLengths, at: headerOffset, "over-subscribed literal/length code in dynamic block")
        }
        guard distance.build(lengths: lengths[literalCount...], payloads: HuffmanTable.distancePayloads) else {
            throw CompressionError(.invalidCodeLengths, at: headerOffset, "over-subscribed distance code in dynamic block")
        }
    }

    /// The hot loop: decodes literal/length and distance symbols until end-of-block.
    private mutating func decodeHuffmanBlock(
        _ reader: inout BitReader, _ literalCode: HuffmanTable, _ distanceCode: HuffmanTable
    ) throws(CompressionError) {
        // Copies of the tables (copy-on-write references) so that `self` can be mutated.
        let literalEntries = literalCode.entries, distanceEntries = distanceCode.entries
        let literalBits = literalCode.primaryBits, distanceBits = distanceCode.primaryBits
        let result: Result<Void, CompressionError> = literalEntries.withUnsafeBufferPointer { literalTable in
            distanceEntries.withUnsafeBufferPointer { distanceTable in
                do throws(CompressionError) {
                    try decodeSymbols(&reader, literalTable, literalBits, distanceTable, distanceBits)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
        }
        try result.get()
    }

    private mutating func decodeSymbols(
        _ reader: inout BitReader,
        _ literalTable: UnsafeBufferPointer<UInt32>, _ literalBits: Int,
        _ distanceTable: UnsafeBufferPointer<UInt32>, _ distanceBits: Int
    ) throws(CompressionError) {
        let literalMask = (1 << literalBits) - 1
        let distanceMask = (1 << distanceBits) - 1
        var out = buffer
        var written = count
        // Below `limit` there is room for a maximal match and the copy overshoot, and the
        // output is within `maximumOutput`; crossing it takes the slow path that grows or stops.
        var limit = min(capacity - Self.slack, maximumOutput)
        defer { count = min(written, maximumOutput) }
        while true {
            if written > limit {
                if written > maximumOutput {
                    count = maximumOutput
                    throw outputLimitError(at: reader.byteOffset)
                }
                count = written
                reserve(written + Self.slack)
                out = buffer
                limit = min(capacity - Self.slack, maximumOutput)
            }
            reader.refill()
            if _slowPath(reader.paddingBits != 0) && reader.isOverrun {
                throw CompressionError(.truncated, at: reader.count, "input ended inside a compressed block (\(written) bytes decoded)")
            }
            var entry = literalTable[reader.peek(literalBits) & literalMask]
            var kind = (entry >> 5) & 7
            if kind == HuffmanTable.kindSubtable {
                reader.consume(literalBits)
                entry = literalTable[Int(entry >> 16) + reader.peek(Int((entry >> 8) & 31))]
                kind = (entry >> 5) & 7
            }
            reader.consume(Int(entry & 31))
            if kind == HuffmanTable.kindLiteral {
                out[written] = UInt8(truncatingIfNeeded: entry >> 16)
                written += 1
                continue
            }
            if kind == HuffmanTable.kindEndOfBlock { break }
            if kind == HuffmanTable.kindInvalid {
                throw CompressionError(.invalidSymbol, at: reader.byteOffset, "invalid literal/length code")
            }
            let length = Int(entry >> 16) + reader.read(Int((entry >> 8) & 31))

            var distanceEntry = distanceTable[reader.peek(distanceBits) & distanceMask]
            var distanceKind = (distanceEntry >> 5) & 7
            if distanceKind == HuffmanTable.kindSubtable {
                reader.consume(distanceBits)
                distanceEntry = distanceTable[Int(distanceEntry >> 16) + reader.peek(Int((distanceEntry >> 8) & 31))]
                distanceKind = (distanceEntry >> 5) & 7
            }
            reader.consume(Int(distanceEntry & 31))
            if distanceKind != HuffmanTable.kindBase {
                throw CompressionError(.invalidSymbol, at: reader.byteOffset, "invalid distance code")
            }
            let distance = Int(distanceEntry >> 16) + reader.read(Int((distanceEntry >> 8) & 31))
            if distance > written {
                if reader.isOverrun {
                    throw CompressionError(.truncated, at: reader.count, "input ended inside a compressed block (\(written) bytes decoded)")
                }
                throw CompressionError(.invalidDistance, at: reader.byteOffset,
                                       "back-reference distance \(distance) exceeds the \(written) bytes decoded so far")
            }
            let source = out + (written - distance)
            let destination = out + written
            if distance == 1 {
                destination.update(repeating: source.pointee, count: length)
            } else if distance >= length {
                destination.update(from: source, count: length)
            } else if distance >= 8 {
                // Overlapping copy in chunks of 8: each chunk's source is already written.
                var offset = 0
                while offset < length {
                    UnsafeMutableRawPointer(destination + offset).storeBytes(
                        of: UnsafeRawPointer(source + offset).loadUnaligned(as: UInt64.self), as: UInt64.self)
                    offset += 8
                }
            } else {
                for offset in 0..<length { destination[offset] = source[offset] }
            }
            written += length
        }
        if reader.isOverrun {
            throw CompressionError(.truncated, at: reader.count, "input ended inside a compressed block (\(written) bytes decoded)")
        }
        if written > maximumOutput {
            throw outputLimitError(at: reader.byteOffset)
        }
    }

    private func outputLimitError(at offset: Int) -> CompressionError {
        CompressionError(.outputLimitExceeded, at: offset,
                         "the data decompresses to more than the limit of \(maximumOutput) bytes")
    }
}

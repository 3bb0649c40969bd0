/// A table-driven canonical Huffman decoder for DEFLATE codes (RFC 1951 §3.2.2).
///
/// The primary table is indexed by the next `primaryBits` input bits (DEFLATE packs codes
/// most-significant bit first into an LSB-first stream, so codes are stored bit-reversed).
/// Codes longer than `primaryBits` go through a second-level subtable. Each 32-bit entry
/// carries everything the decoder needs without further lookups:
///
///     bits 0–4   code bits to consume
///     bits 5–7   kind (literal, base+extra, end of block, subtable, invalid)
///     bits 8–12  extra bits to read after the code (subtable: its index width)
///     bits 16–31 value (literal byte, length/distance base, subtable offset)
struct HuffmanTable {
    static let kindLiteral: UInt32 = 0
    static let kindBase: UInt32 = 1
    static let kindEndOfBlock: UInt32 = 2
    static let kindSubtable: UInt32 = 3
    static let kindInvalid: UInt32 = 4

    static let invalidEntry: UInt32 = kindInvalid << 5

    /// Builds the per-symbol part of an entry (everything but the consumed bit count).
    static func payload(kind: UInt32, extraBits: Int = 0, value: Int) -> UInt32 {
        (kind << 5) | (UInt32(extraBits) << 8) | (UInt32(value) << 16)
    }

    /// Payloads of the literal/length alphabet: 0–255 literals, 256 end, 257–285 lengths, 286–287 reserved.
    static let literalLengthPayloads: [UInt32] = {
        let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                          35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
        let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                           3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
        var payloads = (0..<256).map { payload(kind: kindLiteral, value: $0) }
        payloads.append(payload(kind: kindEndOfBlock, value: 0))
        for index in 0..<29 {
            payloads.append(payload(kind: kindBase, extraBits: lengthExtra[index], value: lengthBase[index]))
        }
        payloads += [invalidEntry, invalidEntry]
        return payloads
    }()

    /// Payloads of the distance alphabet: 0–29 distances, 30–31 reserved.
    static let distancePayloads: [UInt32] = {
        let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                            257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
        let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                             7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
        return (0..<30).map { payload(kind: kindBase, extraBits: distanceExtra[$0], value: distanceBase[$0]) }
            + [invalidEntry, invalidEntry]
    }()

    /// Payloads of the code-length alphabet (symbols 0–18 decode to themselves).
    static let codeLengthPayloads: [UInt32] = (0..<19).map { payload(kind: kindLiteral, value: $0) }

    /// The fixed literal/length code of block type 1.
    static let fixedLiteralLength: HuffmanTable = {
        var lengths = [UInt8](repeating: 8, count: 288)
        for symbol in 144..<256 { lengths[symbol] = 9 }
        for symbol in 256..<280 { lengths[symbol] = 7 }
        var table = HuffmanTable(primaryBits: 9)
        _ = table.build(lengths: lengths[...], payloads: literalLengthPayloads)
        return table
    }()

    /// The fixed distance code of block type 1.
    static let fixedDistance: HuffmanTable = {
        var table = HuffmanTable(primaryBits: 5)
        _ = table.build(lengths: [UInt8](repeating: 5, count: 32)[...], payloads: distancePayloads)
        return table
    }()

    let primaryBits: Int
    private(set) var entries: [UInt32]

    init(primaryBits: Int) {
        self.primaryBits = primaryBits
        self.entries = [UInt32](repeating: HuffmanTable.invalidEntry, count: 1 << primaryBits)
    }

    /// Rebuilds the table from per-symbol code lengths (0 = unused).
    ///
    /// Returns `false` if the lengths over-subscribe the code space (not a prefix code).
    /// Incomplete codes are accepted; their unused bit patterns decode as invalid entries.
    mutating func build(lengths: ArraySlice<UInt8>, payloads: [UInt32]) -> Bool {
        var lengthCounts = [Int](repeating: 0, count: 16)
        for length in lengths { lengthCounts[Int(length)] += 1 }
        lengthCounts[0] = 0
        var available = 1
        for length in 1...15 {
            available = (available << 1) - lengthCounts[length]
            if available < 0 { return false }
        }
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1...15 {
            code = (code + lengthCounts[length - 1]) << 1
            nextCode[length] = code
        }

        let primarySize = 1 << primaryBits
        let primaryMask = primarySize - 1
        // Reversed code per symbol, and the longest code behind each primary prefix.
        var reversedCodes = [Int](repeating: 0, count: lengths.count)
        var longestBehindPrefix = [Int](repeating: 0, count: primarySize)
        for (symbol, length) in zip(0..., lengths) where length != 0 {
            let length = Int(length)
            let reversed = Self.reverse(nextCode[length], bitCount: length)
            nextCode[length] += 1
            reversedCodes[symbol] = reversed
            if length > primaryBits {
                let prefix = reversed & primaryMask
                longestBehindPrefix[prefix] = max(longestBehindPrefix[prefix], length)
            }
        }

        // Lay out the subtables after the primary table.
        var size = primarySize
        for prefix in 0..<primarySize where longestBehindPrefix[prefix] != 0 {
            size += 1 << (longestBehindPrefix[prefix] - primaryBits)
        }
        if entries.count != size {
            entries = [UInt32](repeating: Self.invalidEntry, count: size)
        } else {
            for index in entries.indices { entries[index] = Self.invalidEntry }
        }
        var offset = primarySize
        var subtableOffsets = [Int](repeating: 0, count: primarySize)
        for prefix in 0..<primarySize where longestBehindPrefix[prefix] != 0 {
            let indexBits = longestBehindPrefix[prefix] - primaryBits
            subtableOffsets[prefix] = offset
            entries[prefix] = (Self.kindSubtable << 5) | (UInt32(indexBits) << 8)
                | (UInt32(offset) << 16) | UInt32(primaryBits)
            offset += 1 << indexBits
        }

        for (symbol, length) in zip(0..., lengths) where length != 0 {
            let length = Int(length)
            let reversed = reversedCodes[symbol]
            let payload = payloads[symbol]
            if length <= primaryBits {
                let entry = payload | UInt32(length)
                for index in stride(from: reversed, to: primarySize, by: 1 << length) { entries[index] = entry }
            } else {
                let prefix = reversed & primaryMask
                let subtableSize = 1 << (longestBehindPrefix[prefix] - primaryBits)
                let subLength = length - primaryBits
                let entry = payload | UInt32(subLength)
                let base = subtableOffsets[prefix]
                for index in stride(from: reversed >> primaryBits, to: subtableSize, by: 1 << subLength) {
                    entries[base + index] = entry
                }
            }
        }
        return true
    }

    private static func reverse(_ code: Int, bitCount: Int) -> Int {
        var reversed = 0
        var code = code
        for _ in 0..<bitCount {
            reversed = (reversed << 1) | (code & 1)
            code >>= 1
        }
        return reversed
    }
}

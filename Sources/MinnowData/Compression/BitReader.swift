/// An LSB-first bit reader over a byte buffer, as DEFLATE requires.
///
/// `refill` tops the 64-bit buffer up to at least 56 bits with one unaligned 8-byte load
/// while eight input bytes remain (the "branchless refill": stale high bits are rewritten
/// with the same bytes, so OR-ing is harmless). Near the end it loads byte by byte and pads
/// with zero bits, counted in `paddingBits`; consuming padding means the input was truncated,
/// which callers detect with `isOverrun`.
struct BitReader {
    let base: UnsafePointer<UInt8>
    let count: Int
    /// Next input byte to load into `buffer`.
    var position: Int
    var buffer: UInt64 = 0
    var bitCount: Int = 0
    var paddingBits: Int = 0

    init(base: UnsafePointer<UInt8>, count: Int, position: Int) {
        self.base = base
        self.count = count
        self.position = position
    }

    /// Whether bits past the end of the input have been consumed.
    @inline(__always) var isOverrun: Bool { bitCount < paddingBits }

    /// Offset of the input byte holding the next unconsumed bit.
    var byteOffset: Int { (position * 8 + paddingBits - bitCount) / 8 }

    @inline(__always) mutating func refill() {
        if position + 8 <= count {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
            buffer |= word &<< UInt64(bitCount)
            position += (63 - bitCount) >> 3
            bitCount |= 56
        } else {
            refillNearEnd()
        }
    }

    private mutating func refillNearEnd() {
        while bitCount <= 56 {
            if position < count {
                buffer |= UInt64(base[position]) &<< UInt64(bitCount)
                position += 1
            } else {
                paddingBits += 8
            }
            bitCount += 8
        }
    }

    /// The next `bitCount` bits without consuming them (requires a preceding refill).
    @inline(__always) func peek(_ bits: Int) -> Int {
        Int(truncatingIfNeeded: buffer & ((1 &<< UInt64(bits)) &- 1))
    }

    @inline(__always) mutating func consume(_ bits: Int) {
        buffer &>>= UInt64(bits)
        bitCount &-= bits
    }

    /// Reads up to 32 bits (after a refill that guarantees them).
    @inline(__always) mutating func read(_ bits: Int) -> Int {
        let value = peek(bits)
        consume(bits)
        return value
    }

    /// Drops the bits up to the next byte boundary and empties the buffer, so that `position`
    /// is the next unread byte (used before stored blocks and the gzip trailer).
    mutating func alignToByte() {
        consume(bitCount & 7)
        let unreadRealBytes = max(0, bitCount - paddingBits) / 8
        position -= unreadRealBytes
        buffer = 0
        bitCount = 0
        paddingBits = 0
    }
}

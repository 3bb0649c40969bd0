/// Why a FlatBuffer could not be read. Every case carries the byte position where it went wrong.
public enum FlatBufferError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `length` bytes at `offset` run past the end of the `size`-byte buffer (or before its start).
    case outOfBounds(offset: Int, length: Int, size: Int)
    /// A vtable at `offset` is malformed (odd or too small size, table size too small, field past the table).
    case badVTable(offset: Int, reason: String)
    /// A string at `offset` has no NUL terminator or is not valid UTF-8.
    case badString(offset: Int, reason: String)
    /// A value at `offset` is not aligned to `alignment` bytes.
    case misaligned(offset: Int, alignment: Int)
    /// A vector at `offset` claims `count` elements of `elementSize` bytes, more than the buffer holds.
    case vectorTooLong(offset: Int, count: Int, elementSize: Int, size: Int)
    /// The buffer is smaller than a root offset plus a table, or larger than 2 GiB.
    case badBufferSize(Int)

    public var description: String {
        switch self {
        case let .outOfBounds(offset, length, size):
            return "\(length) bytes at offset \(offset) lie outside the \(size)-byte buffer"
        case let .badVTable(offset, reason):
            return "vtable at offset \(offset): \(reason)"
        case let .badString(offset, reason):
            return "string at offset \(offset): \(reason)"
        case let .misaligned(offset, alignment):
            return "offset \(offset) is not aligned to \(alignment) bytes"
        case let .vectorTooLong(offset, count, elementSize, size):
            return "vector at offset \(offset) claims \(count) elements of \(elementSize) bytes, more than the \(size)-byte buffer holds"
        case let .badBufferSize(size):
            return "a FlatBuffer of \(size) bytes is impossible (needs 8 bytes to 2 GiB)"
        }
    }
}

/// A read-only FlatBuffer: every offset, vtable, vector length and string is checked against the
/// buffer before it is used, so a hostile file gives a `FlatBufferError`, never a crash.
///
/// Offsets in a FlatBuffer only point forward (uoffset) or to a vtable (soffset, any direction),
/// so following references cannot loop; a schema-driven decoder has bounded depth.
public struct FlatBuffer: Sendable {
    /// The bytes, little-endian as FlatBuffers are.
    public let bytes: [UInt8]

    /// Wraps `bytes` after checking that a root offset fits.
    public init(bytes: [UInt8]) throws(FlatBufferError) {
        guard bytes.count >= 8, bytes.count <= Int(Int32.max) else { throw .badBufferSize(bytes.count) }
        self.bytes = bytes
    }

    /// Number of bytes.
    public var size: Int { bytes.count }

    /// The four-byte file identifier after the root offset (e.g. "TFL3"), if it is printable ASCII.
    public var fileIdentifier: String? {
        let id = bytes[4..<8]
        guard id.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else { return nil }
        return String(decoding: id, as: UTF8.self)
    }

    /// The root table.
    public func root() throws(FlatBufferError) -> FlatBufferTable {
        try table(at: try uoffsetTarget(at: 0))
    }

    // MARK: checked primitive reads

    @inline(__always)
    func check(_ offset: Int, _ length: Int) throws(FlatBufferError) {
        guard offset >= 0, length >= 0, offset <= bytes.count, length <= bytes.count - offset else {
            throw .outOfBounds(offset: offset, length: length, size: bytes.count)
        }
    }

    /// A little-endian integer at `offset`, bounds-checked.
    public func read<T: FixedWidthInteger>(_: T.Type, at offset: Int) throws(FlatBufferError) -> T {
        let width = MemoryLayout<T>.size
        try check(offset, width)
        var value: T = 0
        for i in 0..<width {
            value |= T(truncatingIfNeeded: bytes[offset + i]) << (8 * i)
        }
        return value
    }

    /// A little-endian IEEE float at `offset`, bounds-checked.
    public func readFloat(at offset: Int) throws(FlatBufferError) -> Float {
        Float(bitPattern: try read(UInt32.self, at: offset))
    }

    /// Where the uoffset stored at `offset` points.
    func uoffsetTarget(at offset: Int) throws(FlatBufferError) -> Int {
        let relative = try read(UInt32.self, at: offset)
        let target = offset + Int(relative)  // at most 2^31 + 2^32: no overflow on 64-bit
        try check(target, 4)
        return target
    }

    /// The table whose start is `position`: its vtable is located and checked here.
    func table(at position: Int) throws(FlatBufferError) -> FlatBufferTable {
        guard position % 4 == 0 else { throw .misaligned(offset: position, alignment: 4) }
        let soffset = try read(Int32.self, at: position)
        let vtable = position - Int(soffset)
        guard vtable % 2 == 0 else { throw .misaligned(offset: vtable, alignment: 2) }
        try check(vtable, 4)
        let vtableSize = Int(try read(UInt16.self, at: vtable))
        let tableSize = Int(try read(UInt16.self, at: vtable + 2))
        guard vtableSize >= 4, vtableSize % 2 == 0 else {
            throw .badVTable(offset: vtable, reason: "size \(vtableSize) is not an even number ≥ 4")
        }
        try check(vtable, vtableSize)
        guard tableSize >= 4 else { throw .badVTable(offset: vtable, reason: "table size \(tableSize) < 4") }
        try check(position, tableSize)
        return FlatBufferTable(buffer: self, position: position, vtable: vtable,
                               fieldCount: (vtableSize - 4) / 2, tableSize: tableSize)
    }

    /// The vector whose uoffset is stored at `offset`.
    func vector(referencedAt offset: Int, elementSize: Int) throws(FlatBufferError) -> FlatBufferVector {
        let position = try uoffsetTarget(at: offset)
        let count = Int(try read(UInt32.self, at: position))
        let start = position + 4
        guard count <= (bytes.count - start) / elementSize else {
            throw .vectorTooLong(offset: position, count: count, elementSize: elementSize, size: bytes.count)
        }
        return FlatBufferVector(buffer: self, start: start, count: count, elementSize: elementSize)
    }

    /// The string whose uoffset is stored at `offset`: NUL-terminated and valid UTF-8.
    func string(referencedAt offset: Int) throws(FlatBufferError) -> String {
        let v = try vector(referencedAt: offset, elementSize: 1)
        try check(v.start, v.count + 1)
        guard bytes[v.start + v.count] == 0 else {
            throw .badString(offset: v.start - 4, reason: "no NUL terminator after \(v.count) bytes")
        }
        guard let s = String(validating: bytes[v.start..<(v.start + v.count)], as: UTF8.self) else {
            throw .badString(offset: v.start - 4, reason: "not valid UTF-8")
        }
        return s
    }
}

/// A table inside a `FlatBuffer`, with its vtable already checked. Fields are numbered from 0 in
/// schema order; an absent field reads as its default.
public struct FlatBufferTable: Sendable {
    let buffer: FlatBuffer
    /// Byte position of the table (its soffset to the vtable).
    public let position: Int
    let vtable: Int
    let fieldCount: Int
    let tableSize: Int

    /// Absolute position of field `id`, or nil when absent; checks that `width` bytes fit in the table.
    func fieldPosition(_ id: Int, width: Int) throws(FlatBufferError) -> Int? {
        guard id < fieldCount else { return nil }
        let relative = Int(try buffer.read(UInt16.self, at: vtable + 4 + 2 * id))
        guard relative != 0 else { return nil }
        guard relative >= 4, relative + width <= tableSize else {
            throw .badVTable(offset: vtable, reason: "field \(id) at +\(relative) (\(width) bytes) lies outside the \(tableSize)-byte table")
        }
        return position + relative
    }

    /// Whether field `id` is present.
    public func has(_ id: Int) throws(FlatBufferError) -> Bool {
        try fieldPosition(id, width: 1) != nil
    }

    /// An integer field.
    public func scalar<T: FixedWidthInteger>(_ id: Int, default value: T) throws(FlatBufferError) -> T {
        guard let at = try fieldPosition(id, width: MemoryLayout<T>.size) else { return value }
        return try buffer.read(T.self, at: at)
    }

    /// A float field.
    public func float(_ id: Int, default value: Float) throws(FlatBufferError) -> Float {
        guard let at = try fieldPosition(id, width: 4) else { return value }
        return try buffer.readFloat(at: at)
    }

    /// A bool field (any nonzero byte is true).
    public func bool(_ id: Int, default value: Bool) throws(FlatBufferError) -> Bool {
        guard let at = try fieldPosition(id, width: 1) else { return value }
        return try buffer.read(UInt8.self, at: at) != 0
    }

    /// A sub-table field.
    public func table(_ id: Int) throws(FlatBufferError) -> FlatBufferTable? {
        guard let at = try fieldPosition(id, width: 4) else { return nil }
        return try buffer.table(at: try buffer.uoffsetTarget(at: at))
    }

    /// A vector field of `elementSize`-byte elements (4 for tables, strings and 32-bit scalars).
    public func vector(_ id: Int, elementSize: Int) throws(FlatBufferError) -> FlatBufferVector? {
        guard let at = try fieldPosition(id, width: 4) else { return nil }
        return try buffer.vector(referencedAt: at, elementSize: elementSize)
    }

    /// A string field.
    public func string(_ id: Int) throws(FlatBufferError) -> String? {
        guard let at = try fieldPosition(id, width: 4) else { return nil }
        return try buffer.string(referencedAt: at)
    }
}

/// A vector inside a `FlatBuffer`; its length was checked against the buffer when it was read.
public struct FlatBufferVector: Sendable {
    let buffer: FlatBuffer
    /// Byte position of element 0.
    public let start: Int
    /// Number of elements.
    public let count: Int
    let elementSize: Int

    /// Element `index` as an integer of the vector's element width.
    public func scalar<T: FixedWidthInteger>(_ index: Int, as _: T.Type) throws(FlatBufferError) -> T {
        try buffer.read(T.self, at: start + index * elementSize)
    }

    /// Element `index` as a float.
    public func float(_ index: Int) throws(FlatBufferError) -> Float {
        try buffer.readFloat(at: start + index * elementSize)
    }

    /// Element `index` as a table (for a vector of tables).
    public func table(_ index: Int) throws(FlatBufferError) -> FlatBufferTable {
        try buffer.table(at: try buffer.uoffsetTarget(at: start + index * 4))
    }

    /// Element `index` as a string (for a vector of strings).
    public func string(_ index: Int) throws(FlatBufferError) -> String {
        try buffer.string(referencedAt: start + index * 4)
    }

    /// The raw bytes of a byte vector.
    public var bytes: ArraySlice<UInt8> { buffer.bytes[start..<(start + count * elementSize)] }

    /// All elements as integers of the vector's width.
    public func scalars<T: FixedWidthInteger>(as _: T.Type) throws(FlatBufferError) -> [T] {
        var out: [T] = []
        out.reserveCapacity(count)
        for i in 0..<count { out.append(try scalar(i, as: T.self)) }
        return out
    }

    /// All elements as floats.
    public func floats() throws(FlatBufferError) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(count)
        for i in 0..<count { out.append(try float(i)) }
        return out
    }
}

/// Builds a FlatBuffer back to front, as the reference implementation does, so every uoffset
/// points forward. Objects are referred to by `FlatBufferBuilder.Offset`, their distance from
/// the end of the finished buffer.
public struct FlatBufferBuilder {
    /// A finished object (table, vector or string), as its distance from the buffer's end.
    public struct Offset: Equatable, Sendable {
        let fromEnd: Int
    }

    /// Bytes written so far live at the end of `storage`, from `storage.count - size`.
    private var storage: [UInt8]
    private(set) var size = 0
    private var maxAlignment = 4
    /// Fields of the table being built: (field id, distance from end of the stored value).
    private var fields: [(id: Int, fromEnd: Int)] = []
    private var tableStart: Int?

    /// An empty builder with room for `capacity` bytes before it grows.
    public init(capacity: Int = 1024) {
        storage = [UInt8](repeating: 0, count: max(capacity, 64))
    }

    // MARK: raw writing

    private mutating func reserve(_ n: Int) {
        if size + n <= storage.count { return }
        var newCount = storage.count
        while size + n > newCount { newCount *= 2 }
        var grown = [UInt8](repeating: 0, count: newCount)
        let oldStart = storage.count - size
        grown.withUnsafeMutableBufferPointer { dst in
            storage.withUnsafeBufferPointer { src in
                for i in 0..<size { dst[newCount - size + i] = src[oldStart + i] }
            }
        }
        storage = grown
    }

    /// Pads with zeros so that, after `additional` more bytes, the size is a multiple of `alignment`.
    private mutating func align(_ alignment: Int, additional: Int = 0) {
        maxAlignment = max(maxAlignment, alignment)
        let padding = (alignment - ((size + additional) % alignment)) % alignment
        reserve(padding + additional)
        for _ in 0..<padding { pushByte(0) }
    }

    private mutating func pushByte(_ b: UInt8) {
        reserve(1)
        size += 1
        storage[storage.count - size] = b
    }

    private mutating func pushRaw<T: FixedWidthInteger>(_ value: T) {
        let width = MemoryLayout<T>.size
        reserve(width)
        size += width
        let at = storage.count - size
        for i in 0..<width { storage[at + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }

    private mutating func push<T: FixedWidthInteger>(_ value: T) {
        align(MemoryLayout<T>.size)
        pushRaw(value)
    }

    /// Pushes a uoffset to `target`, relative to the uoffset's own position.
    private mutating func pushOffset(_ target: Offset) {
        align(4)
        precondition(target.fromEnd <= size, "FlatBufferBuilder: offset refers to an object not yet written")
        pushRaw(UInt32(size + 4 - target.fromEnd))
    }

    // MARK: vectors and strings

    /// A vector of integers.
    public mutating func vector<T: FixedWidthInteger>(_ values: [T], alignment: Int = 4) -> Offset {
        let width = MemoryLayout<T>.size
        align(max(4, width), additional: values.count * width)
        align(alignment, additional: values.count * width)
        for v in values.reversed() { pushRaw(v) }
        pushRaw(UInt32(values.count))
        return Offset(fromEnd: size)
    }

    /// A vector of floats.
    public mutating func vector(_ values: [Float]) -> Offset {
        vector(values.map(\.bitPattern))
    }

    /// A byte vector whose first byte is aligned to `alignment` (TFLite buffers use 16).
    public mutating func bytes(_ values: some Collection<UInt8>, alignment: Int) -> Offset {
        align(max(4, alignment), additional: values.count)
        reserve(values.count + 4)
        for v in values.reversed() { pushByte(v) }
        pushRaw(UInt32(values.count))
        return Offset(fromEnd: size)
    }

    /// A vector of objects (tables or strings).
    public mutating func vector(_ offsets: [Offset]) -> Offset {
        align(4, additional: offsets.count * 4)
        for o in offsets.reversed() { pushOffset(o) }
        pushRaw(UInt32(offsets.count))
        return Offset(fromEnd: size)
    }

    /// A NUL-terminated UTF-8 string.
    public mutating func string(_ s: String) -> Offset {
        let utf8 = Array(s.utf8)
        align(4, additional: utf8.count + 1)
        pushByte(0)
        for b in utf8.reversed() { pushByte(b) }
        pushRaw(UInt32(utf8.count))
        return Offset(fromEnd: size)
    }

    // MARK: tables

    /// Starts a table; add its fields, then call `endTable`. Tables do not nest: build children first.
    public mutating func startTable() {
        precondition(tableStart == nil, "FlatBufferBuilder: tables cannot nest")
        tableStart = size
        fields.removeAll(keepingCapacity: true)
    }

    /// An integer field, omitted when it equals its default (as the reference builder does).
    public mutating func add<T: FixedWidthInteger>(_ id: Int, _ value: T, default defaultValue: T) {
        guard value != defaultValue else { return }
        push(value)
        fields.append((id, size))
    }

    /// A float field, omitted when it equals its default.
    public mutating func add(_ id: Int, _ value: Float, default defaultValue: Float) {
        guard value.bitPattern != defaultValue.bitPattern else { return }
        push(value.bitPattern)
        fields.append((id, size))
    }

    /// A bool field, omitted when it equals its default.
    public mutating func add(_ id: Int, _ value: Bool, default defaultValue: Bool) {
        guard value != defaultValue else { return }
        push(UInt8(value ? 1 : 0))
        fields.append((id, size))
    }

    /// A reference to an object written earlier; nil omits the field.
    public mutating func add(_ id: Int, _ offset: Offset?) {
        guard let offset else { return }
        pushOffset(offset)
        fields.append((id, size))
    }

    /// Ends the table: writes its vtable and returns the table.
    public mutating func endTable() -> Offset {
        guard let start = tableStart else { preconditionFailure("FlatBufferBuilder: endTable without startTable") }
        push(Int32(0))  // soffset to the vtable, patched below
        let object = size
        let fieldCount = (fields.map(\.id).max() ?? -1) + 1
        var slots = [UInt16](repeating: 0, count: fieldCount)
        for f in fields { slots[f.id] = UInt16(object - f.fromEnd) }
        let tableSize = object - start
        precondition(tableSize <= Int(UInt16.max), "FlatBufferBuilder: table too large")
        for slot in slots.reversed() { pushRaw(slot) }
        pushRaw(UInt16(tableSize))
        pushRaw(UInt16(4 + 2 * fieldCount))
        let vtable = size
        let soffset = Int32(vtable - object)
        let at = storage.count - object
        for i in 0..<4 { storage[at + i] = UInt8(truncatingIfNeeded: soffset >> (8 * i)) }
        tableStart = nil
        return Offset(fromEnd: object)
    }

    // MARK: finishing

    /// Writes the root offset (and a 4-byte file identifier) and returns the finished bytes.
    public mutating func finish(root: Offset, fileIdentifier: String? = nil) -> [UInt8] {
        let identifier = fileIdentifier.map { Array($0.utf8) }
        precondition(identifier == nil || identifier!.count == 4, "FlatBufferBuilder: file identifier must be 4 bytes")
        align(maxAlignment, additional: 4 + (identifier == nil ? 0 : 4))
        if let identifier { for b in identifier.reversed() { pushByte(b) } }
        pushOffset(root)
        return Array(storage[(storage.count - size)...])
    }
}

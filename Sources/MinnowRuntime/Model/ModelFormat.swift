/// The Minnow model file, format version 1.
///
/// A flat, little-endian byte layout that a microcontroller can execute straight from flash:
/// nothing is decoded into heap objects, and every constant starts on a 16-byte boundary
/// (measured from the start of the file), so a 16-byte aligned file gives aligned weight
/// pointers. `ModelBuilder.serializedBytes()` writes it; `Model(bytes:)` validates and reads it.
///
/// ```text
/// offset size  field
/// ── header (16 bytes, not covered by the checksum) ──
///  0     4     magic "MNOW" (0x4D 0x4E 0x4F 0x57)
///  4     2     format version (1)
///  6     2     flags (0; no flags are defined in version 1)
///  8     4     total file length in bytes
/// 12     4     CRC-32 (IEEE 802.3, as zlib) of bytes [16, total length)
/// ── directory (56 bytes at offset 16: fourteen UInt32) ──
/// 16     tensor count           20  tensor table offset
/// 24     operator count         28  operator table offset
/// 32     operand count          36  operand list offset
/// 40     model input count      44  model input list offset
/// 48     model output count     52  model output list offset
/// 56     string table offset    60  string table length
/// 64     constant data offset   68  constant data length
/// ── sections (all offsets absolute from the start of the file, each within [72, length)) ──
/// tensor table:   count × 48-byte records, 4-byte aligned
///     +0  u8  element type (`ElementType` raw value)
///     +1  u8  rank (0…6)
///     +2  u16 flags: bit 0 = constant; other bits 0
///     +4  u32 name offset (into the string table)   +8  u32 name length (UTF-8 bytes)
///     +12 6 × i32 dimensions (unused ones 0; used ones ≥ 1)
///     +36 u32 constant data offset (absolute, 16-byte aligned, inside the constant section; 0 for activations)
///     +40 u32 constant data length (= element count × element size; 0 for activations)
///     +44 u32 reserved (0)
/// operator table: count × 32-byte records, 4-byte aligned, in execution order
///     +0  u16 operator code (`OperatorCode` raw value)
///     +2  u8  input count   +3 u8 output count
///     +4  u32 first operand: index into the operand list; inputs then outputs follow
///     +8  i32 kernel height  +12 i32 kernel width  +16 i32 stride height  +20 i32 stride width
///     +24 i32 units
///     +28 u8 padding  +29 u8 fused activation  +30 u8 return sequences (0/1)  +31 u8 reserved (0)
/// operand list:   count × u32 tensor indices (4-byte aligned)
/// model inputs:   count × u32 tensor indices
/// model outputs:  count × u32 tensor indices
/// string table:   UTF-8 tensor names, not terminated
/// constant data:  16-byte aligned section; each constant 16-byte aligned, zero padding between
/// ```
public enum ModelFormat {
    /// "MNOW" read as a little-endian UInt32.
    public static let magic: UInt32 = 0x574F_4E4D
    /// The format version this runtime reads and writes.
    public static let version: UInt16 = 1
    /// Bytes before the checksummed region.
    public static let headerSize = 16
    /// Bytes of the section directory that follows the header.
    public static let directorySize = 56
    /// Size of one tensor record.
    public static let tensorRecordSize = 48
    /// Size of one operator record.
    public static let operatorRecordSize = 32
    /// Largest tensor rank the format stores.
    public static let maxRank = 6
    /// Alignment of every constant, from the start of the file.
    public static let constantAlignment = 16

    // Directory field offsets.
    static let tensorCountOffset = 16
    static let tensorTableOffset = 20
    static let operatorCountOffset = 24
    static let operatorTableOffset = 28
    static let operandCountOffset = 32
    static let operandListOffset = 36
    static let inputCountOffset = 40
    static let inputListOffset = 44
    static let outputCountOffset = 48
    static let outputListOffset = 52
    static let stringTableOffset = 56
    static let stringTableLength = 60
    static let constantDataOffset = 64
    static let constantDataLength = 68

    /// Tensor flag bit: the tensor's data is stored in the file.
    static let constantFlag: UInt16 = 1
}

/// CRC-32 (reflected polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF), as in zlib.
///
/// Bitwise rather than table-driven: no static table in flash, and a model is checked once.
public func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 {
            let mask = 0 &- (crc & 1)
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask)
        }
    }
    return ~crc
}

extension UnsafeRawPointer {
    /// Reads a little-endian integer at `offset` (no alignment needed).
    @inline(__always)
    func readLE<T: FixedWidthInteger>(_ offset: Int, as type: T.Type) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

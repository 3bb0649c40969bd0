/// The Minnow model file, format versions 1 (float), 2 (compact, quantized) and 3 (per-operator
/// options, metadata). `ModelBuilder` writes version 3; `Model(bytes:)` reads all three.
///
/// ## Version 1
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
///
/// ## Version 2
/// Written when a model needs it: a quantized tensor, a packed weight layout, or names left
/// out (`ModelBuilder.includesNames`). Same 16-byte header (version 2, flags 0, length, CRC-32 of
/// bytes [16, length)); then a 32-byte directory and sections at offsets computed from the counts,
/// in this order, so the file carries no offset table beyond the constant section's. All tensor
/// and operand indices are u16 (at most 65,535 tensors and operands).
///
/// ```text
/// ── directory (32 bytes at offset 16) ──
/// 16 u16 tensor count     18 u16 operator count    20 u16 operand count
/// 22 u16 input count      24 u16 output count      26 u16 name count (0 or tensor count)
/// 28 u32 dimension count  32 u32 quantization section length (bytes, multiple of 4)
/// 36 u32 string bytes     40 u32 constant section offset   44 u32 constant section length
/// ── sections, starting at 48 ──
/// tensor table:   count × 16-byte records
///     +0 u8 element type   +1 u8 rank (0…6)
///     +2 u8 flags: bit 0 constant, bit 1 quantized; other bits 0
///     +3 u8 layout: 0 dense row-major; 1 "n16k4" packed int8 weights (`WeightPacking`), logical
///        [n, k] = [dim 0, product of the other dims], byte length `packedByteCount(n, k)`
///     +4 u16 first dimension: index into the dimension pool   +6 u16 reserved (0)
///     +8 u32 quantization record: byte offset inside the quantization section (0 when not quantized)
///     +12 u32 constant data: absolute file offset (0 for activations); its length is implied by
///        type, shape and layout, so it is not stored
/// operator table: count × 16-byte records, in execution order
///     +0 u8 operator code  +1 u8 input count  +2 u8 output count
///     +3 u8 options: bits 0–1 padding, bits 2–3 fused activation, bit 4 return sequences; others 0
///     +4 u16 first operand (index into the operand list; inputs then outputs)
///     +6 u16 kernel height  +8 u16 kernel width  +10 u16 stride height  +12 u16 stride width
///     +14 u16 units
/// operand list:   count × u16 tensor indices
/// model inputs:   count × u16;  model outputs: count × u16;  zero padding to a multiple of 4
/// dimension pool: count × u32 (each tensor's dims are `rank` consecutive entries)
/// quantization:   4-byte aligned records: +0 u16 channel count n ≥ 1, +2 u8 axis,
///                 +3 u8 flags (bit 0: one zero point shared by all channels), then n × f32 scales,
///                 then 1 or n × i32 zero points
/// names:          if name count > 0: (count + 1) × u32 offsets into the string bytes (name i is
///                 bytes [offset i, offset i+1)), then the UTF-8 string bytes
/// constants:      the constant section, 4-byte aligned; each constant starts on a 4-byte
///                 boundary (zero padding between). Four bytes suffice: int32/float32 need 4, and
///                 the int8 kernels read packed weights with unaligned-safe loads, so 16-byte
///                 padding per constant would only waste flash.
/// ```
/// ## Version 3
/// Version 2's compact layout, with each operator's options in its own record, parsed by the
/// operator's file (`OperatorDefinition.decodeOptions`), and a metadata section (for example the
/// data spec a model was trained on). Header as before (version 3). Directory, 40 bytes at 16:
///
/// ```text
/// 16 u16 tensor count     18 u16 operator count    20 u16 operand count
/// 22 u16 input count      24 u16 output count      26 u16 name count (0 or tensor count)
/// 28 u32 dimension count  32 u32 quantization section length   36 u32 string bytes
/// 40 u32 options section length (multiple of 4)   44 u32 metadata section length (multiple of 4)
/// 48 u32 constant section offset                  52 u32 constant section length
/// ── sections, starting at 56, in this order ──
/// tensor table:   count × 16-byte records, as in version 2
/// operator table: count × 12-byte records, in execution order
///     +0 u16 operator code  +2 u8 input count  +3 u8 output count
///     +4 u16 first operand (index into the operand list; inputs then outputs)
///     +6 u16 options length (≤ 32)   +8 u32 options offset (inside the options section, 4-aligned)
/// operand list, model inputs, model outputs (u16 each), zero padding to a multiple of 4
/// dimension pool, quantization records: as in version 2
/// options:        each operator's record in the layout its file defines (little-endian; shared
///                 layouts in `OptionLayout`: none, activation, window, recurrent), 4-aligned
/// metadata:       u32 entry count n; n × (u32 key length, u32 value length); then key 0, value 0,
///                 key 1, … as UTF-8; zero padding to a multiple of 4
/// names, string bytes, constants: as in version 2
/// ```
public enum ModelFormat {
    /// The newest version this runtime reads (and `ModelBuilder` writes).
    public static let latestVersion = 3
    /// Most tensors (and operands) a file may hold: indices are 16-bit in versions 2 and 3.
    public static let maxTensors = 65535
    /// Most operators a file may hold.
    public static let maxOperators = 65535

    /// Directory bytes after the header.
    static func directorySize(version: Int) -> Int {
        version == 1 ? directorySize : version == 2 ? directorySize2 : 40
    }

    /// Bytes of one operator record.
    static func operatorRecordSize(version: Int) -> Int {
        version == 1 ? operatorRecordSize : version == 2 ? operatorRecordSize2 : 12
    }

    /// "MNOW" read as a little-endian UInt32.
    public static let magic: UInt32 = 0x574F_4E4D
    /// The float format version (kept for files that need nothing newer).
    public static let version: UInt16 = 1
    /// The compact format with quantization, layouts and optional names.
    public static let version2: UInt16 = 2
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

    /// Version 2: directory bytes after the header.
    public static let directorySize2 = 32
    /// Version 2: tensor and operator record sizes.
    public static let tensorRecordSize2 = 16
    public static let operatorRecordSize2 = 16
    /// Version 2: alignment of every constant.
    public static let constantAlignment2 = 4

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
    /// Version 2 tensor flag bit: the tensor has a quantization record.
    static let quantizedFlag: UInt8 = 2
}

/// How a tensor's bytes are arranged (version 2 files; version 1 tensors are all dense).
public enum TensorLayout: UInt8, Sendable {
    /// Row-major, `elementCount × elementSize` bytes.
    case dense = 0
    /// int8 GEMM weights in the "n16k4" panels of `WeightPacking`; logical `[n, k]` with
    /// `n = dim 0` and `k` the product of the other dimensions.
    case n16k4 = 1
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

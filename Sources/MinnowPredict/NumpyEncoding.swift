/// Writes NumPy `.npy` (format 1.0) bytes: the header dict padded to a 64-byte boundary, then
/// little-endian C-order data.
public enum NumpyEncoding {
    /// `descr` is a NumPy type string such as "|i1" or "<f4"; `data` holds the elements' bytes.
    public static func encode(descr: String, shape: [Int], data: [UInt8]) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ")
        let shapeText = shape.count == 1 ? "(\(dims),)" : "(\(dims))"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = header.utf8.count
        out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += Array(header.utf8)
        out += data
        return out
    }
}

/// A corrupt or truncated gzip/DEFLATE stream: what is wrong and at which byte offset.
///
/// `byteOffset` counts from the start of the whole input (the `.gz` file), so a reader can
/// report "file.gz: byte 1234: ...".
public struct CompressionError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The input ended before the stream did.
        case truncated
        /// The gzip header is malformed (magic, method, reserved flags).
        case invalidHeader
        /// A DEFLATE block header uses the reserved block type 3.
        case invalidBlockType
        /// A stored block's LEN and NLEN fields are not complements.
        case invalidStoredLength
        /// A dynamic block's code lengths do not describe a valid Huffman code.
        case invalidCodeLengths
        /// A Huffman code that is not assigned to any symbol, or a reserved symbol.
        case invalidSymbol
        /// A back-reference points before the start of the output.
        case invalidDistance
        /// The gzip trailer's CRC-32 does not match the decompressed data.
        case checksumMismatch
        /// The gzip trailer's ISIZE does not match the decompressed length.
        case sizeMismatch
        /// Non-gzip bytes follow the last gzip member.
        case trailingData
        /// The stream decodes to more bytes than the caller's limit allows (a "zip bomb", or a
        /// file larger than what its format declares).
        case outputLimitExceeded
    }

    public var kind: Kind
    /// Offset of the byte at which the problem was detected, from the start of the input.
    public var byteOffset: Int
    public var message: String

    public init(_ kind: Kind, at byteOffset: Int, _ message: String) {
        self.kind = kind
        self.byteOffset = byteOffset
        self.message = message
    }

    public var description: String { "byte \(byteOffset): \(message)" }
}

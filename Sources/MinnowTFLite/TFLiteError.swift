/// Why a `.tflite` file could not be decoded or written. Each case names the field path, as in
/// `subgraphs[0].operators[12].builtin_options`, so a user can find the offending part.
public enum TFLiteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a TFLite FlatBuffer (too small, or the file identifier is not "TFL3").
    case notTFLite(reason: String)
    /// The FlatBuffer structure is broken at `path`.
    case malformed(path: String, FlatBufferError)
    /// A value at `path` breaks the schema's rules (an index out of range, a negative dimension, …).
    case invalid(path: String, reason: String)
    /// Operator `index` of `subgraph` (`builtin`, e.g. "CONV_2D") uses something Minnow does not support.
    case unsupportedOperator(subgraph: Int, index: Int, builtin: String, reason: String)
    /// Content outside operators (a tensor type, sparsity, custom quantization, …) that is not supported.
    case unsupported(path: String, reason: String)
    /// Decoding would allocate more than the file size justifies (e.g. many references to one large vector).
    case tooLarge(path: String, reason: String)

    public var description: String {
        switch self {
        case let .notTFLite(reason):
            return "not a TFLite model: \(reason)"
        case let .malformed(path, error):
            return "\(path): malformed FlatBuffer: \(error)"
        case let .invalid(path, reason):
            return "\(path): \(reason)"
        case let .unsupportedOperator(subgraph, index, builtin, reason):
            return "subgraphs[\(subgraph)].operators[\(index)] (\(builtin)): unsupported: \(reason)"
        case let .unsupported(path, reason):
            return "\(path): unsupported: \(reason)"
        case let .tooLarge(path, reason):
            return "\(path): \(reason)"
        }
    }
}

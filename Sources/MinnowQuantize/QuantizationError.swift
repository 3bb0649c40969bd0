/// An error from the quantization pass: what failed and where (file, layer, tensor).
public struct QuantizationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

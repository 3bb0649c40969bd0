/// Why a model could not be exported; the message names the tensor or operator at fault.
public struct ExportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Why the interpreter could not be set up or run.
public enum RuntimeError: Error, Equatable, Sendable {
    /// The arena is smaller than the plan needs. `required` counts from the arena's first byte,
    /// including alignment padding when the arena does not start on a 16-byte boundary.
    case arenaTooSmall(required: Int, provided: Int)
    /// The model contains an operator this interpreter has no kernel for.
    case unsupportedOperator(op: Int, code: OperatorCode)
}

#if !hasFeature(Embedded)
extension RuntimeError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .arenaTooSmall(required, provided):
            return "arena too small: the model needs \(required) bytes, \(provided) were provided"
        case let .unsupportedOperator(op, code):
            return "operator \(op): no kernel for \(code)"
        }
    }
}
#endif

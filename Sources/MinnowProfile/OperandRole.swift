import MinnowRuntime

/// What a constant operand is for, from its operator and position (see `Graph.swift`).
public enum OperandRole: Sendable, Equatable {
    case weights, bias
    /// Requantization constants, lookup tables, recurrent fixed-point parameters, BN scale/offset.
    case quantization

    public static func of(_ code: OperatorCode, position: Int) -> OperandRole {
        switch code {
        case .fullyConnected, .conv2D, .depthwiseConv2D:
            return position == 1 ? .weights : position == 2 ? .bias : .quantization
        case .lstm:
            return position == 1 || position == 2 ? .weights : position == 3 ? .bias : .quantization
        case .gru:
            return position == 1 || position == 2 ? .weights : position == 3 || position == 4 ? .bias : .quantization
        default:
            return .quantization
        }
    }
}

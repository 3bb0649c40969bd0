// The vocabulary shared by the model file, the builder and the interpreter. Operator codes and
// each operator's conventions live in `Operators/`.

/// Element type of a tensor, stored as one byte in the model file.
public enum ElementType: UInt8, Sendable {
    case float32 = 1
    case int8 = 2
    case int16 = 3
    case int32 = 4
    case uint8 = 5

    /// Size of one element in bytes.
    public var byteCount: Int {
        switch self {
        case .float32, .int32: return 4
        case .int16: return 2
        case .int8, .uint8: return 1
        }
    }
}

/// Spatial padding, as in TFLite and Keras.
public enum Padding: UInt8, Sendable {
    case valid = 0
    case same = 1
}

/// Activation fused into the producing operator's output.
public enum FusedActivation: UInt8, Sendable {
    case none = 0
    case relu = 1
    case relu6 = 2
}

/// The options of any operator, as one value: each operator stores and reads only the fields it
/// has (its `decodeOptions`/`encodeOptions`, in its own layout in a version 3 file); the others
/// keep these defaults. Versions 1 and 2 stored one fixed record for every operator.
public struct OperatorOptions: Equatable, Sendable {
    /// Pooling window (convolutions take it from their weights; 0 there).
    public var kernelHeight: Int32 = 0
    public var kernelWidth: Int32 = 0
    public var strideHeight: Int32 = 1
    public var strideWidth: Int32 = 1
    /// Convolution dilation (only 1 runs today).
    public var dilationHeight: Int32 = 1
    public var dilationWidth: Int32 = 1
    /// Channel-wise convolution: output channels per input channel (only 1 runs today).
    public var depthMultiplier: Int32 = 1
    public var padding: Padding = .valid
    public var activation: FusedActivation = .none
    /// LSTM/GRU hidden size.
    public var units: Int32 = 0
    /// LSTM/GRU: emit every step instead of the last one.
    public var returnSequences: Bool = false

    public init(
        kernelHeight: Int32 = 0, kernelWidth: Int32 = 0,
        strideHeight: Int32 = 1, strideWidth: Int32 = 1,
        padding: Padding = .valid, activation: FusedActivation = .none,
        units: Int32 = 0, returnSequences: Bool = false,
        dilationHeight: Int32 = 1, dilationWidth: Int32 = 1, depthMultiplier: Int32 = 1
    ) {
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padding = padding
        self.activation = activation
        self.units = units
        self.returnSequences = returnSequences
        self.dilationHeight = dilationHeight
        self.dilationWidth = dilationWidth
        self.depthMultiplier = depthMultiplier
    }
}

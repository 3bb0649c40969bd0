/// A TFLite model as plain values: what `TFLiteModel(bytes:)` decodes from a `.tflite` file and
/// `TFLiteWriter` encodes back. It keeps the part of `schema.fbs` Minnow uses (see README); fields
/// outside it (signature defs, sparsity, external buffers) are rejected or dropped as documented
/// on each decoder check.
public struct TFLiteModel: Equatable, Sendable {
    /// Schema version (3 for every current converter).
    public var version: UInt32
    /// The converter's description string, e.g. "MLIR Converted.".
    public var description: String?
    /// Operator codes that `TFLiteOperator.opcodeIndex` refers to.
    public var operatorCodes: [TFLiteOperatorCode]
    /// Subgraphs; subgraph 0 is the model's entry.
    public var subgraphs: [TFLiteSubgraph]
    /// Constant data that `TFLiteTensor.buffer` refers to; buffer 0 is the empty sentinel.
    public var buffers: [TFLiteBuffer]
    /// Named metadata entries (e.g. "min_runtime_version"), each referring to a buffer.
    public var metadata: [TFLiteMetadata]

    public init(version: UInt32 = 3, description: String? = nil, operatorCodes: [TFLiteOperatorCode],
                subgraphs: [TFLiteSubgraph], buffers: [TFLiteBuffer], metadata: [TFLiteMetadata] = []) {
        self.version = version
        self.description = description
        self.operatorCodes = operatorCodes
        self.subgraphs = subgraphs
        self.buffers = buffers
        self.metadata = metadata
    }
}

/// One entry of `Model.operator_codes`.
public struct TFLiteOperatorCode: Equatable, Sendable {
    /// The operator (from `builtin_code`, or `deprecated_builtin_code` in files older than code 127).
    public var builtin: TFLiteBuiltinOperator
    /// Operator version; each kernel supports a range of versions.
    public var version: Int32

    public init(builtin: TFLiteBuiltinOperator, version: Int32 = 1) {
        self.builtin = builtin
        self.version = version
    }
}

/// A subgraph: tensors and the operators between them, in execution order.
public struct TFLiteSubgraph: Equatable, Sendable {
    public var name: String?
    public var tensors: [TFLiteTensor]
    /// Indices into `tensors` of the subgraph's inputs and outputs.
    public var inputs: [Int32]
    public var outputs: [Int32]
    public var operators: [TFLiteOperator]

    public init(name: String? = nil, tensors: [TFLiteTensor], inputs: [Int32], outputs: [Int32],
                operators: [TFLiteOperator]) {
        self.name = name
        self.tensors = tensors
        self.inputs = inputs
        self.outputs = outputs
        self.operators = operators
    }
}

/// Element types (`TensorType` in schema.fbs) this decoder accepts.
public enum TFLiteTensorType: Int8, Equatable, Sendable, CaseIterable, CustomStringConvertible {
    case float32 = 0
    case float16 = 1
    case int32 = 2
    case uint8 = 3
    case int64 = 4
    case bool = 6
    case int16 = 7
    case int8 = 9

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .float16, .int16: return 2
        case .float32, .int32: return 4
        case .int64: return 8
        }
    }

    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float16: return "float16"
        case .int32: return "int32"
        case .uint8: return "uint8"
        case .int64: return "int64"
        case .bool: return "bool"
        case .int16: return "int16"
        case .int8: return "int8"
        }
    }
}

/// Affine quantization: real = scale × (q − zero point), per tensor (one scale) or per channel
/// along `quantizedDimension`.
public struct TFLiteQuantization: Equatable, Sendable {
    public var scale: [Float]
    public var zeroPoint: [Int64]
    public var quantizedDimension: Int32
    /// Calibrated range, kept only so that a round trip reproduces the file.
    public var min: [Float]
    public var max: [Float]

    public init(scale: [Float], zeroPoint: [Int64], quantizedDimension: Int32 = 0, min: [Float] = [], max: [Float] = []) {
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.quantizedDimension = quantizedDimension
        self.min = min
        self.max = max
    }
}

/// A tensor of a subgraph.
public struct TFLiteTensor: Equatable, Sendable {
    public var name: String
    /// Static shape (batch first, NHWC for images).
    public var shape: [Int32]
    /// Shape with -1 for dynamic dimensions, when the converter wrote one.
    public var shapeSignature: [Int32]?
    public var type: TFLiteTensorType
    /// Index into `TFLiteModel.buffers`; 0 (the empty buffer) for activations.
    public var buffer: UInt32
    /// Nil for float tensors and tensors without scales.
    public var quantization: TFLiteQuantization?
    /// Persistent state, e.g. an LSTM's hidden and cell state.
    public var isVariable: Bool

    public init(name: String, shape: [Int32], shapeSignature: [Int32]? = nil, type: TFLiteTensorType,
                buffer: UInt32 = 0, quantization: TFLiteQuantization? = nil, isVariable: Bool = false) {
        self.name = name
        self.shape = shape
        self.shapeSignature = shapeSignature
        self.type = type
        self.buffer = buffer
        self.quantization = quantization
        self.isVariable = isVariable
    }

    /// Number of elements (1 for a scalar); nil when a dimension is negative or the product overflows.
    public var elementCount: Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, o) = n.multipliedReportingOverflow(by: Int(d))
            if o { return nil }
            n = p
        }
        return n
    }
}

/// Constant tensor data.
public struct TFLiteBuffer: Equatable, Sendable {
    /// Little-endian element bytes; empty for activations.
    public var data: [UInt8]

    public init(data: [UInt8] = []) { self.data = data }
}

/// A `Model.metadata` entry.
public struct TFLiteMetadata: Equatable, Sendable {
    public var name: String
    public var buffer: UInt32

    public init(name: String, buffer: UInt32) {
        self.name = name
        self.buffer = buffer
    }
}

/// An operator of a subgraph.
public struct TFLiteOperator: Equatable, Sendable {
    /// Index into `TFLiteModel.operatorCodes`.
    public var opcodeIndex: UInt32
    /// Tensor indices; -1 marks an omitted optional input (e.g. an LSTM's peephole weights).
    public var inputs: [Int32]
    public var outputs: [Int32]
    /// Tensors that carry quantization of internal values (the integer LSTM's gate outputs).
    public var intermediates: [Int32]
    public var options: TFLiteOperatorOptions

    public init(opcodeIndex: UInt32, inputs: [Int32], outputs: [Int32], intermediates: [Int32] = [],
                options: TFLiteOperatorOptions = .none) {
        self.opcodeIndex = opcodeIndex
        self.inputs = inputs
        self.outputs = outputs
        self.intermediates = intermediates
        self.options = options
    }
}

/// `Padding` in schema.fbs.
public enum TFLitePadding: Int8, Equatable, Sendable {
    case same = 0
    case valid = 1
}

/// `ActivationFunctionType` in schema.fbs, without SIGN_BIT, which no supported kernel fuses.
public enum TFLiteActivation: Int8, Equatable, Sendable {
    case none = 0
    case relu = 1
    case reluN1To1 = 2
    case relu6 = 3
    case tanh = 4
}

/// Builtin options of the supported operators, decoded from `Operator.builtin_options`.
public enum TFLiteOperatorOptions: Equatable, Sendable {
    /// The operator has no options table (RELU, LOGISTIC, …) or an empty one was absent.
    case none
    case conv2D(Conv2D)
    case depthwiseConv2D(DepthwiseConv2D)
    case pool2D(Pool2D)
    case fullyConnected(FullyConnected)
    case softmax(beta: Float)
    case concatenation(axis: Int32, activation: TFLiteActivation)
    case add(activation: TFLiteActivation, potScaleInt16: Bool)
    case mul(activation: TFLiteActivation)
    /// `new_shape` is nil when the option is absent (the shape then comes from input 1).
    case reshape(newShape: [Int32]?)
    case squeeze(squeezeDims: [Int32])
    /// `ReducerOptions` (MEAN).
    case reducer(keepDims: Bool)
    /// Present but empty options tables (PAD, QUANTIZE, DEQUANTIZE), kept so a round trip matches.
    case pad
    case quantize
    case dequantize
    case unidirectionalSequenceLSTM(UnidirectionalSequenceLSTM)

    public struct Conv2D: Equatable, Sendable {
        public var padding: TFLitePadding
        public var strideW: Int32, strideH: Int32
        public var dilationW: Int32, dilationH: Int32
        public var activation: TFLiteActivation
        public init(padding: TFLitePadding, strideW: Int32, strideH: Int32, dilationW: Int32 = 1,
                    dilationH: Int32 = 1, activation: TFLiteActivation = .none) {
            self.padding = padding
            self.strideW = strideW
            self.strideH = strideH
            self.dilationW = dilationW
            self.dilationH = dilationH
            self.activation = activation
        }
    }

    public struct DepthwiseConv2D: Equatable, Sendable {
        public var padding: TFLitePadding
        public var strideW: Int32, strideH: Int32
        public var depthMultiplier: Int32
        public var dilationW: Int32, dilationH: Int32
        public var activation: TFLiteActivation
        public init(padding: TFLitePadding, strideW: Int32, strideH: Int32, depthMultiplier: Int32,
                    dilationW: Int32 = 1, dilationH: Int32 = 1, activation: TFLiteActivation = .none) {
            self.padding = padding
            self.strideW = strideW
            self.strideH = strideH
            self.depthMultiplier = depthMultiplier
            self.dilationW = dilationW
            self.dilationH = dilationH
            self.activation = activation
        }
    }

    public struct Pool2D: Equatable, Sendable {
        public var padding: TFLitePadding
        public var strideW: Int32, strideH: Int32
        public var filterW: Int32, filterH: Int32
        public var activation: TFLiteActivation
        public init(padding: TFLitePadding, strideW: Int32, strideH: Int32, filterW: Int32, filterH: Int32,
                    activation: TFLiteActivation = .none) {
            self.padding = padding
            self.strideW = strideW
            self.strideH = strideH
            self.filterW = filterW
            self.filterH = filterH
            self.activation = activation
        }
    }

    public struct FullyConnected: Equatable, Sendable {
        public var activation: TFLiteActivation
        /// Output keeps the input's rank ([.., units]) instead of being 2-D.
        public var keepNumDims: Bool
        public init(activation: TFLiteActivation = .none, keepNumDims: Bool = false) {
            self.activation = activation
            self.keepNumDims = keepNumDims
        }
    }

    public struct UnidirectionalSequenceLSTM: Equatable, Sendable {
        public var activation: TFLiteActivation
        /// 0 means no clipping.
        public var cellClip: Float
        public var projClip: Float
        /// Input is [time, batch, features] instead of [batch, time, features].
        public var timeMajor: Bool
        public init(activation: TFLiteActivation = .tanh, cellClip: Float = 0, projClip: Float = 0, timeMajor: Bool = false) {
            self.activation = activation
            self.cellClip = cellClip
            self.projClip = projClip
            self.timeMajor = timeMajor
        }
    }
}

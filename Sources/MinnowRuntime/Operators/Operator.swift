/// Everything the runtime knows about one operator lives in one type that conforms to
/// `OperatorDefinition`, in one file of this folder (see `ADDING_AN_OPERATOR.md`): how its options
/// are stored in a version 3 file, which operands it accepts on the float and the int8 path, the
/// scratch it asks the planner for, whether its output may share its input's memory, the calls
/// into its kernels, and its cost.
///
/// Dispatch is static: `OperatorCode.visit(_:)` is the one list of operators, and each question
/// the loader, planner, interpreter or profiler asks is an `OperatorVisitor` (no existentials, so
/// the same code compiles in Embedded Swift). The model was validated once at load, so
/// `invoke` and the sizing queries run without checks.
public protocol OperatorDefinition {
    /// The code stored in model files.
    static var code: OperatorCode { get }

    /// Which of the operator's kernels this build includes (firmware builds compile in only what
    /// their model uses; see `KernelSelection`).
    static var kernels: KernelSelection { get }

    /// Reads the operator's options from its bytes of a version 3 file, rejecting unknown values.
    static func decodeOptions(_ bytes: OptionBytes, op: Int) throws(ModelError) -> OperatorOptions

    /// Writes the fields of `options` this operator stores (the inverse of `decodeOptions`).
    static func encodeOptions(_ options: OperatorOptions, into bytes: inout OptionWriter)

    /// Checks arity, element types, shapes, options, quantization and constants of `node` on its
    /// path (float or int8, after `path(_:)` checked the build has that kernel); after this,
    /// `invoke` may read every operand unchecked.
    static func validate(_ node: OperatorNode) throws(ModelError)

    /// Arena scratch the operator needs while it runs on kernel path `kernels` (0 bytes for none).
    static func scratch(_ node: OperatorNode, kernels: KernelPath) -> ScratchRequest

    /// Whether the output may live in an input's memory (the planner decides if it can).
    static func sharing(_ node: OperatorNode) -> MemorySharing

    /// Runs the operator on the interpreter's tensors.
    static func invoke(_ node: OperatorNode, _ context: InvocationContext)

    /// Multiply-accumulates and elementary operations of one invocation (profiles and the load-time
    /// work limit).
    static func cost(_ node: OperatorNode) -> OperatorCost

    /// What constant input `position` is for (flash breakdowns).
    static func role(ofInput position: Int) -> OperandRole

    /// True when the int8 operator's requantization constant carries everything its kernels need
    /// from the weights' and bias's quantization parameters, so a file may leave those out.
    static var constantsCarryQuantization: Bool { get }

    /// The axis of its weights (input 1) that holds the output channels, for an operator with
    /// per-channel weights, a bias (input 2) and a fused activation; `nil` otherwise. The quantizer
    /// quantizes, folds batch norm into and fuses activations with exactly these operators.
    static var weightChannelAxis: Int? { get }
}

extension OperatorDefinition {
    public static func scratch(_ node: OperatorNode, kernels: KernelPath) -> ScratchRequest { ScratchRequest() }
    public static func sharing(_ node: OperatorNode) -> MemorySharing { .none }
    public static func role(ofInput position: Int) -> OperandRole { .quantization }
    public static var constantsCarryQuantization: Bool { false }
    public static var weightChannelAxis: Int? { nil }

    /// The options of a validated node, decoded without checks.
    @inline(__always)
    static func options(_ node: OperatorNode) -> OperatorOptions { node.model.operatorOptions(node.index, as: Self.self) }

    /// The node's path, after checking this build has its kernel (else `.unsupportedOperator`).
    /// Validation branches on it, so a path a firmware build leaves out folds away.
    @inline(__always)
    static func path(_ node: OperatorNode) throws(ModelError) -> Bool {
        let int8 = node.isInt8
        if int8 {
            guard kernels.int8 else { throw .unsupportedOperator(op: node.index, code: code) }
        } else {
            guard kernels.float else { throw .unsupportedOperator(op: node.index, code: code) }
        }
        return int8
    }
}

/// The question an `OperatorCode` answers by handing the operator's type to `visit`.
public protocol OperatorVisitor {
    associatedtype Result
    associatedtype Failure: Error
    func visit<O: OperatorDefinition>(_ operator: O.Type) throws(Failure) -> Result
}

/// Which kernels of an operator a build includes, like TensorFlow Lite Micro's op resolver.
///
/// Every kernel is in by default. A build compiled with `-D MINNOW_SELECTED_OPERATORS` includes
/// only those named by `-D MINNOW_OP_<PATH>_<CODE>` (PATH `FLOAT32` or `INT8`, CODE the
/// `OperatorCode` case name in capitals, e.g. `-D MINNOW_OP_INT8_CONV2D`): each operator file
/// reads its own two conditions, an excluded kernel's code folds away, and `Model(bytes:)` rejects
/// a model that needs it with `ModelError.unsupportedOperator`. `firmware-sim/run` derives the
/// conditions from the model file.
public struct KernelSelection: Sendable {
    public var float: Bool
    public var int8: Bool
    public init(float: Bool, int8: Bool) {
        self.float = float
        self.int8 = int8
    }
    public static var all: KernelSelection { KernelSelection(float: true, int8: true) }
}

/// Scratch memory an operator asks the planner for.
public struct ScratchRequest: Sendable {
    /// Bytes of arena (rounded up to 16 by the planner).
    public var bytes: Int
    /// State that must survive between invocations of a streaming interpreter (recurrent state):
    /// nothing else may share its memory, and `Interpreter.resetState()` zeroes it.
    public var isState: Bool
    public init(bytes: Int = 0, isState: Bool = false) {
        self.bytes = bytes
        self.isState = isState
    }
}

/// How an operator's output may share memory with its inputs.
public enum MemorySharing: Sendable {
    /// The output needs its own memory.
    case none
    /// The output is input 0's bytes reinterpreted (reshape): it always aliases a non-constant input.
    case aliasesInput
    /// The output may be written over any input that dies at this operator and is at least as
    /// large (element-wise operators; pooling without leading padding).
    case overwritesInput
}

/// What a constant operand of an operator holds.
public enum OperandRole: Sendable, Equatable {
    case weights, bias
    /// Requantization constants, lookup tables, fixed-point parameters, batch-norm scale and offset.
    case quantization
}

/// Work of one invocation of an operator.
public struct OperatorCost: Sendable, Equatable {
    /// Multiply-accumulates, as profiles and papers count them (one per weight use).
    public var macs: Int
    /// All elementary steps (MACs, compares, table lookups, element copies): what the loader's work
    /// limit counts.
    public var operations: Int
    public init(macs: Int = 0, operations: Int) {
        self.macs = macs
        self.operations = operations
    }
}

/// One operator of a model, as its operator file sees it.
public struct OperatorNode: @unchecked Sendable {
    public let model: Model
    /// Index of the operator in execution order.
    public let index: Int

    @inline(__always)
    public init(model: Model, index: Int) {
        self.model = model
        self.index = index
    }

    @inline(__always) public var code: OperatorCode { model.operatorCode(index) }
    @inline(__always) public var inputs: TensorIndexList { model.operatorInputs(index) }
    @inline(__always) public var outputs: TensorIndexList { model.operatorOutputs(index) }
    /// Tensor index of input `position`.
    @inline(__always) public func input(_ position: Int) -> Int { inputs[position] }
    /// Tensor index of the first output.
    @inline(__always) public var output: Int { outputs[0] }
    @inline(__always) public func shape(_ tensor: Int) -> TensorShape { model.tensorShape(tensor) }
    @inline(__always) public func type(_ tensor: Int) -> ElementType { model.tensorType(tensor) }

    /// True when the operator runs on the int8 path: its first input or output is int8.
    public var isInt8: Bool {
        let ins = inputs, outs = outputs
        return (ins.count > 0 && model.tensorType(ins[0]) == .int8) || (outs.count > 0 && model.tensorType(outs[0]) == .int8)
    }

    // MARK: Validation helpers (each throws the `ModelError` that names the operator)

    /// Exactly `inputs` inputs and `outputs` outputs.
    public func requireArity(_ inputCount: Int, _ outputCount: Int = 1) throws(ModelError) {
        guard inputs.count == inputCount, outputs.count == outputCount else { throw .operatorArity(op: index, code: code) }
    }

    /// A shape rule.
    public func require(_ condition: Bool, _ detail: ShapeCheck) throws(ModelError) {
        guard condition else { throw .shapeMismatch(op: index, detail: detail) }
    }

    /// Tensor `t` has element type `expected`.
    public func requireType(_ t: Int, _ expected: ElementType) throws(ModelError) {
        guard model.tensorType(t) == expected else { throw .elementTypeMismatch(op: index, tensor: t) }
    }

    /// Every operand (inputs and outputs) is float32, dense and unquantized: the float path.
    public func requireFloatOperands() throws(ModelError) {
        for t in inputs {
            guard model.quantization(t) == nil else { throw .badQuantization(tensor: t, detail: .elementType) }
            guard model.tensorLayout(t) == .dense else { throw .tensorOutOfRange(tensor: t, field: .layout) }
            try requireType(t, .float32)
        }
        for t in outputs { try requireType(t, .float32) }
    }

    /// Tensor `t` is a constant of element type `expected`.
    public func requireConstant(_ t: Int, _ expected: ElementType) throws(ModelError) {
        try requireType(t, expected)
        guard model.isConstant(t) else { throw .elementTypeMismatch(op: index, tensor: t) }
    }

    /// Tensor `t` is int8 with per-tensor quantization; returns it.
    @discardableResult
    public func requirePerTensor(_ t: Int) throws(ModelError) -> TensorQuantization {
        guard let q = model.quantization(t), q.count == 1 else { throw .badQuantization(tensor: t, detail: .missing) }
        return q
    }

    /// The int8 path's common rule: input 0 and output 0 are int8 with per-tensor parameters.
    public func requireInt8Edges() throws(ModelError) {
        try requireType(input(0), .int8)
        try requireType(output, .int8)
        try requirePerTensor(input(0))
        try requirePerTensor(output)
    }

    /// Tensors `a` and `b` map integers to reals the same way (pooling, reshape, clamps).
    public func requireSameMapping(_ a: Int, _ b: Int) throws(ModelError) {
        let qa = try requirePerTensor(a), qb = try requirePerTensor(b)
        guard qa.sameMapping(as: qb) else { throw .badQuantization(tensor: b, detail: .mismatch) }
    }

    /// Tensor `t` has the fixed parameters of a bounded function's output.
    public func requireFixedRange(_ t: Int, scale: Float, zeroPoint: Int32) throws(ModelError) {
        let q = try requirePerTensor(t)
        guard q.scale() == scale, q.zeroPoint() == zeroPoint else { throw .badQuantization(tensor: t, detail: .fixedRange) }
    }

    /// The window of a conv or pooling operator over input `x` (NHWC, batch 1); throws when strides,
    /// dilations or sizes are invalid. Sizes are bounded so window arithmetic never overflows.
    public func window(input x: TensorShape, kernelHeight: Int, kernelWidth: Int,
                       options: OperatorOptions) throws(ModelError) -> WindowGeometry {
        guard options.strideHeight >= 1, options.strideWidth >= 1,
              options.strideHeight <= 65535, options.strideWidth <= 65535 else {
            throw .badOptions(op: index, field: .stride)
        }
        guard options.dilationHeight == 1, options.dilationWidth == 1 else { throw .badOptions(op: index, field: .dilation) }
        guard kernelHeight >= 1, kernelWidth >= 1, kernelHeight <= 65535, kernelWidth <= 65535 else {
            throw .badOptions(op: index, field: .kernelSize)
        }
        guard let g = WindowGeometry(inputHeight: x[1], inputWidth: x[2], channels: x[3],
                                     kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                                     strideHeight: Int(options.strideHeight), strideWidth: Int(options.strideWidth),
                                     padding: options.padding) else {
            throw .shapeMismatch(op: index, detail: .outputShape)
        }
        return g
    }

    /// The window of a validated conv or pooling node (no checks; one shared copy in firmware).
    @inline(never)
    func uncheckedWindow(input x: TensorShape, kernelHeight: Int, kernelWidth: Int, options: OperatorOptions) -> WindowGeometry {
        WindowGeometry(inputHeight: x[1], inputWidth: x[2], channels: x[3],
                       kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                       strideHeight: Int(options.strideHeight), strideWidth: Int(options.strideWidth),
                       padding: options.padding).unsafelyUnwrapped
    }
}

/// What an operator's `invoke` reads and writes: the interpreter's tensors, its scratch, and the
/// kernel path to run.
public struct InvocationContext {
    let interpreter: Interpreter

    @inline(__always) init(_ interpreter: Interpreter) { self.interpreter = interpreter }

    /// The implementation the interpreter runs (`Interpreter.kernels`).
    @inline(__always) public var kernels: KernelPath { interpreter.kernels }
    /// Whether recurrent state carries over between invocations.
    @inline(__always) public var streaming: Bool { interpreter.streaming }

    @inline(__always) public func raw(_ t: Int) -> UnsafeMutableRawPointer { interpreter.pointer(t) }
    @inline(__always) public func floats(_ t: Int) -> UnsafeMutablePointer<Float> { interpreter.floats(t) }
    @inline(__always) public func int8s(_ t: Int) -> UnsafeMutablePointer<Int8> { interpreter.pointer(t).assumingMemoryBound(to: Int8.self) }
    @inline(__always) public func int32s(_ t: Int) -> UnsafePointer<Int32> {
        UnsafePointer(interpreter.pointer(t).assumingMemoryBound(to: Int32.self))
    }
    /// Scratch of operator `op` (`scratch(_:)` bytes, 16-byte aligned; meaningless when it asked for none).
    @inline(__always) public func scratch(_ op: Int) -> UnsafeMutableRawPointer { interpreter.scratchPointer(op) }
    /// Per-tensor quantization of a tensor validated to have it.
    @inline(__always) public func quantization(_ t: Int) -> TensorQuantization {
        interpreter.model.quantization(t).unsafelyUnwrapped
    }
}

/// The bytes of one operator's options in a version 3 file, read little-endian in place.
public struct OptionBytes: @unchecked Sendable {
    /// Largest options record an operator may store.
    public static let capacity = 32
    let base: UnsafeRawPointer?
    /// Number of bytes.
    public let count: Int

    init(base: UnsafeRawPointer?, count: Int) {
        self.base = base
        self.count = count
    }

    /// Byte `offset` (0 past the end, so a short record reads as zeros and fails its length check).
    @inline(__always)
    public func u8(_ offset: Int) -> UInt8 {
        guard offset >= 0 && offset < count, let base else { return 0 }
        return base.load(fromByteOffset: offset, as: UInt8.self)
    }
    @inline(__always)
    public func u16(_ offset: Int) -> UInt16 { UInt16(u8(offset)) | UInt16(u8(offset &+ 1)) << 8 }
}

/// Builds an operator's options record (the host-side serializer).
public struct OptionWriter: Sendable {
    /// The record so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Appends a byte.
    public mutating func append(_ value: UInt8) {
        precondition(bytes.count < OptionBytes.capacity, "OptionWriter: options record too large")
        bytes.append(value)
    }
    /// Appends a little-endian UInt16.
    public mutating func append(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }
    /// Appends an option value that must fit 16 bits (the builder traps on larger ones).
    public mutating func append16(_ value: Int32) {
        precondition(value >= 0 && value <= 0xFFFF, "OptionWriter: option value out of range")
        append(UInt16(truncatingIfNeeded: value))
    }
}

/// Shared option layouts: several operators store the same fields in the same order.
enum OptionLayout {
    /// No options: the record must be empty.
    static func decodeNone(_ b: OptionBytes, op: Int) throws(ModelError) -> OperatorOptions {
        guard b.count == 0 else { throw .badOptions(op: op, field: .length) }
        return OperatorOptions()
    }

    /// `u8 activation, 3 × u8 reserved`.
    static func decodeActivation(_ b: OptionBytes, op: Int) throws(ModelError) -> OperatorOptions {
        guard b.count == 4 else { throw .badOptions(op: op, field: .length) }
        guard let activation = FusedActivation(rawValue: b.u8(0)) else { throw .badOptions(op: op, field: .activation) }
        guard b.u8(1) == 0, b.u8(2) == 0, b.u8(3) == 0 else { throw .badOptions(op: op, field: .reserved) }
        var o = OperatorOptions()
        o.activation = activation
        return o
    }
    static func encodeActivation(_ o: OperatorOptions, into b: inout OptionWriter) {
        b.append(o.activation.rawValue)
        b.append(UInt8(0)); b.append(UInt8(0)); b.append(UInt8(0))
    }

    /// Convolutions: `u8 padding, u8 activation, u16 stride h, u16 stride w, u16 dilation h,
    /// u16 dilation w, u16 depth multiplier` (12 bytes; the multiplier is 1 for a plain convolution).
    static func decodeConvolution(_ b: OptionBytes, op: Int) throws(ModelError) -> OperatorOptions {
        guard b.count == 12 else { throw .badOptions(op: op, field: .length) }
        var o = try decodeWindowHead(b, op: op)
        o.dilationHeight = Int32(b.u16(6))
        o.dilationWidth = Int32(b.u16(8))
        o.depthMultiplier = Int32(b.u16(10))
        return o
    }
    static func encodeConvolution(_ o: OperatorOptions, into b: inout OptionWriter) {
        encodeWindowHead(o, into: &b)
        b.append16(o.dilationHeight); b.append16(o.dilationWidth)
        b.append16(o.depthMultiplier)
    }

    /// Pooling: `u8 padding, u8 activation, u16 stride h, u16 stride w, u16 window h, u16 window w,
    /// u16 reserved` (12 bytes).
    static func decodePool(_ b: OptionBytes, op: Int) throws(ModelError) -> OperatorOptions {
        guard b.count == 12 else { throw .badOptions(op: op, field: .length) }
        var o = try decodeWindowHead(b, op: op)
        o.kernelHeight = Int32(b.u16(6))
        o.kernelWidth = Int32(b.u16(8))
        guard b.u16(10) == 0 else { throw .badOptions(op: op, field: .reserved) }
        return o
    }
    static func encodePool(_ o: OperatorOptions, into b: inout OptionWriter) {
        encodeWindowHead(o, into: &b)
        b.append16(o.kernelHeight); b.append16(o.kernelWidth)
        b.append(UInt16(0))
    }

    private static func decodeWindowHead(_ b: OptionBytes, op: Int) throws(ModelError) -> OperatorOptions {
        guard let padding = Padding(rawValue: b.u8(0)) else { throw .badOptions(op: op, field: .padding) }
        guard let activation = FusedActivation(rawValue: b.u8(1)) else { throw .badOptions(op: op, field: .activation) }
        var o = OperatorOptions()
        o.padding = padding
        o.activation = activation
        o.strideHeight = Int32(b.u16(2))
        o.strideWidth = Int32(b.u16(4))
        return o
    }
    private static func encodeWindowHead(_ o: OperatorOptions, into b: inout OptionWriter) {
        b.append(o.padding.rawValue)
        b.append(o.activation.rawValue)
        b.append16(o.strideHeight); b.append16(o.strideWidth)
    }

    /// Recurrent operators: `u16 units, u8 return sequences (0/1), u8 reserved`.
    static func decodeRecurrent(_ b: OptionBytes, op: Int) throws(ModelError) -> OperatorOptions {
        guard b.count == 4 else { throw .badOptions(op: op, field: .length) }
        guard b.u8(2) <= 1 else { throw .badOptions(op: op, field: .returnSequences) }
        guard b.u8(3) == 0 else { throw .badOptions(op: op, field: .reserved) }
        var o = OperatorOptions()
        o.units = Int32(b.u16(0))
        o.returnSequences = b.u8(2) == 1
        return o
    }
    static func encodeRecurrent(_ o: OperatorOptions, into b: inout OptionWriter) {
        b.append16(o.units)
        b.append(UInt8(o.returnSequences ? 1 : 0))
        b.append(UInt8(0))
    }
}

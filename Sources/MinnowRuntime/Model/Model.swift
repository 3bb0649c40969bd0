/// A validated, read-only view of a Minnow model file (see `ModelFormat`).
///
/// Zero copy: `Model` points into caller-owned bytes, which must stay alive and unchanged for as
/// long as the model (and any `Interpreter` built on it) is used. `init(bytes:)` validates every
/// offset, length, shape, type, operator and graph rule up front, so the accessors and kernels
/// afterwards read without bounds checks. The bytes must start at a 4-byte aligned address; use a
/// 16-byte aligned buffer so constants are 16-byte aligned too.
public struct Model: @unchecked Sendable {
    let base: UnsafeRawPointer
    /// Total file length in bytes (the buffer may be longer).
    public let byteCount: Int
    /// Number of tensors in the tensor table.
    public let tensorCount: Int
    /// Number of operators, in execution order.
    public let operatorCount: Int
    let tensorTable: Int
    let operatorTable: Int
    let operandCount: Int
    let operandList: Int
    let inputCount: Int
    let inputList: Int
    let outputCount: Int
    let outputList: Int
    let stringTable: Int
    let stringLength: Int
    let constantData: Int
    let constantLength: Int

    /// Validates `bytes` as a Minnow model and wraps them without copying.
    public init(bytes: UnsafeRawBufferPointer) throws(ModelError) {
        let minimum = ModelFormat.headerSize + ModelFormat.directorySize
        guard bytes.count >= ModelFormat.headerSize, let base = bytes.baseAddress else {
            throw .truncated(expected: ModelFormat.headerSize, found: bytes.count)
        }
        guard base.readLE(0, as: UInt32.self) == ModelFormat.magic else { throw .badMagic }
        let version = base.readLE(4, as: UInt16.self)
        guard version == ModelFormat.version else { throw .unsupportedVersion(found: Int(version)) }
        let flags = base.readLE(6, as: UInt16.self)
        guard flags == 0 else { throw .unsupportedFlags(found: Int(flags)) }
        let length = Int(clamping: base.readLE(8, as: UInt32.self))
        guard length <= bytes.count else { throw .truncated(expected: length, found: bytes.count) }
        guard length >= minimum else { throw .truncated(expected: minimum, found: length) }
        guard UInt(bitPattern: base) % 4 == 0 else { throw .misalignedBuffer(address: UInt(bitPattern: base)) }
        let stored = base.readLE(12, as: UInt32.self)
        let computed = crc32(UnsafeRawBufferPointer(start: base + ModelFormat.headerSize, count: length - ModelFormat.headerSize))
        guard stored == computed else { throw .checksumMismatch(expected: stored, found: computed) }

        /// Reads a section's (count, offset) pair and checks it lies inside [minimum, length].
        func section(_ countField: Int, _ offsetField: Int, _ elementSize: Int, _ alignment: Int,
                     _ name: ModelSection) throws(ModelError) -> (count: Int, offset: Int) {
            let count = Int(clamping: base.readLE(countField, as: UInt32.self))
            let offset = Int(clamping: base.readLE(offsetField, as: UInt32.self))
            // Counts and offsets are below 2^32 and sizes at most 48: no overflow in 64-bit Int;
            // on 32-bit targets use overflow-checked arithmetic.
            let (size, o1) = count.multipliedReportingOverflow(by: elementSize)
            let (end, o2) = offset.addingReportingOverflow(size)
            guard !o1, !o2, offset >= minimum, end <= length, offset % alignment == 0 else {
                throw .sectionOutOfRange(section: name)
            }
            return (count, offset)
        }
        let tensors = try section(ModelFormat.tensorCountOffset, ModelFormat.tensorTableOffset,
                                  ModelFormat.tensorRecordSize, 4, .tensorTable)
        let operators = try section(ModelFormat.operatorCountOffset, ModelFormat.operatorTableOffset,
                                    ModelFormat.operatorRecordSize, 4, .operatorTable)
        let operands = try section(ModelFormat.operandCountOffset, ModelFormat.operandListOffset, 4, 4, .operandList)
        let inputs = try section(ModelFormat.inputCountOffset, ModelFormat.inputListOffset, 4, 4, .inputList)
        let outputs = try section(ModelFormat.outputCountOffset, ModelFormat.outputListOffset, 4, 4, .outputList)
        let strings = try section(ModelFormat.stringTableLength, ModelFormat.stringTableOffset, 1, 1, .stringTable)
        let constants = try section(ModelFormat.constantDataLength, ModelFormat.constantDataOffset, 1,
                                    ModelFormat.constantAlignment, .constantData)

        self.base = base
        self.byteCount = length
        self.tensorCount = tensors.count
        self.tensorTable = tensors.offset
        self.operatorCount = operators.count
        self.operatorTable = operators.offset
        self.operandCount = operands.count
        self.operandList = operands.offset
        self.inputCount = inputs.count
        self.inputList = inputs.offset
        self.outputCount = outputs.count
        self.outputList = outputs.offset
        self.stringTable = strings.offset
        self.stringLength = strings.count
        self.constantData = constants.offset
        self.constantLength = constants.count

        for t in 0..<tensorCount { try validateTensor(t) }
        for op in 0..<operatorCount { try validateOperator(op) }
        try validateGraph()
    }

    // MARK: Raw record access (valid only after validation)

    @inline(__always) func tensorRecord(_ t: Int) -> UnsafeRawPointer { base + (tensorTable &+ t &* ModelFormat.tensorRecordSize) }
    @inline(__always) func operatorRecord(_ op: Int) -> UnsafeRawPointer { base + (operatorTable &+ op &* ModelFormat.operatorRecordSize) }

    // MARK: Tensors

    /// Element type of tensor `t`.
    public func tensorType(_ t: Int) -> ElementType {
        precondition(t >= 0 && t < tensorCount, "Model: tensor index out of range")
        return ElementType(rawValue: tensorRecord(t).load(as: UInt8.self)).unsafelyUnwrapped
    }

    /// Shape of tensor `t`.
    public func tensorShape(_ t: Int) -> TensorShape {
        precondition(t >= 0 && t < tensorCount, "Model: tensor index out of range")
        let record = tensorRecord(t)
        var shape = TensorShape(rank: Int(record.load(fromByteOffset: 1, as: UInt8.self)))
        for i in 0..<shape.rank { shape[i] = Int(record.readLE(12 &+ 4 &* i, as: Int32.self)) }
        return shape
    }

    /// Size of tensor `t`'s data in bytes (element count × element size).
    public func tensorByteCount(_ t: Int) -> Int {
        tensorShape(t).elementCount &* tensorType(t).byteCount
    }

    /// UTF-8 bytes of tensor `t`'s name, inside the model bytes.
    public func tensorNameBytes(_ t: Int) -> UnsafeRawBufferPointer {
        precondition(t >= 0 && t < tensorCount, "Model: tensor index out of range")
        let record = tensorRecord(t)
        let offset = Int(clamping: record.readLE(4, as: UInt32.self))
        let count = Int(clamping: record.readLE(8, as: UInt32.self))
        return UnsafeRawBufferPointer(start: base + (stringTable &+ offset), count: count)
    }

    #if !hasFeature(Embedded)
    /// Name of tensor `t` (invalid UTF-8 is replaced, never trapped on). Host only: String
    /// decoding costs kilobytes of flash; embedded code can use `tensorNameBytes`.
    public func tensorName(_ t: Int) -> String {
        String(decoding: tensorNameBytes(t), as: UTF8.self)
    }
    #endif

    /// True when tensor `t`'s data is stored in the model file.
    public func isConstant(_ t: Int) -> Bool {
        precondition(t >= 0 && t < tensorCount, "Model: tensor index out of range")
        return tensorRecord(t).readLE(2, as: UInt16.self) & ModelFormat.constantFlag != 0
    }

    /// Tensor `t`'s constant bytes inside the model file, or `nil` for an activation.
    public func constantData(_ t: Int) -> UnsafeRawBufferPointer? {
        guard isConstant(t) else { return nil }
        let record = tensorRecord(t)
        let offset = Int(clamping: record.readLE(36, as: UInt32.self))
        let count = Int(clamping: record.readLE(40, as: UInt32.self))
        return UnsafeRawBufferPointer(start: base + offset, count: count)
    }

    /// Tensor `t`'s constant data as floats, or `nil` when it is an activation or not float32.
    public func constantFloats(_ t: Int) -> UnsafeBufferPointer<Float>? {
        guard tensorType(t) == .float32, let data = constantData(t) else { return nil }
        return data.assumingMemoryBound(to: Float.self)
    }

    // MARK: Operators

    /// Operator code of operator `op`.
    public func operatorCode(_ op: Int) -> OperatorCode {
        precondition(op >= 0 && op < operatorCount, "Model: operator index out of range")
        return OperatorCode(rawValue: operatorRecord(op).readLE(0, as: UInt16.self)).unsafelyUnwrapped
    }

    /// Input tensor indices of operator `op`.
    public func operatorInputs(_ op: Int) -> TensorIndexList {
        precondition(op >= 0 && op < operatorCount, "Model: operator index out of range")
        let record = operatorRecord(op)
        let first = Int(clamping: record.readLE(4, as: UInt32.self))
        return TensorIndexList(base: base + (operandList &+ first &* 4),
                               count: Int(record.load(fromByteOffset: 2, as: UInt8.self)))
    }

    /// Output tensor indices of operator `op`.
    public func operatorOutputs(_ op: Int) -> TensorIndexList {
        precondition(op >= 0 && op < operatorCount, "Model: operator index out of range")
        let record = operatorRecord(op)
        let inputCount = Int(record.load(fromByteOffset: 2, as: UInt8.self))
        let first = Int(clamping: record.readLE(4, as: UInt32.self)) &+ inputCount
        return TensorIndexList(base: base + (operandList &+ first &* 4),
                               count: Int(record.load(fromByteOffset: 3, as: UInt8.self)))
    }

    /// Options record of operator `op`.
    public func operatorOptions(_ op: Int) -> OperatorOptions {
        precondition(op >= 0 && op < operatorCount, "Model: operator index out of range")
        let r = operatorRecord(op)
        return OperatorOptions(
            kernelHeight: r.readLE(8, as: Int32.self), kernelWidth: r.readLE(12, as: Int32.self),
            strideHeight: r.readLE(16, as: Int32.self), strideWidth: r.readLE(20, as: Int32.self),
            padding: Padding(rawValue: r.load(fromByteOffset: 28, as: UInt8.self)) ?? .valid,
            activation: FusedActivation(rawValue: r.load(fromByteOffset: 29, as: UInt8.self)) ?? .none,
            units: r.readLE(24, as: Int32.self),
            returnSequences: r.load(fromByteOffset: 30, as: UInt8.self) != 0)
    }

    // MARK: Model inputs and outputs

    /// Tensor indices of the model inputs, in order.
    public var inputs: TensorIndexList { TensorIndexList(base: base + inputList, count: inputCount) }

    /// Tensor indices of the model outputs, in order.
    public var outputs: TensorIndexList { TensorIndexList(base: base + outputList, count: outputCount) }
}

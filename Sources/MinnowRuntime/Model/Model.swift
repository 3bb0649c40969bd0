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
    /// Format version of the file (1 or 2).
    public let formatVersion: Int
    // Version 2 only (0 in version 1 files).
    let nameCount: Int
    let nameTable: Int
    let dimensionPool: Int
    let dimensionCount: Int
    let quantizationSection: Int
    let quantizationLength: Int
    /// Bytes per operand, input and output index: 4 in version 1, 2 in version 2.
    let indexSize: Int

    /// Validates `bytes` as a Minnow model and wraps them without copying.
    public init(bytes: UnsafeRawBufferPointer) throws(ModelError) {
        guard bytes.count >= ModelFormat.headerSize, let base = bytes.baseAddress else {
            throw .truncated(expected: ModelFormat.headerSize, found: bytes.count)
        }
        guard base.readLE(0, as: UInt32.self) == ModelFormat.magic else { throw .badMagic }
        let version = base.readLE(4, as: UInt16.self)
        guard version == ModelFormat.version || version == ModelFormat.version2 else {
            throw .unsupportedVersion(found: Int(version))
        }
        let flags = base.readLE(6, as: UInt16.self)
        guard flags == 0 else { throw .unsupportedFlags(found: Int(flags)) }
        let minimum = ModelFormat.headerSize + (version == 1 ? ModelFormat.directorySize : ModelFormat.directorySize2)
        let length = Int(clamping: base.readLE(8, as: UInt32.self))
        guard length <= bytes.count else { throw .truncated(expected: length, found: bytes.count) }
        guard length >= minimum else { throw .truncated(expected: minimum, found: length) }
        guard UInt(bitPattern: base) % 4 == 0 else { throw .misalignedBuffer(address: UInt(bitPattern: base)) }
        let stored = base.readLE(12, as: UInt32.self)
        let computed = crc32(UnsafeRawBufferPointer(start: base + ModelFormat.headerSize, count: length - ModelFormat.headerSize))
        guard stored == computed else { throw .checksumMismatch(expected: stored, found: computed) }

        self.base = base
        self.byteCount = length
        self.formatVersion = Int(version)
        if version == ModelFormat.version2 {
            let layout = try Model.sectionsVersion2(base, length: length)
            self.tensorCount = layout.tensorCount
            self.tensorTable = layout.tensorTable
            self.operatorCount = layout.operatorCount
            self.operatorTable = layout.operatorTable
            self.operandCount = layout.operandCount
            self.operandList = layout.operandList
            self.inputCount = layout.inputCount
            self.inputList = layout.inputList
            self.outputCount = layout.outputCount
            self.outputList = layout.outputList
            self.stringTable = layout.stringBytes
            self.stringLength = layout.stringLength
            self.constantData = layout.constantData
            self.constantLength = layout.constantLength
            self.nameCount = layout.nameCount
            self.nameTable = layout.nameTable
            self.dimensionPool = layout.dimensionPool
            self.dimensionCount = layout.dimensionCount
            self.quantizationSection = layout.quantizationSection
            self.quantizationLength = layout.quantizationLength
            self.indexSize = 2
        } else {
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
            self.nameCount = 0
            self.nameTable = 0
            self.dimensionPool = 0
            self.dimensionCount = 0
            self.quantizationSection = 0
            self.quantizationLength = 0
            self.indexSize = 4
        }

        for t in 0..<tensorCount { try validateTensor(t) }
        for op in 0..<operatorCount { try validateOperator(op) }
        try validateGraph()
    }

    // MARK: Raw record access (valid only after validation)

    @inline(__always) var isVersion2: Bool { indexSize == 2 }
    @inline(__always) func tensorRecord(_ t: Int) -> UnsafeRawPointer {
        base + (tensorTable &+ t &* (isVersion2 ? ModelFormat.tensorRecordSize2 : ModelFormat.tensorRecordSize))
    }
    @inline(__always) func operatorRecord(_ op: Int) -> UnsafeRawPointer {
        base + (operatorTable &+ op &* (isVersion2 ? ModelFormat.operatorRecordSize2 : ModelFormat.operatorRecordSize))
    }

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
        if isVersion2 {
            let dims = base + (dimensionPool &+ Int(record.readLE(4, as: UInt16.self)) &* 4)
            for i in 0..<shape.rank { shape[i] = Int(dims.readLE(4 &* i, as: Int32.self)) }
        } else {
            for i in 0..<shape.rank { shape[i] = Int(record.readLE(12 &+ 4 &* i, as: Int32.self)) }
        }
        return shape
    }

    /// Size of tensor `t`'s logical data in bytes (element count × element size).
    public func tensorByteCount(_ t: Int) -> Int {
        tensorShape(t).elementCount &* tensorType(t).byteCount
    }

    /// Byte arrangement of tensor `t` (always `.dense` in version 1 files).
    public func tensorLayout(_ t: Int) -> TensorLayout {
        precondition(t >= 0 && t < tensorCount, "Model: tensor index out of range")
        guard isVersion2 else { return .dense }
        return TensorLayout(rawValue: tensorRecord(t).load(fromByteOffset: 3, as: UInt8.self)) ?? .dense
    }

    /// Stored bytes of tensor `t`: `WeightPacking.packedByteCount` for packed weights, else
    /// `tensorByteCount`.
    public func storedByteCount(_ t: Int) -> Int {
        let shape = tensorShape(t)
        if tensorLayout(t) == .n16k4 {
            let n = shape.rank == 0 ? 1 : shape[0]
            return WeightPacking.packedByteCount(channels: n, depth: shape.elementCount / max(n, 1))
        }
        return shape.elementCount &* tensorType(t).byteCount
    }

    /// Quantization parameters of tensor `t`, read in place; `nil` when it has none (every
    /// tensor of a version 1 file).
    public func quantization(_ t: Int) -> TensorQuantization? {
        precondition(t >= 0 && t < tensorCount, "Model: tensor index out of range")
        guard isVersion2 else { return nil }
        let record = tensorRecord(t)
        guard record.load(fromByteOffset: 2, as: UInt8.self) & ModelFormat.quantizedFlag != 0 else { return nil }
        return TensorQuantization(record: base + (quantizationSection &+ Int(record.readLE(8, as: UInt32.self))))
    }

    /// UTF-8 bytes of tensor `t`'s name, inside the model bytes.
    public func tensorNameBytes(_ t: Int) -> UnsafeRawBufferPointer {
        precondition(t >= 0 && t < tensorCount, "Model: tensor index out of range")
        if isVersion2 {
            guard nameCount > 0 else { return UnsafeRawBufferPointer(start: base, count: 0) }
            let start = Int((base + nameTable).readLE(4 &* t, as: UInt32.self))
            let end = Int((base + nameTable).readLE(4 &* (t &+ 1), as: UInt32.self))
            return UnsafeRawBufferPointer(start: base + (stringTable &+ start), count: end &- start)
        }
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
        if isVersion2 { return tensorRecord(t).load(fromByteOffset: 2, as: UInt8.self) & 1 != 0 }
        return tensorRecord(t).readLE(2, as: UInt16.self) & ModelFormat.constantFlag != 0
    }

    /// Tensor `t`'s constant bytes inside the model file, or `nil` for an activation.
    public func constantData(_ t: Int) -> UnsafeRawBufferPointer? {
        guard isConstant(t) else { return nil }
        let record = tensorRecord(t)
        if isVersion2 {
            return UnsafeRawBufferPointer(start: base + Int(record.readLE(12, as: UInt32.self)), count: storedByteCount(t))
        }
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
        if isVersion2 {
            return OperatorCode(rawValue: UInt16(operatorRecord(op).load(as: UInt8.self))).unsafelyUnwrapped
        }
        return OperatorCode(rawValue: operatorRecord(op).readLE(0, as: UInt16.self)).unsafelyUnwrapped
    }

    /// (first operand, input count, output count) of operator `op`.
    @inline(__always) func operandRange(_ op: Int) -> (first: Int, inputs: Int, outputs: Int) {
        let record = operatorRecord(op)
        if isVersion2 {
            return (Int(record.readLE(4, as: UInt16.self)), Int(record.load(fromByteOffset: 1, as: UInt8.self)),
                    Int(record.load(fromByteOffset: 2, as: UInt8.self)))
        }
        return (Int(clamping: record.readLE(4, as: UInt32.self)), Int(record.load(fromByteOffset: 2, as: UInt8.self)),
                Int(record.load(fromByteOffset: 3, as: UInt8.self)))
    }

    /// Input tensor indices of operator `op`.
    public func operatorInputs(_ op: Int) -> TensorIndexList {
        precondition(op >= 0 && op < operatorCount, "Model: operator index out of range")
        let range = operandRange(op)
        return TensorIndexList(base: base + (operandList &+ range.first &* indexSize), count: range.inputs,
                               elementSize: indexSize)
    }

    /// Output tensor indices of operator `op`.
    public func operatorOutputs(_ op: Int) -> TensorIndexList {
        precondition(op >= 0 && op < operatorCount, "Model: operator index out of range")
        let range = operandRange(op)
        return TensorIndexList(base: base + (operandList &+ (range.first &+ range.inputs) &* indexSize),
                               count: range.outputs, elementSize: indexSize)
    }

    /// Options record of operator `op`.
    public func operatorOptions(_ op: Int) -> OperatorOptions {
        precondition(op >= 0 && op < operatorCount, "Model: operator index out of range")
        let r = operatorRecord(op)
        if isVersion2 {
            let packed = r.load(fromByteOffset: 3, as: UInt8.self)
            return OperatorOptions(
                kernelHeight: Int32(r.readLE(6, as: UInt16.self)), kernelWidth: Int32(r.readLE(8, as: UInt16.self)),
                strideHeight: Int32(r.readLE(10, as: UInt16.self)), strideWidth: Int32(r.readLE(12, as: UInt16.self)),
                padding: Padding(rawValue: packed & 3) ?? .valid,
                activation: FusedActivation(rawValue: (packed >> 2) & 3) ?? .none,
                units: Int32(r.readLE(14, as: UInt16.self)),
                returnSequences: packed & 16 != 0)
        }
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
    public var inputs: TensorIndexList { TensorIndexList(base: base + inputList, count: inputCount, elementSize: indexSize) }

    /// Tensor indices of the model outputs, in order.
    public var outputs: TensorIndexList { TensorIndexList(base: base + outputList, count: outputCount, elementSize: indexSize) }
}

/// A validated, read-only view of a Minnow model file (see `ModelFormat`).
///
/// Zero copy: `Model` points into caller-owned bytes, which must stay alive and unchanged for as
/// long as the model (and any `Interpreter` built on it) is used. `init(bytes:limits:)` validates
/// every offset, length, shape, type, operator and graph rule up front, and checks the model's
/// memory and work against `limits`, so the accessors and kernels afterwards read without bounds
/// checks. The bytes must start at a 4-byte aligned address; use a 16-byte aligned buffer so
/// constants are 16-byte aligned too.
public struct Model: @unchecked Sendable {
    let base: UnsafeRawPointer
    /// Total file length in bytes (the buffer may be longer).
    public let byteCount: Int
    /// Number of tensors in the tensor table.
    public let tensorCount: Int
    /// Number of operators, in execution order.
    public let operatorCount: Int
    /// Format version of the file (1, 2 or 3).
    public let formatVersion: Int
    let sections: ModelSections

    /// Validates `bytes` as a Minnow model and wraps them without copying.
    public init(bytes: UnsafeRawBufferPointer, limits: ModelLimits = ModelLimits()) throws(ModelError) {
        guard bytes.count >= ModelFormat.headerSize, let base = bytes.baseAddress else {
            throw .truncated(expected: ModelFormat.headerSize, found: bytes.count)
        }
        guard base.readLE(0, as: UInt32.self) == ModelFormat.magic else { throw .badMagic }
        let version = Int(base.readLE(4, as: UInt16.self))
        guard version == ModelFormat.latestVersion || (Model.readsLegacyFormats && version >= 1 && version < ModelFormat.latestVersion) else {
            throw .unsupportedVersion(found: version)
        }
        let flags = base.readLE(6, as: UInt16.self)
        guard flags == 0 else { throw .unsupportedFlags(found: Int(flags)) }
        let minimum = ModelFormat.headerSize + ModelFormat.directorySize(version: version)
        let length = Int(clamping: base.readLE(8, as: UInt32.self))
        guard length <= bytes.count else { throw .truncated(expected: length, found: bytes.count) }
        guard length >= minimum else { throw .truncated(expected: minimum, found: length) }
        guard UInt(bitPattern: base) % 4 == 0 else { throw .misalignedBuffer(address: UInt(bitPattern: base)) }
        let stored = base.readLE(12, as: UInt32.self)
        let computed = crc32(UnsafeRawBufferPointer(start: base + ModelFormat.headerSize, count: length - ModelFormat.headerSize))
        guard stored == computed else { throw .checksumMismatch(expected: stored, found: computed) }

        let sections = try ModelSections(base, length: length, version: version)
        self.base = base
        self.byteCount = length
        self.formatVersion = version
        self.sections = sections
        self.tensorCount = sections.tensorCount
        self.operatorCount = sections.operatorCount
        try validate(limits: limits)
    }

    // MARK: Raw record access (valid only after validation)

    /// Whether this build reads format versions 1 and 2. Embedded builds read version 3 only
    /// (the older layouts' readers stay out of firmware) unless compiled with
    /// `-D MINNOW_LEGACY_FORMATS`; host builds read all three.
    public static var readsLegacyFormats: Bool {
        #if hasFeature(Embedded) && !MINNOW_LEGACY_FORMATS
        return false
        #else
        return true
        #endif
    }

    /// The format version as the readers branch on it (a constant 3 where legacy formats are left out).
    @inline(__always) var version: Int { Model.readsLegacyFormats ? formatVersion : ModelFormat.latestVersion }
    @inline(__always) var isCompact: Bool { version >= 2 }
    @inline(__always) func tensorRecord(_ t: Int) -> UnsafeRawPointer {
        base + (sections.tensorTable &+ t &* (isCompact ? ModelFormat.tensorRecordSize2 : ModelFormat.tensorRecordSize))
    }
    @inline(__always) func operatorRecord(_ op: Int) -> UnsafeRawPointer {
        base + (sections.operatorTable &+ op &* ModelFormat.operatorRecordSize(version: version))
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
        if isCompact {
            let dims = base + (sections.dimensionPool &+ Int(record.readLE(4, as: UInt16.self)) &* 4)
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
        guard isCompact else { return .dense }
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

    /// Quantization parameters of tensor `t`, read in place; `nil` when it has none (every tensor
    /// of a version 1 file).
    public func quantization(_ t: Int) -> TensorQuantization? {
        precondition(t >= 0 && t < tensorCount, "Model: tensor index out of range")
        guard isCompact else { return nil }
        let record = tensorRecord(t)
        guard record.load(fromByteOffset: 2, as: UInt8.self) & ModelFormat.quantizedFlag != 0 else { return nil }
        return TensorQuantization(record: base + (sections.quantizationSection &+ Int(record.readLE(8, as: UInt32.self))))
    }

    /// UTF-8 bytes of tensor `t`'s name, inside the model bytes.
    public func tensorNameBytes(_ t: Int) -> UnsafeRawBufferPointer {
        precondition(t >= 0 && t < tensorCount, "Model: tensor index out of range")
        if isCompact {
            guard sections.nameCount > 0 else { return UnsafeRawBufferPointer(start: base, count: 0) }
            let start = Int((base + sections.nameTable).readLE(4 &* t, as: UInt32.self))
            let end = Int((base + sections.nameTable).readLE(4 &* (t &+ 1), as: UInt32.self))
            return UnsafeRawBufferPointer(start: base + (sections.stringBytes &+ start), count: end &- start)
        }
        let record = tensorRecord(t)
        let offset = Int(clamping: record.readLE(4, as: UInt32.self))
        let count = Int(clamping: record.readLE(8, as: UInt32.self))
        return UnsafeRawBufferPointer(start: base + (sections.stringBytes &+ offset), count: count)
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
        if isCompact { return tensorRecord(t).load(fromByteOffset: 2, as: UInt8.self) & 1 != 0 }
        return tensorRecord(t).readLE(2, as: UInt16.self) & ModelFormat.constantFlag != 0
    }

    /// Tensor `t`'s constant bytes inside the model file, or `nil` for an activation.
    public func constantData(_ t: Int) -> UnsafeRawBufferPointer? {
        guard isConstant(t) else { return nil }
        let record = tensorRecord(t)
        if isCompact {
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
        return OperatorCode(rawValue: rawOperatorCode(op)).unsafelyUnwrapped
    }

    @inline(__always) func rawOperatorCode(_ op: Int) -> UInt16 {
        version == 2 ? UInt16(operatorRecord(op).load(as: UInt8.self)) : operatorRecord(op).readLE(0, as: UInt16.self)
    }

    /// (first operand, input count, output count) of operator `op`.
    @inline(__always) func operandRange(_ op: Int) -> (first: Int, inputs: Int, outputs: Int) {
        let record = operatorRecord(op)
        switch version {
        case 1:
            return (Int(clamping: record.readLE(4, as: UInt32.self)), Int(record.load(fromByteOffset: 2, as: UInt8.self)),
                    Int(record.load(fromByteOffset: 3, as: UInt8.self)))
        case 2:
            return (Int(record.readLE(4, as: UInt16.self)), Int(record.load(fromByteOffset: 1, as: UInt8.self)),
                    Int(record.load(fromByteOffset: 2, as: UInt8.self)))
        default:
            return (Int(record.readLE(4, as: UInt16.self)), Int(record.load(fromByteOffset: 2, as: UInt8.self)),
                    Int(record.load(fromByteOffset: 3, as: UInt8.self)))
        }
    }

    /// Input tensor indices of operator `op`.
    public func operatorInputs(_ op: Int) -> TensorIndexList {
        precondition(op >= 0 && op < operatorCount, "Model: operator index out of range")
        let range = operandRange(op)
        return TensorIndexList(base: base + (sections.operandList &+ range.first &* sections.indexSize), count: range.inputs,
                               elementSize: sections.indexSize)
    }

    /// Output tensor indices of operator `op`.
    public func operatorOutputs(_ op: Int) -> TensorIndexList {
        precondition(op >= 0 && op < operatorCount, "Model: operator index out of range")
        let range = operandRange(op)
        return TensorIndexList(base: base + (sections.operandList &+ (range.first &+ range.inputs) &* sections.indexSize),
                               count: range.outputs, elementSize: sections.indexSize)
    }

    /// Options of operator `op`, decoded by its operator file (version 3) or from the fixed
    /// record of versions 1 and 2.
    public func operatorOptions(_ op: Int) -> OperatorOptions {
        precondition(op >= 0 && op < operatorCount, "Model: operator index out of range")
        if version >= 3 {
            do { return try operatorCode(op).visit(DecodeOptions(bytes: optionBytes(op), op: op)) } catch { return OperatorOptions() }
        }
        return legacyOptions(op)
    }

    /// Options of a validated operator whose type is known (no dispatch).
    @inline(__always)
    func operatorOptions<O: OperatorDefinition>(_ op: Int, as type: O.Type) -> OperatorOptions {
        if version >= 3 {
            do { return try O.decodeOptions(optionBytes(op), op: op) } catch { return OperatorOptions() }
        }
        return legacyOptions(op)
    }

    /// The options bytes of operator `op` in a version 3 file.
    func optionBytes(_ op: Int) -> OptionBytes {
        let record = operatorRecord(op)
        let count = Int(record.readLE(6, as: UInt16.self))
        let offset = Int(record.readLE(8, as: UInt32.self))
        return OptionBytes(base: base + (sections.optionsSection &+ offset), count: count)
    }

    /// The fixed options record of versions 1 and 2.
    func legacyOptions(_ op: Int) -> OperatorOptions {
        let r = operatorRecord(op)
        if version == 2 {
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
    public var inputs: TensorIndexList {
        TensorIndexList(base: base + sections.inputList, count: sections.inputCount, elementSize: sections.indexSize)
    }

    /// Tensor indices of the model outputs, in order.
    public var outputs: TensorIndexList {
        TensorIndexList(base: base + sections.outputList, count: sections.outputCount, elementSize: sections.indexSize)
    }

    // MARK: Metadata (version 3)

    /// Number of metadata entries (0 before version 3).
    public var metadataCount: Int { sections.metadataCount }

    /// Key and value bytes of metadata entry `i` (UTF-8, not terminated).
    public func metadataEntry(_ i: Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        precondition(i >= 0 && i < metadataCount, "Model: metadata index out of range")
        let table = base + (sections.metadataSection &+ 4)
        var offset = sections.metadataSection &+ 4 &+ 8 &* metadataCount
        for j in 0..<i {
            offset &+= Int(table.readLE(8 &* j, as: UInt32.self)) &+ Int(table.readLE(8 &* j &+ 4, as: UInt32.self))
        }
        let keyLength = Int(table.readLE(8 &* i, as: UInt32.self))
        let valueLength = Int(table.readLE(8 &* i &+ 4, as: UInt32.self))
        return (UnsafeRawBufferPointer(start: base + offset, count: keyLength),
                UnsafeRawBufferPointer(start: base + (offset &+ keyLength), count: valueLength))
    }

    #if !hasFeature(Embedded)
    /// The metadata as strings (host only), e.g. `training_data` → the data spec a model was trained on.
    public var metadata: [String: String] {
        var result: [String: String] = [:]
        for i in 0..<metadataCount {
            let (key, value) = metadataEntry(i)
            result[String(decoding: key, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
        }
        return result
    }
    #endif
}

/// Memory and work bounds `Model(bytes:limits:)` enforces before an interpreter allocates or runs
/// anything, so a small hostile file cannot ask for gigabytes or hours. The defaults admit every
/// MLPerf Tiny model with room to spare; raise them for bigger models.
public struct ModelLimits: Sendable, Equatable {
    /// Largest arena data the model may need (activations, scratch, planning work), in bytes.
    public var maxArenaBytes: Int
    /// Largest number of elementary operations one invocation may take (`OperatorCost.operations`).
    public var maxOperations: Int

    public init(maxArenaBytes: Int = 64 << 20, maxOperations: Int = 1 << 28) {
        self.maxArenaBytes = maxArenaBytes
        self.maxOperations = maxOperations
    }
}

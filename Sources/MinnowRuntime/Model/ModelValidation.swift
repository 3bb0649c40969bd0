// Structural validation run by `Model.init(bytes:limits:)`: tensor records, operator records, the
// graph order and the memory and work limits. Each operator's own rules live in its operator file.

extension Model {
    /// Largest tensor size in bytes: arena offsets are stored as Int32.
    static let maxTensorBytes = Int(Int32.max)

    func validate(limits: ModelLimits) throws(ModelError) {
        for t in 0..<tensorCount {
            if isCompact { try validateCompactTensor(t) } else { try validateTensorVersion1(t) }
        }
        for op in 0..<operatorCount { try validateOperator(op) }
        try validateGraph()
        try validateLimits(limits)
    }

    // MARK: Tensors

    func validateTensorVersion1(_ t: Int) throws(ModelError) {
        let record = tensorRecord(t)
        let typeByte = record.load(as: UInt8.self)
        guard let type = ElementType(rawValue: typeByte) else { throw .badElementType(tensor: t, found: Int(typeByte)) }
        let rank = Int(record.load(fromByteOffset: 1, as: UInt8.self))
        guard rank <= ModelFormat.maxRank else { throw .badShape(tensor: t) }
        let flags = record.readLE(2, as: UInt16.self)
        guard flags & ~ModelFormat.constantFlag == 0 else { throw .tensorOutOfRange(tensor: t, field: .flags) }

        let nameOffset = Int(clamping: record.readLE(4, as: UInt32.self))
        let nameLength = Int(clamping: record.readLE(8, as: UInt32.self))
        let (nameEnd, nameOverflow) = nameOffset.addingReportingOverflow(nameLength)
        guard !nameOverflow, nameEnd <= sections.stringLength else { throw .tensorOutOfRange(tensor: t, field: .name) }

        var bytes = type.byteCount
        for i in 0..<ModelFormat.maxRank {
            let d = Int(record.readLE(12 + 4 * i, as: Int32.self))
            if i < rank {
                guard d >= 1 else { throw .badShape(tensor: t) }
                let (product, overflow) = bytes.multipliedReportingOverflow(by: d)
                guard !overflow, product <= Model.maxTensorBytes else { throw .badShape(tensor: t) }
                bytes = product
            } else {
                guard d == 0 else { throw .badShape(tensor: t) }
            }
        }
        guard record.readLE(44, as: UInt32.self) == 0 else { throw .tensorOutOfRange(tensor: t, field: .reserved) }

        let dataOffset = Int(clamping: record.readLE(36, as: UInt32.self))
        let dataLength = Int(clamping: record.readLE(40, as: UInt32.self))
        if flags & ModelFormat.constantFlag != 0 {
            let (dataEnd, overflow) = dataOffset.addingReportingOverflow(dataLength)
            guard !overflow, dataOffset >= sections.constantData, dataEnd <= sections.constantData + sections.constantLength else {
                throw .tensorOutOfRange(tensor: t, field: .data)
            }
            guard dataOffset % ModelFormat.constantAlignment == 0 else { throw .misalignedConstant(tensor: t) }
            guard dataLength == bytes else { throw .constantSize(tensor: t, expected: bytes, found: dataLength) }
        } else {
            guard dataOffset == 0, dataLength == 0 else { throw .tensorOutOfRange(tensor: t, field: .data) }
        }
    }

    func validateCompactTensor(_ t: Int) throws(ModelError) {
        let record = tensorRecord(t)
        let typeByte = record.load(as: UInt8.self)
        guard let type = ElementType(rawValue: typeByte) else { throw .badElementType(tensor: t, found: Int(typeByte)) }
        let rank = Int(record.load(fromByteOffset: 1, as: UInt8.self))
        guard rank <= ModelFormat.maxRank else { throw .badShape(tensor: t) }
        let flags = record.load(fromByteOffset: 2, as: UInt8.self)
        guard flags & ~3 == 0 else { throw .tensorOutOfRange(tensor: t, field: .flags) }
        guard let layout = TensorLayout(rawValue: record.load(fromByteOffset: 3, as: UInt8.self)) else {
            throw .tensorOutOfRange(tensor: t, field: .layout)
        }
        guard record.readLE(6, as: UInt16.self) == 0 else { throw .tensorOutOfRange(tensor: t, field: .reserved) }
        let firstDim = Int(record.readLE(4, as: UInt16.self))
        guard firstDim + rank <= sections.dimensionCount else { throw .badShape(tensor: t) }
        var bytes = type.byteCount
        for i in 0..<rank {
            let d = Int((base + sections.dimensionPool).readLE(4 * (firstDim + i), as: Int32.self))
            guard d >= 1 else { throw .badShape(tensor: t) }
            let (product, overflow) = bytes.multipliedReportingOverflow(by: d)
            guard !overflow, product <= Model.maxTensorBytes else { throw .badShape(tensor: t) }
            bytes = product
        }
        let constant = flags & 1 != 0
        if layout == .n16k4 {
            guard constant, type == .int8, rank >= 1 else { throw .tensorOutOfRange(tensor: t, field: .layout) }
        }
        let quantOffset = Int(clamping: record.readLE(8, as: UInt32.self))
        if flags & ModelFormat.quantizedFlag != 0 {
            try validateQuantization(t, offset: quantOffset, type: type)
        } else {
            guard quantOffset == 0 else { throw .tensorOutOfRange(tensor: t, field: .quantization) }
        }
        let dataOffset = Int(clamping: record.readLE(12, as: UInt32.self))
        if constant {
            let dataLength = storedByteCount(t)
            let (dataEnd, overflow) = dataOffset.addingReportingOverflow(dataLength)
            guard !overflow, dataOffset >= sections.constantData, dataEnd <= sections.constantData + sections.constantLength else {
                throw .tensorOutOfRange(tensor: t, field: .data)
            }
            guard dataOffset % ModelFormat.constantAlignment2 == 0 else { throw .misalignedConstant(tensor: t) }
        } else {
            guard dataOffset == 0 else { throw .tensorOutOfRange(tensor: t, field: .data) }
        }
    }

    /// A quantization record: inside its section, count ≥ 1, axis inside the shape with one scale per
    /// channel, positive finite scales, zero points representable in the element type.
    func validateQuantization(_ t: Int, offset: Int, type: ElementType) throws(ModelError) {
        guard offset % 4 == 0, offset + 4 <= sections.quantizationLength else {
            throw .tensorOutOfRange(tensor: t, field: .quantization)
        }
        let q = TensorQuantization(record: base + (sections.quantizationSection + offset))
        let flags = (base + (sections.quantizationSection + offset)).load(fromByteOffset: 3, as: UInt8.self)
        guard flags <= 1, q.count >= 1,
              offset + TensorQuantization.byteCount(count: q.count, sharesZeroPoint: q.sharesZeroPoint) <= sections.quantizationLength else {
            throw .tensorOutOfRange(tensor: t, field: .quantization)
        }
        let shape = tensorShape(t)
        if q.count > 1 {
            guard q.axis < shape.rank, shape[q.axis] == q.count else { throw .badQuantization(tensor: t, detail: .channelCount) }
        }
        let range: (Int32, Int32)
        switch type {
        case .int8: range = (-128, 127)
        case .uint8: range = (0, 255)
        case .int16: range = (-32768, 32767)
        case .int32: range = (Int32.min, Int32.max)
        case .float32: throw .badQuantization(tensor: t, detail: .elementType)
        }
        for i in 0..<q.count {
            let s = q.scale(i)
            guard s > 0, s.isFinite else { throw .badQuantization(tensor: t, detail: .scale) }
            let z = q.zeroPoint(i)
            guard z >= range.0, z <= range.1 else { throw .badQuantization(tensor: t, detail: .zeroPoint) }
        }
    }

    // MARK: Operators

    func validateOperator(_ op: Int) throws(ModelError) {
        let raw = rawOperatorCode(op)
        guard let code = OperatorCode(rawValue: raw) else { throw .badOperatorCode(op: op, found: Int(raw)) }
        let (first, inputCount, outputCount) = operandRange(op)
        guard inputCount + outputCount <= sections.operandCount, first <= sections.operandCount - inputCount - outputCount else {
            throw .operandsOutOfRange(op: op)
        }
        for position in 0..<(inputCount + outputCount) {
            let t = sections.indexSize == 2
                ? Int((base + sections.operandList).readLE((first + position) * 2, as: UInt16.self))
                : Int(clamping: (base + sections.operandList).readLE((first + position) * 4, as: UInt32.self))
            guard t < tensorCount else { throw .badTensorIndex(op: op, position: position, found: t) }
        }
        try validateOptionsRecord(op, code: code)
        try code.visit(ValidateOperator(node: OperatorNode(model: self, index: op)))
    }

    /// The options record is well formed for the file's version (its values are the operator's to judge).
    func validateOptionsRecord(_ op: Int, code: OperatorCode) throws(ModelError) {
        let record = operatorRecord(op)
        switch version {
        case 1:
            guard Padding(rawValue: record.load(fromByteOffset: 28, as: UInt8.self)) != nil else {
                throw .badOptions(op: op, field: .padding)
            }
            guard FusedActivation(rawValue: record.load(fromByteOffset: 29, as: UInt8.self)) != nil else {
                throw .badOptions(op: op, field: .activation)
            }
            guard record.load(fromByteOffset: 30, as: UInt8.self) <= 1 else { throw .badOptions(op: op, field: .returnSequences) }
            guard record.load(fromByteOffset: 31, as: UInt8.self) == 0 else { throw .badOptions(op: op, field: .reserved) }
        case 2:
            let packed = record.load(fromByteOffset: 3, as: UInt8.self)
            guard packed & 3 <= 1 else { throw .badOptions(op: op, field: .padding) }
            guard (packed >> 2) & 3 <= 2 else { throw .badOptions(op: op, field: .activation) }
            guard packed >> 5 == 0 else { throw .badOptions(op: op, field: .reserved) }
        default:
            let count = Int(record.readLE(6, as: UInt16.self))
            let offset = Int(clamping: record.readLE(8, as: UInt32.self))
            guard count <= OptionBytes.capacity, offset % 4 == 0, offset <= sections.optionsLength,
                  count <= sections.optionsLength - offset else {
                throw .badOptions(op: op, field: .length)
            }
            _ = try code.visit(DecodeOptions(bytes: optionBytes(op), op: op))
        }
    }

    // MARK: Graph

    /// Checks that activations are written before they are read, written once, and never constants
    /// or model inputs; then the model input and output lists. Linear in the operands: two bits per
    /// tensor on the stack.
    func validateGraph() throws(ModelError) {
        // The interpreter's I/O API addresses inputs and outputs by position and reads them as
        // float32 or quantized int8: a model without any, or with another edge type, would make
        // those calls read or write out of bounds in an unchecked build.
        guard sections.inputCount >= 1 else { throw .badModelInput(position: 0, found: -1) }
        guard sections.outputCount >= 1 else { throw .badModelOutput(position: 0, found: -1) }
        let words = (tensorCount + 63) / 64
        let result: Result<Void, ModelError> = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: max(2 * words, 1)) { bits in
            let base = bits.baseAddress!
            base.initialize(repeating: 0, count: max(2 * words, 1))
            do throws(ModelError) {
                try checkGraph(isInput: TensorBits(base), written: TensorBits(base + words))
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    private func checkGraph(isInput: TensorBits, written: TensorBits) throws(ModelError) {
        let ins = inputs
        for i in 0..<ins.count {
            let t = ins[i]
            guard t < tensorCount, !isConstant(t), !isInput[t] else { throw .badModelInput(position: i, found: t) }
            isInput.set(t)
            try validateEdgeType(t, position: i, isInput: true)
        }
        for op in 0..<operatorCount {
            let opInputs = operatorInputs(op)
            // An output that is also an input fails below as written twice or as a model input:
            // inputs must already exist, outputs must not.
            for t in opInputs where !isConstant(t) {
                guard isInput[t] || written[t] else { throw .badGraph(op: op, tensor: t, detail: .readBeforeWrite) }
            }
            for t in operatorOutputs(op) {
                if isConstant(t) { throw .badGraph(op: op, tensor: t, detail: .writesConstant) }
                if isInput[t] { throw .badGraph(op: op, tensor: t, detail: .writesModelInput) }
                if written[t] { throw .badGraph(op: op, tensor: t, detail: .writtenTwice) }
                written.set(t)
            }
        }
        let outs = outputs
        for i in 0..<outs.count {
            let t = outs[i]
            guard t < tensorCount, !isConstant(t), isInput[t] || written[t] else { throw .badModelOutput(position: i, found: t) }
            try validateEdgeType(t, position: i, isInput: false)
        }
    }

    /// A model input or output must be float32, or int8 with per-tensor quantization.
    func validateEdgeType(_ t: Int, position: Int, isInput: Bool) throws(ModelError) {
        switch tensorType(t) {
        case .float32:
            return
        case .int8:
            guard let q = quantization(t), q.count == 1 else { throw .badQuantization(tensor: t, detail: .missing) }
        default:
            throw isInput ? .badModelInput(position: position, found: t) : .badModelOutput(position: position, found: t)
        }
    }

    // MARK: Limits

    /// The arena planner stores offsets as Int32 and never places a buffer above the sum of all
    /// buffer sizes, so that sum (activations, scratch and the planning work area) must fit in
    /// Int32 and in `limits.maxArenaBytes`; one invocation's work must fit `limits.maxOperations`.
    func validateLimits(_ limits: ModelLimits) throws(ModelError) {
        let arenaLimit = min(Model.maxTensorBytes, limits.maxArenaBytes)
        var total = ArenaLayout.workBytes(self)
        for b in 0..<ArenaLayout.bufferCount(self) {
            total += ArenaLayout.size(self, buffer: b, kernels: .native)
            guard total <= arenaLimit else { throw .limitExceeded(.arenaBytes, limit: arenaLimit) }
        }
        // The work bound guards hosts against hostile files; firmware runs the model it was built
        // with, so Embedded builds skip it (and the cost code it would link).
        #if !hasFeature(Embedded)
        var operations = 0
        for op in 0..<operatorCount {
            let (sum, overflow) = operations.addingReportingOverflow(operatorCost(op).operations)
            guard !overflow, sum <= limits.maxOperations else { throw .limitExceeded(.operations, limit: limits.maxOperations) }
            operations = sum
        }
        #endif
    }

    /// True when tensor `t` is a model input.
    func isModelInput(_ t: Int) -> Bool { inputs.contains(t) }
}

/// One bit per tensor over caller memory.
struct TensorBits {
    let words: UnsafeMutablePointer<UInt64>
    init(_ words: UnsafeMutablePointer<UInt64>) { self.words = words }
    @inline(__always) subscript(t: Int) -> Bool { words[t >> 6] & (1 << UInt64(t & 63)) != 0 }
    @inline(__always) func set(_ t: Int) { words[t >> 6] |= 1 << UInt64(t & 63) }
}

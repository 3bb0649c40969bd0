// Structural validation run by `Model.init(bytes:)`: tensor records, operator records and the
// graph order. Per-operator shape rules live in OperatorValidation.swift.

extension Model {
    /// Largest tensor size in bytes: arena offsets are stored as Int32.
    static let maxTensorBytes = Int(Int32.max)

    func validateTensor(_ t: Int) throws(ModelError) {
        if isVersion2 { return try validateTensorVersion2(t) }
        let record = tensorRecord(t)
        let typeByte = record.load(as: UInt8.self)
        guard let type = ElementType(rawValue: typeByte) else {
            throw .badElementType(tensor: t, found: Int(typeByte))
        }
        let rank = Int(record.load(fromByteOffset: 1, as: UInt8.self))
        guard rank <= ModelFormat.maxRank else { throw .badShape(tensor: t) }
        let flags = record.readLE(2, as: UInt16.self)
        guard flags & ~ModelFormat.constantFlag == 0 else { throw .tensorOutOfRange(tensor: t, field: .flags) }

        let nameOffset = Int(clamping: record.readLE(4, as: UInt32.self))
        let nameLength = Int(clamping: record.readLE(8, as: UInt32.self))
        let (nameEnd, nameOverflow) = nameOffset.addingReportingOverflow(nameLength)
        guard !nameOverflow, nameEnd <= stringLength else { throw .tensorOutOfRange(tensor: t, field: .name) }

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
            guard !overflow, dataOffset >= constantData, dataEnd <= constantData + constantLength else {
                throw .tensorOutOfRange(tensor: t, field: .data)
            }
            guard dataOffset % ModelFormat.constantAlignment == 0 else { throw .misalignedConstant(tensor: t) }
            guard dataLength == bytes else { throw .constantSize(tensor: t, expected: bytes, found: dataLength) }
        } else {
            guard dataOffset == 0, dataLength == 0 else { throw .tensorOutOfRange(tensor: t, field: .data) }
        }
    }

    func validateOperator(_ op: Int) throws(ModelError) {
        let record = operatorRecord(op)
        let codeValue = isVersion2 ? UInt16(record.load(as: UInt8.self)) : record.readLE(0, as: UInt16.self)
        guard let code = OperatorCode(rawValue: codeValue) else {
            throw .badOperatorCode(op: op, found: Int(codeValue))
        }
        let (first, inputCount, outputCount) = operandRange(op)
        guard inputCount + outputCount <= operandCount, first <= operandCount - inputCount - outputCount else {
            throw .operandsOutOfRange(op: op)
        }
        for position in 0..<(inputCount + outputCount) {
            let t = isVersion2
                ? Int((base + operandList).readLE((first + position) * 2, as: UInt16.self))
                : Int(clamping: (base + operandList).readLE((first + position) * 4, as: UInt32.self))
            guard t < tensorCount else { throw .badTensorIndex(op: op, position: position, found: t) }
        }
        if isVersion2 {
            let packed = record.load(fromByteOffset: 3, as: UInt8.self)
            guard packed & 3 <= 1 else { throw .badOptions(op: op, field: .padding) }
            guard (packed >> 2) & 3 <= 2 else { throw .badOptions(op: op, field: .activation) }
            guard packed >> 5 == 0 else { throw .badOptions(op: op, field: .reserved) }
            return try validateOperands(op, code: code, inputCount: inputCount, outputCount: outputCount)
        }

        guard Padding(rawValue: record.load(fromByteOffset: 28, as: UInt8.self)) != nil else {
            throw .badOptions(op: op, field: .padding)
        }
        guard FusedActivation(rawValue: record.load(fromByteOffset: 29, as: UInt8.self)) != nil else {
            throw .badOptions(op: op, field: .activation)
        }
        guard record.load(fromByteOffset: 30, as: UInt8.self) <= 1 else {
            throw .badOptions(op: op, field: .returnSequences)
        }
        guard record.load(fromByteOffset: 31, as: UInt8.self) == 0 else { throw .badOptions(op: op, field: .reserved) }

        try validateOperands(op, code: code, inputCount: inputCount, outputCount: outputCount)
    }

    /// Checks that activations are written before they are read, written once, and never
    /// constants or model inputs; then checks the model input and output lists.
    func validateGraph() throws(ModelError) {
        // The interpreter's I/O API (`setInput`, `inputCount(0)`, `outputArgmax`, …) addresses
        // inputs and outputs by position and reads them as float32 or quantized int8: a model
        // without any, or with an int16/int32/uint8 or unquantized int8 edge tensor (possible
        // for an input no operator reads), would make those calls read or write out of bounds
        // in an -Ounchecked build.
        guard inputCount >= 1 else { throw .badModelInput(position: 0, found: -1) }
        guard outputCount >= 1 else { throw .badModelOutput(position: 0, found: -1) }
        for i in 0..<inputCount {
            let t = inputs[i]
            guard t < tensorCount else { throw .badModelInput(position: i, found: t) }
            guard t < tensorCount, !isConstant(t) else { throw .badModelInput(position: i, found: t) }
            for j in 0..<i where inputs[j] == t { throw .badModelInput(position: i, found: t) }
            try validateEdgeType(t, position: i, isInput: true)
        }
        for op in 0..<operatorCount {
            let ins = operatorInputs(op)
            let outs = operatorOutputs(op)
            for t in ins where !isConstant(t) {
                guard isModelInput(t) || writer(of: t, before: op) != nil else {
                    throw .badGraph(op: op, tensor: t, detail: .readBeforeWrite)
                }
            }
            for (k, t) in outs.enumerated() {
                if isConstant(t) { throw .badGraph(op: op, tensor: t, detail: .writesConstant) }
                if isModelInput(t) { throw .badGraph(op: op, tensor: t, detail: .writesModelInput) }
                if writer(of: t, before: op) != nil { throw .badGraph(op: op, tensor: t, detail: .writtenTwice) }
                for j in 0..<k where outs[j] == t { throw .badGraph(op: op, tensor: t, detail: .writtenTwice) }
                if ins.contains(t) { throw .badGraph(op: op, tensor: t, detail: .readsOwnOutput) }
            }
        }
        for i in 0..<outputCount {
            let t = outputs[i]
            guard t < tensorCount, !isConstant(t),
                  isModelInput(t) || writer(of: t, before: operatorCount) != nil else {
                throw .badModelOutput(position: i, found: t)
            }
            try validateEdgeType(t, position: i, isInput: false)
        }
        try validateArenaTotal()
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

    /// The arena planner stores offsets as Int32 and never places a buffer above the sum of all
    /// buffer sizes, so that sum (activations and operator scratch, 16-byte aligned) must fit in
    /// Int32; otherwise offsets would wrap (each tensor alone is already limited to Int32.max).
    func validateArenaTotal() throws(ModelError) {
        // Every planned buffer (tensors, then one scratch buffer per operator), sized exactly as
        // the planner sizes it.
        var total = MemoryPlanner.workBytes(self)
        for b in 0..<MemoryPlanner.bufferCount(self) {
            total += MemoryPlanner.size(self, buffer: b)
            guard total <= Model.maxTensorBytes else {
                if b < tensorCount { throw .badShape(tensor: b) }
                throw .badOptions(op: b - tensorCount, field: .units)
            }
        }
    }

    func isModelInput(_ t: Int) -> Bool { inputs.contains(t) }

    /// The first operator before `limit` that writes tensor `t`, if any.
    func writer(of t: Int, before limit: Int) -> Int? {
        for op in 0..<limit where operatorOutputs(op).contains(t) { return op }
        return nil
    }
}

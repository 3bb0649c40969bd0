/// Where each section of a model file starts, read from the directory of a version 1, 2 or 3 file
/// and checked to lie inside the file (see `ModelFormat`).
struct ModelSections {
    var tensorCount = 0, tensorTable = 0, operatorCount = 0, operatorTable = 0
    var operandCount = 0, operandList = 0, inputCount = 0, inputList = 0, outputCount = 0, outputList = 0
    var dimensionPool = 0, dimensionCount = 0, quantizationSection = 0, quantizationLength = 0
    var optionsSection = 0, optionsLength = 0, metadataSection = 0, metadataLength = 0, metadataCount = 0
    var nameCount = 0, nameTable = 0, stringBytes = 0, stringLength = 0
    var constantData = 0, constantLength = 0
    /// Bytes per operand, input and output index: 4 in version 1, 2 later.
    var indexSize = 2

    init(_ base: UnsafeRawPointer, length: Int, version: Int) throws(ModelError) {
        if version == 1 && Model.readsLegacyFormats {
            try self.init(version1: base, length: length)
        } else {
            try self.init(compact: base, length: length, version: version)
        }
    }

    /// Version 1: a directory of (count, offset) pairs.
    private init(version1 base: UnsafeRawPointer, length: Int) throws(ModelError) {
        let minimum = ModelFormat.headerSize + ModelFormat.directorySize
        /// Reads a section's (count, offset) pair and checks it lies inside [minimum, length].
        func section(_ countField: Int, _ offsetField: Int, _ elementSize: Int, _ alignment: Int,
                     _ name: ModelSection) throws(ModelError) -> (count: Int, offset: Int) {
            let count = Int(clamping: base.readLE(countField, as: UInt32.self))
            let offset = Int(clamping: base.readLE(offsetField, as: UInt32.self))
            let (size, o1) = count.multipliedReportingOverflow(by: elementSize)
            let (end, o2) = offset.addingReportingOverflow(size)
            guard !o1, !o2, offset >= minimum, end <= length, offset % alignment == 0 else {
                throw .sectionOutOfRange(section: name)
            }
            return (count, offset)
        }
        let tensors = try section(16, 20, ModelFormat.tensorRecordSize, 4, .tensorTable)
        let operators = try section(24, 28, ModelFormat.operatorRecordSize, 4, .operatorTable)
        let operands = try section(32, 36, 4, 4, .operandList)
        let inputs = try section(40, 44, 4, 4, .inputList)
        let outputs = try section(48, 52, 4, 4, .outputList)
        let strings = try section(60, 56, 1, 1, .stringTable)
        let constants = try section(68, 64, 1, ModelFormat.constantAlignment, .constantData)
        // Counts above the compact formats' limits are refused too: the interpreter stores offsets
        // per buffer and validation keeps per-tensor bits on the stack.
        guard tensors.count <= ModelFormat.maxTensors, operators.count <= ModelFormat.maxOperators,
              operands.count <= ModelFormat.maxTensors * 4 else {
            throw .sectionOutOfRange(section: .directory)
        }
        tensorCount = tensors.count; tensorTable = tensors.offset
        operatorCount = operators.count; operatorTable = operators.offset
        operandCount = operands.count; operandList = operands.offset
        inputCount = inputs.count; inputList = inputs.offset
        outputCount = outputs.count; outputList = outputs.offset
        stringBytes = strings.offset; stringLength = strings.count
        constantData = constants.offset; constantLength = constants.count
        indexSize = 4
    }

    /// Versions 2 and 3: counts in the directory, sections in a fixed order computed from them.
    private init(compact base: UnsafeRawPointer, length: Int, version: Int) throws(ModelError) {
        let v3 = version >= 3 || !Model.readsLegacyFormats
        tensorCount = Int(base.readLE(16, as: UInt16.self))
        operatorCount = Int(base.readLE(18, as: UInt16.self))
        operandCount = Int(base.readLE(20, as: UInt16.self))
        inputCount = Int(base.readLE(22, as: UInt16.self))
        outputCount = Int(base.readLE(24, as: UInt16.self))
        nameCount = Int(base.readLE(26, as: UInt16.self))
        // 32-bit fields are bounded by the file length before any arithmetic, so nothing overflows.
        dimensionCount = Int(clamping: base.readLE(28, as: UInt32.self))
        quantizationLength = Int(clamping: base.readLE(32, as: UInt32.self))
        stringLength = Int(clamping: base.readLE(36, as: UInt32.self))
        if v3 {
            optionsLength = Int(clamping: base.readLE(40, as: UInt32.self))
            metadataLength = Int(clamping: base.readLE(44, as: UInt32.self))
            constantData = Int(clamping: base.readLE(48, as: UInt32.self))
            constantLength = Int(clamping: base.readLE(52, as: UInt32.self))
        } else {
            constantData = Int(clamping: base.readLE(40, as: UInt32.self))
            constantLength = Int(clamping: base.readLE(44, as: UInt32.self))
        }
        guard nameCount == 0 || nameCount == tensorCount else { throw .sectionOutOfRange(section: .stringTable) }
        guard dimensionCount <= length, quantizationLength <= length, stringLength <= length, optionsLength <= length,
              metadataLength <= length, constantData <= length, constantLength <= length else {
            throw .sectionOutOfRange(section: .directory)
        }
        var end = ModelFormat.headerSize + ModelFormat.directorySize(version: version)
        func advance(_ bytes: Int, _ name: ModelSection) throws(ModelError) -> Int {
            let start = end
            end += bytes
            guard end <= length else { throw .sectionOutOfRange(section: name) }
            return start
        }
        tensorTable = try advance(tensorCount * ModelFormat.tensorRecordSize2, .tensorTable)
        operatorTable = try advance(operatorCount * ModelFormat.operatorRecordSize(version: version), .operatorTable)
        operandList = try advance(operandCount * 2, .operandList)
        inputList = try advance(inputCount * 2, .inputList)
        outputList = try advance(outputCount * 2, .outputList)
        end = (end + 3) & ~3
        dimensionPool = try advance(dimensionCount * 4, .directory)
        guard quantizationLength % 4 == 0, optionsLength % 4 == 0, metadataLength % 4 == 0 else {
            throw .sectionOutOfRange(section: .directory)
        }
        quantizationSection = try advance(quantizationLength, .directory)
        optionsSection = try advance(optionsLength, .options)
        metadataSection = try advance(metadataLength, .metadata)
        nameTable = try advance(nameCount > 0 ? (nameCount + 1) * 4 : 0, .stringTable)
        stringBytes = try advance(stringLength, .stringTable)
        guard constantData >= end, constantData % ModelFormat.constantAlignment2 == 0,
              constantData + constantLength <= length else {
            throw .sectionOutOfRange(section: .constantData)
        }
        if nameCount > 0 {
            var previous = 0
            for i in 0...nameCount {
                let offset = Int(clamping: (base + nameTable).readLE(4 * i, as: UInt32.self))
                guard offset >= previous, offset <= stringLength, i > 0 || offset == 0 else {
                    throw .tensorOutOfRange(tensor: max(i - 1, 0), field: .name)
                }
                previous = offset
            }
        }
        if metadataLength > 0 { try readMetadata(base) }
    }

    /// Metadata: u32 entry count, that many (u32 key length, u32 value length), then each key and
    /// value in order, zero padding to a multiple of 4; every length inside the section.
    private mutating func readMetadata(_ base: UnsafeRawPointer) throws(ModelError) {
        guard metadataLength >= 4 else { throw .sectionOutOfRange(section: .metadata) }
        let count = Int(clamping: base.readLE(metadataSection, as: UInt32.self))
        guard count <= (metadataLength - 4) / 8 else { throw .sectionOutOfRange(section: .metadata) }
        var used = 4 + 8 * count
        for i in 0..<count {
            let key = Int(clamping: base.readLE(metadataSection + 4 + 8 * i, as: UInt32.self))
            let value = Int(clamping: base.readLE(metadataSection + 8 + 8 * i, as: UInt32.self))
            guard key <= metadataLength, value <= metadataLength else { throw .sectionOutOfRange(section: .metadata) }
            used += key + value
            guard used <= metadataLength else { throw .sectionOutOfRange(section: .metadata) }
        }
        metadataCount = count
    }
}

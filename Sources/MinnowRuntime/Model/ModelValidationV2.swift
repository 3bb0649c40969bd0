// Structural validation of version 2 files: the section layout and the compact tensor records.

extension Model {
    /// Section offsets of a version 2 file, computed from the directory counts.
    struct SectionsVersion2 {
        var tensorCount = 0, tensorTable = 0, operatorCount = 0, operatorTable = 0
        var operandCount = 0, operandList = 0, inputCount = 0, inputList = 0, outputCount = 0, outputList = 0
        var dimensionPool = 0, dimensionCount = 0, quantizationSection = 0, quantizationLength = 0
        var nameCount = 0, nameTable = 0, stringBytes = 0, stringLength = 0
        var constantData = 0, constantLength = 0
    }

    /// Reads the version 2 directory and checks that the sections follow each other inside the
    /// file and before the constant section.
    static func sectionsVersion2(_ base: UnsafeRawPointer, length: Int) throws(ModelError) -> SectionsVersion2 {
        var s = SectionsVersion2()
        s.tensorCount = Int(base.readLE(16, as: UInt16.self))
        s.operatorCount = Int(base.readLE(18, as: UInt16.self))
        s.operandCount = Int(base.readLE(20, as: UInt16.self))
        s.inputCount = Int(base.readLE(22, as: UInt16.self))
        s.outputCount = Int(base.readLE(24, as: UInt16.self))
        s.nameCount = Int(base.readLE(26, as: UInt16.self))
        // 32-bit fields are bounded by the file length before any arithmetic, so nothing overflows.
        s.dimensionCount = Int(clamping: base.readLE(28, as: UInt32.self))
        s.quantizationLength = Int(clamping: base.readLE(32, as: UInt32.self))
        s.stringLength = Int(clamping: base.readLE(36, as: UInt32.self))
        s.constantData = Int(clamping: base.readLE(40, as: UInt32.self))
        s.constantLength = Int(clamping: base.readLE(44, as: UInt32.self))
        guard s.nameCount == 0 || s.nameCount == s.tensorCount else { throw .sectionOutOfRange(section: .stringTable) }
        guard s.dimensionCount <= length, s.quantizationLength <= length, s.stringLength <= length,
              s.constantData <= length, s.constantLength <= length else {
            throw .sectionOutOfRange(section: .directory)
        }
        var end = ModelFormat.headerSize + ModelFormat.directorySize2
        s.tensorTable = end
        end += s.tensorCount * ModelFormat.tensorRecordSize2
        guard end <= length else { throw .sectionOutOfRange(section: .tensorTable) }
        s.operatorTable = end
        end += s.operatorCount * ModelFormat.operatorRecordSize2
        guard end <= length else { throw .sectionOutOfRange(section: .operatorTable) }
        s.operandList = end
        end += s.operandCount * 2
        guard end <= length else { throw .sectionOutOfRange(section: .operandList) }
        s.inputList = end
        end += s.inputCount * 2
        guard end <= length else { throw .sectionOutOfRange(section: .inputList) }
        s.outputList = end
        end += s.outputCount * 2
        guard end <= length else { throw .sectionOutOfRange(section: .outputList) }
        end = (end + 3) & ~3
        s.dimensionPool = end
        end += s.dimensionCount * 4
        guard end <= length, s.quantizationLength % 4 == 0 else { throw .sectionOutOfRange(section: .directory) }
        s.quantizationSection = end
        end += s.quantizationLength
        guard end <= length else { throw .sectionOutOfRange(section: .directory) }
        s.nameTable = end
        if s.nameCount > 0 { end += (s.nameCount + 1) * 4 }
        s.stringBytes = end
        end += s.stringLength
        guard end <= length else { throw .sectionOutOfRange(section: .stringTable) }
        guard s.constantData >= end, s.constantData % ModelFormat.constantAlignment2 == 0,
              s.constantData + s.constantLength <= length else {
            throw .sectionOutOfRange(section: .constantData)
        }
        if s.nameCount > 0 {
            var previous = 0
            for i in 0...s.nameCount {
                let offset = Int(clamping: (base + s.nameTable).readLE(4 * i, as: UInt32.self))
                guard offset >= previous, offset <= s.stringLength, i > 0 || offset == 0 else {
                    throw .tensorOutOfRange(tensor: max(i - 1, 0), field: .name)
                }
                previous = offset
            }
        }
        return s
    }

    func validateTensorVersion2(_ t: Int) throws(ModelError) {
        let record = tensorRecord(t)
        let typeByte = record.load(as: UInt8.self)
        guard let type = ElementType(rawValue: typeByte) else {
            throw .badElementType(tensor: t, found: Int(typeByte))
        }
        let rank = Int(record.load(fromByteOffset: 1, as: UInt8.self))
        guard rank <= ModelFormat.maxRank else { throw .badShape(tensor: t) }
        let flags = record.load(fromByteOffset: 2, as: UInt8.self)
        guard flags & ~3 == 0 else { throw .tensorOutOfRange(tensor: t, field: .flags) }
        guard let layout = TensorLayout(rawValue: record.load(fromByteOffset: 3, as: UInt8.self)) else {
            throw .tensorOutOfRange(tensor: t, field: .layout)
        }
        guard record.readLE(6, as: UInt16.self) == 0 else { throw .tensorOutOfRange(tensor: t, field: .reserved) }
        let firstDim = Int(record.readLE(4, as: UInt16.self))
        guard firstDim + rank <= dimensionCount else { throw .badShape(tensor: t) }
        var bytes = type.byteCount
        for i in 0..<rank {
            let d = Int((base + dimensionPool).readLE(4 * (firstDim + i), as: Int32.self))
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
            guard !overflow, dataOffset >= constantData, dataEnd <= constantData + constantLength else {
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
        guard offset % 4 == 0, offset + 4 <= quantizationLength else {
            throw .tensorOutOfRange(tensor: t, field: .quantization)
        }
        let q = TensorQuantization(record: base + (quantizationSection + offset))
        let flags = (base + (quantizationSection + offset)).load(fromByteOffset: 3, as: UInt8.self)
        guard flags <= 1, q.count >= 1,
              offset + TensorQuantization.byteCount(count: q.count, sharesZeroPoint: q.sharesZeroPoint) <= quantizationLength else {
            throw .tensorOutOfRange(tensor: t, field: .quantization)
        }
        let shape = tensorShape(t)
        if q.count > 1 {
            guard q.axis < shape.rank, shape[q.axis] == q.count else {
                throw .badQuantization(tensor: t, detail: .channelCount)
            }
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
}

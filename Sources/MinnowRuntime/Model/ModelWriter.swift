// Serializes a `ModelBuilder` graph to the Minnow model file format (see `ModelFormat`): version 3,
// or the older versions 1 and 2 for compatibility tests.

extension ModelBuilder {
    /// The model as a version 3 Minnow model file, ready for `Model(bytes:)`.
    ///
    /// Writes exactly what was built; it does not validate the graph (load the bytes with
    /// `Model(bytes:)` for that). Traps if a tensor has rank above 6, a count or option does not fit
    /// its field, or the file exceeds 4 GiB.
    public func serializedBytes() -> [UInt8] { serializedBytesVersion3() }

    /// The model in an older format version (1: float graphs with names only; 2), as earlier
    /// releases wrote it: for tests that files of those versions keep loading. Version 3 otherwise.
    public func serializedBytes(formatVersion: Int) -> [UInt8] {
        switch formatVersion {
        case 1: return serializedBytesVersion1()
        case 2: return serializedBytesVersion2()
        default: return serializedBytesVersion3()
        }
    }

    func serializedBytesVersion1() -> [UInt8] {
        precondition(!needsVersion2, "ModelBuilder: this graph needs format version 2 or later")
        var operandCount = 0
        for op in operators { operandCount += op.inputs.count + op.outputs.count }
        var names: [UInt8] = []
        for t in tensors { names.append(contentsOf: t.name.utf8) }

        func align(_ value: Int, _ alignment: Int) -> Int { (value + alignment - 1) / alignment * alignment }
        let tensorTable = ModelFormat.headerSize + ModelFormat.directorySize
        let operatorTable = tensorTable + tensors.count * ModelFormat.tensorRecordSize
        let operandList = operatorTable + operators.count * ModelFormat.operatorRecordSize
        let inputList = operandList + operandCount * 4
        let outputList = inputList + inputs.count * 4
        let stringTable = outputList + outputs.count * 4
        let constantData = align(stringTable + names.count, ModelFormat.constantAlignment)
        var constantOffsets: [Int] = []
        var end = constantData
        for t in tensors {
            constantOffsets.append(end)
            if let data = t.constantBytes { end = align(end + data.count, ModelFormat.constantAlignment) }
        }
        precondition(end <= Int(UInt32.max), "ModelBuilder: model exceeds 4 GiB")

        var out = [UInt8](repeating: 0, count: end)
        func put32(_ value: Int, at offset: Int) {
            let v = UInt32(truncatingIfNeeded: value)
            for i in 0..<4 { out[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
        }
        func put16(_ value: Int, at offset: Int) {
            out[offset] = UInt8(truncatingIfNeeded: value)
            out[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
        }

        // Header (checksum filled in last) and directory.
        put32(Int(ModelFormat.magic), at: 0)
        put16(Int(ModelFormat.version), at: 4)
        put16(0, at: 6)
        put32(end, at: 8)
        put32(tensors.count, at: ModelFormat.tensorCountOffset)
        put32(tensorTable, at: ModelFormat.tensorTableOffset)
        put32(operators.count, at: ModelFormat.operatorCountOffset)
        put32(operatorTable, at: ModelFormat.operatorTableOffset)
        put32(operandCount, at: ModelFormat.operandCountOffset)
        put32(operandList, at: ModelFormat.operandListOffset)
        put32(inputs.count, at: ModelFormat.inputCountOffset)
        put32(inputList, at: ModelFormat.inputListOffset)
        put32(outputs.count, at: ModelFormat.outputCountOffset)
        put32(outputList, at: ModelFormat.outputListOffset)
        put32(stringTable, at: ModelFormat.stringTableOffset)
        put32(names.count, at: ModelFormat.stringTableLength)
        put32(constantData, at: ModelFormat.constantDataOffset)
        put32(end - constantData, at: ModelFormat.constantDataLength)

        // Tensor table, names and constants.
        var nameOffset = 0
        for (i, t) in tensors.enumerated() {
            precondition(t.shape.count <= ModelFormat.maxRank, "ModelBuilder: tensor rank above 6")
            let r = tensorTable + i * ModelFormat.tensorRecordSize
            out[r] = t.type.rawValue
            out[r + 1] = UInt8(t.shape.count)
            put16(t.constantBytes == nil ? 0 : Int(ModelFormat.constantFlag), at: r + 2)
            let nameLength = t.name.utf8.count
            put32(nameOffset, at: r + 4)
            put32(nameLength, at: r + 8)
            for (k, d) in t.shape.enumerated() { put32(d, at: r + 12 + 4 * k) }
            if let data = t.constantBytes {
                put32(constantOffsets[i], at: r + 36)
                put32(data.count, at: r + 40)
                for (k, b) in data.enumerated() { out[constantOffsets[i] + k] = b }
            }
            nameOffset += nameLength
        }
        for (k, b) in names.enumerated() { out[stringTable + k] = b }

        // Operator table and operand list.
        var operand = 0
        for (i, op) in operators.enumerated() {
            let r = operatorTable + i * ModelFormat.operatorRecordSize
            put16(Int(op.code.rawValue), at: r)
            out[r + 2] = UInt8(op.inputs.count)
            out[r + 3] = UInt8(op.outputs.count)
            put32(operand, at: r + 4)
            let o = op.options
            put32(Int(o.kernelHeight), at: r + 8)
            put32(Int(o.kernelWidth), at: r + 12)
            put32(Int(o.strideHeight), at: r + 16)
            put32(Int(o.strideWidth), at: r + 20)
            put32(Int(o.units), at: r + 24)
            out[r + 28] = o.padding.rawValue
            out[r + 29] = o.activation.rawValue
            out[r + 30] = o.returnSequences ? 1 : 0
            for t in op.inputs + op.outputs {
                put32(t, at: operandList + operand * 4)
                operand += 1
            }
        }
        for (k, t) in inputs.enumerated() { put32(t, at: inputList + 4 * k) }
        for (k, t) in outputs.enumerated() { put32(t, at: outputList + 4 * k) }

        let checksum = out.withUnsafeBytes { crc32(UnsafeRawBufferPointer(rebasing: $0[ModelFormat.headerSize...])) }
        put32(Int(checksum), at: 12)
        return out
    }
}


extension ModelBuilder {
    /// True when the graph needs format version 2: a quantized tensor, a packed layout, or
    /// names left out.
    public var needsVersion2: Bool {
        !includesNames || !includesConstantNames || tensors.contains { $0.quantization != nil || $0.layout != .dense }
    }

    /// Constants whose quantization parameters are redundant: used only as weights or bias (inputs
    /// 1 and 2) of int8 operators whose requantization constant holds what the kernels need.
    func redundantQuantization() -> [Bool] {
        var uses = [Int](repeating: 0, count: tensors.count)
        var redundantUses = [Int](repeating: 0, count: tensors.count)
        for op in operators {
            let int8 = op.inputs.first.map { $0 >= 0 && $0 < tensors.count && tensors[$0].type == .int8 } ?? false
            for (position, t) in (op.inputs + op.outputs).enumerated() where t >= 0 && t < tensors.count {
                uses[t] += 1
                if int8, position == 1 || position == 2, position < op.inputs.count, op.code.constantsCarryQuantization {
                    redundantUses[t] += 1
                }
            }
        }
        return tensors.indices.map { t in
            tensors[t].constantBytes != nil && uses[t] > 0 && uses[t] == redundantUses[t]
        }
    }

    /// The model as a format-version-2 file. Traps when a count, dimension or option does not fit
    /// its field (65,535 tensors, operands; options at most 65,535).
    func serializedBytesVersion2() -> [UInt8] {
        func align(_ value: Int, _ alignment: Int) -> Int { (value + alignment - 1) / alignment * alignment }
        precondition(tensors.count <= 0xFFFF && operators.count <= 0xFFFF, "ModelBuilder: too many tensors or operators for format 2")
        let dropped = dropsRedundantQuantization ? redundantQuantization() : [Bool](repeating: false, count: tensors.count)

        var operandCount = 0
        for op in operators { operandCount += op.inputs.count + op.outputs.count }
        precondition(operandCount <= 0xFFFF && inputs.count <= 0xFFFF && outputs.count <= 0xFFFF,
                     "ModelBuilder: too many operands for format 2")

        // Dimension pool, quantization records and names.
        var dims: [Int] = []
        var firstDim: [Int] = []
        for t in tensors {
            precondition(t.shape.count <= ModelFormat.maxRank, "ModelBuilder: tensor rank above 6")
            firstDim.append(dims.count)
            dims.append(contentsOf: t.shape)
        }
        precondition(dims.count <= 0xFFFF, "ModelBuilder: too many dimensions for format 2")
        var quant: [UInt8] = []
        var quantOffset: [Int] = []
        func append32(_ v: UInt32, to bytes: inout [UInt8]) {
            for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
        }
        for (i, t) in tensors.enumerated() {
            guard let q = t.quantization, !dropped[i] else { quantOffset.append(-1); continue }
            precondition(!q.scales.isEmpty && q.scales.count <= 0xFFFF && q.axis >= 0 && q.axis < 256,
                         "ModelBuilder: tensor \(t.name): bad quantization parameters")
            quantOffset.append(quant.count)
            let shared = q.zeroPoints.count == 1 || (q.zeroPoints.count == q.scales.count && q.zeroPoints.allSatisfy { $0 == q.zeroPoints[0] })
            quant.append(UInt8(truncatingIfNeeded: q.scales.count))
            quant.append(UInt8(truncatingIfNeeded: q.scales.count >> 8))
            quant.append(UInt8(q.axis))
            quant.append(shared ? 1 : 0)
            for s in q.scales { append32(s.bitPattern, to: &quant) }
            if shared {
                append32(UInt32(bitPattern: q.zeroPoints.first ?? 0), to: &quant)
            } else {
                for z in q.zeroPoints { append32(UInt32(bitPattern: z), to: &quant) }
            }
        }
        var strings: [UInt8] = []
        var nameOffsets: [Int] = []
        if includesNames {
            for t in tensors {
                nameOffsets.append(strings.count)
                if t.constantBytes == nil || includesConstantNames { strings.append(contentsOf: t.name.utf8) }
            }
            nameOffsets.append(strings.count)
        }

        let tensorTable = ModelFormat.headerSize + ModelFormat.directorySize2
        let operatorTable = tensorTable + tensors.count * ModelFormat.tensorRecordSize2
        let operandList = operatorTable + operators.count * ModelFormat.operatorRecordSize2
        let inputList = operandList + operandCount * 2
        let outputList = inputList + inputs.count * 2
        let dimPool = align(outputList + outputs.count * 2, 4)
        let quantSection = dimPool + dims.count * 4
        let nameTable = quantSection + quant.count
        let stringBytes = nameTable + nameOffsets.count * 4
        let constantData = align(stringBytes + strings.count, ModelFormat.constantAlignment2)
        var constantOffsets: [Int] = []
        var end = constantData
        for t in tensors {
            constantOffsets.append(end)
            if let data = t.constantBytes { end = align(end + data.count, ModelFormat.constantAlignment2) }
        }
        precondition(end <= Int(UInt32.max), "ModelBuilder: model exceeds 4 GiB")

        var out = [UInt8](repeating: 0, count: end)
        func put32(_ value: Int, at offset: Int) {
            let v = UInt32(truncatingIfNeeded: value)
            for i in 0..<4 { out[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
        }
        func put16(_ value: Int, at offset: Int) {
            out[offset] = UInt8(truncatingIfNeeded: value)
            out[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
        }

        put32(Int(ModelFormat.magic), at: 0)
        put16(Int(ModelFormat.version2), at: 4)
        put16(0, at: 6)
        put32(end, at: 8)
        put16(tensors.count, at: 16)
        put16(operators.count, at: 18)
        put16(operandCount, at: 20)
        put16(inputs.count, at: 22)
        put16(outputs.count, at: 24)
        put16(includesNames ? tensors.count : 0, at: 26)
        put32(dims.count, at: 28)
        put32(quant.count, at: 32)
        put32(strings.count, at: 36)
        put32(constantData, at: 40)
        put32(end - constantData, at: 44)

        for (i, t) in tensors.enumerated() {
            let r = tensorTable + i * ModelFormat.tensorRecordSize2
            out[r] = t.type.rawValue
            out[r + 1] = UInt8(t.shape.count)
            var flags: UInt8 = 0
            if t.constantBytes != nil { flags |= UInt8(ModelFormat.constantFlag) }
            if quantOffset[i] >= 0 { flags |= ModelFormat.quantizedFlag }
            out[r + 2] = flags
            out[r + 3] = t.layout.rawValue
            put16(firstDim[i], at: r + 4)
            if quantOffset[i] >= 0 { put32(quantOffset[i], at: r + 8) }
            if let data = t.constantBytes {
                put32(constantOffsets[i], at: r + 12)
                for (k, b) in data.enumerated() { out[constantOffsets[i] + k] = b }
            }
        }
        var operand = 0
        for (i, op) in operators.enumerated() {
            let r = operatorTable + i * ModelFormat.operatorRecordSize2
            let o = op.options
            precondition(op.code.rawValue < 256, "ModelBuilder: operator code above 255")
            for v in [o.kernelHeight, o.kernelWidth, o.strideHeight, o.strideWidth, o.units] {
                precondition(v >= 0 && v <= 0xFFFF, "ModelBuilder: operator option out of range for format 2")
            }
            out[r] = UInt8(op.code.rawValue)
            out[r + 1] = UInt8(op.inputs.count)
            out[r + 2] = UInt8(op.outputs.count)
            out[r + 3] = o.padding.rawValue | o.activation.rawValue << 2 | (o.returnSequences ? 16 : 0)
            put16(operand, at: r + 4)
            put16(Int(o.kernelHeight), at: r + 6)
            put16(Int(o.kernelWidth), at: r + 8)
            put16(Int(o.strideHeight), at: r + 10)
            put16(Int(o.strideWidth), at: r + 12)
            put16(Int(o.units), at: r + 14)
            for t in op.inputs + op.outputs {
                put16(t, at: operandList + operand * 2)
                operand += 1
            }
        }
        for (k, t) in inputs.enumerated() { put16(t, at: inputList + 2 * k) }
        for (k, t) in outputs.enumerated() { put16(t, at: outputList + 2 * k) }
        for (k, d) in dims.enumerated() { put32(d, at: dimPool + 4 * k) }
        for (k, b) in quant.enumerated() { out[quantSection + k] = b }
        for (k, o) in nameOffsets.enumerated() { put32(o, at: nameTable + 4 * k) }
        for (k, b) in strings.enumerated() { out[stringBytes + k] = b }

        let checksum = out.withUnsafeBytes { crc32(UnsafeRawBufferPointer(rebasing: $0[ModelFormat.headerSize...])) }
        put32(Int(checksum), at: 12)
        return out
    }
}

extension ModelBuilder {
    /// The model as a format-version-3 file: version 2's compact layout, each operator's options
    /// in its own record (encoded by its operator file), and the metadata.
    func serializedBytesVersion3() -> [UInt8] {
        func align(_ value: Int, _ alignment: Int) -> Int { (value + alignment - 1) / alignment * alignment }
        precondition(tensors.count <= ModelFormat.maxTensors && operators.count <= ModelFormat.maxOperators,
                     "ModelBuilder: too many tensors or operators")
        let dropped = dropsRedundantQuantization ? redundantQuantization() : [Bool](repeating: false, count: tensors.count)

        var operandCount = 0
        for op in operators { operandCount += op.inputs.count + op.outputs.count }
        precondition(operandCount <= 0xFFFF && inputs.count <= 0xFFFF && outputs.count <= 0xFFFF,
                     "ModelBuilder: too many operands")

        var dims: [Int] = []
        var firstDim: [Int] = []
        for t in tensors {
            precondition(t.shape.count <= ModelFormat.maxRank, "ModelBuilder: tensor rank above 6")
            firstDim.append(dims.count)
            dims.append(contentsOf: t.shape)
        }
        precondition(dims.count <= 0xFFFF, "ModelBuilder: too many dimensions")
        var bytes = ByteWriter()
        var quantOffset: [Int] = []
        for (i, t) in tensors.enumerated() {
            guard let q = t.quantization, !dropped[i] else { quantOffset.append(-1); continue }
            precondition(!q.scales.isEmpty && q.scales.count <= 0xFFFF && q.axis >= 0 && q.axis < 256,
                         "ModelBuilder: tensor \(t.name): bad quantization parameters")
            quantOffset.append(bytes.count)
            let shared = q.zeroPoints.count == 1 || (q.zeroPoints.count == q.scales.count && q.zeroPoints.allSatisfy { $0 == q.zeroPoints[0] })
            bytes.put16(q.scales.count)
            bytes.append(UInt8(q.axis))
            bytes.append(shared ? 1 : 0)
            for s in q.scales { bytes.put32(Int(s.bitPattern)) }
            if shared {
                bytes.put32(Int(UInt32(bitPattern: q.zeroPoints.first ?? 0)))
            } else {
                for z in q.zeroPoints { bytes.put32(Int(UInt32(bitPattern: z))) }
            }
        }
        let quant = bytes.bytes

        var options = ByteWriter()
        var optionPlacement: [(offset: Int, count: Int)] = []
        for op in operators {
            let encoded = op.code.visit(EncodeOptions(options: op.options))
            optionPlacement.append((options.count, encoded.count))
            options.append(contentsOf: encoded)
            options.padTo(4)
        }

        var metadataBytes = ByteWriter()
        if !metadata.isEmpty {
            let entries = metadata.sorted { $0.key < $1.key }
            metadataBytes.put32(entries.count)
            for (key, value) in entries {
                metadataBytes.put32(key.utf8.count)
                metadataBytes.put32(value.utf8.count)
            }
            for (key, value) in entries {
                metadataBytes.append(contentsOf: Array(key.utf8))
                metadataBytes.append(contentsOf: Array(value.utf8))
            }
            metadataBytes.padTo(4)
        }

        var strings: [UInt8] = []
        var nameOffsets: [Int] = []
        if includesNames {
            for t in tensors {
                nameOffsets.append(strings.count)
                if t.constantBytes == nil || includesConstantNames { strings.append(contentsOf: t.name.utf8) }
            }
            nameOffsets.append(strings.count)
        }

        let tensorTable = ModelFormat.headerSize + ModelFormat.directorySize(version: 3)
        let operatorTable = tensorTable + tensors.count * ModelFormat.tensorRecordSize2
        let operandList = operatorTable + operators.count * ModelFormat.operatorRecordSize(version: 3)
        let inputList = operandList + operandCount * 2
        let outputList = inputList + inputs.count * 2
        let dimPool = align(outputList + outputs.count * 2, 4)
        let quantSection = dimPool + dims.count * 4
        let optionsSection = quantSection + quant.count
        let metadataSection = optionsSection + options.count
        let nameTable = metadataSection + metadataBytes.count
        let stringBytes = nameTable + nameOffsets.count * 4
        let constantData = align(stringBytes + strings.count, ModelFormat.constantAlignment2)
        var constantOffsets: [Int] = []
        var end = constantData
        for t in tensors {
            constantOffsets.append(end)
            if let data = t.constantBytes { end = align(end + data.count, ModelFormat.constantAlignment2) }
        }
        precondition(end <= Int(UInt32.max), "ModelBuilder: model exceeds 4 GiB")

        var out = [UInt8](repeating: 0, count: end)
        func put32(_ value: Int, at offset: Int) {
            let v = UInt32(truncatingIfNeeded: value)
            for i in 0..<4 { out[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
        }
        func put16(_ value: Int, at offset: Int) {
            out[offset] = UInt8(truncatingIfNeeded: value)
            out[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
        }
        func copy(_ bytes: [UInt8], to offset: Int) {
            for (k, b) in bytes.enumerated() { out[offset + k] = b }
        }

        put32(Int(ModelFormat.magic), at: 0)
        put16(3, at: 4)
        put16(0, at: 6)
        put32(end, at: 8)
        put16(tensors.count, at: 16)
        put16(operators.count, at: 18)
        put16(operandCount, at: 20)
        put16(inputs.count, at: 22)
        put16(outputs.count, at: 24)
        put16(includesNames ? tensors.count : 0, at: 26)
        put32(dims.count, at: 28)
        put32(quant.count, at: 32)
        put32(strings.count, at: 36)
        put32(options.count, at: 40)
        put32(metadataBytes.count, at: 44)
        put32(constantData, at: 48)
        put32(end - constantData, at: 52)

        for (i, t) in tensors.enumerated() {
            let r = tensorTable + i * ModelFormat.tensorRecordSize2
            out[r] = t.type.rawValue
            out[r + 1] = UInt8(t.shape.count)
            var flags: UInt8 = 0
            if t.constantBytes != nil { flags |= UInt8(ModelFormat.constantFlag) }
            if quantOffset[i] >= 0 { flags |= ModelFormat.quantizedFlag }
            out[r + 2] = flags
            out[r + 3] = t.layout.rawValue
            put16(firstDim[i], at: r + 4)
            if quantOffset[i] >= 0 { put32(quantOffset[i], at: r + 8) }
            if let data = t.constantBytes {
                put32(constantOffsets[i], at: r + 12)
                copy(data, to: constantOffsets[i])
            }
        }
        var operand = 0
        for (i, op) in operators.enumerated() {
            let r = operatorTable + i * ModelFormat.operatorRecordSize(version: 3)
            put16(Int(op.code.rawValue), at: r)
            out[r + 2] = UInt8(op.inputs.count)
            out[r + 3] = UInt8(op.outputs.count)
            put16(operand, at: r + 4)
            put16(optionPlacement[i].count, at: r + 6)
            put32(optionPlacement[i].offset, at: r + 8)
            for t in op.inputs + op.outputs {
                put16(t, at: operandList + operand * 2)
                operand += 1
            }
        }
        for (k, t) in inputs.enumerated() { put16(t, at: inputList + 2 * k) }
        for (k, t) in outputs.enumerated() { put16(t, at: outputList + 2 * k) }
        for (k, d) in dims.enumerated() { put32(d, at: dimPool + 4 * k) }
        copy(quant, to: quantSection)
        copy(options.bytes, to: optionsSection)
        copy(metadataBytes.bytes, to: metadataSection)
        for (k, o) in nameOffsets.enumerated() { put32(o, at: nameTable + 4 * k) }
        copy(strings, to: stringBytes)

        let checksum = out.withUnsafeBytes { crc32(UnsafeRawBufferPointer(rebasing: $0[ModelFormat.headerSize...])) }
        put32(Int(checksum), at: 12)
        return out
    }
}

/// Little-endian byte assembly for the serializer.
struct ByteWriter {
    var bytes: [UInt8] = []
    var count: Int { bytes.count }
    mutating func append(_ byte: UInt8) { bytes.append(byte) }
    mutating func append(contentsOf other: [UInt8]) { bytes.append(contentsOf: other) }
    mutating func put16(_ value: Int) {
        precondition(value >= 0 && value <= 0xFFFF, "ModelBuilder: value \(value) does not fit 16 bits")
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }
    mutating func put32(_ value: Int) {
        let v = UInt32(truncatingIfNeeded: value)
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
    }
    mutating func padTo(_ alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }
}

// Serializes a `ModelBuilder` graph to the Minnow model file format (see `ModelFormat`).

extension ModelBuilder {
    /// The model as a Minnow model file, ready for `Model(bytes:)`: format version 2 when the
    /// graph needs it (`needsVersion2`), else version 1.
    ///
    /// Writes exactly what was built; it does not validate the graph (load the bytes with
    /// `Model(bytes:)` for that). Traps if a tensor has rank above 6 or the file exceeds 4 GiB.
    public func serializedBytes() -> [UInt8] {
        if needsVersion2 { return serializedBytesVersion2() }
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

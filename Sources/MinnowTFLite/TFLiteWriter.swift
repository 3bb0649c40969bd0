extension TFLiteModel {
    /// Encodes the model as a `.tflite` FlatBuffer (file identifier "TFL3", buffer data aligned
    /// to 16 bytes as TFLite's schema asks). `TFLiteModel(bytes:)` of the result equals `self`.
    ///
    /// The model is validated the way the decoder validates a file (indices, quantization, options
    /// of supported operators), so a written file always reads back.
    public func tfliteBytes() throws(TFLiteError) -> [UInt8] {
        let bytes = encodedWithoutValidation()
        // The decoder is the validator: what it rejects must not be written.
        let decoded = try TFLiteModel(bytes: bytes)
        guard decoded == self else {
            throw .invalid(path: "model", reason: "the written file does not read back as the same model (a value the format cannot hold, e.g. NaN or an option the operator does not take)")
        }
        return bytes
    }

    /// The FlatBuffer without the read-back validation of `tfliteBytes()`: for tests and tools
    /// that need a file the decoder must reject. Never use it to write a model for users.
    public func encodedWithoutValidation() -> [UInt8] {
        var b = FlatBufferBuilder(capacity: 1024 + buffers.reduce(0) { $0 + $1.data.count + 32 })
        // Children are written before their parents (the builder works back to front).
        let bufferOffsets = buffers.map { buffer -> FlatBufferBuilder.Offset in
            let data = buffer.data.isEmpty ? nil : b.bytes(buffer.data, alignment: 16)
            b.startTable()
            b.add(TFLiteField.Buffer.data, data)
            return b.endTable()
        }
        let subgraphOffsets = subgraphs.map { Self.write($0, into: &b) }
        let codeOffsets = operatorCodes.map { code -> FlatBufferBuilder.Offset in
            b.startTable()
            // Codes below 127 also go into the deprecated int8 field, as the converter writes them.
            b.add(TFLiteField.OperatorCode.deprecatedBuiltinCode,
                  Int8(clamping: min(code.builtin.rawValue, 127)), default: 0)
            b.add(TFLiteField.OperatorCode.version, code.version, default: 1)
            b.add(TFLiteField.OperatorCode.builtinCode, code.builtin.rawValue, default: 0)
            return b.endTable()
        }
        let metadataOffsets = metadata.map { entry -> FlatBufferBuilder.Offset in
            let name = b.string(entry.name)
            b.startTable()
            b.add(TFLiteField.Metadata.name, name)
            b.add(TFLiteField.Metadata.buffer, entry.buffer, default: 0)
            return b.endTable()
        }
        let description = self.description.map { b.string($0) }
        let codes = b.vector(codeOffsets)
        let graphs = b.vector(subgraphOffsets)
        let bufferVector = b.vector(bufferOffsets)
        let metadataVector = metadata.isEmpty ? nil : b.vector(metadataOffsets)
        b.startTable()
        b.add(TFLiteField.Model.version, version, default: 0)
        b.add(TFLiteField.Model.operatorCodes, codes)
        b.add(TFLiteField.Model.subgraphs, graphs)
        b.add(TFLiteField.Model.description, description)
        b.add(TFLiteField.Model.buffers, bufferVector)
        b.add(TFLiteField.Model.metadata, metadataVector)
        let root = b.endTable()
        return b.finish(root: root, fileIdentifier: "TFL3")
    }

    static func write(_ subgraph: TFLiteSubgraph, into b: inout FlatBufferBuilder) -> FlatBufferBuilder.Offset {
        let tensorOffsets = subgraph.tensors.map { write($0, into: &b) }
        let operatorOffsets = subgraph.operators.map { write($0, into: &b) }
        let tensors = b.vector(tensorOffsets)
        let inputs = b.vector(subgraph.inputs)
        let outputs = b.vector(subgraph.outputs)
        let operators = b.vector(operatorOffsets)
        let name = subgraph.name.map { b.string($0) }
        b.startTable()
        b.add(TFLiteField.SubGraph.tensors, tensors)
        b.add(TFLiteField.SubGraph.inputs, inputs)
        b.add(TFLiteField.SubGraph.outputs, outputs)
        b.add(TFLiteField.SubGraph.operators, operators)
        b.add(TFLiteField.SubGraph.name, name)
        return b.endTable()
    }

    static func write(_ tensor: TFLiteTensor, into b: inout FlatBufferBuilder) -> FlatBufferBuilder.Offset {
        let shape = b.vector(tensor.shape)
        let name = b.string(tensor.name)
        let signature = tensor.shapeSignature.map { b.vector($0) }
        var quantization: FlatBufferBuilder.Offset?
        if let q = tensor.quantization {
            let minimum = q.min.isEmpty ? nil : b.vector(q.min)
            let maximum = q.max.isEmpty ? nil : b.vector(q.max)
            let scale = q.scale.isEmpty ? nil : b.vector(q.scale)
            let zeroPoint = q.zeroPoint.isEmpty ? nil : b.vector(q.zeroPoint)
            b.startTable()
            b.add(TFLiteField.Quantization.min, minimum)
            b.add(TFLiteField.Quantization.max, maximum)
            b.add(TFLiteField.Quantization.scale, scale)
            b.add(TFLiteField.Quantization.zeroPoint, zeroPoint)
            b.add(TFLiteField.Quantization.quantizedDimension, q.quantizedDimension, default: 0)
            quantization = b.endTable()
        }
        b.startTable()
        b.add(TFLiteField.Tensor.shape, shape)
        b.add(TFLiteField.Tensor.type, tensor.type.rawValue, default: 0)
        b.add(TFLiteField.Tensor.buffer, tensor.buffer, default: 0)
        b.add(TFLiteField.Tensor.name, name)
        b.add(TFLiteField.Tensor.quantization, quantization)
        b.add(TFLiteField.Tensor.isVariable, tensor.isVariable, default: false)
        b.add(TFLiteField.Tensor.shapeSignature, signature)
        return b.endTable()
    }

    static func write(_ op: TFLiteOperator, into b: inout FlatBufferBuilder) -> FlatBufferBuilder.Offset {
        let (type, options) = writeOptions(op.options, into: &b)
        let inputs = b.vector(op.inputs)
        let outputs = b.vector(op.outputs)
        let intermediates = op.intermediates.isEmpty ? nil : b.vector(op.intermediates)
        b.startTable()
        b.add(TFLiteField.Operator.opcodeIndex, op.opcodeIndex, default: 0)
        b.add(TFLiteField.Operator.inputs, inputs)
        b.add(TFLiteField.Operator.outputs, outputs)
        b.add(TFLiteField.Operator.builtinOptionsType, type, default: 0)
        b.add(TFLiteField.Operator.builtinOptions, options)
        b.add(TFLiteField.Operator.intermediates, intermediates)
        return b.endTable()
    }

    static func writeOptions(_ options: TFLiteOperatorOptions,
                             into b: inout FlatBufferBuilder) -> (UInt8, FlatBufferBuilder.Offset?) {
        switch options {
        case .none:
            return (0, nil)
        case let .conv2D(o):
            b.startTable()
            b.add(0, o.padding.rawValue, default: 0)
            b.add(1, o.strideW, default: 0)
            b.add(2, o.strideH, default: 0)
            b.add(3, o.activation.rawValue, default: 0)
            b.add(4, o.dilationW, default: 1)
            b.add(5, o.dilationH, default: 1)
            return (OptionsType.conv2D, b.endTable())
        case let .depthwiseConv2D(o):
            b.startTable()
            b.add(0, o.padding.rawValue, default: 0)
            b.add(1, o.strideW, default: 0)
            b.add(2, o.strideH, default: 0)
            b.add(3, o.depthMultiplier, default: 0)
            b.add(4, o.activation.rawValue, default: 0)
            b.add(5, o.dilationW, default: 1)
            b.add(6, o.dilationH, default: 1)
            return (OptionsType.depthwiseConv2D, b.endTable())
        case let .pool2D(o):
            b.startTable()
            b.add(0, o.padding.rawValue, default: 0)
            b.add(1, o.strideW, default: 0)
            b.add(2, o.strideH, default: 0)
            b.add(3, o.filterW, default: 0)
            b.add(4, o.filterH, default: 0)
            b.add(5, o.activation.rawValue, default: 0)
            return (OptionsType.pool2D, b.endTable())
        case let .fullyConnected(o):
            b.startTable()
            b.add(0, o.activation.rawValue, default: 0)
            b.add(2, o.keepNumDims, default: false)
            return (OptionsType.fullyConnected, b.endTable())
        case let .softmax(beta):
            b.startTable()
            b.add(0, beta, default: 0)
            return (OptionsType.softmax, b.endTable())
        case let .concatenation(axis, activation):
            b.startTable()
            b.add(0, axis, default: 0)
            b.add(1, activation.rawValue, default: 0)
            return (OptionsType.concatenation, b.endTable())
        case let .add(activation, potScaleInt16):
            b.startTable()
            b.add(0, activation.rawValue, default: 0)
            b.add(1, potScaleInt16, default: true)
            return (OptionsType.add, b.endTable())
        case let .mul(activation):
            b.startTable()
            b.add(0, activation.rawValue, default: 0)
            return (OptionsType.mul, b.endTable())
        case let .reshape(newShape):
            let shape = newShape.map { b.vector($0) }
            b.startTable()
            b.add(0, shape)
            return (OptionsType.reshape, b.endTable())
        case let .squeeze(dims):
            let vector = b.vector(dims)
            b.startTable()
            b.add(0, vector)
            return (OptionsType.squeeze, b.endTable())
        case let .reducer(keepDims):
            b.startTable()
            b.add(0, keepDims, default: false)
            return (OptionsType.reducer, b.endTable())
        case .pad:
            b.startTable()
            return (OptionsType.pad, b.endTable())
        case .quantize:
            b.startTable()
            return (OptionsType.quantize, b.endTable())
        case .dequantize:
            b.startTable()
            return (OptionsType.dequantize, b.endTable())
        case let .unidirectionalSequenceLSTM(o):
            b.startTable()
            b.add(0, o.activation.rawValue, default: 0)
            b.add(1, o.cellClip, default: 0)
            b.add(2, o.projClip, default: 0)
            b.add(3, o.timeMajor, default: false)
            return (OptionsType.unidirectionalSequenceLSTM, b.endTable())
        }
    }
}

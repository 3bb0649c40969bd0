extension TFLiteModel {
    /// Decodes a `.tflite` file. Every offset, vector and index is checked, and anything outside
    /// the supported subset (operators, options, tensor types, sparsity, …) is a `TFLiteError`
    /// naming the field path and, for operators, the operator index and builtin name.
    public init(bytes: [UInt8]) throws(TFLiteError) {
        var decoder = TFLiteDecoder(budget: 4 * bytes.count + 65_536)
        self = try decoder.decodeModel(bytes)
    }
}

/// Field numbers of schema.fbs tables (position in the table, from 0), for tools that read or
/// patch `.tflite` files with `FlatBuffer` directly.
public enum TFLiteField {
    public enum Model { public static let version = 0, operatorCodes = 1, subgraphs = 2, description = 3, buffers = 4, metadata = 6 }
    public enum OperatorCode { public static let deprecatedBuiltinCode = 0, customCode = 1, version = 2, builtinCode = 3 }
    public enum SubGraph { public static let tensors = 0, inputs = 1, outputs = 2, operators = 3, name = 4 }
    public enum Buffer { public static let data = 0, offset = 1, size = 2 }
    public enum Metadata { public static let name = 0, buffer = 1 }
    public enum Tensor {
        public static let shape = 0, type = 1, buffer = 2, name = 3, quantization = 4, isVariable = 5, sparsity = 6,
                   shapeSignature = 7, variantTensors = 9
    }
    public enum Quantization { public static let min = 0, max = 1, scale = 2, zeroPoint = 3, detailsType = 4, quantizedDimension = 6 }
    public enum Operator {
        public static let opcodeIndex = 0, inputs = 1, outputs = 2, builtinOptionsType = 3, builtinOptions = 4,
                   customOptions = 5, intermediates = 8, largeCustomOptionsOffset = 9, builtinOptions2Type = 11
    }
}

/// `BuiltinOptions` union member numbers of the supported options tables.
enum OptionsType {
    static let conv2D: UInt8 = 1, depthwiseConv2D: UInt8 = 2, pool2D: UInt8 = 5, fullyConnected: UInt8 = 8,
               softmax: UInt8 = 9, concatenation: UInt8 = 10, add: UInt8 = 11, reshape: UInt8 = 17, mul: UInt8 = 21,
               pad: UInt8 = 22, reducer: UInt8 = 27, squeeze: UInt8 = 30, dequantize: UInt8 = 38,
               unidirectionalSequenceLSTM: UInt8 = 71, quantize: UInt8 = 89
}

/// The operators Minnow reads, the options table each carries (nil: none), and the highest
/// operator version accepted (versions of TFLite 2.21's op_version.cc for float, int8 and the
/// int8/int16 LSTM; higher versions add types or semantics the importer does not know).
let supportedOperators: [TFLiteBuiltinOperator: (options: UInt8?, maxVersion: Int32)] = [
    .add: (OptionsType.add, 5),
    .averagePool2D: (OptionsType.pool2D, 3),
    .concatenation: (OptionsType.concatenation, 4),
    .conv2D: (OptionsType.conv2D, 6),
    .depthwiseConv2D: (OptionsType.depthwiseConv2D, 7),
    .dequantize: (OptionsType.dequantize, 6),
    .fullyConnected: (OptionsType.fullyConnected, 11),
    .logistic: (nil, 3),
    .maxPool2D: (OptionsType.pool2D, 3),
    .mul: (OptionsType.mul, 6),
    .relu: (nil, 3),
    .relu6: (nil, 3),
    .reshape: (OptionsType.reshape, 1),
    .softmax: (OptionsType.softmax, 3),
    .tanh: (nil, 3),
    .pad: (OptionsType.pad, 4),
    .mean: (OptionsType.reducer, 3),
    .squeeze: (OptionsType.squeeze, 2),
    .unidirectionalSequenceLSTM: (OptionsType.unidirectionalSequenceLSTM, 4),
    .quantize: (OptionsType.quantize, 3),
]

/// Largest rank accepted for a tensor shape or an options vector (TFLite kernels stop at 6).
let maxRank = 8

struct TFLiteDecoder {
    /// Elements that decoding may still allocate: a file's vectors may share storage, so without
    /// this a small file could expand into an enormous model.
    var budget: Int

    mutating func charge(_ count: Int, _ path: @autoclosure () -> String) throws(TFLiteError) {
        budget -= count
        if budget < 0 {
            throw .tooLarge(path: path(), reason: "decoding would allocate far more elements than the file holds (shared or overlapping vectors)")
        }
    }

    func fb<T>(_ path: @autoclosure () -> String, _ body: () throws(FlatBufferError) -> T) throws(TFLiteError) -> T {
        do {
            return try body()
        } catch {
            throw .malformed(path: path(), error)
        }
    }

    mutating func ints(_ v: FlatBufferVector?, _ path: @autoclosure () -> String) throws(TFLiteError) -> [Int32]? {
        guard let v else { return nil }
        try charge(v.count, path())
        return try fb(path(), { () throws(FlatBufferError) in try v.scalars(as: Int32.self) })
    }

    // MARK: model

    mutating func decodeModel(_ bytes: [UInt8]) throws(TFLiteError) -> TFLiteModel {
        let buffer: FlatBuffer
        do {
            buffer = try FlatBuffer(bytes: bytes)
        } catch {
            throw .notTFLite(reason: "\(error)")
        }
        guard buffer.fileIdentifier == "TFL3" else {
            throw .notTFLite(reason: "file identifier is \(buffer.fileIdentifier.map { "\"\($0)\"" } ?? "not text"), expected \"TFL3\"")
        }
        let root = try fb("model", { () throws(FlatBufferError) in try buffer.root() })
        let version = try fb("version", { () throws(FlatBufferError) in try root.scalar(TFLiteField.Model.version, default: UInt32(0)) })
        guard version == 3 else {
            throw .unsupported(path: "version", reason: "schema version \(version) (only 3 exists)")
        }
        let description = try fb("description", { () throws(FlatBufferError) in try root.string(TFLiteField.Model.description) })

        // Buffers first: tensors are checked against them.
        let bufferVector = try fb("buffers", { () throws(FlatBufferError) in try root.vector(TFLiteField.Model.buffers, elementSize: 4) })
        var buffers: [TFLiteBuffer] = []
        if let bufferVector {
            try charge(bufferVector.count, "buffers")
            buffers.reserveCapacity(bufferVector.count)
            for i in 0..<bufferVector.count {
                buffers.append(try decodeBuffer(bufferVector, i, file: buffer))
            }
        }

        let codeVector = try fb("operator_codes", { () throws(FlatBufferError) in try root.vector(TFLiteField.Model.operatorCodes, elementSize: 4) })
        var codes: [TFLiteOperatorCode] = []
        if let codeVector {
            try charge(codeVector.count, "operator_codes")
            for i in 0..<codeVector.count {
                codes.append(try decodeOperatorCode(codeVector, i))
            }
        }

        guard let subgraphVector = try fb("subgraphs", { () throws(FlatBufferError) in try root.vector(TFLiteField.Model.subgraphs, elementSize: 4) }),
              subgraphVector.count > 0 else {
            throw .invalid(path: "subgraphs", reason: "the model has no subgraph")
        }
        try charge(subgraphVector.count, "subgraphs")
        var subgraphs: [TFLiteSubgraph] = []
        for s in 0..<subgraphVector.count {
            let table = try fb("subgraphs[\(s)]", { () throws(FlatBufferError) in try subgraphVector.table(s) })
            subgraphs.append(try decodeSubgraph(table, index: s, codes: codes, buffers: buffers))
        }

        var metadata: [TFLiteMetadata] = []
        if let metaVector = try fb("metadata", { () throws(FlatBufferError) in try root.vector(TFLiteField.Model.metadata, elementSize: 4) }) {
            try charge(metaVector.count, "metadata")
            for i in 0..<metaVector.count {
                let path = "metadata[\(i)]"
                let t = try fb(path, { () throws(FlatBufferError) in try metaVector.table(i) })
                let name = try fb(path + ".name", { () throws(FlatBufferError) in try t.string(TFLiteField.Metadata.name) }) ?? ""
                try charge(name.utf8.count, path + ".name")
                let index = try fb(path + ".buffer", { () throws(FlatBufferError) in try t.scalar(TFLiteField.Metadata.buffer, default: UInt32(0)) })
                guard Int(index) < buffers.count else {
                    throw .invalid(path: path + ".buffer", reason: "buffer \(index) does not exist (\(buffers.count) buffers)")
                }
                metadata.append(TFLiteMetadata(name: name, buffer: index))
            }
        }
        return TFLiteModel(version: version, description: description, operatorCodes: codes,
                           subgraphs: subgraphs, buffers: buffers, metadata: metadata)
    }

    mutating func decodeBuffer(_ vector: FlatBufferVector, _ i: Int, file: FlatBuffer) throws(TFLiteError) -> TFLiteBuffer {
        let path = "buffers[\(i)]"
        let t = try fb(path, { () throws(FlatBufferError) in try vector.table(i) })
        let offset = try fb(path + ".offset", { () throws(FlatBufferError) in try t.scalar(TFLiteField.Buffer.offset, default: UInt64(0)) })
        let size = try fb(path + ".size", { () throws(FlatBufferError) in try t.scalar(TFLiteField.Buffer.size, default: UInt64(0)) })
        if offset > 1 {
            // Large-model form: the data follows the FlatBuffer in the same file.
            guard offset <= UInt64(file.size), size <= UInt64(file.size) - offset else {
                throw .invalid(path: path, reason: "offset \(offset) + size \(size) lies outside the \(file.size)-byte file")
            }
            try charge(Int(size), path + ".size")
            return TFLiteBuffer(data: Array(file.bytes[Int(offset)..<Int(offset + size)]))
        }
        guard let data = try fb(path + ".data", { () throws(FlatBufferError) in try t.vector(TFLiteField.Buffer.data, elementSize: 1) }) else {
            return TFLiteBuffer()
        }
        try charge(data.count, path + ".data")
        return TFLiteBuffer(data: Array(data.bytes))
    }

    mutating func decodeOperatorCode(_ vector: FlatBufferVector, _ i: Int) throws(TFLiteError) -> TFLiteOperatorCode {
        let path = "operator_codes[\(i)]"
        let t = try fb(path, { () throws(FlatBufferError) in try vector.table(i) })
        let deprecated = try fb(path + ".deprecated_builtin_code", { () throws(FlatBufferError) in try t.scalar(TFLiteField.OperatorCode.deprecatedBuiltinCode, default: Int8(0)) })
        let code = try fb(path + ".builtin_code", { () throws(FlatBufferError) in try t.scalar(TFLiteField.OperatorCode.builtinCode, default: Int32(0)) })
        let version = try fb(path + ".version", { () throws(FlatBufferError) in try t.scalar(TFLiteField.OperatorCode.version, default: Int32(1)) })
        // TFLite's rule (schema_utils.cc): the larger of the two fields is the operator.
        return TFLiteOperatorCode(builtin: TFLiteBuiltinOperator(rawValue: max(code, Int32(deprecated))), version: version)
    }

    // MARK: subgraph

    mutating func decodeSubgraph(_ t: FlatBufferTable, index s: Int, codes: [TFLiteOperatorCode],
                                 buffers: [TFLiteBuffer]) throws(TFLiteError) -> TFLiteSubgraph {
        let base = "subgraphs[\(s)]"
        let name = try fb(base + ".name", { () throws(FlatBufferError) in try t.string(TFLiteField.SubGraph.name) })
        var tensors: [TFLiteTensor] = []
        if let tv = try fb(base + ".tensors", { () throws(FlatBufferError) in try t.vector(TFLiteField.SubGraph.tensors, elementSize: 4) }) {
            try charge(tv.count, base + ".tensors")
            tensors.reserveCapacity(tv.count)
            for i in 0..<tv.count {
                let path = "\(base).tensors[\(i)]"
                let table = try fb(path, { () throws(FlatBufferError) in try tv.table(i) })
                tensors.append(try decodeTensor(table, path: path, buffers: buffers))
            }
        }
        func checkIndices(_ list: [Int32], _ path: String, allowOmitted: Bool) throws(TFLiteError) {
            for (k, v) in list.enumerated() where !(v >= 0 && Int(v) < tensors.count) && !(allowOmitted && v == -1) {
                throw .invalid(path: "\(path)[\(k)]", reason: "tensor \(v) does not exist (\(tensors.count) tensors)")
            }
        }
        let inputs = try ints(try fb(base + ".inputs", { () throws(FlatBufferError) in try t.vector(TFLiteField.SubGraph.inputs, elementSize: 4) }), base + ".inputs") ?? []
        let outputs = try ints(try fb(base + ".outputs", { () throws(FlatBufferError) in try t.vector(TFLiteField.SubGraph.outputs, elementSize: 4) }), base + ".outputs") ?? []
        try checkIndices(inputs, base + ".inputs", allowOmitted: false)
        try checkIndices(outputs, base + ".outputs", allowOmitted: false)

        var operators: [TFLiteOperator] = []
        if let ov = try fb(base + ".operators", { () throws(FlatBufferError) in try t.vector(TFLiteField.SubGraph.operators, elementSize: 4) }) {
            try charge(ov.count, base + ".operators")
            operators.reserveCapacity(ov.count)
            for i in 0..<ov.count {
                let table = try fb("\(base).operators[\(i)]", { () throws(FlatBufferError) in try ov.table(i) })
                let op = try decodeOperator(table, subgraph: s, index: i, codes: codes)
                let path = "\(base).operators[\(i)]"
                try checkIndices(op.inputs, path + ".inputs", allowOmitted: true)
                try checkIndices(op.outputs, path + ".outputs", allowOmitted: false)
                try checkIndices(op.intermediates, path + ".intermediates", allowOmitted: false)
                operators.append(op)
            }
        }
        return TFLiteSubgraph(name: name, tensors: tensors, inputs: inputs, outputs: outputs, operators: operators)
    }

    // MARK: tensor

    mutating func decodeTensor(_ t: FlatBufferTable, path: String, buffers: [TFLiteBuffer]) throws(TFLiteError) -> TFLiteTensor {
        let rawType = try fb(path + ".type", { () throws(FlatBufferError) in try t.scalar(TFLiteField.Tensor.type, default: Int8(0)) })
        guard let type = TFLiteTensorType(rawValue: rawType) else {
            throw .unsupported(path: path + ".type", reason: "tensor type \(tensorTypeName(rawType))")
        }
        let name = try fb(path + ".name", { () throws(FlatBufferError) in try t.string(TFLiteField.Tensor.name) }) ?? ""
        try charge(name.utf8.count, path + ".name")
        let shapeVector = try fb(path + ".shape", { () throws(FlatBufferError) in try t.vector(TFLiteField.Tensor.shape, elementSize: 4) })
        if let shapeVector, shapeVector.count > maxRank {
            throw .unsupported(path: path + ".shape", reason: "rank \(shapeVector.count) (at most \(maxRank))")
        }
        let shape = try ints(shapeVector, path + ".shape") ?? []
        for (k, d) in shape.enumerated() where d < 0 {
            throw .invalid(path: "\(path).shape[\(k)]", reason: "dimension \(d) is negative")
        }
        let signatureVector = try fb(path + ".shape_signature", { () throws(FlatBufferError) in try t.vector(TFLiteField.Tensor.shapeSignature, elementSize: 4) })
        if let signatureVector, signatureVector.count != shape.count {
            throw .invalid(path: path + ".shape_signature", reason: "rank \(signatureVector.count) differs from the shape's \(shape.count)")
        }
        let signature = try ints(signatureVector, path + ".shape_signature")
        if let signature {
            for (k, d) in signature.enumerated() where d < -1 || (d >= 0 && d != shape[k]) {
                throw .invalid(path: "\(path).shape_signature[\(k)]", reason: "\(d) contradicts shape dimension \(shape[k])")
            }
        }
        let bufferIndex = try fb(path + ".buffer", { () throws(FlatBufferError) in try t.scalar(TFLiteField.Tensor.buffer, default: UInt32(0)) })
        guard Int(bufferIndex) < max(buffers.count, 1) else {
            throw .invalid(path: path + ".buffer", reason: "buffer \(bufferIndex) does not exist (\(buffers.count) buffers)")
        }
        let isVariable = try fb(path + ".is_variable", { () throws(FlatBufferError) in try t.bool(TFLiteField.Tensor.isVariable, default: false) })
        if try fb(path + ".sparsity", { () throws(FlatBufferError) in try t.has(TFLiteField.Tensor.sparsity) }) {
            throw .unsupported(path: path + ".sparsity", reason: "sparse tensors")
        }
        if try fb(path + ".variant_tensors", { () throws(FlatBufferError) in try t.has(TFLiteField.Tensor.variantTensors) }) {
            throw .unsupported(path: path + ".variant_tensors", reason: "variant tensors")
        }
        var tensor = TFLiteTensor(name: name, shape: shape, shapeSignature: signature, type: type,
                                  buffer: bufferIndex, quantization: nil, isVariable: isVariable)
        if let q = try fb(path + ".quantization", { () throws(FlatBufferError) in try t.table(TFLiteField.Tensor.quantization) }) {
            tensor.quantization = try decodeQuantization(q, path: path + ".quantization", shape: shape)
        }
        if Int(bufferIndex) < buffers.count {
            let bytes = buffers[Int(bufferIndex)].data.count
            if bytes > 0 {
                let needed = tensor.elementCount.map { $0.multipliedReportingOverflow(by: type.byteWidth) }
                guard let needed, !needed.overflow, needed.partialValue == bytes else {
                    let what = needed.flatMap { $0.overflow ? nil : "\($0.partialValue)" } ?? "more than 2^63"
                    throw .invalid(path: path + ".buffer", reason: "buffer \(bufferIndex) holds \(bytes) bytes, the \(type) shape \(shape) needs \(what)")
                }
            }
        }
        return tensor
    }

    mutating func decodeQuantization(_ q: FlatBufferTable, path: String, shape: [Int32]) throws(TFLiteError) -> TFLiteQuantization? {
        let detailsType = try fb(path + ".details_type", { () throws(FlatBufferError) in try q.scalar(TFLiteField.Quantization.detailsType, default: UInt8(0)) })
        guard detailsType == 0 else {
            throw .unsupported(path: path + ".details", reason: "quantization details type \(detailsType) (custom or blockwise quantization)")
        }
        func floats(_ id: Int, _ name: String) throws(TFLiteError) -> [Float] {
            guard let v = try fb(path + "." + name, { () throws(FlatBufferError) in try q.vector(id, elementSize: 4) }) else { return [] }
            try charge(v.count, path + "." + name)
            return try fb(path + "." + name, { () throws(FlatBufferError) in try v.floats() })
        }
        let scale = try floats(TFLiteField.Quantization.scale, "scale")
        let minimum = try floats(TFLiteField.Quantization.min, "min")
        let maximum = try floats(TFLiteField.Quantization.max, "max")
        var zeroPoint: [Int64] = []
        if let v = try fb(path + ".zero_point", { () throws(FlatBufferError) in try q.vector(TFLiteField.Quantization.zeroPoint, elementSize: 8) }) {
            try charge(v.count, path + ".zero_point")
            zeroPoint = try fb(path + ".zero_point", { () throws(FlatBufferError) in try v.scalars(as: Int64.self) })
        }
        let dimension = try fb(path + ".quantized_dimension", { () throws(FlatBufferError) in try q.scalar(TFLiteField.Quantization.quantizedDimension, default: Int32(0)) })
        if scale.isEmpty && zeroPoint.isEmpty && minimum.isEmpty && maximum.isEmpty && dimension == 0 {
            return nil  // an empty table, as converters write for float tensors
        }
        guard zeroPoint.count == scale.count else {
            throw .invalid(path: path + ".zero_point", reason: "\(zeroPoint.count) zero points for \(scale.count) scales")
        }
        for (name, values) in [("min", minimum), ("max", maximum)] {
            for (k, v) in values.enumerated() where !v.isFinite {
                throw .invalid(path: "\(path).\(name)[\(k)]", reason: "\(v) is not finite")
            }
        }
        for (k, s) in scale.enumerated() where !(s.isFinite && s >= 0) {
            throw .invalid(path: "\(path).scale[\(k)]", reason: "scale \(s) is not a finite non-negative number")
        }
        if scale.count > 1 {
            guard dimension >= 0, Int(dimension) < shape.count, Int(shape[Int(dimension)]) == scale.count else {
                throw .invalid(path: path + ".quantized_dimension",
                               reason: "\(scale.count) scales along dimension \(dimension) of shape \(shape)")
            }
        }
        return TFLiteQuantization(scale: scale, zeroPoint: zeroPoint, quantizedDimension: dimension, min: minimum, max: maximum)
    }

    // MARK: operator

    mutating func decodeOperator(_ t: FlatBufferTable, subgraph s: Int, index i: Int,
                                 codes: [TFLiteOperatorCode]) throws(TFLiteError) -> TFLiteOperator {
        let base = "subgraphs[\(s)].operators[\(i)]"
        let opcodeIndex = try fb(base + ".opcode_index", { () throws(FlatBufferError) in try t.scalar(TFLiteField.Operator.opcodeIndex, default: UInt32(0)) })
        guard Int(opcodeIndex) < codes.count else {
            throw .invalid(path: base + ".opcode_index", reason: "operator code \(opcodeIndex) does not exist (\(codes.count) codes)")
        }
        let code = codes[Int(opcodeIndex)]
        let named = "\(base)(\(code.builtin.name))"
        func unsupported(_ reason: String) -> TFLiteError {
            .unsupportedOperator(subgraph: s, index: i, builtin: code.builtin.name, reason: reason)
        }
        guard let rule = supportedOperators[code.builtin] else {
            throw unsupported(code.builtin == .custom ? "custom operators are not supported" : "operator not supported")
        }
        guard code.version >= 1, code.version <= rule.maxVersion else {
            throw unsupported("version \(code.version) (supported: 1 to \(rule.maxVersion))")
        }
        func vector(_ id: Int, _ name: String) throws(TFLiteError) -> [Int32] {
            let v = try fb("\(named).\(name)", { () throws(FlatBufferError) in try t.vector(id, elementSize: 4) })
            if let v, v.count > 4096 {
                throw .tooLarge(path: "\(named).\(name)", reason: "\(v.count) tensors (at most 4096)")
            }
            return try ints(v, "\(named).\(name)") ?? []
        }
        let inputs = try vector(TFLiteField.Operator.inputs, "inputs")
        let outputs = try vector(TFLiteField.Operator.outputs, "outputs")
        let intermediates = try vector(TFLiteField.Operator.intermediates, "intermediates")
        for (id, what) in [(TFLiteField.Operator.customOptions, "custom_options"),
                           (TFLiteField.Operator.largeCustomOptionsOffset, "large_custom_options_offset"),
                           (TFLiteField.Operator.builtinOptions2Type, "builtin_options_2")] {
            if try fb("\(named).\(what)", { () throws(FlatBufferError) in try t.has(id) }) {
                throw unsupported("\(what) is set")
            }
        }
        let optionsType = try fb(named + ".builtin_options_type", { () throws(FlatBufferError) in try t.scalar(TFLiteField.Operator.builtinOptionsType, default: UInt8(0)) })
        let optionsTable = try fb(named + ".builtin_options", { () throws(FlatBufferError) in try t.table(TFLiteField.Operator.builtinOptions) })
        var options = TFLiteOperatorOptions.none
        if optionsType != 0 {
            guard optionsType == rule.options else {
                throw unsupported("builtin_options type \(optionsType) does not belong to \(code.builtin.name)\(rule.options.map { " (expects \($0))" } ?? " (expects none)")")
            }
            guard let optionsTable else {
                throw .invalid(path: named + ".builtin_options", reason: "options type \(optionsType) is set but the table is missing")
            }
            var reader = OptionsReader(table: optionsTable, path: named + ".builtin_options", decoder: self, unsupported: unsupported)
            options = try reader.decode(type: optionsType, builtin: code.builtin)
            budget = reader.decoder.budget
        } else if optionsTable != nil {
            throw .invalid(path: named + ".builtin_options", reason: "options table present without an options type")
        }
        try requireOptions(code.builtin, options, unsupported)
        return TFLiteOperator(opcodeIndex: opcodeIndex, inputs: inputs, outputs: outputs,
                              intermediates: intermediates, options: options)
    }

    /// Operators whose options carry required values (strides, filter sizes) cannot go without them.
    func requireOptions(_ builtin: TFLiteBuiltinOperator, _ options: TFLiteOperatorOptions,
                        _ unsupported: (String) -> TFLiteError) throws(TFLiteError) {
        guard case .none = options else { return }
        switch builtin {
        case .conv2D, .depthwiseConv2D, .averagePool2D, .maxPool2D, .softmax, .concatenation, .squeeze,
             .unidirectionalSequenceLSTM:
            throw unsupported("builtin_options are missing")
        default:
            return
        }
    }
}

/// Decodes one supported options table, checking each value.
struct OptionsReader {
    let table: FlatBufferTable
    let path: String
    var decoder: TFLiteDecoder
    let unsupported: (String) -> TFLiteError

    func field<T>(_ name: String, _ body: () throws(FlatBufferError) -> T) throws(TFLiteError) -> T {
        try decoder.fb("\(path).\(name)", body)
    }

    func int(_ id: Int, _ name: String, default value: Int32 = 0, atLeast minimum: Int32? = nil) throws(TFLiteError) -> Int32 {
        let v = try field(name, { () throws(FlatBufferError) in try table.scalar(id, default: value) })
        if let minimum, v < minimum {
            throw .invalid(path: "\(path).\(name)", reason: "\(v) (must be ≥ \(minimum))")
        }
        return v
    }

    func bool(_ id: Int, _ name: String, default value: Bool = false) throws(TFLiteError) -> Bool {
        try field(name, { () throws(FlatBufferError) in try table.bool(id, default: value) })
    }

    func float(_ id: Int, _ name: String) throws(TFLiteError) -> Float {
        let v = try field(name, { () throws(FlatBufferError) in try table.float(id, default: 0) })
        guard v.isFinite else { throw .invalid(path: "\(path).\(name)", reason: "\(v) is not finite") }
        return v
    }

    func padding(_ id: Int) throws(TFLiteError) -> TFLitePadding {
        let raw = try field("padding", { () throws(FlatBufferError) in try table.scalar(id, default: Int8(0)) })
        guard let p = TFLitePadding(rawValue: raw) else {
            throw .invalid(path: "\(path).padding", reason: "padding \(raw) is neither SAME (0) nor VALID (1)")
        }
        return p
    }

    func activation(_ id: Int) throws(TFLiteError) -> TFLiteActivation {
        let raw = try field("fused_activation_function", { () throws(FlatBufferError) in try table.scalar(id, default: Int8(0)) })
        guard let a = TFLiteActivation(rawValue: raw) else {
            throw unsupported("fused_activation_function \(raw == 5 ? "SIGN_BIT" : "\(raw)")")
        }
        return a
    }

    mutating func decode(type: UInt8, builtin: TFLiteBuiltinOperator) throws(TFLiteError) -> TFLiteOperatorOptions {
        switch type {
        case OptionsType.conv2D:
            let biasType = try int(6, "quantized_bias_type")
            guard biasType == 0 || biasType == 2 else { throw unsupported("quantized_bias_type \(biasType) (int32 only)") }
            return .conv2D(.init(padding: try padding(0), strideW: try int(1, "stride_w", atLeast: 1),
                                 strideH: try int(2, "stride_h", atLeast: 1),
                                 dilationW: try int(4, "dilation_w_factor", default: 1, atLeast: 1),
                                 dilationH: try int(5, "dilation_h_factor", default: 1, atLeast: 1),
                                 activation: try activation(3)))
        case OptionsType.depthwiseConv2D:
            return .depthwiseConv2D(.init(padding: try padding(0), strideW: try int(1, "stride_w", atLeast: 1),
                                          strideH: try int(2, "stride_h", atLeast: 1),
                                          depthMultiplier: try int(3, "depth_multiplier", atLeast: 0),
                                          dilationW: try int(5, "dilation_w_factor", default: 1, atLeast: 1),
                                          dilationH: try int(6, "dilation_h_factor", default: 1, atLeast: 1),
                                          activation: try activation(4)))
        case OptionsType.pool2D:
            return .pool2D(.init(padding: try padding(0), strideW: try int(1, "stride_w", atLeast: 1),
                                 strideH: try int(2, "stride_h", atLeast: 1),
                                 filterW: try int(3, "filter_width", atLeast: 1),
                                 filterH: try int(4, "filter_height", atLeast: 1), activation: try activation(5)))
        case OptionsType.fullyConnected:
            let format = try int(1, "weights_format")
            guard format == 0 else { throw unsupported("weights_format \(format == 1 ? "SHUFFLED4x16INT8" : "\(format)")") }
            guard try !bool(3, "asymmetric_quantize_inputs") else { throw unsupported("asymmetric_quantize_inputs (hybrid quantization)") }
            let biasType = try int(4, "quantized_bias_type")
            guard biasType == 0 || biasType == 2 else { throw unsupported("quantized_bias_type \(biasType) (int32 only)") }
            return .fullyConnected(.init(activation: try activation(0), keepNumDims: try bool(2, "keep_num_dims")))
        case OptionsType.softmax:
            return .softmax(beta: try float(0, "beta"))
        case OptionsType.concatenation:
            return .concatenation(axis: try int(0, "axis"), activation: try activation(1))
        case OptionsType.add:
            return .add(activation: try activation(0), potScaleInt16: try bool(1, "pot_scale_int16", default: true))
        case OptionsType.mul:
            return .mul(activation: try activation(0))
        case OptionsType.reshape:
            return .reshape(newShape: try vector(0, "new_shape"))
        case OptionsType.squeeze:
            return .squeeze(squeezeDims: try vector(0, "squeeze_dims") ?? [])
        case OptionsType.reducer:
            return .reducer(keepDims: try bool(0, "keep_dims"))
        case OptionsType.pad:
            return .pad
        case OptionsType.quantize:
            return .quantize
        case OptionsType.dequantize:
            return .dequantize
        case OptionsType.unidirectionalSequenceLSTM:
            guard try !bool(4, "asymmetric_quantize_inputs") else { throw unsupported("asymmetric_quantize_inputs (hybrid quantization)") }
            guard try !bool(5, "diagonal_recurrent_tensors") else { throw unsupported("diagonal_recurrent_tensors") }
            let cellClip = try float(1, "cell_clip"), projClip = try float(2, "proj_clip")
            guard cellClip >= 0, projClip >= 0 else { throw .invalid(path: path, reason: "negative cell_clip or proj_clip") }
            return .unidirectionalSequenceLSTM(.init(activation: try activation(0), cellClip: cellClip,
                                                     projClip: projClip, timeMajor: try bool(3, "time_major")))
        default:
            throw unsupported("builtin_options type \(type)")
        }
    }

    mutating func vector(_ id: Int, _ name: String) throws(TFLiteError) -> [Int32]? {
        let v = try field(name, { () throws(FlatBufferError) in try table.vector(id, elementSize: 4) })
        if let v, v.count > maxRank {
            throw .unsupported(path: "\(path).\(name)", reason: "\(v.count) entries (at most \(maxRank))")
        }
        return try decoder.ints(v, "\(path).\(name)")
    }
}

/// The schema's name for a tensor type code, for errors about types Minnow does not accept.
func tensorTypeName(_ raw: Int8) -> String {
    let names = ["FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16", "COMPLEX64", "INT8",
                 "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT", "UINT32", "UINT16", "INT4", "BFLOAT16",
                 "INT2", "UINT4"]
    return raw >= 0 && Int(raw) < names.count ? names[Int(raw)] : "\(raw)"
}

import MinnowRuntime

/// Copies a validated model into a `ModelBuilder`, tensor for tensor and operator for operator,
/// so an export can change something (a shape) and write the file again with the runtime's own
/// writer. Without changes the copy serializes to the original bytes (tested).
enum ModelCopy {
    /// - Parameter shapes: replacement shapes by tensor index.
    static func builder(from model: Model, shapes: [Int: [Int]] = [:]) -> ModelBuilder {
        var builder = ModelBuilder()
        var anyName = false, anyConstantName = false
        for t in 0..<model.tensorCount {
            let name = model.tensorName(t)
            let shape = shapes[t] ?? model.tensorShape(t).dimensions
            let quantization = model.quantization(t)?.parameters
            if let data = model.constantData(t) {
                anyConstantName = anyConstantName || !name.isEmpty
                _ = builder.addConstant(name: name, type: model.tensorType(t), shape: shape, bytes: Array(data),
                                        quantization: quantization, layout: model.tensorLayout(t))
            } else {
                _ = builder.addTensor(name: name, type: model.tensorType(t), shape: shape, quantization: quantization)
            }
            anyName = anyName || !name.isEmpty
        }
        // Format 2 files may leave names out (all of them, or those of constants).
        if model.formatVersion >= 2 {
            builder.includesNames = anyName
            builder.includesConstantNames = anyConstantName
        }
        for op in 0..<model.operatorCount {
            builder.addOperator(model.operatorCode(op), inputs: Array(model.operatorInputs(op)),
                                outputs: Array(model.operatorOutputs(op)), options: model.operatorOptions(op))
        }
        builder.inputs = Array(model.inputs)
        builder.outputs = Array(model.outputs)
        return builder
    }

    /// Runs `body` on the model in `bytes` (16-byte aligned copy), naming `what` in errors.
    static func withModel<R>(_ bytes: [UInt8], _ body: (Model) throws -> R) throws -> R {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        let model: Model
        do {
            model = try Model(bytes: UnsafeRawBufferPointer(rebasing: buffer[0..<bytes.count]))
        } catch {
            throw ExportError("invalid model file: \(error)")
        }
        return try body(model)
    }
}

/// The `.minnow` format itself.
public enum MinnowFileExport {
    /// The model validated by the runtime, as it is.
    public static func validated(_ modelBytes: [UInt8]) throws -> [UInt8] {
        try ModelCopy.withModel(modelBytes) { _ in }
        return modelBytes
    }

    /// The model read and written again through `ModelBuilder` (the same bytes for any file the
    /// Minnow tools wrote), with the given tensors' shapes replaced; validated again.
    public static func rewritten(_ modelBytes: [UInt8], shapes: [Int: [Int]] = [:]) throws -> [UInt8] {
        let bytes = try ModelCopy.withModel(modelBytes) { ModelCopy.builder(from: $0, shapes: shapes).serializedBytes() }
        try ModelCopy.withModel(bytes) { _ in }
        return bytes
    }
}

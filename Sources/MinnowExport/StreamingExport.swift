import MinnowRuntime

/// One time step of a recurrent model, for streaming inference.
///
/// The exported model is the same graph with the time dimension of the recurrent operators'
/// sequences set to 1: inputs `[1, T, F]` become `[1, 1, F]` (and `[1, T, H]` outputs of
/// `return_sequences` layers `[1, 1, H]`). Run it in an interpreter created with `streaming: true`
/// (C: `MINNOW_OPTION_STREAMING`): each `invoke()` consumes one time step and the LSTM/GRU state
/// carries over, so after T invocations the outputs equal the full-sequence model's on the
/// same T steps, bit for bit. `resetState()` (C: `minnow_reset_state`) starts a new sequence.
public enum StreamingExport {
    /// Operators that act on each element alone, so a sequence tensor can pass through them.
    static let elementwise: Set<OperatorCode> = [.relu, .relu6, .logistic, .tanh, .quantize, .dequantize]

    /// The one-step model of `modelBytes` (a float or int8 model with LSTM or GRU operators).
    public static func oneStepModel(_ modelBytes: [UInt8]) throws -> [UInt8] {
        let bytes = try ModelCopy.withModel(modelBytes) { model -> [UInt8] in
            let shapes = try oneStepShapes(model)
            return ModelCopy.builder(from: model, shapes: shapes).serializedBytes()
        }
        // The runtime's own validation is the last check: shapes must still agree everywhere.
        try ModelCopy.withModel(bytes) { _ in }
        return bytes
    }

    /// New shapes for the sequence tensors: those feeding a recurrent operator (back through
    /// element-wise operators to a model input or another recurrent operator) and those coming
    /// out of `return_sequences` layers (forward through element-wise operators).
    static func oneStepShapes(_ model: Model) throws -> [Int: [Int]] {
        let recurrent = (0..<model.operatorCount).filter { model.operatorCode($0) == .lstm || model.operatorCode($0) == .gru }
        guard !recurrent.isEmpty else {
            throw ExportError("--streaming: the model has no LSTM or GRU operator, so there is no time step to stream")
        }
        var producer: [Int: Int] = [:], consumers: [Int: [Int]] = [:]
        for op in 0..<model.operatorCount {
            for t in model.operatorOutputs(op) { producer[t] = op }
            for t in model.operatorInputs(op) { consumers[t, default: []].append(op) }
        }
        func describe(_ op: Int) -> String { "operator \(op) (\(model.operatorCode(op)))" }
        var sequence: Set<Int> = []
        var pending: [Int] = []
        for op in recurrent {
            pending.append(model.operatorInputs(op)[0])
            if model.operatorOptions(op).returnSequences { pending.append(model.operatorOutputs(op)[0]) }
        }
        while let t = pending.popLast() {
            guard sequence.insert(t).inserted else { continue }
            // Backward: where the sequence comes from.
            if let op = producer[t] {
                let code = model.operatorCode(op)
                if elementwise.contains(code) {
                    pending.append(model.operatorInputs(op)[0])
                } else if code == .lstm || code == .gru {
                    guard model.operatorOptions(op).returnSequences else {
                        throw ExportError("--streaming: tensor \(t) '\(model.tensorName(t))' comes from \(describe(op)) without return_sequences")
                    }
                } else {
                    throw ExportError("--streaming: the sequence tensor \(t) '\(model.tensorName(t))' is computed by \(describe(op)), which sees the whole sequence; only element-wise operators may come before an LSTM/GRU")
                }
            } else if !model.inputs.contains(t) {
                throw ExportError("--streaming: tensor \(t) '\(model.tensorName(t))' is a constant sequence")
            }
            // Forward: who reads it.
            for op in consumers[t] ?? [] {
                let code = model.operatorCode(op)
                if elementwise.contains(code) {
                    pending.append(model.operatorOutputs(op)[0])
                } else if code != .lstm && code != .gru {
                    throw ExportError("--streaming: \(describe(op)) reads the whole sequence tensor \(t) '\(model.tensorName(t))'; a one-step model needs every sequence to end in an LSTM/GRU without return_sequences")
                }
            }
        }
        var steps: Int?
        var shapes: [Int: [Int]] = [:]
        for t in sequence.sorted() {
            let shape = model.tensorShape(t).dimensions
            guard shape.count == 3, shape[0] == 1 else {
                throw ExportError("--streaming: sequence tensor \(t) '\(model.tensorName(t))' has shape \(shape), expected [1, steps, features]")
            }
            if let steps, steps != shape[1] {
                throw ExportError("--streaming: sequence tensors have different step counts (\(steps) and \(shape[1]))")
            }
            steps = shape[1]
            shapes[t] = [1, 1, shape[2]]
        }
        if steps == 1 { throw ExportError("--streaming: the model already takes one time step per invoke") }
        return shapes
    }
}

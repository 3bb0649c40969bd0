import MinnowRuntime

/// Measures what a model costs: flash, arena (with the plan), and batch-1 latency per layer.
public enum ModelProfiler {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// - Parameters:
    ///   - input: values for model input 0 (quantized for int8 inputs); a fixed pseudo-random
    ///     pattern in [0, 1) when `nil`. Latency does not depend on the values for these kernels.
    public static func profile(modelBytes: [UInt8], path: String, runs: Int = 200, warmup: Int = 20,
                               input: [Float]? = nil) throws -> ProfileReport {
        try modelBytes.withUnsafeBytes { raw in
            let model: Model
            do { model = try Model(bytes: raw) } catch { throw Failure(description: "\(path): invalid model file: \(error)") }
            return try Interpreter.withHeapArena(for: model, startFailure: { Failure(description: "\(path): \($0)") }) { interpreter in
                let count = interpreter.inputCount(0)
                var values = input ?? []
                if values.count != count {
                    var state: UInt32 = 12345
                    values = (0..<count).map { _ in
                        state = state &* 1_664_525 &+ 1_013_904_223
                        return Float(state >> 8) / Float(1 << 24)
                    }
                }
                values.withUnsafeBufferPointer { interpreter.setInput(0, from: $0.baseAddress!) }
                let latency: LatencyProfile
                do {
                    latency = try LatencyProfiler.measure(
                        operatorCount: model.operatorCount, runs: runs, warmup: warmup,
                        invoke: { try interpreter.invoke() }, invokeOperator: { try interpreter.invokeOperator($0) })
                } catch {
                    throw Failure(description: "\(path): inference failed: \(error)")
                }
                return ProfileReport(modelPath: path, inspection: ModelInspection(model), flash: FlashBreakdown(model),
                                     arenaBytes: interpreter.usedArenaBytes, bookkeepingBytes: interpreter.bookkeepingBytes,
                                     plan: plan(model, interpreter), latency: latency)
            }
        }
    }

    /// Every arena buffer with its offset, size and live range.
    static func plan(_ model: Model, _ interpreter: Interpreter) -> [ArenaBuffer] {
        let lastOp = max(0, model.operatorCount - 1)
        var first = [Int](repeating: Int.max, count: model.tensorCount)
        var last = [Int](repeating: -1, count: model.tensorCount)
        for op in 0..<model.operatorCount {
            for t in model.operatorInputs(op) { first[t] = min(first[t], op); last[t] = max(last[t], op) }
            for t in model.operatorOutputs(op) { first[t] = min(first[t], op); last[t] = max(last[t], op) }
        }
        for t in model.inputs { first[t] = 0 }
        for t in model.outputs { last[t] = lastOp }
        var buffers: [ArenaBuffer] = []
        for b in 0..<interpreter.plannedBufferCount {
            guard let placed = interpreter.plannedBuffer(b) else { continue }
            if b < model.tensorCount {
                guard last[b] >= 0 else { continue }
                buffers.append(ArenaBuffer(name: model.tensorName(b).isEmpty ? "tensor \(b)" : model.tensorName(b),
                                           offset: placed.offset, bytes: placed.bytes,
                                           firstOperator: first[b] == Int.max ? 0 : first[b], lastOperator: last[b]))
            } else {
                let op = b - model.tensorCount
                let owner = model.tensorName(model.operatorOutputs(op)[0])
                buffers.append(ArenaBuffer(name: "\(owner) scratch", offset: placed.offset, bytes: placed.bytes,
                                           firstOperator: op, lastOperator: op))
            }
        }
        return buffers
    }
}

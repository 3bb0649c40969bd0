/// Runs a validated `Model` (float or int8) inside one caller-provided arena, without heap
/// allocation: neither `init(model:arena:)` nor `invoke()` allocates.
///
/// The arena holds, from its first 16-byte boundary: one Int32 arena offset per buffer (each
/// tensor, then one scratch buffer per operator), then the data laid out by `MemoryPlanner`.
/// Planning runs inside the arena too (its work columns use the data area before the data
/// exists). The interpreter is a value over borrowed memory: the model bytes and the arena must
/// outlive it, and copies share the same arena (do not invoke two copies concurrently).
///
/// Recurrent state (LSTM/GRU): by default it starts at zero on every `invoke()`. With
/// `streaming`, it carries over from one `invoke()` to the next (one chunk of time steps after
/// another) until `resetState()`.
public struct Interpreter: @unchecked Sendable {
    /// The model being executed.
    public let model: Model
    let offsets: UnsafeMutablePointer<Int32>
    let data: UnsafeMutableRawPointer
    /// Bytes of the arena the interpreter uses, counted from the arena's first byte.
    public let usedArenaBytes: Int
    /// Whether recurrent state persists between invocations.
    public let streaming: Bool
    /// The kernels every operator runs (all paths give the same bytes).
    public let kernels: KernelPath

    /// Exact arena bytes `init(model:arena:)` needs for `model` when the arena starts on a
    /// 16-byte boundary (add up to 15 bytes otherwise): offset table plus planned data (or the
    /// planning work area, if that is larger).
    ///
    /// With `preservingAllTensors`, no activation memory is reused, so every intermediate tensor
    /// can be inspected after `invoke()` (per-layer debugging), at the cost of memory. This
    /// host-side sizing query plans in temporary stack memory; on a device, size the arena with
    /// the host figure and call `init(model:arena:)`, which plans inside the arena.
    public static func requiredArenaBytes(for model: Model, preservingAllTensors: Bool = false,
                                          streaming: Bool = false, kernels: KernelPath = .native) -> Int {
        let count = ArenaLayout.bufferCount(model)
        let dataBytes = withUnsafeTemporaryAllocation(of: Int32.self, capacity: max(count * (1 + MemoryPlanner.workColumns), 1)) { slots in
            ArenaLayout.plan(model, preservingAllTensors: preservingAllTensors, streaming: streaming, kernels: kernels,
                             offsets: slots.baseAddress!, work: slots.baseAddress! + count)
        }
        return ArenaLayout.bookkeepingBytes(model) + max(dataBytes, ArenaLayout.workBytes(model))
    }

    /// Plans `model` into `arena`; throws `.arenaTooSmall` with the exact figure when it does not
    /// fit. Activation memory (and recurrent state) is zeroed.
    public init(model: Model, arena: UnsafeMutableRawBufferPointer, preservingAllTensors: Bool = false,
                streaming: Bool = false, kernels: KernelPath = .native) throws(RuntimeError) {
        let address = arena.baseAddress.map { UInt(bitPattern: $0) } ?? 0
        let alignment = UInt(MemoryPlanner.alignment)
        let padding = Int((alignment &- address % alignment) % alignment)
        let bookkeeping = ArenaLayout.bookkeepingBytes(model)
        let work = ArenaLayout.workBytes(model)
        guard let start = arena.baseAddress, padding + bookkeeping + work <= arena.count else {
            let required = padding + Interpreter.requiredArenaBytes(
                for: model, preservingAllTensors: preservingAllTensors, streaming: streaming, kernels: kernels)
            throw .arenaTooSmall(required: required, provided: arena.count)
        }
        let count = ArenaLayout.bufferCount(model)
        let offsets = (start + padding).bindMemory(to: Int32.self, capacity: count)
        let data = start + padding + bookkeeping
        let workColumns = data.bindMemory(to: Int32.self, capacity: count * MemoryPlanner.workColumns)
        let dataBytes = ArenaLayout.plan(model, preservingAllTensors: preservingAllTensors, streaming: streaming,
                                         kernels: kernels, offsets: offsets, work: workColumns)
        let required = padding + bookkeeping + max(dataBytes, work)
        guard required <= arena.count else { throw .arenaTooSmall(required: required, provided: arena.count) }
        self.model = model
        self.offsets = offsets
        self.data = data
        self.usedArenaBytes = required
        self.streaming = streaming
        self.kernels = kernels
        data.initializeMemory(as: UInt8.self, repeating: 0, count: max(dataBytes, work))
    }

    // MARK: Tensor access

    /// Byte offset of buffer `b` (tensor, or `tensorCount + op` for scratch) in the data area, or a
    /// negative value when it has no arena memory.
    @inline(__always) func arenaOffset(_ b: Int) -> Int { Int(offsets[b]) }

    /// Raw pointer to tensor `t`: into the arena for activations, into the model for constants.
    @inline(__always) func pointer(_ t: Int) -> UnsafeMutableRawPointer {
        let offset = arenaOffset(t)
        if offset >= 0 { return data + offset }
        return UnsafeMutableRawPointer(mutating: model.constantData(t).unsafelyUnwrapped.baseAddress.unsafelyUnwrapped)
    }

    /// Float pointer to tensor `t`.
    @inline(__always) func floats(_ t: Int) -> UnsafeMutablePointer<Float> {
        pointer(t).assumingMemoryBound(to: Float.self)
    }

    /// Scratch of operator `op` (the data area's start when it has none: never read then).
    @inline(__always) func scratchPointer(_ op: Int) -> UnsafeMutableRawPointer {
        data + max(arenaOffset(model.tensorCount &+ op), 0)
    }

    /// Model input `index` as floats, to fill before every `invoke()`: the memory plan may reuse
    /// an input's bytes once the operators that read it have run.
    public func inputFloats(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(index >= 0 && index < model.inputs.count, "Interpreter: input index out of range")
        return activationFloats(model.inputs[index])
    }

    /// Model output `index` as floats, valid after `invoke()`.
    public func outputFloats(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(index >= 0 && index < model.outputs.count, "Interpreter: output index out of range")
        return activationFloats(model.outputs[index])
    }

    func activationFloats(_ t: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(model.tensorType(t) == .float32, "Interpreter: tensor is not float32")
        return UnsafeMutableBufferPointer(start: floats(t), count: model.tensorShape(t).elementCount)
    }

    /// Any float tensor's current data by tensor index, read-only: constants point into the model,
    /// activations into the arena (empty for a tensor nothing references). Unless the interpreter
    /// preserves all tensors, an intermediate's memory may have been reused by a later operator
    /// by the time `invoke()` returns.
    public func tensorFloats(_ tensorIndex: Int) -> UnsafeBufferPointer<Float> {
        precondition(tensorIndex >= 0 && tensorIndex < model.tensorCount, "Interpreter: tensor index out of range")
        precondition(model.tensorType(tensorIndex) == .float32, "Interpreter: tensor is not float32")
        if !model.isConstant(tensorIndex) && arenaOffset(tensorIndex) < 0 {
            return UnsafeBufferPointer(start: nil, count: 0)
        }
        return UnsafeBufferPointer(start: floats(tensorIndex), count: model.tensorShape(tensorIndex).elementCount)
    }

    /// Model input `index` as int8, to fill before `invoke()` (quantize with `inputQuantization`).
    public func inputInt8(_ index: Int) -> UnsafeMutableBufferPointer<Int8> {
        precondition(index >= 0 && index < model.inputs.count, "Interpreter: input index out of range")
        return activationInt8(model.inputs[index])
    }

    /// Model output `index` as int8, valid after `invoke()` (dequantize with `outputQuantization`).
    public func outputInt8(_ index: Int) -> UnsafeMutableBufferPointer<Int8> {
        precondition(index >= 0 && index < model.outputs.count, "Interpreter: output index out of range")
        return activationInt8(model.outputs[index])
    }

    /// Quantization of model input `index` (`nil` for a float input).
    public func inputQuantization(_ index: Int) -> TensorQuantization? {
        precondition(index >= 0 && index < model.inputs.count, "Interpreter: input index out of range")
        return model.quantization(model.inputs[index])
    }

    /// Quantization of model output `index` (`nil` for a float output).
    public func outputQuantization(_ index: Int) -> TensorQuantization? {
        precondition(index >= 0 && index < model.outputs.count, "Interpreter: output index out of range")
        return model.quantization(model.outputs[index])
    }

    func activationInt8(_ t: Int) -> UnsafeMutableBufferPointer<Int8> {
        precondition(model.tensorType(t) == .int8, "Interpreter: tensor is not int8")
        return UnsafeMutableBufferPointer(start: pointer(t).assumingMemoryBound(to: Int8.self),
                                          count: model.tensorShape(t).elementCount)
    }

    /// Any int8 tensor's current data by tensor index, read-only (see `tensorFloats`).
    public func tensorInt8(_ tensorIndex: Int) -> UnsafeBufferPointer<Int8> {
        precondition(tensorIndex >= 0 && tensorIndex < model.tensorCount, "Interpreter: tensor index out of range")
        precondition(model.tensorType(tensorIndex) == .int8, "Interpreter: tensor is not int8")
        if !model.isConstant(tensorIndex) && arenaOffset(tensorIndex) < 0 {
            return UnsafeBufferPointer(start: nil, count: 0)
        }
        return UnsafeBufferPointer(start: pointer(tensorIndex).assumingMemoryBound(to: Int8.self),
                                   count: model.storedByteCount(tensorIndex))
    }

    // MARK: Execution

    /// Runs every operator in order. Recurrent state starts at zero on each call unless the
    /// interpreter is `streaming`.
    public func invoke() throws(RuntimeError) {
        let context = InvocationContext(self)
        for op in 0..<model.operatorCount {
            model.operatorCode(op).visit(InvokeOperator(node: OperatorNode(model: model, index: op), context: context))
        }
    }

    /// Zeroes the recurrent state of every operator that keeps some (for `streaming` interpreters:
    /// starts a new sequence).
    public func resetState() {
        for op in 0..<model.operatorCount {
            let request = ArenaLayout.scratch(model, op: op, kernels: kernels)
            let offset = arenaOffset(model.tensorCount &+ op)
            if request.isState && offset >= 0 {
                (data + offset).initializeMemory(as: UInt8.self, repeating: 0, count: request.bytes)
            }
        }
    }
}

/// Access for profilers and debuggers: the memory plan, and running one operator at a time.
extension Interpreter {
    /// Planned buffers: one per tensor (by tensor index), then one scratch buffer per operator
    /// (index `tensorCount + op`).
    public var plannedBufferCount: Int { MemoryPlanner.bufferCount(model) }

    /// Where buffer `b` lives in the arena's data area and how many bytes it spans, or `nil`
    /// when it has no arena memory (constants, unused tensors, scratch-free operators).
    /// Buffers that alias (reshape, in-place operators) report the same offset.
    public func plannedBuffer(_ b: Int) -> (offset: Int, bytes: Int)? {
        let bytes = MemoryPlanner.size(model, buffer: b)
        let offset = arenaOffset(b)
        guard offset >= 0, bytes > 0 else { return nil }
        return (offset, bytes)
    }

    /// Arena bytes before the data area: the interpreter's offset table and alignment.
    public var bookkeepingBytes: Int { MemoryPlanner.bookkeepingBytes(model) }

    /// Runs operator `op` alone. Calling `invokeOperator(0)…invokeOperator(operatorCount − 1)` in
    /// order is exactly `invoke()` (recurrent state resets happen as `invoke()` does them).
    public func invokeOperator(_ op: Int) throws(RuntimeError) {
        precondition(op >= 0 && op < model.operatorCount, "Interpreter: operator index out of range")
        // Operator selection (firmware builds) leaves out kernels a model does not use; such
        // models are rejected at load, so the skipped branches are never reached.
        if OperatorSelection.isInt8Path(model, op: op) {
            if OperatorSelection.includesInt8Path { runInt8(op) }
        } else if OperatorSelection.includesFloatPath {
            try run(op)
        }
    }
}

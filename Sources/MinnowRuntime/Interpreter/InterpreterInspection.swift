/// Access for profilers and debuggers: the memory plan, and running one operator at a time.
extension Interpreter {
    /// Planned buffers: one per tensor (by tensor index), then one scratch buffer per operator
    /// (index `tensorCount + op`).
    public var plannedBufferCount: Int { ArenaLayout.bufferCount(model) }

    /// Where buffer `b` lives in the arena's data area and how many bytes it spans, or `nil`
    /// when it has no arena memory (constants, unused tensors, scratch-free operators).
    /// Buffers that alias (reshape, in-place operators) report the same offset.
    public func plannedBuffer(_ b: Int) -> (offset: Int, bytes: Int)? {
        let bytes = ArenaLayout.size(model, buffer: b, kernels: kernels)
        let offset = arenaOffset(b)
        guard offset >= 0, bytes > 0 else { return nil }
        return (offset, bytes)
    }

    /// Arena bytes before the data area: the interpreter's offset table and alignment.
    public var bookkeepingBytes: Int { ArenaLayout.bookkeepingBytes(model) }

    /// Runs operator `op` alone. Calling `invokeOperator(0)…invokeOperator(operatorCount − 1)` in
    /// order is exactly `invoke()`.
    public func invokeOperator(_ op: Int) throws(RuntimeError) {
        precondition(op >= 0 && op < model.operatorCount, "Interpreter: operator index out of range")
        model.operatorCode(op).visit(InvokeOperator(node: OperatorNode(model: model, index: op), context: InvocationContext(self)))
    }
}

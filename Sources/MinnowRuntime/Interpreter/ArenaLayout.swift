/// Describes a model's buffers to the operator-agnostic `MemoryPlanner`: each non-constant tensor
/// and each operator's scratch, with sizes, lifetimes and sharing, asked of the operator files.
///
/// A tensor lives from its first producer or reader to its last reader (model inputs from the
/// first operator, model outputs to the last). An operator's scratch lives during the operator,
/// or for the whole invocation when it is recurrent state of a streaming interpreter. Outputs
/// share memory as their operator allows (`MemorySharing`): an alias (reshape) always joins its
/// input's group; an in-place output joins the group of an input that dies at that operator and is
/// at least as large — never a model input's or output's group, and not when all tensors are
/// preserved.
enum ArenaLayout {
    /// Number of planned buffers (tensors, then one scratch slot per operator): one arena offset each.
    @inline(__always) static func bufferCount(_ model: Model) -> Int { model.tensorCount &+ model.operatorCount }

    /// Bytes of the persistent offset table at the start of the arena.
    static func bookkeepingBytes(_ model: Model) -> Int { MemoryPlanner.alignUp(bufferCount(model) &* 4) }

    /// Upper bound of the buffers that can need memory: every model input, every operator output
    /// (a validated graph writes each activation once) and every operator's scratch slot. Only
    /// these get planner work columns, so constants cost no planning memory.
    static func candidateCount(_ model: Model) -> Int {
        var n = model.inputs.count &+ model.operatorCount
        for op in 0..<model.operatorCount { n &+= model.operatorOutputs(op).count }
        return n
    }

    /// Bytes of the planning work area (placed in the data area during planning).
    static func workBytes(_ model: Model) -> Int { candidateCount(model) &* MemoryPlanner.workColumns &* 4 }

    /// Scratch request of operator `op` on kernel path `kernels` (never inlined: one copy of the
    /// dispatch serves the planner, the loader and `resetState`, which keeps firmware small).
    @inline(never) static func scratch(_ model: Model, op: Int, kernels: KernelPath) -> ScratchRequest {
        model.operatorCode(op).visit(ScratchQuery(node: OperatorNode(model: model, index: op), kernels: kernels))
    }

    /// How operator `node`'s output may share memory (never inlined, as `scratch`).
    @inline(never) static func sharingOf(_ node: OperatorNode) -> MemorySharing {
        node.code.visit(SharingQuery(node: node))
    }

    /// Aligned size of buffer `b` (0 for constants and scratch-free operators). Never inlined: the
    /// planner and the loader's arena check call it from several places, and each inlined copy of
    /// the scratch sizing would cost firmware flash.
    @inline(never)
    static func size(_ model: Model, buffer b: Int, kernels: KernelPath) -> Int {
        if b < model.tensorCount {
            return model.isConstant(b) ? 0 : MemoryPlanner.alignUp(model.tensorByteCount(b))
        }
        return MemoryPlanner.alignUp(scratch(model, op: b &- model.tensorCount, kernels: kernels).bytes)
    }

    /// Fills the planner's columns for `model` and places the buffers: writes `offsets`
    /// (`bufferCount` Int32, −2 for a buffer without memory) using `work` (`workBytes`, may overlap
    /// the data area) and returns the data bytes needed.
    ///
    /// While planning, `offsets` maps each buffer to its row of the work columns (−1: none).
    static func plan(_ model: Model, preservingAllTensors: Bool, streaming: Bool, kernels: KernelPath,
                     offsets: UnsafeMutablePointer<Int32>, work: UnsafeMutablePointer<Int32>) -> Int {
        let total = bufferCount(model)
        // Rows: model inputs, then each operator's outputs and scratch slot, in that order.
        for b in 0..<total { offsets[b] = -1 }
        var count = 0
        @inline(__always) func assign(_ b: Int) {
            if offsets[b] < 0 {
                offsets[b] = Int32(truncatingIfNeeded: count)
                count &+= 1
            }
        }
        for t in model.inputs { assign(t) }
        for op in 0..<model.operatorCount {
            for t in model.operatorOutputs(op) { assign(t) }
            assign(model.tensorCount &+ op)
        }
        @inline(__always) func column(_ c: Int) -> UnsafeMutablePointer<Int32> { work + c &* count }
        let size = column(MemoryPlanner.sizeColumn), first = column(MemoryPlanner.firstColumn)
        let last = column(MemoryPlanner.lastColumn), root = column(MemoryPlanner.rootColumn)
        // While grouping, two of the planner's own columns hold each group's last use and whether
        // it contains a model input or output.
        let groupLast = column(MemoryPlanner.orderColumn), isEdge = column(MemoryPlanner.nextColumn)
        let lastOp = Int32(truncatingIfNeeded: max(model.operatorCount &- 1, 0))
        @inline(__always) func row(_ b: Int) -> Int { Int(offsets[b]) }

        for r in 0..<count {
            first[r] = Int32.max
            last[r] = -1
            root[r] = Int32(truncatingIfNeeded: r)
            isEdge[r] = 0
        }
        @inline(__always) func use(_ t: Int, at step: Int32) {
            let r = row(t)
            guard r >= 0 else { return }  // a constant
            first[r] = min(first[r], step)
            last[r] = max(last[r], step)
        }
        for op in 0..<model.operatorCount {
            let step = Int32(truncatingIfNeeded: op)
            for t in model.operatorInputs(op) { use(t, at: step) }
            for t in model.operatorOutputs(op) { use(t, at: step) }
            let s = row(model.tensorCount &+ op)
            let request = scratch(model, op: op, kernels: kernels)
            size[s] = Int32(truncatingIfNeeded: MemoryPlanner.alignUp(request.bytes))
            first[s] = streaming && request.isState ? 0 : step
            last[s] = streaming && request.isState ? lastOp : step
        }
        for t in model.inputs { use(t, at: 0); isEdge[row(t)] = 1 }
        for t in model.outputs { use(t, at: lastOp); isEdge[row(t)] = 1 }
        for t in 0..<model.tensorCount {
            let r = row(t)
            guard r >= 0 else { continue }
            size[r] = Int32(truncatingIfNeeded: MemoryPlanner.alignUp(model.tensorByteCount(t)))
            if preservingAllTensors && last[r] >= 0 {
                first[r] = 0
                last[r] = lastOp
            }
            groupLast[r] = last[r]
        }

        // Sharing, in execution order.
        for op in 0..<model.operatorCount {
            let node = OperatorNode(model: model, index: op)
            let sharing = sharingOf(node)
            let ins = node.inputs
            let y = row(node.output)
            var target = -1
            switch sharing {
            case .none:
                break
            case .aliasesInput:
                if !model.isConstant(ins[0]) { target = Int(root[row(ins[0])]) }
            case .overwritesInput:
                guard !preservingAllTensors && isEdge[y] == 0 else { break }
                for x in ins where !model.isConstant(x) {
                    let r = Int(root[row(x)])
                    if groupLast[r] == Int32(truncatingIfNeeded: op) && isEdge[r] == 0
                        && model.tensorByteCount(node.output) <= model.tensorByteCount(x) {
                        target = r
                        break
                    }
                }
            }
            if target >= 0 {
                root[y] = Int32(truncatingIfNeeded: target)
                groupLast[target] = max(groupLast[target], last[y])
                isEdge[target] |= isEdge[y]
            }
        }
        let bytes = MemoryPlanner.place(count: count, work: work)
        let placed = column(MemoryPlanner.offsetColumn)
        for b in 0..<total {
            let r = row(b)
            offsets[b] = r >= 0 ? placed[r] : MemoryPlanner.unused
        }
        return bytes
    }
}

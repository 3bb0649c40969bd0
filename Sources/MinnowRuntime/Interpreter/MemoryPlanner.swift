/// Arena memory planning: greedy best-fit by size over buffer lifetimes, as TFLite-Micro's
/// GreedyMemoryPlanner, with no heap allocation.
///
/// Buffers are the model's non-constant tensors that some operator or the model input/output
/// lists reference, plus one scratch buffer per operator that needs one (recurrent state and
/// gates, int8 im2col blocks). A tensor lives from its first producer or reader to its last
/// reader (model inputs from the first operator, model outputs to the last).
///
/// Aliases share memory instead of getting their own: a `reshape` output is its input (no copy,
/// unless the input is a constant), and an element-wise operator (`relu`, `relu6`, `logistic`,
/// `tanh`, `add`) or a pooling operator without leading padding writes in place over an input
/// that dies at that operator (never over a model input or output, and not when all tensors are
/// preserved). A group (root and aliases) shares one offset; each member keeps its own size and
/// lifetime, so memory above a shrunken member (a pooling output) is free for other buffers.
///
/// Buffers are placed largest first; each goes into the smallest gap (lowest offset on ties)
/// between buffers already placed whose lifetimes overlap its own, or on top of them. Sizes and
/// offsets are multiples of 16 bytes.
///
/// Persistent state: one Int32 offset per buffer (−2 when the buffer has no arena memory),
/// at the start of the arena. Planning also needs five Int32 columns per buffer (first use,
/// last use, alias root, two work lists), which live in the data area while planning and are
/// overwritten by tensor data afterwards. The work is O(buffers² + buffers·k²) for at most k
/// simultaneously live buffers.
enum MemoryPlanner {
    static let alignment = 16
    static let unused: Int32 = -2
    static let unplaced: Int32 = -1
    /// Int32 columns of the planning work area.
    static let workColumns = 5

    @inline(__always) static func alignUp(_ n: Int) -> Int { (n &+ alignment &- 1) / alignment &* alignment }

    /// Number of planned buffers (tensors, then one scratch slot per operator).
    static func bufferCount(_ model: Model) -> Int { model.tensorCount &+ model.operatorCount }

    /// Bytes of the persistent offset table at the start of the arena.
    static func bookkeepingBytes(_ model: Model) -> Int { alignUp(bufferCount(model) &* 4) }

    /// Bytes of the planning work area (placed in the data area during planning).
    static func workBytes(_ model: Model) -> Int { bufferCount(model) &* workColumns &* 4 }

    /// Output pixels per im2col block of an int8 conv: at most one output row, and at most
    /// 2 KiB of scratch (but at least one pixel). A pixel takes `Int8Gemm.prepackedRowBytes`
    /// (K rounded up to 4 where the C kernels read the rows in place).
    static func im2colPixels(_ model: Model, op: Int) -> Int {
        let w = model.tensorShape(model.operatorInputs(op)[1])
        let rowBytes = Int8Gemm.prepackedRowBytes(k: w[1] &* w[2] &* w[3])
        let outputWidth = model.tensorShape(model.operatorOutputs(op)[0])[2]
        return max(1, min(outputWidth, 2048 / max(rowBytes, 1)))
    }

    /// True when an int8 conv reads its input directly as the GEMM's A matrix (1×1 kernel,
    /// stride 1, no padding), so no im2col scratch is needed.
    static func isPointwise(_ model: Model, op: Int) -> Bool {
        let w = model.tensorShape(model.operatorInputs(op)[1])
        let o = model.operatorOptions(op)
        return w[1] == 1 && w[2] == 1 && o.strideHeight == 1 && o.strideWidth == 1
    }

    /// Bytes of the im2col block of an int8 conv (0 for pointwise convs), rounded to 16 so the
    /// GEMM's scratch that follows stays aligned.
    static func im2colBytes(_ model: Model, op: Int) -> Int {
        if isPointwise(model, op: op) { return 0 }
        let w = model.tensorShape(model.operatorInputs(op)[1])
        return alignUp(im2colPixels(model, op: op) &* Int8Gemm.prepackedRowBytes(k: w[1] &* w[2] &* w[3]))
    }

    /// Scratch the int8 GEMM kernel packs activations into (`Int8Gemm.scratchByteCount`): none
    /// for an im2col conv, whose block is already in the packed layout (`Int8Gemm.runPrepacked`;
    /// the Swift kernels read it in place too).
    static func gemmScratchBytes(_ model: Model, op: Int) -> Int {
        let ins = model.operatorInputs(op)
        let w = model.tensorShape(ins[1])
        if model.operatorCode(op) == .fullyConnected {
            return Int8Gemm.scratchByteCount(m: 1, k: model.tensorShape(ins[0]).elementCount)
        }
        guard isPointwise(model, op: op) else { return 0 }
        let rows = model.tensorShape(model.operatorOutputs(op)[0]).elementCount / max(1, w[0])
        return Int8Gemm.scratchByteCount(m: rows, k: w[1] &* w[2] &* w[3])
    }

    /// Scratch bytes operator `op` needs.
    static func scratchBytes(_ model: Model, op: Int) -> Int {
        let code = model.operatorCode(op)
        let int8 = model.tensorType(model.operatorInputs(op)[0]) == .int8
        switch code {
        case .lstm, .gru:
            // Builds without recurrent operators refuse such models at load; skip their sizing code.
            guard OperatorSelection.includes(code, int8: int8) else { return 0 }
            if int8 { return Int8Recurrent.scratchBytes(model: model, op: op) }
            return (code == .lstm ? 6 : 7) &* Int(model.operatorOptions(op).units) &* 4
        case .conv2D where int8:
            return im2colBytes(model, op: op) &+ gemmScratchBytes(model, op: op)
        case .fullyConnected where int8:
            return gemmScratchBytes(model, op: op)
        default:
            return 0
        }
    }

    /// Aligned size of buffer `b` (0 for constants and scratch-free operators). Never inlined:
    /// the planner and the loader's arena check call it from several places, and each inlined
    /// copy of the scratch sizing costs firmware flash.
    @inline(never)
    static func size(_ model: Model, buffer b: Int) -> Int {
        if b < model.tensorCount {
            return model.isConstant(b) ? 0 : alignUp(model.tensorByteCount(b))
        }
        return alignUp(scratchBytes(model, op: b &- model.tensorCount))
    }

    /// True when pooling operator `op` may write its output over its input: with no leading
    /// padding, output pixel p is written only after every window that reads input pixel p has
    /// been read (outputs and windows advance in the same row-major order).
    static func isInPlacePool(_ model: Model, op: Int) -> Bool {
        let code = model.operatorCode(op)
        guard code == .maxPool2D || code == .averagePool2D else { return false }
        let o = model.operatorOptions(op)
        if o.padding == .valid { return true }
        let x = model.tensorShape(model.operatorInputs(op)[0])
        let rows = AxisGeometry(input: x[1], kernel: Int(o.kernelHeight), stride: Int(o.strideHeight), padding: o.padding)
        let cols = AxisGeometry(input: x[2], kernel: Int(o.kernelWidth), stride: Int(o.strideWidth), padding: o.padding)
        return rows?.padBefore == 0 && cols?.padBefore == 0
    }

    /// True when `code` may write its output over an input of the same size.
    static func isElementwise(_ code: OperatorCode) -> Bool {
        switch code {
        case .relu, .relu6, .logistic, .tanh, .add: return true
        default: return false
        }
    }

    /// Plans every buffer: writes `offsets` (`bufferCount` Int32: −2 for a buffer without arena
    /// memory) using `work` (`workBytes`, may overlap the data area) and returns the data bytes
    /// needed.
    static func plan(_ model: Model, preservingAllTensors: Bool, streaming: Bool,
                     offsets: UnsafeMutablePointer<Int32>, work: UnsafeMutablePointer<Int32>) -> Int {
        let count = bufferCount(model)
        let lastOp = max(model.operatorCount &- 1, 0)
        @inline(__always) func first(_ b: Int) -> UnsafeMutablePointer<Int32> { work + b }
        @inline(__always) func last(_ b: Int) -> UnsafeMutablePointer<Int32> { work + (count &+ b) }
        @inline(__always) func root(_ b: Int) -> UnsafeMutablePointer<Int32> { work + (2 &* count &+ b) }
        @inline(__always) func list(_ k: Int) -> UnsafeMutablePointer<Int32> { work + (3 &* count &+ k) }
        @inline(__always) func members(_ k: Int) -> UnsafeMutablePointer<Int32> { work + (4 &* count &+ k) }

        // Raw lifetimes.
        for b in 0..<count {
            offsets[b] = unused
            first(b).pointee = Int32.max
            last(b).pointee = -1
            root(b).pointee = Int32(truncatingIfNeeded: b)
        }
        func use(_ t: Int, at step: Int) {
            first(t).pointee = min(first(t).pointee, Int32(truncatingIfNeeded: step))
            last(t).pointee = max(last(t).pointee, Int32(truncatingIfNeeded: step))
        }
        for op in 0..<model.operatorCount {
            for t in model.operatorInputs(op) { use(t, at: op) }
            for t in model.operatorOutputs(op) { use(t, at: op) }
            let s = model.tensorCount &+ op
            first(s).pointee = Int32(truncatingIfNeeded: op)
            last(s).pointee = Int32(truncatingIfNeeded: op)
            if streaming && (model.operatorCode(op) == .lstm || model.operatorCode(op) == .gru) {
                // Recurrent state survives between invocations: nothing may share its memory.
                first(s).pointee = 0
                last(s).pointee = Int32(truncatingIfNeeded: lastOp)
            }
        }
        for t in model.inputs { use(t, at: 0) }
        for t in model.outputs { use(t, at: lastOp) }

        // Aliases, in execution order. A group (a root and the tensors aliased to it) shares one
        // offset; each member keeps its own size and lifetime for the overlap checks.
        func isEdge(_ r: Int) -> Bool {
            for t in model.inputs where Int(root(t).pointee) == r { return true }
            for t in model.outputs where Int(root(t).pointee) == r { return true }
            return false
        }
        /// Last use over the group of root `r` (members so far).
        func groupLast(_ r: Int) -> Int32 {
            var l: Int32 = -1
            for t in 0..<model.tensorCount where Int(root(t).pointee) == r { l = max(l, last(t).pointee) }
            return l
        }
        for op in 0..<model.operatorCount {
            let code = model.operatorCode(op)
            let ins = model.operatorInputs(op)
            let y = model.operatorOutputs(op)[0]
            var target = -1
            if code == .reshape {
                if !model.isConstant(ins[0]) { target = Int(root(ins[0]).pointee) }
            } else if !preservingAllTensors && !isEdge(y) && (isElementwise(code) || isInPlacePool(model, op: op)) {
                for x in ins where !model.isConstant(x) {
                    let r = Int(root(x).pointee)
                    if groupLast(r) == Int32(truncatingIfNeeded: op) && !isEdge(r)
                        && model.tensorByteCount(y) <= model.tensorByteCount(x) {
                        target = r
                        break
                    }
                }
            }
            if target >= 0 { root(y).pointee = Int32(truncatingIfNeeded: target) }
        }

        for b in 0..<count where last(b).pointee >= 0 && size(model, buffer: b) > 0 {
            offsets[b] = unplaced
            if preservingAllTensors && b < model.tensorCount {
                first(b).pointee = 0
                last(b).pointee = Int32(truncatingIfNeeded: lastOp)
            }
        }
        @inline(__always) func rootOf(_ b: Int) -> Int { b < model.tensorCount ? Int(root(b).pointee) : b }

        // Greedy placement of groups, largest root first (ties: earlier first use, then lower index).
        var top = 0
        while true {
            var next = -1, nextSize = 0
            for b in 0..<count where offsets[b] == unplaced && rootOf(b) == b {
                let s = size(model, buffer: b)
                if next < 0 || s > nextSize || (s == nextSize && first(b).pointee < first(next).pointee) {
                    next = b
                    nextSize = s
                }
            }
            if next < 0 { break }
            // Members of the group (the root included) and the union of their lifetimes.
            var memberCount = 0
            var f = first(next).pointee, l = last(next).pointee
            for b in 0..<count where offsets[b] == unplaced && rootOf(b) == next {
                members(memberCount).pointee = Int32(truncatingIfNeeded: b)
                memberCount &+= 1
                f = min(f, first(b).pointee)
                l = max(l, last(b).pointee)
            }
            // Placed buffers alive during the group's span.
            var overlapping = 0
            for p in 0..<count where offsets[p] >= 0 && first(p).pointee <= l && f <= last(p).pointee {
                list(overlapping).pointee = Int32(truncatingIfNeeded: p)
                overlapping &+= 1
            }
            // Candidate offsets: 0 and the end of every overlapping buffer. Best fit: the
            // smallest gap up to the next buffer above; ties go to the lower offset.
            var best = -1, bestGap = Int.max
            for k in -1..<overlapping {
                let candidate = k < 0 ? 0 : Int(offsets[Int(list(k).pointee)]) &+ size(model, buffer: Int(list(k).pointee))
                var fits = true
                var gap = Int.max
                check: for m in 0..<memberCount {
                    let b = Int(members(m).pointee)
                    let memberSize = size(model, buffer: b)
                    for j in 0..<overlapping {
                        let p = Int(list(j).pointee)
                        guard first(p).pointee <= last(b).pointee && first(b).pointee <= last(p).pointee else { continue }
                        let start = Int(offsets[p]), end = start &+ size(model, buffer: p)
                        if candidate < end && start < candidate &+ memberSize { fits = false; break check }
                        if start >= candidate { gap = min(gap, start &- candidate) }
                    }
                }
                if fits && (gap < bestGap || (gap == bestGap && (best < 0 || candidate < best))) {
                    best = candidate
                    bestGap = gap
                }
            }
            for m in 0..<memberCount {
                let b = Int(members(m).pointee)
                offsets[b] = Int32(truncatingIfNeeded: best)
                top = max(top, best &+ size(model, buffer: b))
            }
        }
        return top
    }
}

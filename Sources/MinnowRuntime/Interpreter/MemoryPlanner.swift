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
/// `tanh`, `add`) writes in place over an input of the same byte size that dies at that operator
/// (never over a model input or output, and not when all tensors are preserved). An alias
/// group's lifetime is the union of its members'.
///
/// Buffers are placed largest first; each goes into the smallest gap (lowest offset on ties)
/// between buffers already placed whose lifetimes overlap its own, or on top of them. Sizes and
/// offsets are multiples of 16 bytes.
///
/// Persistent state: one Int32 offset per buffer (−2 when the buffer has no arena memory),
/// at the start of the arena. Planning also needs four Int32 columns per buffer (first use,
/// last use, alias root, work list), which live in the data area while planning and are
/// overwritten by tensor data afterwards. The work is O(buffers² + buffers·k²) for at most k
/// simultaneously live buffers.
enum MemoryPlanner {
    static let alignment = 16
    static let unused: Int32 = -2
    static let unplaced: Int32 = -1
    /// Int32 columns of the planning work area.
    static let workColumns = 4

    @inline(__always) static func alignUp(_ n: Int) -> Int { (n &+ alignment &- 1) / alignment &* alignment }

    /// Number of planned buffers (tensors, then one scratch slot per operator).
    static func bufferCount(_ model: Model) -> Int { model.tensorCount &+ model.operatorCount }

    /// Bytes of the persistent offset table at the start of the arena.
    static func bookkeepingBytes(_ model: Model) -> Int { alignUp(bufferCount(model) &* 4) }

    /// Bytes of the planning work area (placed in the data area during planning).
    static func workBytes(_ model: Model) -> Int { bufferCount(model) &* workColumns &* 4 }

    /// Output pixels per im2col block of an int8 conv: at most one output row, and at most
    /// 2 KiB of scratch (but at least one pixel).
    static func im2colPixels(_ model: Model, op: Int) -> Int {
        let w = model.tensorShape(model.operatorInputs(op)[1])
        let depth = w[1] &* w[2] &* w[3]
        let outputWidth = model.tensorShape(model.operatorOutputs(op)[0])[2]
        return max(1, min(outputWidth, 2048 / max(depth, 1)))
    }

    /// True when an int8 conv reads its input directly as the GEMM's A matrix (1×1 kernel,
    /// stride 1, no padding), so no im2col scratch is needed.
    static func isPointwise(_ model: Model, op: Int) -> Bool {
        let w = model.tensorShape(model.operatorInputs(op)[1])
        let o = model.operatorOptions(op)
        return w[1] == 1 && w[2] == 1 && o.strideHeight == 1 && o.strideWidth == 1
    }

    /// Scratch bytes operator `op` needs.
    static func scratchBytes(_ model: Model, op: Int) -> Int {
        let code = model.operatorCode(op)
        let int8 = model.tensorType(model.operatorInputs(op)[0]) == .int8
        switch code {
        case .lstm, .gru:
            if int8 { return Int8Recurrent.scratchBytes(model: model, op: op) }
            return (code == .lstm ? 6 : 7) &* Int(model.operatorOptions(op).units) &* 4
        case .conv2D where int8:
            if isPointwise(model, op: op) { return 0 }
            let w = model.tensorShape(model.operatorInputs(op)[1])
            return im2colPixels(model, op: op) &* w[1] &* w[2] &* w[3]
        default:
            return 0
        }
    }

    /// Aligned size of buffer `b` (0 for constants and scratch-free operators).
    static func size(_ model: Model, buffer b: Int) -> Int {
        if b < model.tensorCount {
            return model.isConstant(b) ? 0 : alignUp(model.tensorByteCount(b))
        }
        return alignUp(scratchBytes(model, op: b &- model.tensorCount))
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

        // Aliases, in execution order; a group's lifetime is merged into its root.
        func isEdge(_ r: Int) -> Bool {
            for t in model.inputs where Int(root(t).pointee) == r { return true }
            for t in model.outputs where Int(root(t).pointee) == r { return true }
            return false
        }
        for op in 0..<model.operatorCount {
            let code = model.operatorCode(op)
            let ins = model.operatorInputs(op)
            let y = model.operatorOutputs(op)[0]
            var target = -1
            if code == .reshape {
                if !model.isConstant(ins[0]) { target = Int(root(ins[0]).pointee) }
            } else if isElementwise(code) && !preservingAllTensors {
                for x in ins where !model.isConstant(x) {
                    let r = Int(root(x).pointee)
                    if Int(last(r).pointee) == op && !isEdge(r) && !isEdge(y)
                        && model.tensorByteCount(x) == model.tensorByteCount(y) {
                        target = r
                        break
                    }
                }
            }
            guard target >= 0 else { continue }
            root(y).pointee = Int32(truncatingIfNeeded: target)
            first(target).pointee = min(first(target).pointee, first(y).pointee)
            last(target).pointee = max(last(target).pointee, last(y).pointee)
        }

        for b in 0..<count where last(b).pointee >= 0 && Int(root(b).pointee) == b && size(model, buffer: b) > 0 {
            offsets[b] = unplaced
            if preservingAllTensors && b < model.tensorCount {
                first(b).pointee = 0
                last(b).pointee = Int32(truncatingIfNeeded: lastOp)
            }
        }

        // Greedy placement, largest first (ties: earlier first use, then lower index).
        var top = 0
        while true {
            var next = -1, nextSize = 0
            for b in 0..<count where offsets[b] == unplaced {
                let s = size(model, buffer: b)
                if next < 0 || s > nextSize || (s == nextSize && first(b).pointee < first(next).pointee) {
                    next = b
                    nextSize = s
                }
            }
            if next < 0 { break }
            let f = first(next).pointee, l = last(next).pointee
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
                for j in 0..<overlapping {
                    let p = Int(list(j).pointee)
                    let start = Int(offsets[p]), end = start &+ size(model, buffer: p)
                    if candidate < end && start < candidate &+ nextSize { fits = false; break }
                    if start >= candidate { gap = min(gap, start &- candidate) }
                }
                if fits && (gap < bestGap || (gap == bestGap && (best < 0 || candidate < best))) {
                    best = candidate
                    bestGap = gap
                }
            }
            offsets[next] = Int32(truncatingIfNeeded: best)
            top = max(top, best &+ nextSize)
        }
        // Aliases take their root's offset.
        for t in 0..<model.tensorCount where Int(root(t).pointee) != t {
            offsets[t] = offsets[Int(root(t).pointee)]
        }
        return top
    }
}

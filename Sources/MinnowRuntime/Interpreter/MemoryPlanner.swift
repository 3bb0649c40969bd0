/// Arena memory planning: greedy best-fit by size over buffer lifetimes, as TFLite-Micro's
/// GreedyMemoryPlanner, with no heap allocation.
///
/// Buffers are the model's non-constant tensors that some operator or the model input/output
/// lists reference, plus one scratch buffer per operator that needs one (LSTM/GRU state).
/// A tensor lives from its first producer or reader to its last reader (model inputs from the
/// first operator, model outputs to the last). Buffers are placed largest first; each goes into
/// the smallest gap (lowest offset on ties) between buffers already placed whose lifetimes
/// overlap its own, or on top of them. Sizes and offsets are multiples of 16 bytes.
///
/// The planner's state is four Ints per buffer (offset, first use, last use, and a work column
/// listing the buffers that overlap the one being placed), which the interpreter keeps at the
/// start of its arena. The work is O(buffers² + buffers·k²) for at most k simultaneously live
/// buffers.
enum MemoryPlanner {
    static let alignment = 16
    /// Int slots per buffer in the bookkeeping area.
    static let slotsPerBuffer = 4
    static let unused = -2
    static let unplaced = -1

    @inline(__always) static func alignUp(_ n: Int) -> Int { (n &+ alignment &- 1) / alignment &* alignment }

    /// Number of planned buffers (tensors, then one scratch slot per operator).
    static func bufferCount(_ model: Model) -> Int { model.tensorCount &+ model.operatorCount }

    /// Bytes of the bookkeeping area at the start of the arena.
    static func bookkeepingBytes(_ model: Model) -> Int {
        alignUp(bufferCount(model) &* slotsPerBuffer &* MemoryLayout<Int>.stride)
    }

    /// Scratch floats operator `op` needs (LSTM: h, c and 4H gates; GRU: h and 2×3H gates).
    static func scratchFloats(_ model: Model, op: Int) -> Int {
        switch model.operatorCode(op) {
        case .lstm: return 6 &* Int(model.operatorOptions(op).units)
        case .gru: return 7 &* Int(model.operatorOptions(op).units)
        default: return 0
        }
    }

    /// Aligned size of buffer `b` (0 for constants and scratch-free operators).
    static func size(_ model: Model, buffer b: Int) -> Int {
        if b < model.tensorCount {
            return model.isConstant(b) ? 0 : alignUp(model.tensorByteCount(b))
        }
        return alignUp(scratchFloats(model, op: b &- model.tensorCount) &* 4)
    }

    /// Plans every buffer into `slots` (`bufferCount × 4` Int: offset, first, last, and a work column; the
    /// offset is −2 for a buffer that needs no memory) and returns the data bytes needed.
    static func plan(_ model: Model, preservingAllTensors: Bool, slots: UnsafeMutablePointer<Int>) -> Int {
        let count = bufferCount(model)
        let lastOp = max(model.operatorCount &- 1, 0)
        @inline(__always) func offset(_ b: Int) -> UnsafeMutablePointer<Int> { slots + b &* 4 }
        @inline(__always) func first(_ b: Int) -> UnsafeMutablePointer<Int> { slots + (b &* 4 &+ 1) }
        @inline(__always) func last(_ b: Int) -> UnsafeMutablePointer<Int> { slots + (b &* 4 &+ 2) }
        @inline(__always) func list(_ k: Int) -> UnsafeMutablePointer<Int> { slots + (k &* 4 &+ 3) }

        // Lifetimes.
        for b in 0..<count {
            offset(b).pointee = unused
            first(b).pointee = Int.max
            last(b).pointee = -1
        }
        func use(_ t: Int, at step: Int) {
            first(t).pointee = min(first(t).pointee, step)
            last(t).pointee = max(last(t).pointee, step)
        }
        for op in 0..<model.operatorCount {
            for t in model.operatorInputs(op) { use(t, at: op) }
            for t in model.operatorOutputs(op) { use(t, at: op) }
            let s = model.tensorCount &+ op
            first(s).pointee = op
            last(s).pointee = op
        }
        for t in model.inputs { use(t, at: 0) }
        for t in model.outputs { use(t, at: lastOp) }
        for b in 0..<count where last(b).pointee >= 0 && size(model, buffer: b) > 0 {
            offset(b).pointee = unplaced
            if preservingAllTensors && b < model.tensorCount {
                first(b).pointee = 0
                last(b).pointee = lastOp
            }
        }

        // Greedy placement, largest first (ties: earlier first use, then lower index).
        var top = 0
        while true {
            var next = -1, nextSize = 0
            for b in 0..<count where offset(b).pointee == unplaced {
                let s = size(model, buffer: b)
                if next < 0 || s > nextSize || (s == nextSize && first(b).pointee < first(next).pointee) {
                    next = b
                    nextSize = s
                }
            }
            if next < 0 { break }
            let f = first(next).pointee, l = last(next).pointee
            // Collect the placed buffers whose lifetimes overlap this one (scratch column).
            var overlapping = 0
            for p in 0..<count where offset(p).pointee >= 0 && first(p).pointee <= l && f <= last(p).pointee {
                list(overlapping).pointee = p
                overlapping &+= 1
            }
            // Candidate offsets: 0 and the end of every overlapping buffer. Best fit: the
            // smallest gap up to the next buffer above; a candidate with nothing above has an
            // unbounded gap, so real gaps win, and ties go to the lower offset.
            var best = -1, bestGap = Int.max
            for k in -1..<overlapping {
                let candidate = k < 0 ? 0 : offset(list(k).pointee).pointee &+ size(model, buffer: list(k).pointee)
                var fits = true
                var gap = Int.max
                for j in 0..<overlapping {
                    let p = list(j).pointee
                    let start = offset(p).pointee, end = start &+ size(model, buffer: p)
                    if candidate < end && start < candidate &+ nextSize { fits = false; break }
                    if start >= candidate { gap = min(gap, start &- candidate) }
                }
                if fits && (gap < bestGap || (gap == bestGap && (best < 0 || candidate < best))) {
                    best = candidate
                    bestGap = gap
                }
            }
            offset(next).pointee = best
            top = max(top, best &+ nextSize)
        }
        return top
    }
}

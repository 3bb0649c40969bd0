/// Arena placement of buffers with known sizes and lifetimes, as TensorFlow Lite Micro's
/// `GreedyMemoryPlanner`: it sees only buffers (size, first use, last use, and the buffer whose
/// memory each may share), never operators — `ArenaLayout` describes a model's buffers to it.
///
/// A group (a root buffer and the buffers that share its memory) gets one offset; each member
/// keeps its own size and lifetime, so memory above a smaller member is free for others. Groups
/// are placed largest root first (ties: earlier first use, then lower index); each goes into the
/// smallest gap (lowest offset on ties) between placed buffers whose lifetimes overlap its
/// members', or on top of them.
///
/// Work: O(n log n) to order the groups, plus, per group, one pass over the buffers placed so far
/// and a best-fit search among the k of them alive at the same time: O(n² + n·k²) at worst, with k
/// capped (beyond 64 overlapping buffers a group goes straight on top of them) so pathological
/// graphs stay cheap; on real models the pass over placed buffers is short. No allocation: seven
/// Int32 work columns per buffer live in caller memory, the candidate list on the stack.
enum MemoryPlanner {
    static let alignment = 16
    /// Offset of a buffer without arena memory.
    static let unused: Int32 = -2
    static let unplaced: Int32 = -1
    /// Above this many overlapping buffers, a group is placed on top instead of searched for a gap.
    static let bestFitLimit = 64

    /// Int32 columns of the work area, per buffer.
    static let workColumns = 7
    // Column indices: the caller fills the first four; the placement comes back in the offset column.
    static let sizeColumn = 0, firstColumn = 1, lastColumn = 2, rootColumn = 3
    static let nextColumn = 4, orderColumn = 5, offsetColumn = 6

    @inline(__always) static func alignUp(_ n: Int) -> Int { (n &+ alignment &- 1) / alignment &* alignment }

    /// Places `count` buffers described by `work` (column-major, `workColumns × count` Int32; the
    /// caller fills size — a multiple of 16, 0 for no memory —, first and last use — last −1 for
    /// an unused buffer —, and root — the buffer's own index, or another buffer whose memory it
    /// shares), writes each buffer's offset into the offset column (`unused` when it has no
    /// memory) and returns the bytes the placement spans.
    static func place(count: Int, work: UnsafeMutablePointer<Int32>) -> Int {
        @inline(__always) func column(_ c: Int) -> UnsafeMutablePointer<Int32> { work + c &* count }
        let size = column(sizeColumn), first = column(firstColumn), last = column(lastColumn)
        let root = column(rootColumn), next = column(nextColumn), order = column(orderColumn)
        let offsets = column(offsetColumn)

        // Buffers with memory, then groups: a linked list of members from each root (−1 ends it).
        for b in 0..<count {
            offsets[b] = last[b] >= 0 && size[b] > 0 ? unplaced : unused
            next[b] = -1
        }
        var roots = 0
        for b in 0..<count where offsets[b] == unplaced {
            let r = Int(root[b])
            if r == b || offsets[r] == unused {
                // A member whose root has no memory of its own becomes a root itself.
                root[b] = Int32(truncatingIfNeeded: b)
                order[roots] = Int32(truncatingIfNeeded: b)
                roots &+= 1
            } else {
                next[b] = next[r]
                next[r] = Int32(truncatingIfNeeded: b)
            }
        }
        sortRoots(order, count: roots, size: size, first: first)

        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: bestFitLimit) { list in
            let candidates = list.baseAddress!
            var top = 0
            for i in 0..<roots {
                let r = Int(order[i])
                // Lifetime of the group.
                var f = first[r], l = last[r]
                var m = next[r]
                while m >= 0 {
                    f = min(f, first[Int(m)])
                    l = max(l, last[Int(m)])
                    m = next[Int(m)]
                }
                // Placed buffers (the members of earlier groups) alive during the group's span.
                var k = 0
                var highest = 0
                for j in 0..<i {
                    var p = order[j]
                    while p >= 0 {
                        let b = Int(p)
                        if first[b] <= l && f <= last[b] {
                            if k < bestFitLimit { candidates[k] = p }
                            k &+= 1
                            highest = max(highest, Int(offsets[b]) &+ Int(size[b]))
                        }
                        p = next[b]
                    }
                }
                var best = highest
                if k <= bestFitLimit {
                    best = bestFit(root: r, overlapping: k, candidates: candidates, next: next, offsets: offsets,
                                   size: size, first: first, last: last)
                }
                var member = Int32(truncatingIfNeeded: r)
                while member >= 0 {
                    let b = Int(member)
                    offsets[b] = Int32(truncatingIfNeeded: best)
                    top = max(top, best &+ Int(size[b]))
                    member = next[b]
                }
            }
            return top
        }
    }

    /// The best-fit offset for the group of root `r` among `k` overlapping placed buffers:
    /// candidates are 0 and the end of each of them; a candidate fits when no member overlaps, in
    /// time and space, a placed buffer; the smallest gap up to the next placed buffer above wins,
    /// then the lower offset.
    static func bestFit(root r: Int, overlapping k: Int, candidates: UnsafeMutablePointer<Int32>,
                        next: UnsafeMutablePointer<Int32>, offsets: UnsafeMutablePointer<Int32>,
                        size: UnsafeMutablePointer<Int32>, first: UnsafeMutablePointer<Int32>,
                        last: UnsafeMutablePointer<Int32>) -> Int {
        var best = -1, bestGap = Int.max
        for c in -1..<k {
            let candidate = c < 0 ? 0 : Int(offsets[Int(candidates[c])]) &+ Int(size[Int(candidates[c])])
            var fits = true
            var gap = Int.max
            var member = Int32(truncatingIfNeeded: r)
            check: while member >= 0 {
                let b = Int(member)
                let memberSize = Int(size[b])
                for j in 0..<k {
                    let p = Int(candidates[j])
                    guard first[p] <= last[b] && first[b] <= last[p] else { continue }
                    let start = Int(offsets[p]), end = start &+ Int(size[p])
                    if candidate < end && start < candidate &+ memberSize { fits = false; break check }
                    if start >= candidate { gap = min(gap, start &- candidate) }
                }
                member = next[b]
            }
            if fits && (gap < bestGap || (gap == bestGap && (best < 0 || candidate < best))) {
                best = candidate
                bestGap = gap
            }
        }
        return best
    }

    /// Heap sort of the root indices: larger size first, then earlier first use, then lower index.
    static func sortRoots(_ order: UnsafeMutablePointer<Int32>, count n: Int, size: UnsafeMutablePointer<Int32>,
                          first: UnsafeMutablePointer<Int32>) {
        /// True when root `a` goes after root `b` (so a max-heap of this order yields ascending ranks).
        @inline(__always) func after(_ a: Int32, _ b: Int32) -> Bool {
            let sa = size[Int(a)], sb = size[Int(b)]
            if sa != sb { return sa < sb }
            let fa = first[Int(a)], fb = first[Int(b)]
            if fa != fb { return fa > fb }
            return a > b
        }
        func siftDown(_ start: Int, _ end: Int) {
            var parent = start
            while true {
                var child = 2 &* parent &+ 1
                if child >= end { return }
                if child &+ 1 < end && after(order[child], order[child &+ 1]) { child &+= 1 }
                if !after(order[parent], order[child]) { return }
                order.swapAt(parent, child)
                parent = child
            }
        }
        // A max-heap keyed on "placed earlier", then repeatedly move its top to the end: the
        // array ends up with the last-placed root first, so reverse it.
        if n < 2 { return }
        var i = n / 2
        while i > 0 { i &-= 1; siftDown(i, n) }
        var end = n
        while end > 1 {
            end &-= 1
            order.swapAt(0, end)
            siftDown(0, end)
        }
        var lo = 0, hi = n &- 1
        while lo < hi { order.swapAt(lo, hi); lo &+= 1; hi &-= 1 }
    }
}

extension UnsafeMutablePointer where Pointee == Int32 {
    @inline(__always) func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]
        self[i] = self[j]
        self[j] = t
    }
}

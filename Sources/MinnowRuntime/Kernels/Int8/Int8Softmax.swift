/// int8 softmax over the last axis with a 256-entry exponent table.
///
/// `table[d] = round(2^16 · exp(−s_in · d))` for `d = max − q` in 0…255 (computed at quantize
/// time from the input scale). Per row: `sum = Σ table[max − q_i]` (64-bit), and
/// `out_i = min((table[max − q_i] · 256 + sum / 2) / sum − 128, 127)`: the fixed output range
/// scale 1/256, zero point −128.
func softmaxInt8(_ x: UnsafePointer<Int8>, table: UnsafePointer<Int32>, output y: UnsafeMutablePointer<Int8>,
                 rows: Int, depth: Int) {
    for r in 0..<rows {
        let input = x + r &* depth
        let out = y + r &* depth
        var largest: Int32 = -128
        for i in 0..<depth { largest = max(largest, Int32(input[i])) }
        var sum: Int64 = 0
        for i in 0..<depth { sum &+= Int64(table[Int(largest &- Int32(input[i]))]) }
        if sum <= 0 { sum = 1 }
        for i in 0..<depth {
            let e = Int64(table[Int(largest &- Int32(input[i]))])
            let q = (e &* 256 &+ sum / 2) / sum &- 128
            out[i] = Int8(truncatingIfNeeded: min(max(q, -128), 127))
        }
    }
}

/// Float softmax over the last axis: rows of `depth` values, `y = e^(x − max) / Σ e^(x − max)`.
func softmaxFloat(_ x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>, rows: Int, depth: Int) {
    for r in 0..<rows {
        let input = x + r &* depth
        let out = y + r &* depth
        var largest = -Float.infinity
        for i in 0..<depth { largest = max(largest, input[i]) }
        var sum: Float = 0
        for i in 0..<depth {
            let e = portableExp(input[i] - largest)
            out[i] = e
            sum += e
        }
        let scale = 1 / sum
        for i in 0..<depth { out[i] *= scale }
    }
}

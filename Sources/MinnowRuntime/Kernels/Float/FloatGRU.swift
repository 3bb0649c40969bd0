/// Float GRU over `steps` time steps, gate order z, r, n, "reset after" (Keras default).
///
/// Per step: `a = Wx·x_t + bx`, `b = Wh·h + bh` (each `[3H]`), `z = σ(a_z + b_z)`,
/// `r = σ(a_r + b_r)`, `n = tanh(a_n + r⊙b_n)`, `h = z⊙h + (1 − z)⊙n`. `scratch` holds `7H`
/// floats (h, a, b) in the arena; the state h continues from what scratch holds (the
/// interpreter zeroes it unless streaming).
func gruFloat(
    input x: UnsafePointer<Float>, steps: Int, features: Int,
    inputWeights wx: UnsafePointer<Float>, recurrentWeights wh: UnsafePointer<Float>,
    inputBias bx: UnsafePointer<Float>, recurrentBias bh: UnsafePointer<Float>,
    hidden: Int, returnSequences: Bool,
    output y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
) {
    let h = scratch
    let a = scratch + hidden
    let b = scratch + 4 &* hidden
    let gates = 3 &* hidden
    for t in 0..<steps {
        let xt = x + t &* features
        for j in 0..<gates {
            let rowX = wx + j &* features
            var accX: Float = 0
            for f in 0..<features { accX += rowX[f] * xt[f] }
            a[j] = accX + bx[j]
            let rowH = wh + j &* hidden
            var accH: Float = 0
            for k in 0..<hidden { accH += rowH[k] * h[k] }
            b[j] = accH + bh[j]
        }
        for k in 0..<hidden {
            let z = sigmoid(a[k] + b[k])
            let r = sigmoid(a[hidden &+ k] + b[hidden &+ k])
            let n = portableTanh(a[2 &* hidden &+ k] + r * b[2 &* hidden &+ k])
            h[k] = z * h[k] + (1 - z) * n
        }
        if returnSequences { (y + t &* hidden).update(from: h, count: hidden) }
    }
    if !returnSequences { y.update(from: h, count: hidden) }
}

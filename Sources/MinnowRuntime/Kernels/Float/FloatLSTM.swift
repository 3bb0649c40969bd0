/// Float LSTM over `steps` time steps, gate order i, f, g, o (Keras).
///
/// Per step: `z = Wx·x_t + Wh·h + b` (each `[4H]`), `i = σ(z_i)`, `f = σ(z_f)`, `g = tanh(z_g)`,
/// `o = σ(z_o)`, `c = f⊙c + i⊙g`, `h = o⊙tanh(c)`. `scratch` holds `6H` floats (h, c, z) in the
/// arena; the state (h, c) continues from what scratch holds (the interpreter zeroes it unless
/// streaming). Writes `h` per step when `returnSequences`, else the last `h`.
func lstmFloat(
    input x: UnsafePointer<Float>, steps: Int, features: Int,
    inputWeights wx: UnsafePointer<Float>, recurrentWeights wh: UnsafePointer<Float>,
    bias: UnsafePointer<Float>, hidden: Int, returnSequences: Bool,
    output y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
) {
    let h = scratch
    let c = scratch + hidden
    let z = scratch + 2 &* hidden
    let gates = 4 &* hidden
    for t in 0..<steps {
        let xt = x + t &* features
        for j in 0..<gates {
            let rowX = wx + j &* features
            var accX: Float = 0
            for f in 0..<features { accX += rowX[f] * xt[f] }
            let rowH = wh + j &* hidden
            var accH: Float = 0
            for k in 0..<hidden { accH += rowH[k] * h[k] }
            z[j] = accX + accH + bias[j]
        }
        for k in 0..<hidden {
            let i = sigmoid(z[k])
            let f = sigmoid(z[hidden &+ k])
            let g = portableTanh(z[2 &* hidden &+ k])
            let o = sigmoid(z[3 &* hidden &+ k])
            c[k] = f * c[k] + i * g
            h[k] = o * portableTanh(c[k])
        }
        if returnSequences { (y + t &* hidden).update(from: h, count: hidden) }
    }
    if !returnSequences { y.update(from: h, count: hidden) }
}

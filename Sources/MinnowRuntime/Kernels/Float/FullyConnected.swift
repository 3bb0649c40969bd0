/// Float fully connected layer: `y[o] = Σ_i x[i]·w[o, i] + bias[o]`, weights `[out, in]`.
///
/// Dot products accumulate in increasing `i` with plain `+=`, then the bias is added.
func fullyConnectedFloat(
    input x: UnsafePointer<Float>, inputSize: Int,
    weights w: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    output y: UnsafeMutablePointer<Float>, outputSize: Int
) {
    for o in 0..<outputSize {
        let row = w + o &* inputSize
        var acc: Float = 0
        for i in 0..<inputSize { acc += x[i] * row[i] }
        y[o] = acc + bias[o]
    }
}

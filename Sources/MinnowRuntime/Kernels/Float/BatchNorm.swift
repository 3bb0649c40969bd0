/// Inference batch normalization folded to `y = x · scale[c] + offset[c]` over the last axis.
func batchNormFloat(
    _ x: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>,
    output y: UnsafeMutablePointer<Float>, rows: Int, channels: Int
) {
    for r in 0..<rows {
        let base = r &* channels
        for c in 0..<channels { y[base &+ c] = x[base &+ c] * scale[c] + offset[c] }
    }
}

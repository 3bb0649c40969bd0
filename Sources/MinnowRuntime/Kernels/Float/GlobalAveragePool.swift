/// Float global average pooling: `[1, H, W, C]` → `[1, C]`, the mean over all H·W positions.
func globalAveragePoolFloat(
    input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>, positions: Int, channels: Int
) {
    for ch in 0..<channels { y[ch] = 0 }
    for p in 0..<positions {
        let pixel = x + p &* channels
        for ch in 0..<channels { y[ch] += pixel[ch] }
    }
    let scale = 1 / Float(positions)
    for ch in 0..<channels { y[ch] *= scale }
}

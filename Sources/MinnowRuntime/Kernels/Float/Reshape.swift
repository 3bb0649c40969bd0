/// Reshape copies the data unchanged (row-major order is preserved); the shape lives in the
/// output tensor. Input and output never overlap (both are live during the operator).
func reshapeFloat(_ x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>, count: Int) {
    y.update(from: x, count: count)
}

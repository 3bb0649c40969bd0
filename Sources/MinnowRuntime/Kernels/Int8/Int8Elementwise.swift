/// int8 element-wise operators by table lookup or clamping.

/// `y[i] = table[x[i] + 128]` (logistic and tanh: 256-entry int8 tables computed at quantize
/// time for the input's quantization and the fixed output range).
func lookupInt8(_ x: UnsafePointer<Int8>, table: UnsafePointer<Int8>, output y: UnsafeMutablePointer<Int8>, count: Int) {
    for i in 0..<count { y[i] = table[Int(x[i]) &+ 128] }
}

/// ReLU/ReLU6 on int8 with the input's quantization: clamp to the activation range.
func clampInt8(_ x: UnsafePointer<Int8>, output y: UnsafeMutablePointer<Int8>, count: Int, range: Int8ActivationRange) {
    for i in 0..<count { y[i] = range.clamp(Int32(x[i])) }
}

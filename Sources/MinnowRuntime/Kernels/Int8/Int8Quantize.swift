/// Conversions at the model edges.

/// float → int8: `q = clamp(round(x / scale) + zeroPoint, −128, 127)`, rounding half away from
/// zero (as TFLite); NaN maps to the zero point.
func quantizeInt8(_ x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Int8>, count: Int, scale: Float, zeroPoint: Int32) {
    let zero = Float(zeroPoint)
    for i in 0..<count {
        let v = (x[i] / scale).rounded() + zero
        y[i] = v.isNaN ? Int8(truncatingIfNeeded: zeroPoint) : Int8(min(max(v, -128), 127))
    }
}

/// int8 → float: `x = scale · (q − zeroPoint)`.
func dequantizeInt8(_ x: UnsafePointer<Int8>, output y: UnsafeMutablePointer<Float>, count: Int, scale: Float, zeroPoint: Int32) {
    for i in 0..<count { y[i] = scale * Float(Int32(x[i]) &- zeroPoint) }
}

/// Conversions at the model edges.

/// float → int8: `q = clamp(round(x / scale) + zeroPoint, −128, 127)`, rounding half away from
/// zero (as TFLite); NaN maps to the zero point.
func quantizeInt8(_ x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Int8>, count: Int, scale: Float, zeroPoint: Int32) {
    for i in 0..<count {
        let v = x[i] / scale
        if v.isNaN { y[i] = Int8(truncatingIfNeeded: zeroPoint); continue }
        // Bounding |v| first changes no result (the sum is clamped to int8 anyway) and keeps
        // the rounding below exact and free of trap checks.
        let q = roundedToInt32(min(max(v, -1_000_000), 1_000_000)) &+ zeroPoint
        y[i] = Int8(truncatingIfNeeded: min(max(q, -128), 127))
    }
}

/// int8 → float: `x = scale · (q − zeroPoint)`.
func dequantizeInt8(_ x: UnsafePointer<Int8>, output y: UnsafeMutablePointer<Float>, count: Int, scale: Float, zeroPoint: Int32) {
    for i in 0..<count { y[i] = scale * Float(Int32(x[i]) &- zeroPoint) }
}

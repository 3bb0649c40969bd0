/// int8 element-wise add with TFLite's integer scheme.
///
/// Both inputs are shifted left by 20 bits after removing their zero points, scaled to the
/// common scale `2·max(s_a, s_b)` by multipliers below one, summed, and requantized to the
/// output scale: `out = zp_out + M_out·(M_a·((a − zp_a)·2^20) + M_b·((b − zp_b)·2^20))` with
/// `M_a = s_a / (2·max)`, `M_b = s_b / (2·max)`, `M_out = 2·max / (2^20·s_out)`, each applied with
/// `QuantizedMultiplier` (single rounding). The multipliers come from the tensors' scales.
struct Int8AddParameters {
    var a: QuantizedMultiplier, b: QuantizedMultiplier, output: QuantizedMultiplier
    var zeroPointA: Int32, zeroPointB: Int32, zeroPointOutput: Int32

    static let leftShift: Int32 = 20

    init(scaleA: Float, zeroPointA: Int32, scaleB: Float, zeroPointB: Int32, scaleOutput: Float, zeroPointOutput: Int32) {
        let twiceMax = 2 * Double(max(scaleA, scaleB))
        a = QuantizedMultiplier(Double(scaleA) / twiceMax)
        b = QuantizedMultiplier(Double(scaleB) / twiceMax)
        output = QuantizedMultiplier(twiceMax / (Double(1 << Int8AddParameters.leftShift) * Double(scaleOutput)))
        self.zeroPointA = zeroPointA
        self.zeroPointB = zeroPointB
        self.zeroPointOutput = zeroPointOutput
    }
}

func addInt8(_ x: UnsafePointer<Int8>, _ z: UnsafePointer<Int8>, output y: UnsafeMutablePointer<Int8>, count: Int,
             parameters p: Int8AddParameters, range: Int8ActivationRange) {
    for i in 0..<count {
        let a = p.a.apply((Int32(x[i]) &- p.zeroPointA) << Int8AddParameters.leftShift)
        let b = p.b.apply((Int32(z[i]) &- p.zeroPointB) << Int8AddParameters.leftShift)
        y[i] = range.clamp(p.output.apply(a &+ b) &+ p.zeroPointOutput)
    }
}

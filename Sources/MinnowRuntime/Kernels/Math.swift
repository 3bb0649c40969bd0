// Transcendental functions in plain Float arithmetic.
//
// Why not libm: glibc's and newlib's expf/tanhf round differently, so a float LSTM gave
// different bits on the host and on a Cortex-M (firmware-sim measured up to 800 ULP after 28
// steps). These use only IEEE add/multiply/divide (Swift does not contract them into FMAs), so
// they give the same bits on every target. Accuracy: a few ULP (MathTests).

/// e^x.
@inline(__always)
func portableExp(_ x: Float) -> Float {
    if !(x < 88.72283) { return x.isNaN ? x : .infinity }
    if x < -103.97208 { return 0 }
    // x = n·ln2 + r, |r| ≤ ln2/2, with ln2 split in two so n·ln2High is exact.
    let scaled = x * 1.442695
    let n = truncatedToInt32(scaled + (scaled >= 0 ? 0.5 : -0.5))
    let fn = Float(n)
    let r = (x - fn * 0.693_359_375) - fn * -2.121_944_4e-4
    // e^r by its Taylor series to r^7 (truncation error < 1e-8 relative on |r| ≤ 0.347).
    var p: Float = 1.0 / 5040
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    return scaleByPowerOfTwo(p, n)
}

/// e^x − 1, accurate near 0.
@inline(__always)
func portableExpMinusOne(_ x: Float) -> Float {
    if x > -0.5 && x < 0.5 {
        var p: Float = 1.0 / 362_880
        p = p * x + 1.0 / 40320
        p = p * x + 1.0 / 5040
        p = p * x + 1.0 / 720
        p = p * x + 1.0 / 120
        p = p * x + 1.0 / 24
        p = p * x + 1.0 / 6
        p = p * x + 0.5
        return (p * x) * x + x
    }
    return portableExp(x) - 1
}

/// tanh x = (e^2x − 1) / (e^2x + 1), odd.
@inline(__always)
func portableTanh(_ x: Float) -> Float {
    let a = x.magnitude
    if !(a < 9.1) { return x.isNaN ? x : (x < 0 ? -1 : 1) }
    let em = portableExpMinusOne(2 * a)
    let t = em / (em + 2)
    return x.sign == .minus ? -t : t
}

/// `value · 2^n` for n in −150…128, exact where the result is normal.
@inline(__always)
func scaleByPowerOfTwo(_ value: Float, _ n: Int32) -> Float {
    var v = value
    var e = n
    if e > 127 { v *= Float(bitPattern: UInt32(127 + 127) << 23); e &-= 127 }
    if e < -126 { v *= Float(bitPattern: UInt32(-126 + 127) << 23); e &+= 126 }
    if e < -126 { v *= Float(bitPattern: UInt32(-126 + 127) << 23); e &+= 126 }
    return v * Float(bitPattern: UInt32(truncatingIfNeeded: e &+ 127) << 23)
}

/// `Int32(t)` (toward zero) for |t| < 2^22, without the checks `Int32(_:)` keeps in release
/// builds (callers bound `t` first): adding 1.5·2^23 rounds to an integer, a step back toward
/// zero makes that a truncation, and the integer is then read from the sum's mantissa bits.
@inline(__always)
func truncatedToInt32(_ t: Float) -> Int32 {
    let magic: Float = 12_582_912
    var r = (t + magic) - magic
    if t >= 0 {
        if r > t { r -= 1 }
    } else if r < t {
        r += 1
    }
    return Int32(bitPattern: (r + magic).bitPattern) &- 0x4B40_0000
}

/// `Int32(t.rounded())` (half away from zero, as `Float.rounded()`) for |t| < 2^22, without
/// a libm call or trap checks: the 1.5·2^23 sum rounds ties to even; ties that went toward
/// zero take one step away (t − r is exact here).
@inline(__always)
func roundedToInt32(_ t: Float) -> Int32 {
    let magic: Float = 12_582_912
    let sum = t + magic
    let r = sum - magic
    var n = Int32(bitPattern: sum.bitPattern) &- 0x4B40_0000
    if t > 0 {
        if t - r == 0.5 { n &+= 1 }
    } else if t - r == -0.5 {
        n &-= 1
    }
    return n
}

/// Logistic sigmoid 1 / (1 + e^−x).
@inline(__always)
func sigmoid(_ x: Float) -> Float { 1 / (1 + portableExp(-x)) }

/// Applies a fused activation in place to `count` floats.
func applyActivation(_ activation: FusedActivation, _ data: UnsafeMutablePointer<Float>, count: Int) {
    switch activation {
    case .none:
        return
    case .relu:
        for i in 0..<count { data[i] = max(data[i], 0) }
    case .relu6:
        for i in 0..<count { data[i] = min(max(data[i], 0), 6) }
    }
}

/// Host-visible entry points so tests can measure the accuracy of the portable functions.
public enum PortableMath {
    public static func exp(_ x: Float) -> Float { portableExp(x) }
    public static func tanh(_ x: Float) -> Float { portableTanh(x) }
    public static func sigmoid(_ x: Float) -> Float { MinnowRuntime.sigmoid(x) }
    public static func truncatedToInt32(_ t: Float) -> Int32 { MinnowRuntime.truncatedToInt32(t) }
    public static func roundedToInt32(_ t: Float) -> Int32 { MinnowRuntime.roundedToInt32(t) }
}

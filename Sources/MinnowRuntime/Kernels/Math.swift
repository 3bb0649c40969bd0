// C math functions (libm) declared directly, so the runtime needs neither Foundation nor Glibc
// and builds the same in Embedded Swift.

@_extern(c, "expf") func cExpf(_ x: Float) -> Float
@_extern(c, "tanhf") func cTanhf(_ x: Float) -> Float

/// Logistic sigmoid 1 / (1 + e^−x).
@inline(__always)
func sigmoid(_ x: Float) -> Float { 1 / (1 + cExpf(-x)) }

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

/// Clamp bounds of an int8 output with a fused activation, as TFLite's
/// `CalculateActivationRangeQuantized`: ReLU raises the floor to the zero point, ReLU6 also
/// lowers the ceiling to `zeroPoint + round(6 / scale)`; both stay inside −128…127.
struct Int8ActivationRange {
    var lower: Int32
    var upper: Int32

    init(_ activation: FusedActivation, scale: Float, zeroPoint: Int32) {
        lower = -128
        upper = 127
        switch activation {
        case .none:
            break
        case .relu:
            lower = max(-128, zeroPoint)
        case .relu6:
            lower = max(-128, zeroPoint)
            let six = Int32(min(6 / scale, 1024).rounded())
            upper = min(127, zeroPoint &+ six)
        }
    }

    @inline(__always) func clamp(_ v: Int32) -> Int8 { Int8(truncatingIfNeeded: min(max(v, lower), upper)) }
}

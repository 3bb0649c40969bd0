/// L1/L2 weight penalties in Keras' convention (`regularizers.L1L2(l1, l2)`): the loss gains
/// `l1·Σ|w| + l2·Σw²` over parameters with `isRegularized` (kernels, not biases), so the
/// optimizer adds `l1·sign(w) + 2·l2·w` to their gradients at step time.
public struct Regularization: Equatable, Sendable {
    public var l1: Float
    public var l2: Float

    public init(l1: Float = 0, l2: Float = 0) {
        self.l1 = l1
        self.l2 = l2
    }

    public static let none = Regularization()

    public var isActive: Bool { l1 != 0 || l2 != 0 }

    /// `gradient + l1·sign(w) + 2·l2·w`, with sign(0) = 0.
    @inline(__always)
    public func adjusted(gradient: Float, weight: Float) -> Float {
        let sign: Float = weight > 0 ? 1 : (weight < 0 ? -1 : 0)
        return gradient + l1 * sign + 2 * l2 * weight
    }

    /// The penalty added to the loss, for reporting: `l1·Σ|w| + l2·Σw²` over regularized parameters.
    public func penalty(of parameters: [Parameter]) -> Float {
        guard isActive else { return 0 }
        var l1Sum: Double = 0
        var l2Sum: Double = 0
        for p in parameters where p.isRegularized {
            for w in p.value {
                l1Sum += Double(abs(w))
                l2Sum += Double(w * w)
            }
        }
        return Float(Double(l1) * l1Sum + Double(l2) * l2Sum)
    }
}

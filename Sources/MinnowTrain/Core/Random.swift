/// Deterministic pseudo-random numbers (SplitMix64): the same seed gives the same training run
/// on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Float {
        Float(next() >> 40) * (1.0 / Float(1 << 24))
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * nextUnit()
    }

    /// Standard normal (Box–Muller).
    public mutating func normal() -> Float {
        var u1 = nextUnit()
        if u1 < 1e-7 { u1 = 1e-7 }
        let u2 = nextUnit()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Float.pi * u2)
    }

    /// A new independent generator derived from this one (for a layer or a worker).
    public mutating func split() -> SeededGenerator { SeededGenerator(seed: next()) }
}

import Foundation

@inline(__always) func _log(_ x: Float) -> Float { Foundation.log(x) }
@inline(__always) func _cos(_ x: Float) -> Float { Foundation.cos(x) }

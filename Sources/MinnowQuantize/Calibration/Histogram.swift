/// A fixed-range histogram of real values (values outside the range land in the end bins).
public struct Histogram: Sendable, Equatable {
    public let lowerBound: Float
    public let upperBound: Float
    public private(set) var counts: [Double]

    public init(lowerBound: Float, upperBound: Float, binCount: Int = 2048) {
        precondition(binCount > 0, "Histogram: binCount must be positive")
        self.lowerBound = lowerBound
        self.upperBound = upperBound > lowerBound ? upperBound : lowerBound + 1e-8
        self.counts = [Double](repeating: 0, count: binCount)
    }

    public var binCount: Int { counts.count }
    public var binWidth: Float { (upperBound - lowerBound) / Float(counts.count) }
    public var total: Double { counts.reduce(0, +) }

    /// Centre of bin `i`.
    public func center(_ i: Int) -> Float { lowerBound + (Float(i) + 0.5) * binWidth }
    /// Lower edge of bin `i` (`edge(binCount)` is the upper bound).
    public func edge(_ i: Int) -> Float { lowerBound + Float(i) * binWidth }

    @inline(__always)
    public mutating func add(_ x: Float) {
        let position = (x - lowerBound) / (upperBound - lowerBound) * Float(counts.count)
        let bin = position.isNaN ? 0 : Int(min(max(position, 0), Float(counts.count - 1)))
        counts[bin] += 1
    }

    public mutating func add<C: Collection>(_ values: C) where C.Element == Float {
        let n = Float(counts.count), lo = lowerBound, inverseWidth = n / (upperBound - lowerBound)
        let last = Float(counts.count - 1)
        counts.withUnsafeMutableBufferPointer { c in
            for x in values {
                let position = (x - lo) * inverseWidth
                let bin = position.isNaN ? 0 : Int(min(max(position, 0), last))
                c[bin] += 1
            }
        }
    }
}

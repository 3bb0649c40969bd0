/// How a calibrated activation range is chosen.
public enum CalibrationMethod: String, CaseIterable, Sendable {
    /// Global minimum and maximum seen.
    case minMax = "minmax"
    /// Exponential moving average of per-sample minima and maxima (momentum 0.01).
    case movingAverage = "ema"
    /// `[q(1 − p), q(p)]` with p = 99.99%: 0.01% clipped on each side.
    case percentile
    /// Clip range minimizing the quantization MSE over a histogram.
    case mse
    /// TensorRT-style KL-divergence threshold on a histogram of |x|.
    case entropy

    /// Whether the method needs a second calibration pass that fills histograms.
    public var needsHistogram: Bool { self == .percentile || self == .mse || self == .entropy }
}

/// Statistics of one activation tensor over the calibration samples.
///
/// Pass 1 (`observeRange`) records the global and moving-average extremes; pass 2
/// (`observeHistogram`, only for histogram methods) fills histograms over the pass-1 range.
public struct TensorObserver: Sendable {
    public private(set) var minimum = Float.infinity
    public private(set) var maximum = -Float.infinity
    public private(set) var averageMinimum: Float = 0
    public private(set) var averageMaximum: Float = 0
    public private(set) var sampleCount = 0
    public private(set) var histogram: Histogram?
    public private(set) var absHistogram: Histogram?
    public var momentum: Float = 0.01
    public var percentile: Double = 99.99
    public var binCount = 2048

    public init() {}

    /// Pass 1: one sample's values.
    public mutating func observeRange<C: Collection>(_ values: C) where C.Element == Float {
        var lo = Float.infinity, hi = -Float.infinity
        for x in values where x.isFinite { lo = min(lo, x); hi = max(hi, x) }
        guard lo <= hi else { return }
        minimum = min(minimum, lo)
        maximum = max(maximum, hi)
        if sampleCount == 0 {
            averageMinimum = lo; averageMaximum = hi
        } else {
            averageMinimum += momentum * (lo - averageMinimum)
            averageMaximum += momentum * (hi - averageMaximum)
        }
        sampleCount += 1
    }

    /// Pass 2: one sample's values into the histograms (after pass 1 has fixed the range).
    public mutating func observeHistogram<C: Collection>(_ values: C) where C.Element == Float {
        guard sampleCount > 0 else { return }
        if histogram == nil {
            histogram = Histogram(lowerBound: minimum, upperBound: maximum, binCount: binCount)
            absHistogram = Histogram(lowerBound: 0, upperBound: max(abs(minimum), abs(maximum)), binCount: binCount)
        }
        histogram!.add(values)
        absHistogram!.add(values.lazy.map { abs($0) })
    }

    /// The range `method` selects, or `nil` when nothing was observed.
    public func range(_ method: CalibrationMethod) -> (minimum: Float, maximum: Float)? {
        guard sampleCount > 0 else { return nil }
        switch method {
        case .minMax:
            return (minimum, maximum)
        case .movingAverage:
            return (averageMinimum, averageMaximum)
        case .percentile:
            guard let histogram else { return (minimum, maximum) }
            return RangeSelection.percentile(histogram, percentile: percentile)
        case .mse:
            guard let histogram else { return (minimum, maximum) }
            return RangeSelection.minimumMSE(histogram)
        case .entropy:
            guard let absHistogram else { return (minimum, maximum) }
            // Non-negative data uses all 256 levels on [0, T]; signed data 128 per side.
            let threshold = RangeSelection.entropyThreshold(absHistogram, levels: minimum >= 0 ? 256 : 128)
            return (max(minimum, -threshold), min(maximum, threshold))
        }
    }
}

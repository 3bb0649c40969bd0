import Foundation
import MinnowRuntime

/// Clipping-range searches over histograms (percentile, MSE-optimal, KL entropy).
public enum RangeSelection {
    /// `[q(1 − p), q(p)]` with `p = percentile / 100`, read at bin edges (whole bins kept).
    public static func percentile(_ histogram: Histogram, percentile: Double) -> (Float, Float) {
        let total = histogram.total
        guard total > 0 else { return (histogram.lowerBound, histogram.upperBound) }
        let tail = total * (1 - percentile / 100)
        var low = 0, cumulative = 0.0
        while low < histogram.binCount - 1, cumulative + histogram.counts[low] <= tail {
            cumulative += histogram.counts[low]; low += 1
        }
        var high = histogram.binCount - 1
        cumulative = 0
        while high > low, cumulative + histogram.counts[high] <= tail {
            cumulative += histogram.counts[high]; high -= 1
        }
        return (histogram.edge(low), histogram.edge(high + 1))
    }

    /// Expected squared error of quantizing the histogram's mass with the int8 parameters that
    /// cover `[lo, hi]` (after zero-point nudging): rounding noise `step²/12` for values inside
    /// the representable range, squared distance to the nearest end for values clipped outside.
    /// (The rounding term is the average over each bin's spread; evaluating the error at bin
    /// centres alone would make it jump with the grid's alignment.)
    public static func quantizationError(_ histogram: Histogram, lo: Float, hi: Float) -> Double {
        let p = ActivationQuantization.parameters(minimum: lo, maximum: hi)
        let scale = Double(p.scales[0]), zeroPoint = Double(p.zeroPoints[0])
        let low = scale * (-128 - zeroPoint), high = scale * (127 - zeroPoint)
        let rounding = scale * scale / 12
        var error = 0.0
        for i in 0..<histogram.binCount where histogram.counts[i] > 0 {
            let x = Double(histogram.center(i))
            let d = x < low ? low - x : (x > high ? x - high : 0)
            error += histogram.counts[i] * (d > 0 ? d * d : rounding)
        }
        return error
    }

    /// The clipping range minimizing `quantizationError`: a greedy search that repeatedly
    /// moves the lower or the upper edge inward by `binCount/512` bins, whichever costs less,
    /// and keeps the best range seen (as PyTorch's HistogramObserver).
    public static func minimumMSE(_ histogram: Histogram) -> (Float, Float) {
        let step = max(1, histogram.binCount / 512)
        var low = 0, high = histogram.binCount
        var best = (histogram.lowerBound, histogram.upperBound)
        var bestError = quantizationError(histogram, lo: best.0, hi: best.1)
        let minimumWidth = max(step, histogram.binCount / 64)
        while high - low > minimumWidth {
            let raiseLow = quantizationError(histogram, lo: histogram.edge(low + step), hi: histogram.edge(high))
            let lowerHigh = quantizationError(histogram, lo: histogram.edge(low), hi: histogram.edge(high - step))
            let error: Double
            if raiseLow < lowerHigh { low += step; error = raiseLow } else { high -= step; error = lowerHigh }
            if error < bestError {
                bestError = error
                best = (histogram.edge(low), histogram.edge(high))
            }
        }
        return best
    }

    /// TensorRT's entropy calibration on a histogram of `|x|` starting at 0: the threshold
    /// `T = edge(i)` minimizing KL(P‖Q), where P is the histogram clipped at `i` bins (outliers
    /// added to the last bin) and Q is P merged into `levels` bins and spread back over the
    /// non-empty bins.
    public static func entropyThreshold(_ absHistogram: Histogram, levels: Int) -> Float {
        let counts = absHistogram.counts
        let n = counts.count
        guard n > levels, absHistogram.total > 0 else { return absHistogram.upperBound }
        var suffix = [Double](repeating: 0, count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) { suffix[i] = suffix[i + 1] + counts[i] }
        var bestI = n, bestKL = Double.infinity
        var p = [Double](repeating: 0, count: n), q = [Double](repeating: 0, count: n)
        for i in levels...n {
            for j in 0..<i { p[j] = counts[j] }
            p[i - 1] += suffix[i]
            // Merge counts[0..<i] (without outliers) into `levels` groups, spread over non-empty bins.
            for g in 0..<levels {
                let start = g * i / levels, stop = (g + 1) * i / levels
                var sum = 0.0, nonEmpty = 0
                for j in start..<stop { sum += counts[j]; if p[j] > 0 { nonEmpty += 1 } }
                for j in start..<stop { q[j] = p[j] > 0 && nonEmpty > 0 ? sum / Double(nonEmpty) : 0 }
            }
            var pSum = 0.0, qSum = 0.0
            for j in 0..<i { pSum += p[j]; qSum += q[j] }
            guard pSum > 0, qSum > 0 else { continue }
            var kl = 0.0
            for j in 0..<i where p[j] > 0 {
                let pj = p[j] / pSum
                let qj = max(q[j] / qSum, 1e-12)
                kl += pj * Foundation.log(pj / qj)
            }
            if kl < bestKL { bestKL = kl; bestI = i }
        }
        return absHistogram.edge(bestI)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Batch-1 latency of a whole invocation and of each operator.
///
/// Two kinds of runs alternate so that machine drift hits both alike: *plain* runs time one
/// whole `invoke()`; *layered* runs execute the operators one by one with a clock read between
/// them. The plain runs give the reported total (median, p90). The layered runs give per-operator
/// medians and show what per-layer timing costs: `timingOverhead` compares the two totals.
public struct LatencyProfile: Sendable {
    public var runs: Int
    /// Plain runs, microseconds.
    public var medianMicroseconds: Double
    public var p90Microseconds: Double
    /// Median of each operator's time over the layered runs, microseconds.
    public var operatorMedianMicroseconds: [Double]
    /// Median total of the layered runs, microseconds.
    public var layeredMedianMicroseconds: Double

    /// Sum of the per-operator medians.
    public var operatorSumMicroseconds: Double { operatorMedianMicroseconds.reduce(0, +) }
    /// `operatorSum / median − 1`: how far the per-layer times are from the measured total.
    public var sumDeviation: Double { medianMicroseconds > 0 ? operatorSumMicroseconds / medianMicroseconds - 1 : 0 }
    /// `layeredMedian / median − 1`: what timing every layer adds to an invocation.
    public var timingOverhead: Double { medianMicroseconds > 0 ? layeredMedianMicroseconds / medianMicroseconds - 1 : 0 }
}

public enum LatencyProfiler {
    /// Monotonic time in nanoseconds.
    @inline(__always)
    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC_RAW, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// - Parameters:
    ///   - invoke: one whole inference.
    ///   - invokeOperator: runs operator `i` alone (operators are called in order 0..<operatorCount).
    public static func measure(
        operatorCount: Int, runs: Int, warmup: Int,
        invoke: () throws -> Void, invokeOperator: (Int) throws -> Void
    ) rethrows -> LatencyProfile {
        for _ in 0..<max(0, warmup) { try invoke() }
        let runs = max(1, runs)
        var plain = [Double]()
        var layered = [Double]()
        var perOperator = [[Double]](repeating: [], count: operatorCount)
        plain.reserveCapacity(runs)
        layered.reserveCapacity(runs)
        for i in perOperator.indices { perOperator[i].reserveCapacity(runs) }
        var stamps = [UInt64](repeating: 0, count: operatorCount + 1)
        for _ in 0..<runs {
            let start = now()
            try invoke()
            plain.append(Double(now() - start) / 1000)

            stamps[0] = now()
            for op in 0..<operatorCount {
                try invokeOperator(op)
                stamps[op + 1] = now()
            }
            layered.append(Double(stamps[operatorCount] - stamps[0]) / 1000)
            for op in 0..<operatorCount { perOperator[op].append(Double(stamps[op + 1] - stamps[op]) / 1000) }
        }
        return LatencyProfile(
            runs: runs,
            medianMicroseconds: percentile(plain, 0.5), p90Microseconds: percentile(plain, 0.9),
            operatorMedianMicroseconds: perOperator.map { percentile($0, 0.5) },
            layeredMedianMicroseconds: percentile(layered, 0.5))
    }

    /// Nearest-rank percentile (`p` in 0…1); the median of an even count averages the middle two.
    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        if p == 0.5 {
            let n = sorted.count
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}

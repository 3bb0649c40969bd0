// Times `Int8Gemm.run` (single thread, fused requantization, int8 output) for tools/bench-gemm,
// and, as `minnow-bench latency ...`, batch-1 model inference for tools/bench-latency
// (see ModelLatency.swift).
//
// Protocol (one request per stdin line, one answer per stdout line, so a driver can alternate
// Minnow with a peer in the same run):
//   request:  "M K N CALLS SAMPLES"   answer: "seconds <median seconds per call> kernel <name>"
// Each sample times CALLS back-to-back calls; the answer is the median over SAMPLES samples.
// Before timing a new shape, the first rows of the output are checked against
// `Int8Gemm.reference`; a mismatch answers "error ..." and exits with status 1.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MinnowRuntime

if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "latency" {
    let status = runLatencyCommand(CommandLine.arguments.dropFirst(2))
    fflush(nil)
    exit(status)
}

/// Inputs and outputs of one GEMM shape, kept alive while it is timed.
final class GemmProblem {
    let m: Int, k: Int, n: Int
    let a: UnsafeMutablePointer<Int8>
    let weights: UnsafeMutablePointer<Int8>
    let bias: UnsafeMutablePointer<Int32>
    let multipliers: UnsafeMutablePointer<Int32>
    let shifts: UnsafeMutablePointer<Int32>
    let c: UnsafeMutablePointer<Int8>

    init(m: Int, k: Int, n: Int) {
        self.m = m; self.k = k; self.n = n
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(m * 31 + k * 17 + n)
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        a = .allocate(capacity: m * k)
        for i in 0..<(m * k) { a[i] = Int8(truncatingIfNeeded: next()) }
        var raw = [Int8](repeating: 0, count: n * k)
        for i in raw.indices { raw[i] = Int8(Int(next() % 255) - 127) }
        let packed = WeightPacking.pack(raw, channels: n, depth: k)
        weights = .allocate(capacity: max(packed.count, 1))
        for i in packed.indices { weights[i] = packed[i] }
        bias = .allocate(capacity: n)
        multipliers = .allocate(capacity: n)
        shifts = .allocate(capacity: n)
        // Output scale ≈ 1/(64·sqrt(k)) of the accumulator range: outputs spread over int8.
        var scale = 1.0 / 64.0
        var root = 1.0
        while root * root < Double(k) { root += 1 }
        scale /= root
        for j in 0..<n {
            bias[j] = Int32(Int(next() % 20001) - 10000)
            let q = QuantizedMultiplier(scale * (0.5 + Double(next() % 1000) / 1000))
            multipliers[j] = q.multiplier
            shifts[j] = q.shift
        }
        c = .allocate(capacity: m * n)
    }

    var stage: Int8OutputStage {
        Int8OutputStage(bias: bias, multipliers: multipliers, shifts: shifts,
                        outputZeroPoint: 3, lowerBound: -128, upperBound: 127)
    }

    func run() {
        Int8Gemm.run(.native, m: m, n: n, k: k, a: a, lda: k, packedWeights: weights, output: stage, c: c, ldc: n)
    }

    /// Compares the first rows with the reference kernel.
    func verify() -> Bool {
        run()
        let rows = min(m, 2)
        let expected = UnsafeMutablePointer<Int8>.allocate(capacity: rows * n)
        defer { expected.deallocate() }
        Int8Gemm.reference(m: rows, n: n, k: k, a: a, lda: k, packedWeights: weights, output: stage,
                           c: expected, ldc: n)
        for i in 0..<(rows * n) where expected[i] != c[i] { return false }
        return true
    }
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

var problems: [String: GemmProblem] = [:]
while let line = readLine() {
    let fields = line.split(separator: " ").compactMap { Int($0) }
    guard fields.count == 5 else {
        print("error expected 'M K N CALLS SAMPLES', found '\(line)'")
        exit(1)
    }
    let (m, k, n, calls, samples) = (fields[0], fields[1], fields[2], max(fields[3], 1), max(fields[4], 1))
    let key = "\(m)x\(k)x\(n)"
    let problem: GemmProblem
    if let cached = problems[key] {
        problem = cached
    } else {
        problem = GemmProblem(m: m, k: k, n: n)
        guard problem.verify() else {
            print("error Int8Gemm.run differs from Int8Gemm.reference for M=\(m) K=\(k) N=\(n)")
            exit(1)
        }
        problems[key] = problem
    }
    problem.run()  // warm caches
    var times: [Double] = []
    for _ in 0..<samples {
        let start = now()
        for _ in 0..<calls { problem.run() }
        times.append((now() - start) / Double(calls))
    }
    times.sort()
    print("seconds \(times[times.count / 2]) kernel \(InstructionSet.best)")
    fflush(nil)
}

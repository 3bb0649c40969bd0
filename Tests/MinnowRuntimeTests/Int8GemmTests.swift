import MinnowRuntime
import XCTest

/// Byte-exactness of every int8 GEMM kernel (C families, portable Swift, dispatcher) against
/// `Int8Gemm.reference`, plus a hand-computed case that checks the reference itself.
final class Int8GemmTests: XCTestCase {
    /// 64-bit LCG for test data.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
        }
    }

    /// One GEMM problem with its own output-stage parameters.
    struct Problem {
        var m, n, k, lda, ldc: Int
        var a: [Int8]
        var packed: [Int8]
        var bias, multipliers, shifts: [Int32]
        var zeroPoint, lower, upper: Int32

        /// `mixesExtremes`: whether channels may take extreme shifts and biases (nil: random).
        init(m: Int, n: Int, k: Int, rng: inout Generator, mixesExtremes: Bool? = nil) {
            self.m = m; self.n = n; self.k = k
            lda = k + rng.int(0...5)
            ldc = n + rng.int(0...3)
            a = (0..<(m * lda)).map { _ in Int8(truncatingIfNeeded: rng.next()) }
            let weights = (0..<(n * k)).map { _ in Int8(truncatingIfNeeded: rng.next()) }
            packed = WeightPacking.pack(weights, channels: n, depth: k)
            zeroPoint = Int32(rng.int(-20...20))
            switch rng.int(0...2) {
            case 0: (lower, upper) = (-128, 127)
            case 1: (lower, upper) = (zeroPoint, 127)  // fused ReLU
            default: (lower, upper) = (zeroPoint, zeroPoint + 60)  // fused ReLU6-like
            }
            var root = 1.0
            while root * root < Double(k) { root += 1 }
            var bias: [Int32] = [], multipliers: [Int32] = [], shifts: [Int32] = []
            // Half the problems have only realistic channels, so whole 64-channel blocks take the
            // kernels' fast output paths; the other half mixes in extremes (general paths).
            let mixesExtremes = mixesExtremes ?? (rng.int(0...1) == 0)
            for _ in 0..<n {
                switch mixesExtremes ? rng.int(0...9) : 9 {
                case 0:  // extreme shifts: int32 saturation, the largest right shift, and the
                    // edges of the VNNI kernel's fast case (shift −1…−22)
                    bias.append(Int32(truncatingIfNeeded: rng.next() << 1))
                    multipliers.append(Int32(1 << 30) + Int32(rng.int(0...(1 << 30) - 1)))
                    shifts.append([30, 20, -31, -30, 5, 0, -1, -22, -23][rng.int(0...8)])
                case 1:  // bias near the int32 limits: the wrapping add must match
                    bias.append(rng.int(0...1) == 0 ? Int32.max - Int32(rng.int(0...1000)) : Int32.min + Int32(rng.int(0...1000)))
                    multipliers.append(Int32(1 << 30) + Int32(rng.int(0...(1 << 30) - 1)))
                    shifts.append(Int32(rng.int(-31...(-20))))
                default:  // realistic scales (negative shifts) with outputs spread over int8
                    bias.append(Int32(rng.int(-100_000...100_000)))
                    let real = (0.3 + Double(rng.int(0...1000)) / 500) / (128 * root)
                    let q = QuantizedMultiplier(real)
                    multipliers.append(q.multiplier)
                    shifts.append(q.shift)
                }
            }
            self.bias = bias; self.multipliers = multipliers; self.shifts = shifts
        }

        /// Runs `body` on a fresh output buffer filled with a sentinel and returns it.
        func output(_ body: (UnsafePointer<Int8>, UnsafePointer<Int8>, Int8OutputStage, UnsafeMutablePointer<Int8>) -> Void) -> [Int8] {
            var c = [Int8](repeating: 0x5A, count: max(m * ldc, 1))
            a.withUnsafeBufferPointer { a in
                packed.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        multipliers.withUnsafeBufferPointer { mu in
                            shifts.withUnsafeBufferPointer { s in
                                let stage = Int8OutputStage(
                                    bias: b.baseAddress!, multipliers: mu.baseAddress!, shifts: s.baseAddress!,
                                    outputZeroPoint: zeroPoint, lowerBound: lower, upperBound: upper)
                                c.withUnsafeMutableBufferPointer { body(a.baseAddress!, w.baseAddress!, stage, $0.baseAddress!) }
                            }
                        }
                    }
                }
            }
            return c
        }

        func reference() -> [Int8] {
            output { a, w, stage, c in
                Int8Gemm.reference(m: m, n: n, k: k, a: a, lda: lda, packedWeights: w, output: stage, c: c, ldc: ldc)
            }
        }
    }

    static let ms = [1, 2, 3, 4, 5, 7, 13, 64]
    static let ns = [1, 5, 15, 16, 17, 31, 33, 100]
    static let ks = [1, 3, 4, 5, 17, 64, 577]

    /// Runs `kernel` on every (M, N, K) combination and compares with the reference.
    private func checkAllShapes(_ name: String, seed: UInt64,
                                _ kernel: (Problem, UnsafePointer<Int8>, UnsafePointer<Int8>, Int8OutputStage, UnsafeMutablePointer<Int8>) -> Void) {
        var rng = Generator(state: seed)
        var failures = 0
        for m in Self.ms {
            for n in Self.ns {
                for k in Self.ks {
                    let problem = Problem(m: m, n: n, k: k, rng: &rng)
                    let expected = problem.reference()
                    let found = problem.output { a, w, stage, c in kernel(problem, a, w, stage, c) }
                    if found != expected {
                        let index = found.indices.first { found[$0] != expected[$0] }!
                        XCTFail("\(name): M=\(m) N=\(n) K=\(k) lda=\(problem.lda) ldc=\(problem.ldc): byte \(index) "
                            + "(row \(index / problem.ldc), column \(index % problem.ldc)) expected \(expected[index]), found \(found[index])")
                        failures += 1
                        if failures > 5 { return }
                    }
                }
            }
        }
    }

    func testReferenceMatchesHandComputedCase() {
        let tiny = tinyCase()
        XCTAssertEqual(tiny.run { a, w, s, c in
            Int8Gemm.reference(m: 2, n: 3, k: 5, a: a, lda: 6, packedWeights: w, output: s, c: c, ldc: 4)
        }, tiny.expected)
    }

    func testEveryKernelMatchesHandComputedCase() {
        let tiny = tinyCase()
        XCTAssertEqual(tiny.run { a, w, s, c in
            Int8Gemm.portable(m: 2, n: 3, k: 5, a: a, lda: 6, packedWeights: w, output: s, c: c, ldc: 4)
        }, tiny.expected, "portable")
        for kernel in InstructionSet.supported {
            XCTAssertEqual(tiny.run { a, w, s, c in
                Int8Gemm.run(.native(kernel), m: 2, n: 3, k: 5, a: a, lda: 6, packedWeights: w, output: s, c: c, ldc: 4)
            }, tiny.expected, "\(kernel)")
        }
    }

    func testEveryCKernelMatchesReferenceOnRandomShapes() {
        let kernels = InstructionSet.supported
        XCTAssertTrue(kernels.contains(.scalar))
        #if arch(x86_64)
        XCTAssertTrue(kernels.contains(.avx2) || !kernels.contains(.avx512VNNI), "AVX-512 VNNI without AVX2?")
        #endif
        for (index, kernel) in kernels.enumerated() {
            checkAllShapes("\(kernel)", seed: 100 + UInt64(index)) { p, a, w, stage, c in
                Int8Gemm.run(.native(kernel), m: p.m, n: p.n, k: p.k, a: a, lda: p.lda, packedWeights: w,
                             output: stage, c: c, ldc: p.ldc)
            }
        }
    }

    func testPortableSwiftKernelMatchesReferenceOnRandomShapes() {
        checkAllShapes("portable", seed: 7) { p, a, w, stage, c in
            Int8Gemm.portable(m: p.m, n: p.n, k: p.k, a: a, lda: p.lda, packedWeights: w, output: stage, c: c, ldc: p.ldc)
        }
    }

    func testDispatchingRunMatchesReferenceOnRandomShapes() {
        checkAllShapes("run", seed: 11) { p, a, w, stage, c in
            Int8Gemm.run(.native, m: p.m, n: p.n, k: p.k, a: a, lda: p.lda, packedWeights: w, output: stage, c: c, ldc: p.ldc)
        }
    }

    /// Large enough that the driver splits M into several cached blocks and N into many tiles.
    func testBlockedLargeShapeMatchesReference() {
        var rng = Generator(state: 2024)
        let problem = Problem(m: 300, n: 70, k: 1001, rng: &rng)
        let expected = problem.reference()
        for kernel in InstructionSet.supported {
            let found = problem.output { a, w, stage, c in
                Int8Gemm.run(.native(kernel), m: problem.m, n: problem.n, k: problem.k, a: a, lda: problem.lda,
                             packedWeights: w, output: stage, c: c, ldc: problem.ldc)
            }
            let mismatch = found.indices.first { found[$0] != expected[$0] }
            XCTAssertNil(mismatch, "\(kernel): first differing byte \(mismatch ?? -1)")
        }
    }

    /// Shapes where the VNNI kernel overlaps each tile's output stage with the next tile's
    /// products (two or more full 6×64 tiles, K ≥ 21), from the smallest such case up, with
    /// realistic scales (its fast case) and with extremes mixed in (its general path).
    func testPipelinedOutputStageShapesMatchReference() {
        var rng = Generator(state: 77)
        for (m, n, k) in [(12, 64, 21), (12, 64, 24), (13, 64, 64), (37, 130, 40), (64, 192, 577), (96, 256, 256)] {
            for mixes in [false, true] {
                let problem = Problem(m: m, n: n, k: k, rng: &rng, mixesExtremes: mixes)
                let expected = problem.reference()
                for kernel in InstructionSet.supported {
                    let found = problem.output { a, w, stage, c in
                        Int8Gemm.run(.native(kernel), m: m, n: n, k: k, a: a, lda: problem.lda,
                                     packedWeights: w, output: stage, c: c, ldc: problem.ldc)
                    }
                    let mismatch = found.indices.first { found[$0] != expected[$0] }
                    XCTAssertNil(mismatch, "\(kernel) M=\(m) N=\(n) K=\(k) extremes=\(mixes): first differing byte \(mismatch ?? -1)")
                }
            }
        }
    }

    func testEmptyDepthGivesRequantizedBias() {
        var rng = Generator(state: 5)
        let problem = Problem(m: 3, n: 20, k: 0, rng: &rng)
        let expected = problem.reference()
        for kernel in InstructionSet.supported {
            XCTAssertEqual(problem.output { a, w, stage, c in
                Int8Gemm.run(.native(kernel), m: 3, n: 20, k: 0, a: a, lda: problem.lda, packedWeights: w,
                             output: stage, c: c, ldc: problem.ldc)
            }, expected, "\(kernel)")
        }
    }

    // MARK: - Hand-computed case

    /// A 2×5 activation block times 3 channels, zero point in 0, out −5, clamp −10…127.
    ///
    /// Σ a·w (the folded bias removes the +128): row 0 = [6, −4, −508], row 1 = [3, −366, 127];
    /// plus bias [10, 0, −1] → [16, −4, −509], [13, −366, 126]. Channels 0, 1 scale by 0.5
    /// (M = 2^30, shift 0: floor((x+1)/2)) → 8, −2 / 7, −183; channel 2 by 0.125
    /// (shift −2: floor((x+4)/8)) → −64 / 16. Plus −5, clamp at −10: [3, −7, −10], [2, −10, 11].
    private func tinyCase() -> (expected: [Int8], run: ((UnsafePointer<Int8>, UnsafePointer<Int8>, Int8OutputStage, UnsafeMutablePointer<Int8>) -> Void) -> [Int8]) {
        let a: [Int8] = [1, -2, 3, 0, 4, 99, -128, 127, 0, 5, -1, 99]  // lda 6 (column 5 unused)
        let weights: [Int8] = [1, 1, 1, 1, 1, 2, -1, 0, 3, -2, 0, 0, 0, 0, -127]
        let packed = WeightPacking.pack(weights, channels: 3, depth: 5)
        let sums = WeightPacking.channelSums(weights, channels: 3, depth: 5)
        let bias = WeightPacking.foldedBias([10, 0, -1], channelSums: sums, inputZeroPoint: 0)
        let multipliers: [Int32] = [1 << 30, 1 << 30, 1 << 30]
        let shifts: [Int32] = [0, 0, -2]
        let expected: [Int8] = [3, -7, -10, 0x5A, 2, -10, 11, 0x5A]  // ldc 4: column 3 untouched
        let run = { (body: (UnsafePointer<Int8>, UnsafePointer<Int8>, Int8OutputStage, UnsafeMutablePointer<Int8>) -> Void) -> [Int8] in
            var c = [Int8](repeating: 0x5A, count: 8)
            bias.withUnsafeBufferPointer { b in
                multipliers.withUnsafeBufferPointer { m in
                    shifts.withUnsafeBufferPointer { s in
                        let stage = Int8OutputStage(bias: b.baseAddress!, multipliers: m.baseAddress!, shifts: s.baseAddress!,
                                                    outputZeroPoint: -5, lowerBound: -10, upperBound: 127)
                        c.withUnsafeMutableBufferPointer { body(a, packed, stage, $0.baseAddress!) }
                    }
                }
            }
            return c
        }
        return (expected, run)
    }
}

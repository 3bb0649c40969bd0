import MinnowTrain
import XCTest

/// `Gemm.multiply` (packed C kernels, threaded) against the plain `Gemm.reference` loop,
/// bit for bit, plus an independent double-precision check.
final class GemmTests: XCTestCase {
    /// One problem: op(A) is m×k, op(B) is k×n; leading dimensions exceed widths by `pad`.
    struct Problem {
        var m, n, k: Int
        var transposeA, transposeB: Bool
        var pad = 0
        var lda: Int { (transposeA ? m : k) + pad }
        var ldb: Int { (transposeB ? k : n) + pad }
        var ldc: Int { n + pad }
        var aCount: Int { lda * (transposeA ? k : m) }
        var bCount: Int { ldb * (transposeB ? n : k) }
        var cCount: Int { ldc * m }
    }

    struct Operands {
        var a: [Float], b: [Float], c: [Float]
        init(_ p: Problem, seed: UInt64) {
            var g = SeededGenerator(seed: seed)
            a = (0..<p.aCount).map { _ in g.uniform(-1, 1) }
            b = (0..<p.bCount).map { _ in g.uniform(-1, 1) }
            // C padding gets sentinels: nothing outside the m×n window may change.
            c = (0..<p.cCount).map { _ in g.uniform(-2, 2) }
        }
    }

    private func run(_ p: Problem, _ ops: Operands, accumulate: Bool, reference: Bool) -> [Float] {
        var c = ops.c
        ops.a.withUnsafeBufferPointer { a in
            ops.b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    let f = reference ? Gemm.reference : Gemm.multiply
                    f(p.transposeA, p.transposeB, p.m, p.n, p.k, a.baseAddress!, max(p.lda, 1),
                      b.baseAddress!, max(p.ldb, 1), c.baseAddress!, max(p.ldc, 1), accumulate)
                }
            }
        }
        return c
    }

    private func assertSameBits(_ x: [Float], _ y: [Float], _ what: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(x.count, y.count, what, file: file, line: line)
        if let i = x.indices.first(where: { i in i < y.count && x[i].bitPattern != y[i].bitPattern }) {
            XCTFail("\(what): first differing element \(i): \(x[i]) vs \(y[i])", file: file, line: line)
        }
    }

    private func withBackend(_ backend: KernelBackend, workers: Int, _ body: () -> Void) {
        let (savedBackend, savedWorkers) = (Gemm.backend, Parallel.workerCount)
        Gemm.backend = backend
        Parallel.workerCount = workers
        defer { Gemm.backend = savedBackend; Parallel.workerCount = savedWorkers }
        body()
    }

    /// Shapes as (m, k, n): the brief's list plus ones that cross every blocking edge
    /// (K > 256, N > 4·NR packs A, M > 144, N > 2048) and random small ones.
    private var shapes: [(Int, Int, Int)] {
        var list = [(1, 1, 1), (13, 37, 29), (1, 784, 128), (64, 576, 64), (100, 3, 7),
                    (20, 300, 150), (150, 9, 40), (3, 5, 2100), (12, 16, 32), (25, 1, 33)]
        var g = SeededGenerator(seed: 7)
        for _ in 0..<6 { list.append((1 + Int(g.next() % 40), 1 + Int(g.next() % 60), 1 + Int(g.next() % 70))) }
        return list
    }

    func testOptimizedMatchesReferenceBitForBit() {
        var seed: UInt64 = 1
        for (m, k, n) in shapes {
            for ta in [false, true] {
                for tb in [false, true] {
                    for accumulate in [false, true] {
                        let p = Problem(m: m, n: n, k: k, transposeA: ta, transposeB: tb, pad: Int(seed % 3) * 3)
                        seed += 1
                        let ops = Operands(p, seed: seed)
                        let expected = run(p, ops, accumulate: accumulate, reference: true)
                        for backend in KernelBackend.available {
                            withBackend(backend, workers: Parallel.workerCount) {
                                let got = run(p, ops, accumulate: accumulate, reference: false)
                                assertSameBits(got, expected,
                                               "\(m)x\(k)x\(n) tA=\(ta) tB=\(tb) acc=\(accumulate) pad=\(p.pad) \(backend)")
                            }
                        }
                    }
                }
            }
        }
    }

    func testOneAndTwoWorkersGiveIdenticalBits() {
        // Both shapes exceed `Gemm.parallelThreshold`; the first splits along M, the second along N.
        for (m, k, n) in [(130, 300, 120), (20, 400, 600)] {
            for ta in [false, true] {
                for tb in [false, true] {
                    let p = Problem(m: m, n: n, k: k, transposeA: ta, transposeB: tb, pad: 5)
                    XCTAssertGreaterThanOrEqual(2 * m * n * k, Gemm.parallelThreshold)
                    let ops = Operands(p, seed: UInt64(m * 31 + n))
                    var one: [Float] = [], two: [Float] = []
                    withBackend(.best, workers: 1) { one = run(p, ops, accumulate: true, reference: false) }
                    withBackend(.best, workers: 2) { two = run(p, ops, accumulate: true, reference: false) }
                    assertSameBits(one, two, "\(m)x\(k)x\(n) tA=\(ta) tB=\(tb): 1 vs 2 workers")
                    if !ta && !tb {  // the reference loop is slow in debug; one layout suffices here
                        assertSameBits(two, run(p, ops, accumulate: true, reference: true), "2 workers vs reference")
                    }
                }
            }
        }
    }

    func testForcedSplitsOnOddShapesMatchReference() {
        // Threshold 0 splits even tiny products; 3 workers give uneven chunks and edge tiles.
        let saved = Gemm.parallelThreshold
        Gemm.parallelThreshold = 0
        defer { Gemm.parallelThreshold = saved }
        for (m, k, n) in [(13, 37, 29), (100, 3, 7), (7, 19, 200), (2, 5, 2), (40, 260, 33)] {
            for ta in [false, true] {
                for tb in [false, true] {
                    let p = Problem(m: m, n: n, k: k, transposeA: ta, transposeB: tb, pad: 1)
                    let ops = Operands(p, seed: UInt64(m + 1000 * n))
                    let expected = run(p, ops, accumulate: false, reference: true)
                    for backend in KernelBackend.available {
                        for workers in [2, 3] {
                            withBackend(backend, workers: workers) {
                                assertSameBits(run(p, ops, accumulate: false, reference: false), expected,
                                               "\(m)x\(k)x\(n) tA=\(ta) tB=\(tb) \(backend) \(workers) workers")
                            }
                        }
                    }
                }
            }
        }
    }

    func testMatchesDoublePrecisionProduct() {
        for (m, k, n) in [(37, 600, 45), (130, 300, 70), (5, 1000, 3)] {
            for ta in [false, true] {
                for tb in [false, true] {
                    let p = Problem(m: m, n: n, k: k, transposeA: ta, transposeB: tb, pad: 2)
                    let ops = Operands(p, seed: UInt64(k))
                    let got = run(p, ops, accumulate: true, reference: false)
                    for i in 0..<m {
                        for j in 0..<n {
                            var exact = Double(ops.c[i * p.ldc + j]), magnitude = abs(exact)
                            for q in 0..<k {
                                let av = Double(ta ? ops.a[q * p.lda + i] : ops.a[i * p.lda + q])
                                let bv = Double(tb ? ops.b[j * p.ldb + q] : ops.b[q * p.ldb + j])
                                exact += av * bv
                                magnitude += abs(av * bv)
                            }
                            // Standard bound for a length-(k+1) float sum: (k+1)·u·Σ|terms|.
                            let bound = Double(k + 1) * 0x1p-24 * magnitude + 1e-30
                            let error = abs(Double(got[i * p.ldc + j]) - exact)
                            if error > bound {
                                XCTFail("\(m)x\(k)x\(n) tA=\(ta) tB=\(tb) C[\(i)][\(j)] error \(error) > \(bound)")
                                return
                            }
                        }
                    }
                }
            }
        }
    }

    func testHandComputedProducts() {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]; with Aᵀ: [1 3; 2 4] · B = [26 30; 38 44].
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 100, count: 4)
        Gemm.multiply(transposeA: false, transposeB: false, m: 2, n: 2, k: 2,
                      a: a, lda: 2, b: b, ldb: 2, c: &c, ldc: 2)
        XCTAssertEqual(c, [19, 22, 43, 50])
        Gemm.multiply(transposeA: true, transposeB: false, m: 2, n: 2, k: 2,
                      a: a, lda: 2, b: b, ldb: 2, c: &c, ldc: 2, accumulate: true)
        XCTAssertEqual(c, [45, 52, 81, 94] as [Float])
        // A · Bᵀ = [1·5+2·6, 1·7+2·8; 3·5+4·6, 3·7+4·8].
        Gemm.multiply(transposeA: false, transposeB: true, m: 2, n: 2, k: 2,
                      a: a, lda: 2, b: b, ldb: 2, c: &c, ldc: 2)
        XCTAssertEqual(c, [17, 23, 39, 53])
    }

    func testEmptyInnerDimension() {
        let a: [Float] = [1], b: [Float] = [1]
        var c: [Float] = [3, 4, 5, 6]
        Gemm.multiply(transposeA: false, transposeB: false, m: 2, n: 2, k: 0,
                      a: a, lda: 1, b: b, ldb: 2, c: &c, ldc: 2, accumulate: true)
        XCTAssertEqual(c, [3, 4, 5, 6], "k = 0 with accumulate leaves C unchanged")
        Gemm.multiply(transposeA: false, transposeB: false, m: 2, n: 2, k: 0,
                      a: a, lda: 1, b: b, ldb: 2, c: &c, ldc: 2)
        XCTAssertEqual(c, [0, 0, 0, 0], "k = 0 without accumulate writes zeros")
    }
}

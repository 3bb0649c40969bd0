import CMinnowKernels
import Synchronization

/// Instruction-set family of the C kernels (`CMinnowKernels`). Every family computes the same
/// bits; choosing one only changes speed (tests use this to check the families against each other).
public enum KernelBackend: Int32, CaseIterable, Sendable {
    /// Portable C with `fmaf` (4×4 GEMM tiles).
    case scalar = 0
    /// AVX2 + FMA3 (6×16 GEMM tiles, 8-lane vector math).
    case avx2 = 1
    /// AVX-512F (12×32 GEMM tiles, 16-lane vector math).
    case avx512 = 2
    /// AArch64 NEON with fused multiply-add (8×8 GEMM tiles, 4-lane vector math).
    case neon = 3

    /// The fastest family the running CPU supports (CPUID on x86, HWCAP/sysctl on AArch64).
    public static var best: KernelBackend { KernelBackend(rawValue: minnow_best_isa()) ?? .scalar }

    /// Families the running CPU can execute.
    public static var available: [KernelBackend] { allCases.filter(\.isSupported) }

    /// Whether the running CPU can execute this family.
    public var isSupported: Bool { minnow_isa_supported(rawValue) != 0 }
}

/// Single-precision matrix multiply used by every trainer layer, row-major:
/// `C = op(A) · op(B)` or, with `accumulate`, `C += op(A) · op(B)`; `op(X)` is `X` or `Xᵀ`.
///
/// `op(A)` is M×K, `op(B)` is K×N, `C` is M×N with leading dimension `ldc`.
///
/// Numerics contract (so optimized and reference paths agree bit for bit): every `C[i][j]`
/// is one fused multiply-add chain in increasing `p`, starting from 0 (or from the old
/// `C[i][j]` when accumulating): `acc = fma(A[i][p], B[p][j], acc)`.
public enum Gemm {
    /// Kernel family used by `multiply`; defaults to the best one the CPU supports.
    /// Unsupported choices fall back to `KernelBackend.best`.
    public static var backend: KernelBackend {
        get { KernelBackend(rawValue: backendSetting.load(ordering: .relaxed)) ?? .scalar }
        set { backendSetting.store(newValue.rawValue, ordering: .relaxed) }
    }
    private static let backendSetting = Atomic<Int32>(KernelBackend.best.rawValue)

    /// Products below this many floating-point operations (2·M·N·K) run on one thread:
    /// waking a second worker costs more than it saves (≈ 40 µs of single-thread work).
    /// Any value gives the same bits; tests lower it to exercise the split on small shapes.
    public static var parallelThreshold: Int {
        get { parallelThresholdSetting.load(ordering: .relaxed) }
        set { parallelThresholdSetting.store(newValue, ordering: .relaxed) }
    }
    private static let parallelThresholdSetting = Atomic<Int>(8_000_000)

    /// Packed, cache-blocked multiply in C (see `CMinnowKernels`), split over
    /// `Parallel.workerCount` workers along M or N (never K) when the product is large.
    public static func multiply(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool = false
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "Gemm.multiply: negative size m=\(m) n=\(n) k=\(k)")
        guard m > 0, n > 0 else { return }
        let isa = backend.rawValue
        let ta: Int32 = transposeA ? 1 : 0, tb: Int32 = transposeB ? 1 : 0
        let acc: Int32 = accumulate ? 1 : 0
        let flops = 2 * m * n * k
        guard Parallel.workerCount > 1, flops >= parallelThreshold else {
            minnow_sgemm(isa, ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc)
            return
        }
        var mr = 0, nr = 0
        minnow_sgemm_tile(isa, &mr, &nr)
        let rowTiles = (m + mr - 1) / mr
        let columnTiles = (n + nr - 1) / nr
        if rowTiles >= columnTiles {
            // Each worker owns whole rows of C (and packs all of B itself).
            Parallel.forEachChunk(rowTiles) { tiles in
                let i0 = tiles.lowerBound * mr
                let rows = min(tiles.upperBound * mr, m) - i0
                let aPart = transposeA ? a + i0 : a + i0 * lda
                minnow_sgemm(isa, ta, tb, rows, n, k, aPart, lda, b, ldb, c + i0 * ldc, ldc, acc)
            }
        } else {
            // Each worker owns whole columns of C.
            Parallel.forEachChunk(columnTiles) { tiles in
                let j0 = tiles.lowerBound * nr
                let columns = min(tiles.upperBound * nr, n) - j0
                let bPart = transposeB ? b + j0 * ldb : b + j0
                minnow_sgemm(isa, ta, tb, m, columns, k, a, lda, bPart, ldb, c + j0, ldc, acc)
            }
        }
    }

    /// Plain triple loop: the twin every optimized path is tested against.
    public static func reference(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool = false
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var acc: Float = accumulate ? c[i * ldc + j] : 0
                for p in 0..<k {
                    let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    acc = acc.addingProduct(av, bv)
                }
                c[i * ldc + j] = acc
            }
        }
    }
}

/// Single-precision matrix multiply used by every trainer layer, row-major:
/// `C = op(A) · op(B)` or, with `accumulate`, `C += op(A) · op(B)`; `op(X)` is `X` or `Xᵀ`.
///
/// `op(A)` is M×K, `op(B)` is K×N, `C` is M×N with leading dimension `ldc`.
///
/// Numerics contract (so optimized and reference paths agree bit for bit): every `C[i][j]`
/// is one fused multiply-add chain in increasing `p`, starting from 0 (or from the old
/// `C[i][j]` when accumulating): `acc = fma(A[i][p], B[p][j], acc)`.
public enum Gemm {
    public static func multiply(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool = false
    ) {
        reference(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                  a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
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

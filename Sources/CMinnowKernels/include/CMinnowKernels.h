#ifndef CMINNOW_KERNELS_H
#define CMINNOW_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- CPU features ------------------------------------------------------------------ */

/// Bits returned by `minnow_cpu_features`.
enum {
    MINNOW_CPU_AVX2 = 1,     ///< AVX2 and FMA3 (both required for the AVX2 kernels).
    MINNOW_CPU_AVX512F = 2,  ///< AVX-512 Foundation (OS state enabled).
    MINNOW_CPU_NEON = 4,     ///< AArch64 Advanced SIMD (NEON, with fused multiply-add).
};

/// Returns a bit set of the instruction-set extensions the running CPU offers (CPUID on x86,
/// HWCAP on Linux/AArch64, sysctl on Apple silicon).
int minnow_cpu_features(void);

/* ---- Instruction-set selection -------------------------------------------------------- */

/// Kernel families. Every family gives bit-identical results (see `minnow_sgemm`).
enum {
    MINNOW_FLOAT_ISA_SCALAR = 0,   ///< Portable C, `fmaf`; 4x4 tiles.
    MINNOW_FLOAT_ISA_AVX2 = 1,     ///< AVX2 + FMA3; 6x16 tiles.
    MINNOW_FLOAT_ISA_AVX512 = 2,   ///< AVX-512F; 12x32 tiles.
    MINNOW_FLOAT_ISA_NEON = 3,     ///< AArch64 NEON with FMA; 8x8 tiles.
};

/// The fastest kernel family the running CPU supports.
int minnow_best_isa(void);

/// Whether the running CPU can execute kernel family `isa`.
int minnow_isa_supported(int isa);

/* ---- SGEMM ----------------------------------------------------------------------------- */

/// Micro-tile shape (rows `*mr`, columns `*nr`) of kernel family `isa`; work splits that are
/// multiples of it keep every thread on full tiles.
void minnow_sgemm_tile(int isa, size_t *mr, size_t *nr);

/// Row-major single-precision GEMM: `C = op(A)·op(B)` or, with `accumulate`, `C += op(A)·op(B)`.
///
/// `op(A)` is m×k (`a` is m×k with `trans_a == 0`, k×m otherwise), `op(B)` is k×n, C is m×n.
/// Every `C[i][j]` is one fused multiply-add chain in increasing p starting from +0 (or from
/// the old `C[i][j]`): identical bits for every `isa`, blocking and work split.
/// Unsupported `isa` values fall back to `minnow_best_isa()`. Single-threaded; uses a
/// per-thread packing scratch, so concurrent calls from different threads are safe.
void minnow_sgemm(int isa, int trans_a, int trans_b,
                  size_t m, size_t n, size_t k,
                  const float *a, size_t lda,
                  const float *b, size_t ldb,
                  float *c, size_t ldc, int accumulate);

/* ---- Elementwise vector math ------------------------------------------------------------- */

/// `y[i] = exp(x[i])`. Max relative error ≤ 1.2e-7 (1 ULP) for results in the normal range;
/// underflows to subnormals / 0 below ≈ -87.3, overflows to +inf above ≈ 88.72, NaN stays NaN.
/// `x` and `y` may be the same array (in place) but must not overlap partially.
void minnow_vexp(int isa, const float *x, float *y, size_t count);

/// `y[i] = 1 / (1 + exp(-x[i]))`, computed as `e/(1+e)` with `e = exp(-|x|)` on the negative
/// side so tiny results keep full relative accuracy. Max relative error ≤ 2.4e-7 (2 ULP).
void minnow_vsigmoid(int isa, const float *x, float *y, size_t count);

/// `y[i] = tanh(x[i])`: odd polynomial for |x| < 0.625, `1 - 2/(exp(2|x|)+1)` above.
/// Max relative error ≤ 2.4e-7 (2 ULP); tanh(-0) = -0.
void minnow_vtanh(int isa, const float *x, float *y, size_t count);

#ifdef __cplusplus
}
#endif

#endif

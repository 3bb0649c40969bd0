#ifndef MINNOW_SGEMM_INTERNAL_H
#define MINNOW_SGEMM_INTERNAL_H

#include <stddef.h>

/// Fully unrolls a loop whose trip count is a compile-time constant after inlining (the loops
/// over a tile's rows and panels, which index register arrays). Clang's -O3 did this by itself;
/// SwiftPM's release builds compile C with -O2, whose smaller unroll budget left some of these
/// loops rolled, with the accumulators spilled to the stack.
#if defined(__clang__)
#define MINNOW_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define MINNOW_UNROLL _Pragma("GCC unroll 32")
#else
#define MINNOW_UNROLL
#endif

/// A GEMM micro-kernel: computes the `mr`×`nr` tile `C (+)= A_tile · B_panel` over `kc` steps.
///
/// - A element (row ii, step p) is at `a[ii*a_rs + p*a_cs]`; either `a_cs == 1` (rows read
///   in place) or `a_rs == 1` (packed panels, or a transposed A read in place).
/// - `b` is a packed panel: for each p, `NR` consecutive floats (zero padded past `nr`).
/// - `load_c`: start each chain from the current C value (else from +0).
/// Every lane is one `fma` chain in increasing p, so all kernels agree bit for bit.
typedef void (*minnow_sgemm_ukernel_fn)(size_t mr, size_t nr, size_t kc,
                                        const float *a, size_t a_rs, size_t a_cs,
                                        const float *b, float *c, size_t ldc, int load_c);

void minnow_sgemm_ukernel_12x32__avx512f(size_t mr, size_t nr, size_t kc,
                                          const float *a, size_t a_rs, size_t a_cs,
                                          const float *b, float *c, size_t ldc, int load_c);
void minnow_sgemm_ukernel_6x16__avx2_fma(size_t mr, size_t nr, size_t kc,
                                          const float *a, size_t a_rs, size_t a_cs,
                                          const float *b, float *c, size_t ldc, int load_c);
void minnow_sgemm_ukernel_8x8__neonfma(size_t mr, size_t nr, size_t kc,
                                       const float *a, size_t a_rs, size_t a_cs,
                                       const float *b, float *c, size_t ldc, int load_c);
void minnow_sgemm_ukernel_4x4__scalar(size_t mr, size_t nr, size_t kc,
                                       const float *a, size_t a_rs, size_t a_cs,
                                       const float *b, float *c, size_t ldc, int load_c);

/// Elementwise kernels (same algorithm and operation order in every ISA → identical bits).
void minnow_vexp__avx512f(const float *x, float *y, size_t count);
void minnow_vexp__avx2_fma(const float *x, float *y, size_t count);
void minnow_vexp__neon(const float *x, float *y, size_t count);
void minnow_vexp__scalar(const float *x, float *y, size_t count);
void minnow_vsigmoid__avx512f(const float *x, float *y, size_t count);
void minnow_vsigmoid__avx2_fma(const float *x, float *y, size_t count);
void minnow_vsigmoid__neon(const float *x, float *y, size_t count);
void minnow_vsigmoid__scalar(const float *x, float *y, size_t count);
void minnow_vtanh__avx512f(const float *x, float *y, size_t count);
void minnow_vtanh__avx2_fma(const float *x, float *y, size_t count);
void minnow_vtanh__neon(const float *x, float *y, size_t count);
void minnow_vtanh__scalar(const float *x, float *y, size_t count);

#endif

// AVX-512F SGEMM micro-kernel, 12 rows x 32 columns (24 zmm accumulators).
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <stdint.h>
#include "sgemm_internal.h"

#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)

#define MR 12
#define NR 32

/// One tile with a compile-time row count `ROWS` (1...12), so accumulators stay in registers
/// and rows past the edge are never read. `IN_PLACE_ROWS`: A rows read via row pointers (a_cs == 1).
static inline __attribute__((always_inline)) void tile(
    const size_t ROWS, const int IN_PLACE_ROWS, size_t nr, size_t kc,
    const float *restrict a, size_t a_rs, size_t a_cs,
    const float *restrict b, float *restrict c, size_t ldc, int load_c)
{
    const __mmask16 m0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1u);
    const __mmask16 m1 = nr >= 32 ? (__mmask16)0xFFFF
                       : nr <= 16 ? (__mmask16)0 : (__mmask16)((1u << (nr - 16)) - 1u);
    __m512 acc0[MR], acc1[MR];
    if (load_c) {
        for (size_t i = 0; i < ROWS; i++) {
            acc0[i] = _mm512_maskz_loadu_ps(m0, c + i * ldc);
            acc1[i] = _mm512_maskz_loadu_ps(m1, c + i * ldc + 16);
        }
    } else {
        for (size_t i = 0; i < ROWS; i++) {
            acc0[i] = _mm512_setzero_ps();
            acc1[i] = _mm512_setzero_ps();
        }
    }
    if (IN_PLACE_ROWS) {
        const float *ap[MR];
        for (size_t i = 0; i < ROWS; i++) ap[i] = a + i * a_rs;
        for (size_t p = 0; p < kc; p++) {
            const __m512 b0 = _mm512_load_ps(b);
            const __m512 b1 = _mm512_load_ps(b + 16);
            b += NR;
            MINNOW_UNROLL for (size_t i = 0; i < ROWS; i++) {
                const __m512 av = _mm512_set1_ps(ap[i][p]);
                acc0[i] = _mm512_fmadd_ps(av, b0, acc0[i]);
                acc1[i] = _mm512_fmadd_ps(av, b1, acc1[i]);
            }
        }
    } else {
        for (size_t p = 0; p < kc; p++) {
            const __m512 b0 = _mm512_load_ps(b);
            const __m512 b1 = _mm512_load_ps(b + 16);
            b += NR;
            MINNOW_UNROLL for (size_t i = 0; i < ROWS; i++) {
                const __m512 av = _mm512_set1_ps(a[i]);
                acc0[i] = _mm512_fmadd_ps(av, b0, acc0[i]);
                acc1[i] = _mm512_fmadd_ps(av, b1, acc1[i]);
            }
            a += a_cs;
        }
    }
    if (nr == NR) {
        for (size_t i = 0; i < ROWS; i++) {
            _mm512_storeu_ps(c + i * ldc, acc0[i]);
            _mm512_storeu_ps(c + i * ldc + 16, acc1[i]);
        }
    } else {
        for (size_t i = 0; i < ROWS; i++) {
            _mm512_mask_storeu_ps(c + i * ldc, m0, acc0[i]);
            _mm512_mask_storeu_ps(c + i * ldc + 16, m1, acc1[i]);
        }
    }
}

#define CASE(R)                                                                              \
    case R:                                                                                  \
        if (a_cs == 1) tile(R, 1, nr, kc, a, a_rs, a_cs, b, c, ldc, load_c);                 \
        else tile(R, 0, nr, kc, a, a_rs, a_cs, b, c, ldc, load_c);                           \
        break;

void minnow_sgemm_ukernel_12x32__avx512f(size_t mr, size_t nr, size_t kc,
                                          const float *a, size_t a_rs, size_t a_cs,
                                          const float *b, float *c, size_t ldc, int load_c)
{
    switch (mr) {
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6)
        CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12)
    default: break;
    }
}

#pragma clang attribute pop
#endif

// AVX2 + FMA3 SGEMM micro-kernel, 6 rows x 16 columns (12 ymm accumulators).
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <stdint.h>
#include "sgemm_internal.h"

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

#define MR 6
#define NR 16

static inline __attribute__((always_inline)) __m256i lane_mask(size_t valid) {
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)valid), idx);
}

/// One tile with compile-time row count `ROWS` (1...6); see the AVX-512 kernel.
static inline __attribute__((always_inline)) void tile(
    const size_t ROWS, const int IN_PLACE_ROWS, size_t nr, size_t kc,
    const float *restrict a, size_t a_rs, size_t a_cs,
    const float *restrict b, float *restrict c, size_t ldc, int load_c)
{
    const __m256i m0 = lane_mask(nr >= 8 ? 8 : nr);
    const __m256i m1 = lane_mask(nr >= 16 ? 8 : nr <= 8 ? 0 : nr - 8);
    __m256 acc0[MR], acc1[MR];
    if (load_c) {
        for (size_t i = 0; i < ROWS; i++) {
            acc0[i] = _mm256_maskload_ps(c + i * ldc, m0);
            acc1[i] = _mm256_maskload_ps(c + i * ldc + 8, m1);
        }
    } else {
        for (size_t i = 0; i < ROWS; i++) {
            acc0[i] = _mm256_setzero_ps();
            acc1[i] = _mm256_setzero_ps();
        }
    }
    if (IN_PLACE_ROWS) {
        const float *ap[MR];
        for (size_t i = 0; i < ROWS; i++) ap[i] = a + i * a_rs;
        for (size_t p = 0; p < kc; p++) {
            const __m256 b0 = _mm256_load_ps(b);
            const __m256 b1 = _mm256_load_ps(b + 8);
            b += NR;
            MINNOW_UNROLL for (size_t i = 0; i < ROWS; i++) {
                const __m256 av = _mm256_broadcast_ss(ap[i] + p);
                acc0[i] = _mm256_fmadd_ps(av, b0, acc0[i]);
                acc1[i] = _mm256_fmadd_ps(av, b1, acc1[i]);
            }
        }
    } else {
        for (size_t p = 0; p < kc; p++) {
            const __m256 b0 = _mm256_load_ps(b);
            const __m256 b1 = _mm256_load_ps(b + 8);
            b += NR;
            MINNOW_UNROLL for (size_t i = 0; i < ROWS; i++) {
                const __m256 av = _mm256_broadcast_ss(a + i);
                acc0[i] = _mm256_fmadd_ps(av, b0, acc0[i]);
                acc1[i] = _mm256_fmadd_ps(av, b1, acc1[i]);
            }
            a += a_cs;
        }
    }
    if (nr == NR) {
        for (size_t i = 0; i < ROWS; i++) {
            _mm256_storeu_ps(c + i * ldc, acc0[i]);
            _mm256_storeu_ps(c + i * ldc + 8, acc1[i]);
        }
    } else {
        for (size_t i = 0; i < ROWS; i++) {
            _mm256_maskstore_ps(c + i * ldc, m0, acc0[i]);
            _mm256_maskstore_ps(c + i * ldc + 8, m1, acc1[i]);
        }
    }
}

#define CASE(R)                                                                              \
    case R:                                                                                  \
        if (a_cs == 1) tile(R, 1, nr, kc, a, a_rs, a_cs, b, c, ldc, load_c);                 \
        else tile(R, 0, nr, kc, a, a_rs, a_cs, b, c, ldc, load_c);                           \
        break;

void minnow_sgemm_ukernel_6x16__avx2_fma(size_t mr, size_t nr, size_t kc,
                                          const float *a, size_t a_rs, size_t a_cs,
                                          const float *b, float *c, size_t ldc, int load_c)
{
    switch (mr) {
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6)
    default: break;
    }
}

#pragma clang attribute pop
#endif

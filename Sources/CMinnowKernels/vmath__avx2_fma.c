// AVX2 + FMA3 elementwise exp / sigmoid / tanh (8 lanes, masked tail).
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include "sgemm_internal.h"
#include "vmath_constants.h"

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

static inline __attribute__((always_inline)) __m256 exp8(__m256 x) {
    // max/min return their second operand when either is NaN, so NaN passes through.
    x = _mm256_max_ps(_mm256_set1_ps(VM_EXP_LO), x);
    x = _mm256_min_ps(_mm256_set1_ps(VM_EXP_HI), x);
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(VM_LOG2E)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-VM_LN2_HI), x);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(-VM_LN2_LO), r);
    const __m256 z = _mm256_mul_ps(r, r);
    __m256 y = _mm256_set1_ps(VM_EXP_P0);
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(VM_EXP_P1));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(VM_EXP_P2));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(VM_EXP_P3));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(VM_EXP_P4));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(VM_EXP_P5));
    y = _mm256_fmadd_ps(y, z, r);
    y = _mm256_add_ps(y, _mm256_set1_ps(1.0f));
    const __m256i ni = _mm256_cvtps_epi32(n);
    const __m256i n1 = _mm256_srai_epi32(ni, 1);
    const __m256i n2 = _mm256_sub_epi32(ni, n1);
    const __m256i bias = _mm256_set1_epi32(127);
    y = _mm256_mul_ps(y, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23)));
    return _mm256_mul_ps(y, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23)));
}

static inline __attribute__((always_inline)) __m256 abs8(__m256 x) {
    return _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
}

static inline __attribute__((always_inline)) __m256 sigmoid8(__m256 x) {
    const __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), abs8(x)));
    const __m256 d = _mm256_add_ps(_mm256_set1_ps(1.0f), e);
    const __m256 nonneg = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ);
    const __m256 num = _mm256_blendv_ps(e, _mm256_set1_ps(1.0f), nonneg);
    return _mm256_div_ps(num, d);
}

static inline __attribute__((always_inline)) __m256 tanh8(__m256 x) {
    const __m256 ax = abs8(x);
    const __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(VM_TANH_P0);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(VM_TANH_P1));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(VM_TANH_P2));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(VM_TANH_P3));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(VM_TANH_P4));
    const __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), ax, ax);  // on |x| so tanh(-0) = -0
    const __m256 e = exp8(_mm256_add_ps(ax, ax));
    const __m256 big = _mm256_sub_ps(_mm256_set1_ps(1.0f),
                                     _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
    const __m256 sign = _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u)));
    const __m256 is_small = _mm256_cmp_ps(ax, _mm256_set1_ps(VM_TANH_SMALL), _CMP_LT_OQ);
    return _mm256_or_ps(_mm256_blendv_ps(big, small, is_small), sign);
}

#define ELEMENTWISE(NAME, FN)                                                          \
    void NAME(const float *x, float *y, size_t count) {                                \
        size_t i = 0;                                                                  \
        for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, FN(_mm256_loadu_ps(x + i))); \
        if (i < count) {                                                               \
            const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(count - i)),  \
                                                 _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); \
            _mm256_maskstore_ps(y + i, m, FN(_mm256_maskload_ps(x + i, m)));           \
        }                                                                              \
    }

ELEMENTWISE(minnow_vexp__avx2_fma, exp8)
ELEMENTWISE(minnow_vsigmoid__avx2_fma, sigmoid8)
ELEMENTWISE(minnow_vtanh__avx2_fma, tanh8)

#pragma clang attribute pop
#endif

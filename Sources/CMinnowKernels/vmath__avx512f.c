// AVX-512F elementwise exp / sigmoid / tanh (16 lanes, masked tail).
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include "sgemm_internal.h"
#include "vmath_constants.h"

#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)

static inline __attribute__((always_inline)) __m512 exp16(__m512 x) {
    // max/min return their second operand when either is NaN, so NaN passes through.
    x = _mm512_max_ps(_mm512_set1_ps(VM_EXP_LO), x);
    x = _mm512_min_ps(_mm512_set1_ps(VM_EXP_HI), x);
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(VM_LOG2E)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-VM_LN2_HI), x);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(-VM_LN2_LO), r);
    const __m512 z = _mm512_mul_ps(r, r);
    __m512 y = _mm512_set1_ps(VM_EXP_P0);
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(VM_EXP_P1));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(VM_EXP_P2));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(VM_EXP_P3));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(VM_EXP_P4));
    y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(VM_EXP_P5));
    y = _mm512_fmadd_ps(y, z, r);
    y = _mm512_add_ps(y, _mm512_set1_ps(1.0f));
    const __m512i ni = _mm512_cvtps_epi32(n);
    const __m512i n1 = _mm512_srai_epi32(ni, 1);
    const __m512i n2 = _mm512_sub_epi32(ni, n1);
    const __m512i bias = _mm512_set1_epi32(127);
    y = _mm512_mul_ps(y, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n1, bias), 23)));
    return _mm512_mul_ps(y, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n2, bias), 23)));
}

static inline __attribute__((always_inline)) __m512 abs16(__m512 x) {
    return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7fffffff)));
}

static inline __attribute__((always_inline)) __m512 sigmoid16(__m512 x) {
    const __m512 e = exp16(_mm512_sub_ps(_mm512_setzero_ps(), abs16(x)));
    const __m512 d = _mm512_add_ps(_mm512_set1_ps(1.0f), e);
    const __mmask16 nonneg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GE_OQ);
    const __m512 num = _mm512_mask_blend_ps(nonneg, e, _mm512_set1_ps(1.0f));
    return _mm512_div_ps(num, d);
}

static inline __attribute__((always_inline)) __m512 tanh16(__m512 x) {
    const __m512 ax = abs16(x);
    const __m512 z = _mm512_mul_ps(x, x);
    __m512 p = _mm512_set1_ps(VM_TANH_P0);
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(VM_TANH_P1));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(VM_TANH_P2));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(VM_TANH_P3));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(VM_TANH_P4));
    const __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(p, z), ax, ax);  // on |x| so tanh(-0) = -0
    const __m512 e = exp16(_mm512_add_ps(ax, ax));
    const __m512 big = _mm512_sub_ps(_mm512_set1_ps(1.0f),
                                     _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, _mm512_set1_ps(1.0f))));
    const __m512 sign = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u)));
    const __mmask16 is_small = _mm512_cmp_ps_mask(ax, _mm512_set1_ps(VM_TANH_SMALL), _CMP_LT_OQ);
    const __m512 y = _mm512_mask_blend_ps(is_small, big, small);
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(y), _mm512_castps_si512(sign)));
}

#define ELEMENTWISE(NAME, FN)                                                          \
    void NAME(const float *x, float *y, size_t count) {                                \
        size_t i = 0;                                                                  \
        for (; i + 16 <= count; i += 16) _mm512_storeu_ps(y + i, FN(_mm512_loadu_ps(x + i))); \
        if (i < count) {                                                               \
            const __mmask16 m = (__mmask16)((1u << (count - i)) - 1u);                 \
            _mm512_mask_storeu_ps(y + i, m, FN(_mm512_maskz_loadu_ps(m, x + i)));      \
        }                                                                              \
    }

ELEMENTWISE(minnow_vexp__avx512f, exp16)
ELEMENTWISE(minnow_vsigmoid__avx512f, sigmoid16)
ELEMENTWISE(minnow_vtanh__avx512f, tanh16)

#pragma clang attribute pop
#endif

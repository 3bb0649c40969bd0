#if defined(__x86_64__) || defined(__i386__)
#include "qgemm_internal.h"

#include <immintrin.h>

#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define INLINE static inline __attribute__((always_inline))

/// Output stage for 16 accumulators of one panel (all rows share the channel constants).
typedef struct {
    __m512i mult_even, mult_odd, shift_even, shift_odd, round_even, round_odd;
} vnni_channel_consts;

INLINE VNNI_TARGET vnni_channel_consts vnni_load_consts(const minnow_qgemm_output *o, size_t n0, __mmask16 mask) {
    vnni_channel_consts k;
    const __m512i low32 = _mm512_set1_epi64(0xFFFFFFFF);
    const __m512i one = _mm512_set1_epi64(1);
    const __m512i mult = _mm512_maskz_loadu_epi32(mask, o->multipliers + n0);
    // Right shift 31 − shift (1…62); lanes past nc get 1 so the shifts stay defined.
    const __m512i rshift = _mm512_sub_epi32(_mm512_set1_epi32(31),
                                            _mm512_mask_loadu_epi32(_mm512_set1_epi32(30), mask, o->shifts + n0));
    k.mult_even = mult;
    k.mult_odd = _mm512_srli_epi64(mult, 32);
    k.shift_even = _mm512_and_si512(rshift, low32);
    k.shift_odd = _mm512_srli_epi64(rshift, 32);
    k.round_even = _mm512_sllv_epi64(one, _mm512_sub_epi64(k.shift_even, one));
    k.round_odd = _mm512_sllv_epi64(one, _mm512_sub_epi64(k.shift_odd, one));
    return k;
}

/// Whether every shift of the panel is ≤ 0 and no multiplier is −2^31: then |x·M| < 2^62
/// shifted right by ≥ 31 always fits in int32 and the saturation can be skipped.
INLINE VNNI_TARGET int vnni_no_left_shift(const minnow_qgemm_output *o, size_t n0, __mmask16 mask) {
    const __m512i shifts = _mm512_maskz_loadu_epi32(mask, o->shifts + n0);
    const __m512i mults = _mm512_maskz_loadu_epi32(mask, o->multipliers + n0);
    return (_mm512_cmpgt_epi32_mask(shifts, _mm512_setzero_si512()) |
            _mm512_cmpeq_epi32_mask(mults, _mm512_set1_epi32(INT32_MIN))) == 0;
}

/// Requantization for panels without left shifts (see `vnni_no_left_shift`): same result as
/// `vnni_requantize`, one permute instead of two saturating narrows.
INLINE VNNI_TARGET __m512i vnni_requantize_noshift(__m512i x, const vnni_channel_consts *k, __m512i zp, __m512i lo, __m512i hi) {
    __m512i even = _mm512_add_epi64(_mm512_mul_epi32(x, k->mult_even), k->round_even);
    __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), k->mult_odd), k->round_odd);
    even = _mm512_srav_epi64(even, k->shift_even);
    odd = _mm512_srav_epi64(odd, k->shift_odd);
    const __m512i pick = _mm512_setr_epi32(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
    __m512i r = _mm512_permutex2var_epi32(even, pick, odd);
    r = _mm512_add_epi32(r, zp);
    return _mm512_min_epi32(_mm512_max_epi32(r, lo), hi);
}

/// bias + single-rounding requantization + int32 saturation + zero point + clamp, 16 lanes.
INLINE VNNI_TARGET __m512i vnni_requantize(__m512i acc, const vnni_channel_consts *k, __m512i zp, __m512i lo, __m512i hi) {
    const __m512i x = acc;  // bias already added
    __m512i even = _mm512_add_epi64(_mm512_mul_epi32(x, k->mult_even), k->round_even);
    __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), k->mult_odd), k->round_odd);
    even = _mm512_srav_epi64(even, k->shift_even);
    odd = _mm512_srav_epi64(odd, k->shift_odd);
    // Saturating int64 → int32 narrowing (vpmovsqd), then interleave even/odd channels back.
    const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtsepi64_epi32(even)),
                                            _mm512_cvtsepi64_epi32(odd), 1);
    const __m512i interleave = _mm512_setr_epi32(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
    __m512i r = _mm512_permutexvar_epi32(interleave, both);
    r = _mm512_add_epi32(r, zp);
    return _mm512_min_epi32(_mm512_max_epi32(r, lo), hi);
}

/// One group of a panel: a plain 64-byte load, or a masked one for the partial last panel.
INLINE VNNI_TARGET __m512i vnni_load_w(int partial, __mmask16 mask, const int8_t *p) {
    return partial ? _mm512_maskz_loadu_epi32(mask, p) : _mm512_loadu_si512((const void *)p);
}

/// MR rows × NP panels (16 channels each); the last panel may be partial (masked loads/stores).
/// With few accumulators (MR·NP < 8) two interleaved K chains hide the `vpdpbusd` latency.
INLINE VNNI_TARGET void vnni_tile(const size_t MR, const size_t NP, const int PARTIAL, size_t nc, size_t kgroups,
                                  const uint8_t *a, size_t a_stride, const int8_t *w, size_t panel_stride,
                                  const minnow_qgemm_output *o, size_t n0, int8_t *c, size_t ldc) {
    const int8_t *wp[4];
    size_t ws[4];
    __mmask16 mask[4];
    for (size_t q = 0; q < NP; q++) {
        size_t lanes = nc - 16 * q;
        if (lanes > 16) lanes = 16;
        wp[q] = w + q * panel_stride;
        ws[q] = (PARTIAL && q == NP - 1) ? lanes * 4 : 64;  // constant stride for full panels
        mask[q] = (__mmask16)((1u << lanes) - 1);
    }
    const uint8_t *ar[6];
    for (size_t r = 0; r < MR; r++) ar[r] = a + r * a_stride;

    // Accumulators start at the folded bias (int32 addition wraps, so the order is irrelevant).
    __m512i acc[6][4], acc2[6][4];
    for (size_t q = 0; q < NP; q++) {
        const __m512i bias = _mm512_maskz_loadu_epi32(mask[q], o->bias + n0 + 16 * q);
        for (size_t r = 0; r < MR; r++) { acc[r][q] = bias; acc2[r][q] = _mm512_setzero_si512(); }
    }

    size_t g = 0;
    if (MR * NP < 8) {
        for (; g + 2 <= kgroups; g += 2) {
            __m512i wv[4], wv2[4];
            for (size_t q = 0; q < NP; q++) {
                wv[q] = vnni_load_w(PARTIAL && q == NP - 1, mask[q], wp[q] + g * ws[q]);
                wv2[q] = vnni_load_w(PARTIAL && q == NP - 1, mask[q], wp[q] + (g + 1) * ws[q]);
            }
            for (size_t r = 0; r < MR; r++) {
                const __m512i av = _mm512_set1_epi32(minnow_load_i32(ar[r] + 4 * g));
                const __m512i av2 = _mm512_set1_epi32(minnow_load_i32(ar[r] + 4 * g + 4));
                for (size_t q = 0; q < NP; q++) {
                    acc[r][q] = _mm512_dpbusd_epi32(acc[r][q], av, wv[q]);
                    acc2[r][q] = _mm512_dpbusd_epi32(acc2[r][q], av2, wv2[q]);
                }
            }
        }
    }
    for (; g < kgroups; g++) {
        __m512i wv[4];
        for (size_t q = 0; q < NP; q++) wv[q] = vnni_load_w(PARTIAL && q == NP - 1, mask[q], wp[q] + g * ws[q]);
        for (size_t r = 0; r < MR; r++) {
            const __m512i av = _mm512_set1_epi32(minnow_load_i32(ar[r] + 4 * g));
            for (size_t q = 0; q < NP; q++) acc[r][q] = _mm512_dpbusd_epi32(acc[r][q], av, wv[q]);
        }
    }

    const __m512i zp = _mm512_set1_epi32(o->output_zero_point);
    const __m512i lo = _mm512_set1_epi32(o->lower_bound), hi = _mm512_set1_epi32(o->upper_bound);
    for (size_t q = 0; q < NP; q++) {
        const vnni_channel_consts k = vnni_load_consts(o, n0 + 16 * q, mask[q]);
        if (vnni_no_left_shift(o, n0 + 16 * q, mask[q])) {
            for (size_t r = 0; r < MR; r++) {
                __m512i sum = acc[r][q];
                if (MR * NP < 8) sum = _mm512_add_epi32(sum, acc2[r][q]);
                const __m512i v = vnni_requantize_noshift(sum, &k, zp, lo, hi);
                _mm512_mask_cvtepi32_storeu_epi8(c + r * ldc + 16 * q, mask[q], v);
            }
        } else {
            for (size_t r = 0; r < MR; r++) {
                __m512i sum = acc[r][q];
                if (MR * NP < 8) sum = _mm512_add_epi32(sum, acc2[r][q]);
                const __m512i v = vnni_requantize(sum, &k, zp, lo, hi);
                _mm512_mask_cvtepi32_storeu_epi8(c + r * ldc + 16 * q, mask[q], v);
            }
        }
    }
}

#define VNNI_NP(MR, NP)                                                                              \
    if (partial) vnni_tile(MR, NP, 1, nc, kgroups, a, a_stride, w, panel_stride, o, n0, c, ldc);      \
    else vnni_tile(MR, NP, 0, nc, kgroups, a, a_stride, w, panel_stride, o, n0, c, ldc);             \
    return;

#define VNNI_CASE(MR)                                                                                \
    case MR:                                                                                         \
        switch (np) {                                                                                \
        case 1: VNNI_NP(MR, 1)                                                                       \
        case 2: VNNI_NP(MR, 2)                                                                       \
        case 3: VNNI_NP(MR, 3)                                                                       \
        default: VNNI_NP(MR, 4)                                                                      \
        }

/// Up to 6 rows × 64 channels: 24 zmm accumulators, 4 weight loads + 6 broadcasts per 24
/// `vpdpbusd` (u8 activations × s8 weights → s32, 64 MACs each).
VNNI_TARGET void minnow_qgemm_ukernel_6x64c4__avx512vnni(size_t mr, size_t nc, size_t kgroups,
                                                         const uint8_t *a, size_t a_stride,
                                                         const int8_t *w, size_t panel_stride,
                                                         const minnow_qgemm_output *o, size_t n0,
                                                         int8_t *c, size_t ldc) {
    const size_t np = (nc + 15) / 16;
    const int partial = (nc % 16) != 0;
    switch (mr) {
    VNNI_CASE(1)
    VNNI_CASE(2)
    VNNI_CASE(3)
    VNNI_CASE(4)
    VNNI_CASE(5)
    default:
    VNNI_CASE(6)
    }
}
#endif

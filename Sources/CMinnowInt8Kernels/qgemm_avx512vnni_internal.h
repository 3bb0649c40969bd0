#ifndef MINNOW_QGEMM_AVX512VNNI_INTERNAL_H
#define MINNOW_QGEMM_AVX512VNNI_INTERNAL_H
/* Shared pieces of the AVX-512 VNNI int8 kernels (the 6x64c4 GEMM and the indirect convolution
 * built on the same tiles): output-stage constants, requantization, narrowing stores, panel
 * setup. Include only from x86 sources. */
#include "qgemm_internal.h"

#include <immintrin.h>

#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define INLINE static inline __attribute__((always_inline))

/// Bytes [0, n) of a 64-byte vector as a mask (n ≤ 64).
INLINE __mmask64 vnni_first_bytes(size_t n) { return n >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1); }

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

/// Output-stage constants of one panel for the common case 32 ≤ t = 31 − shift ≤ 53 (see
/// `vnni_fast_consts_load`): the output zero point is folded into the rounding constants, since
/// floor((y + zp·2^t) / 2^t) = floor(y / 2^t) + zp, and odd channels shift by t − 32 so their
/// result lands in the high half of each 64-bit lane, where one blend picks it up.
typedef struct {
    __m512i mult_even, mult_odd, shift_even, shift_odd, add_even, add_odd;
} vnni_fast_consts;

/// Loads the fast constants of a panel; returns 0 when a lane is outside the fast case (then
/// the tile takes the general path). Lanes past nc get shift −1 and multiplier 2^30.
///
/// Why 32 ≤ t ≤ 53 is exact: |x·M| < 2^62 (M > −2^31), |zp·2^t| ≤ 2^60 and 2^(t−1) ≤ 2^52, so
/// y = x·M + 2^(t−1) + zp·2^t never overflows int64; floor(y / 2^t) then equals the reference's
/// ((x·M + 2^(t−1)) >> t) + zp, which needs no int32 saturation (|x·M| / 2^t < 2^30).
INLINE VNNI_TARGET int vnni_fast_consts_load(const minnow_qgemm_output *o, size_t n0, __mmask16 mask, vnni_fast_consts *k) {
    const __m512i shifts = _mm512_mask_loadu_epi32(_mm512_set1_epi32(-1), mask, o->shifts + n0);
    const __m512i mult = _mm512_mask_loadu_epi32(_mm512_set1_epi32(1 << 30), mask, o->multipliers + n0);
    const __mmask16 outside = _mm512_cmpgt_epi32_mask(shifts, _mm512_set1_epi32(-1)) |
                              _mm512_cmplt_epi32_mask(shifts, _mm512_set1_epi32(-22)) |
                              _mm512_cmpeq_epi32_mask(mult, _mm512_set1_epi32(INT32_MIN));
    const __m512i t = _mm512_sub_epi32(_mm512_set1_epi32(31), shifts);
    const __m512i low32 = _mm512_set1_epi64(0xFFFFFFFF), one = _mm512_set1_epi64(1);
    const __m512i zp = _mm512_set1_epi64((int64_t)o->output_zero_point);
    const __m512i t_even = _mm512_and_si512(t, low32), t_odd = _mm512_srli_epi64(t, 32);
    k->mult_even = mult;
    k->mult_odd = _mm512_srli_epi64(mult, 32);
    k->shift_even = t_even;
    k->shift_odd = _mm512_sub_epi64(t_odd, _mm512_set1_epi64(32));
    k->add_even = _mm512_add_epi64(_mm512_sllv_epi64(one, _mm512_sub_epi64(t_even, one)), _mm512_sllv_epi64(zp, t_even));
    k->add_odd = _mm512_add_epi64(_mm512_sllv_epi64(one, _mm512_sub_epi64(t_odd, one)), _mm512_sllv_epi64(zp, t_odd));
    return outside == 0;
}

/// Fast-case requantization of 16 lanes, zero point included; int32 results (before the clamp).
INLINE VNNI_TARGET __m512i vnni_requantize_fast(__m512i x, const vnni_fast_consts *k) {
    __m512i even = _mm512_add_epi64(_mm512_mul_epi32(x, k->mult_even), k->add_even);
    __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), k->mult_odd), k->add_odd);
    even = _mm512_srav_epi64(even, k->shift_even);
    odd = _mm512_srav_epi64(odd, k->shift_odd);
    return _mm512_mask_blend_epi32(0xAAAA, even, odd);
}

/// Four vectors of int32 results narrowed to int8 with saturating packs (int32 → int16 → int8;
/// the clamp bounds lie within int8, so saturating first changes nothing) and clamped:
/// 128-bit lane i of the result holds v[i]'s 16 values in order.
INLINE VNNI_TARGET __m512i vnni_pack_clamp(const __m512i v[4], __m512i lo8, __m512i hi8) {
    __m512i b = _mm512_packs_epi16(_mm512_packs_epi32(v[0], v[1]), _mm512_packs_epi32(v[2], v[3]));
    // The packs work per 128-bit lane: byte 16·l + 4·i + j holds v[i][4·l + j].
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    b = _mm512_permutexvar_epi32(order, b);
    return _mm512_min_epi8(_mm512_max_epi8(b, lo8), hi8);
}

/// Fast-case output of one row: up to four panels of int32 sums through `vnni_requantize_fast`
/// (missing panels zero), packed and clamped by `vnni_pack_clamp`, and stored with one 64-byte
/// store (masked to `store_mask` unless `full`).
INLINE VNNI_TARGET void vnni_store_row_fast(const __m512i sums[4], const vnni_fast_consts f[4], size_t np,
                                            __m512i lo8, __m512i hi8, int full, __mmask64 store_mask, int8_t *dst) {
    __m512i v[4];
    for (size_t q = 0; q < 4; q++) v[q] = q < np ? vnni_requantize_fast(sums[q], &f[q]) : _mm512_setzero_si512();
    const __m512i b = vnni_pack_clamp(v, lo8, hi8);
    if (full) _mm512_storeu_si512((void *)dst, b);
    else _mm512_mask_storeu_epi8(dst, store_mask, b);
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

/// Most rows a tile has for NP panels: 24 accumulators (and 8 registers for weights, broadcasts
/// and temporaries) as 24×16, 12×32, 8×48 or 6×64. Narrow blocks (convolutions with 16 or 32
/// output channels) thus set up their output stage once per 24 or 12 rows instead of per 6.
#define VNNI_TALL_ROWS(NP) ((NP) == 1 ? 24 : (NP) == 2 ? 12 : (NP) == 3 ? 8 : 6)

/// Where a tile's NP panels start (`wp`), how far apart their K groups are (`ws`: 64 bytes, or
/// 4·lanes for the partial last panel) and which lanes they have (`mask`).
INLINE void vnni_panels(const size_t NP, const int PARTIAL, size_t nc, const int8_t *w, size_t panel_stride,
                        const int8_t *wp[4], size_t ws[4], __mmask16 mask[4]) {
    for (size_t q = 0; q < NP; q++) {
        size_t lanes = nc - 16 * q;
        if (lanes > 16) lanes = 16;
        wp[q] = w + q * panel_stride;
        ws[q] = (PARTIAL && q == NP - 1) ? lanes * 4 : 64;  // constant stride for full panels
        mask[q] = (__mmask16)((1u << lanes) - 1);
    }
}

/// Output stage of an MR × NP tile (`acc`, plus `acc2` when MR·NP < 8): requantized, clamped and
/// stored at `c` (row stride `ldc`); `mask` holds each panel's lanes.
INLINE VNNI_TARGET void vnni_tile_store(const size_t MR, const size_t NP, const int PARTIAL, __m512i acc[24][4],
                                        __m512i acc2[24][4], size_t nc, const __mmask16 mask[4],
                                        const minnow_qgemm_output *o, size_t n0, int8_t *c, size_t ldc) {
    // Fast case (every lane of the tile with 32 ≤ t ≤ 53, as quantized models have).
    vnni_fast_consts f[4];
    int fast = 1;
    for (size_t q = 0; q < NP; q++) fast &= vnni_fast_consts_load(o, n0 + 16 * q, mask[q], &f[q]);
    if (fast && NP <= 2) {
        // One or two panels: four rows of a panel share the packs and one permute; each row's
        // 16 bytes then leave with a 128-bit store (AMD cores narrow-and-store with vpmovdb
        // slowly, so no store here narrows).
        const __m512i lo8 = _mm512_set1_epi8((char)o->lower_bound), hi8 = _mm512_set1_epi8((char)o->upper_bound);
        MINNOW_UNROLL for (size_t q = 0; q < NP; q++) {
            MINNOW_UNROLL for (size_t r0 = 0; r0 < MR; r0 += 4) {
                __m512i v[4];
                MINNOW_UNROLL for (size_t i = 0; i < 4; i++) {
                    if (r0 + i >= MR) { v[i] = _mm512_setzero_si512(); continue; }
                    __m512i sum = acc[r0 + i][q];
                    if (MR * NP < 8) sum = _mm512_add_epi32(sum, acc2[r0 + i][q]);
                    v[i] = vnni_requantize_fast(sum, &f[q]);
                }
                const __m512i b = vnni_pack_clamp(v, lo8, hi8);  // 128-bit lane i = row r0 + i
                MINNOW_UNROLL for (size_t i = 0; i < 4; i++) {
                    if (r0 + i >= MR) break;
                    const __m128i row = i == 0 ? _mm512_castsi512_si128(b)
                                      : i == 1 ? _mm512_extracti32x4_epi32(b, 1)
                                      : i == 2 ? _mm512_extracti32x4_epi32(b, 2) : _mm512_extracti32x4_epi32(b, 3);
                    int8_t *dst = c + (r0 + i) * ldc + 16 * q;
                    if (PARTIAL && q == NP - 1) _mm_mask_storeu_epi8(dst, mask[q], row);
                    else _mm_storeu_si128((__m128i *)dst, row);
                }
            }
        }
        return;
    }
    if (fast) {
        const __m512i lo8 = _mm512_set1_epi8((char)o->lower_bound), hi8 = _mm512_set1_epi8((char)o->upper_bound);
        const __mmask64 store_mask = vnni_first_bytes(nc);
        MINNOW_UNROLL for (size_t r = 0; r < MR; r++) {
            __m512i sums[4];
            MINNOW_UNROLL for (size_t q = 0; q < NP; q++) {
                sums[q] = acc[r][q];
                if (MR * NP < 8) sums[q] = _mm512_add_epi32(sums[q], acc2[r][q]);
            }
            vnni_store_row_fast(sums, f, NP, lo8, hi8, NP == 4 && !PARTIAL, store_mask, c + r * ldc);
        }
        return;
    }

    // General case (left shifts, very small scales): per panel, with int32 saturation.
    const __m512i zp = _mm512_set1_epi32(o->output_zero_point);
    const __m512i lo = _mm512_set1_epi32(o->lower_bound), hi = _mm512_set1_epi32(o->upper_bound);
    MINNOW_UNROLL for (size_t q = 0; q < NP; q++) {
        const vnni_channel_consts k = vnni_load_consts(o, n0 + 16 * q, mask[q]);
        MINNOW_UNROLL for (size_t r = 0; r < MR; r++) {
            __m512i sum = acc[r][q];
            if (MR * NP < 8) sum = _mm512_add_epi32(sum, acc2[r][q]);
            const __m512i v = vnni_requantize(sum, &k, zp, lo, hi);
            _mm512_mask_cvtepi32_storeu_epi8(c + r * ldc + 16 * q, mask[q], v);
        }
    }
}

#endif

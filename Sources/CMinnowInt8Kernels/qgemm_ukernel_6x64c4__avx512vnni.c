#if defined(__x86_64__) || defined(__i386__)
#include "qgemm_internal.h"
#include "minnow_spatial_int8.h"

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
        for (size_t q = 0; q < NP; q++) {
            for (size_t r0 = 0; r0 < MR; r0 += 4) {
                __m512i v[4];
                for (size_t i = 0; i < 4; i++) {
                    if (r0 + i >= MR) { v[i] = _mm512_setzero_si512(); continue; }
                    __m512i sum = acc[r0 + i][q];
                    if (MR * NP < 8) sum = _mm512_add_epi32(sum, acc2[r0 + i][q]);
                    v[i] = vnni_requantize_fast(sum, &f[q]);
                }
                const __m512i b = vnni_pack_clamp(v, lo8, hi8);  // 128-bit lane i = row r0 + i
                for (size_t i = 0; i < 4 && r0 + i < MR; i++) {
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
        const __mmask64 store_mask = nc >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << nc) - 1);
        for (size_t r = 0; r < MR; r++) {
            __m512i sums[4];
            for (size_t q = 0; q < NP; q++) {
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
    for (size_t q = 0; q < NP; q++) {
        const vnni_channel_consts k = vnni_load_consts(o, n0 + 16 * q, mask[q]);
        for (size_t r = 0; r < MR; r++) {
            __m512i sum = acc[r][q];
            if (MR * NP < 8) sum = _mm512_add_epi32(sum, acc2[r][q]);
            const __m512i v = vnni_requantize(sum, &k, zp, lo, hi);
            _mm512_mask_cvtepi32_storeu_epi8(c + r * ldc + 16 * q, mask[q], v);
        }
    }
}

/// MR rows × NP panels (16 channels each); the last panel may be partial (masked loads/stores).
/// With few accumulators (MR·NP < 8) two interleaved K chains hide the `vpdpbusd` latency.
INLINE VNNI_TARGET void vnni_tile(const size_t MR, const size_t NP, const int PARTIAL, size_t nc, size_t kgroups,
                                  const uint8_t *a, size_t a_stride, const int8_t *w, size_t panel_stride,
                                  const minnow_qgemm_output *o, size_t n0, int8_t *c, size_t ldc) {
    const int8_t *wp[4];
    size_t ws[4];
    __mmask16 mask[4];
    vnni_panels(NP, PARTIAL, nc, w, panel_stride, wp, ws, mask);
    const uint8_t *ar[24];
    for (size_t r = 0; r < MR; r++) ar[r] = a + r * a_stride;

    // Accumulators start at the folded bias (int32 addition wraps, so the order is irrelevant).
    __m512i acc[24][4], acc2[24][4];
    for (size_t q = 0; q < NP; q++) {
        const __m512i bias = _mm512_maskz_loadu_epi32(mask[q], o->bias + n0 + 16 * q);
        for (size_t r = 0; r < MR; r++) {
            acc[r][q] = bias;
            if (MR * NP < 8) acc2[r][q] = _mm512_setzero_si512();
        }
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

    vnni_tile_store(MR, NP, PARTIAL, acc, acc2, nc, mask, o, n0, c, ldc);
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
/// Full 6×64 tiles of rows [0, rows) (rows a multiple of 6, kgroups ≥ 6, fast case), with the
/// output stage software-pipelined: a tile's sums wait in `pending` while the first six K
/// groups of the next tile run, each of those iterations requantizing and storing one pending
/// row. The output stage's shifts, blends and packs then share cycles with the `vpdpbusd`s
/// instead of running between tiles. Returns 0 (nothing written) outside the fast case.
static VNNI_TARGET int vnni_pipelined_rows(size_t rows, size_t kgroups, const uint8_t *a, size_t a_stride,
                                           const int8_t *w, size_t panel_stride,
                                           const minnow_qgemm_output *o, size_t n0, int8_t *c, size_t ldc) {
    vnni_fast_consts f[4];
    int fast = 1;
    for (size_t q = 0; q < 4; q++) fast &= vnni_fast_consts_load(o, n0 + 16 * q, 0xFFFF, &f[q]);
    if (!fast) return 0;
    const __m512i lo8 = _mm512_set1_epi8((char)o->lower_bound), hi8 = _mm512_set1_epi8((char)o->upper_bound);
    __m512i bias[4];
    for (size_t q = 0; q < 4; q++) bias[q] = _mm512_loadu_si512((const void *)(o->bias + n0 + 16 * q));
    __m512i pending[6][4];
    int8_t *pending_c = NULL;
    for (size_t m0 = 0; m0 < rows; m0 += 6) {
        const uint8_t *ar = a + m0 * a_stride;
        __m512i acc[6][4];
        for (size_t r = 0; r < 6; r++)
            for (size_t q = 0; q < 4; q++) acc[r][q] = bias[q];
        size_t g = 0;
        if (pending_c != NULL) {
            for (; g < 6; g++) {
                __m512i wv[4];
                for (size_t q = 0; q < 4; q++) wv[q] = _mm512_loadu_si512((const void *)(w + q * panel_stride + g * 64));
                for (size_t r = 0; r < 6; r++) {
                    const __m512i av = _mm512_set1_epi32(minnow_load_i32(ar + r * a_stride + 4 * g));
                    for (size_t q = 0; q < 4; q++) acc[r][q] = _mm512_dpbusd_epi32(acc[r][q], av, wv[q]);
                }
                vnni_store_row_fast(pending[g], f, 4, lo8, hi8, 1, 0, pending_c + g * ldc);
            }
        }
        for (; g < kgroups; g++) {
            __m512i wv[4];
            for (size_t q = 0; q < 4; q++) wv[q] = _mm512_loadu_si512((const void *)(w + q * panel_stride + g * 64));
            for (size_t r = 0; r < 6; r++) {
                const __m512i av = _mm512_set1_epi32(minnow_load_i32(ar + r * a_stride + 4 * g));
                for (size_t q = 0; q < 4; q++) acc[r][q] = _mm512_dpbusd_epi32(acc[r][q], av, wv[q]);
            }
        }
        for (size_t r = 0; r < 6; r++)
            for (size_t q = 0; q < 4; q++) pending[r][q] = acc[r][q];
        pending_c = c + m0 * ldc;
    }
    for (size_t r = 0; r < 6; r++) vnni_store_row_fast(pending[r], f, 4, lo8, hi8, 1, 0, pending_c + r * ldc);
    return 1;
}

/// All `m` rows of one column block (see `minnow_qgemm_block`): full-width blocks of two or more
/// tiles take the pipelined path, narrow blocks tall tiles; the rest goes tile by tile.
VNNI_TARGET void minnow_qgemm_block_6x64c4__avx512vnni(size_t m, size_t nc, size_t kgroups,
                                                       const uint8_t *a, size_t a_stride,
                                                       const int8_t *w, size_t panel_stride,
                                                       const minnow_qgemm_output *o, size_t n0,
                                                       int8_t *c, size_t ldc) {
    size_t done = 0;
    const size_t np = (nc + 15) / 16;
    const int partial = (nc % 16) != 0;
    if (nc == 64 && kgroups >= 6 && m >= 12 &&
        vnni_pipelined_rows(m / 6 * 6, kgroups, a, a_stride, w, panel_stride, o, n0, c, ldc)) {
        done = m / 6 * 6;
    } else if (np < 4) {
        // Narrow blocks: tall tiles first (see VNNI_TALL_ROWS), the rest in tiles of up to 6.
        const size_t tall = VNNI_TALL_ROWS(np);
        for (; done + tall <= m; done += tall) {
            const uint8_t *at = a + done * a_stride;
            int8_t *ct = c + done * ldc;
#define VNNI_TALL(NP)                                                                                 \
    if (partial) vnni_tile(VNNI_TALL_ROWS(NP), NP, 1, nc, kgroups, at, a_stride, w, panel_stride, o, n0, ct, ldc); \
    else vnni_tile(VNNI_TALL_ROWS(NP), NP, 0, nc, kgroups, at, a_stride, w, panel_stride, o, n0, ct, ldc);
            switch (np) {
            case 1: VNNI_TALL(1) break;
            case 2: VNNI_TALL(2) break;
            default: VNNI_TALL(3) break;
            }
#undef VNNI_TALL
        }
    }
    for (size_t m1 = done; m1 < m; m1 += 6) {
        const size_t mr = m - m1 < 6 ? m - m1 : 6;
        minnow_qgemm_ukernel_6x64c4__avx512vnni(mr, nc, kgroups, a + m1 * a_stride, a_stride, w, panel_stride,
                                                o, n0, c + m1 * ldc, ldc);
    }
}
/// Packs `rows` rows of A for the x86 kernels (u8 = q ^ 0x80, K zero-padded to kp = 4·groups),
/// as `qgemm_pack_rows` does, 64 bytes at a time; masked loads never read past a row.
VNNI_TARGET void minnow_qgemm_pack_rows__avx512(const int8_t *a, size_t lda, size_t rows, size_t k, size_t kp,
                                                uint8_t *dst) {
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    for (size_t r = 0; r < rows; r++) {
        const int8_t *src = a + r * lda;
        uint8_t *out = dst + r * kp;
        size_t i = 0;
        for (; i + 64 <= k; i += 64)
            _mm512_storeu_si512((void *)(out + i), _mm512_xor_si512(_mm512_loadu_si512((const void *)(src + i)), flip));
        if (i < kp) {  // fewer than 64 values left, then the zero padding (kp − i ≤ 64)
            const __mmask64 values = (__mmask64)(((uint64_t)1 << (k - i)) - 1);
            const __mmask64 bytes = kp - i >= 64 ? ~(__mmask64)0 : (__mmask64)(((uint64_t)1 << (kp - i)) - 1);
            const __m512i v = _mm512_maskz_loadu_epi8(values, src + i);
            _mm512_mask_storeu_epi8(out + i, bytes, _mm512_maskz_mov_epi8(values, _mm512_xor_si512(v, flip)));
        }
    }
}
/// Largest padded input (bytes) the indirect convolution builds on the stack.
#define VNNI_INDIRECT_MAX_BYTES (16 * 1024)

/// MR output pixels (`p0`…) × NP panels of a convolution over a padded, flipped copy of its
/// input: the A row of pixel p is never built; K group k of it lies at `rows[p] + koff[k]`
/// (the kernel tap's pixel, 4 channels in), so each broadcast reads the input in place.
INLINE VNNI_TARGET void vnni_indirect_tile(const size_t MR, const size_t NP, const int PARTIAL, size_t nc,
                                           size_t kgroups, const uint8_t *const *rows, const ptrdiff_t *koff,
                                           const int8_t *w, size_t panel_stride,
                                           const minnow_qgemm_output *o, size_t n0, int8_t *c, size_t ldc) {
    const int8_t *wp[4];
    size_t ws[4];
    __mmask16 mask[4];
    vnni_panels(NP, PARTIAL, nc, w, panel_stride, wp, ws, mask);
    __m512i acc[24][4], acc2[24][4];
    for (size_t q = 0; q < NP; q++) {
        const __m512i bias = _mm512_maskz_loadu_epi32(mask[q], o->bias + n0 + 16 * q);
        for (size_t r = 0; r < MR; r++) acc[r][q] = bias;
    }
    for (size_t k = 0; k < kgroups; k++) {
        __m512i wv[4];
        for (size_t q = 0; q < NP; q++) wv[q] = vnni_load_w(PARTIAL && q == NP - 1, mask[q], wp[q] + k * ws[q]);
        const ptrdiff_t off = koff[k];
        for (size_t r = 0; r < MR; r++) {
            const __m512i av = _mm512_set1_epi32(minnow_load_i32(rows[r] + off));
            for (size_t q = 0; q < NP; q++) acc[r][q] = _mm512_dpbusd_epi32(acc[r][q], av, wv[q]);
            // Keeps each row's broadcast next to its products: hoisting all broadcasts first
            // needs more registers than the accumulators leave, and spills them in this loop.
            __asm__ volatile("" ::: "memory");
        }
    }
    vnni_tile_store(MR, NP, PARTIAL, acc, acc2, nc, mask, o, n0, c, ldc);
}

VNNI_TARGET int minnow_conv2d_indirect_6x64c4__avx512vnni(const int8_t *x, const minnow_window *g, int8_t pad,
                                                          const int8_t *packed_weights, size_t n,
                                                          const minnow_qgemm_output *o, int8_t *y) {
    const ptrdiff_t c = g->channels, kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t oh = g->output_height, ow = g->output_width;
    const ptrdiff_t ph = (oh - 1) * g->stride_height + kh, pw = (ow - 1) * g->stride_width + kw;
    const size_t m = (size_t)(oh * ow);
    const size_t kgroups = (size_t)(kh * kw * c / 4);
    // Whole tiles only (the tallest has 24 rows), whole 4-channel groups per tap, bounded stack.
    if (c % 4 != 0 || c == 0 || n == 0 || m < 24 || ph * pw * c > VNNI_INDIRECT_MAX_BYTES || kgroups > 1024) return 0;
    uint8_t padded[VNNI_INDIRECT_MAX_BYTES];
    ptrdiff_t koff[1024];
    // Padded input, flipped to u8: row py holds input row py − pad_top, columns shifted by pad_left.
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    const __m512i padding = _mm512_set1_epi8((char)((uint8_t)pad ^ 0x80));
    for (ptrdiff_t py = 0; py < ph; py++) {
        uint8_t *dst = padded + py * pw * c;
        const ptrdiff_t iy = py - g->pad_top;
        for (ptrdiff_t i = 0; i < pw * c; i += 64) {
            const ptrdiff_t left = pw * c - i;
            _mm512_mask_storeu_epi8(dst + i, left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1), padding);
        }
        if (iy < 0 || iy >= g->input_height) continue;
        ptrdiff_t px0 = g->pad_left, ix0 = 0, count = g->input_width;  // input columns inside the padded row
        if (px0 < 0) { ix0 = -px0; count -= ix0; px0 = 0; }
        if (px0 + count > pw) count = pw - px0;
        const int8_t *src = x + (iy * g->input_width + ix0) * c;
        for (ptrdiff_t i = 0; i < count * c; i += 64) {
            const ptrdiff_t left = count * c - i;
            const __mmask64 k = left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1);
            _mm512_mask_storeu_epi8(dst + px0 * c + i, k, _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, src + i), flip));
        }
    }
    // K group k = (ky, kx, channel group): its bytes sit at this offset from a pixel's window corner.
    for (size_t k = 0; k < kgroups; k++) {
        const ptrdiff_t tap = (ptrdiff_t)k / (c / 4), group = (ptrdiff_t)k % (c / 4);
        koff[k] = ((tap / kw) * pw + tap % kw) * c + 4 * group;
    }
    const size_t panel_stride = 64 * kgroups;
    for (size_t n0 = 0; n0 < n; n0 += 64) {
        const size_t nc = n - n0 < 64 ? n - n0 : 64;
        const size_t np = (nc + 15) / 16;
        const int partial = (nc % 16) != 0;
        const size_t tall = VNNI_TALL_ROWS(np);
        const int8_t *w = packed_weights + (n0 / 16) * panel_stride;
        // Whole tiles; the last one overlaps its predecessor (recomputing equal bytes).
        for (size_t p0 = 0; p0 < m; p0 += tall) {
            const size_t at = p0 + tall <= m ? p0 : m - tall;
            const uint8_t *rows[24];
            for (size_t r = 0; r < tall; r++) {
                const ptrdiff_t p = (ptrdiff_t)(at + r), oy = p / ow, ox = p - oy * ow;
                rows[r] = padded + (oy * g->stride_height * pw + ox * g->stride_width) * c;
            }
            int8_t *ct = y + at * n + n0;
#define VNNI_INDIRECT(NP)                                                                                          \
    if (partial) vnni_indirect_tile(VNNI_TALL_ROWS(NP), NP, 1, nc, kgroups, rows, koff, w, panel_stride, o, n0, ct, n); \
    else vnni_indirect_tile(VNNI_TALL_ROWS(NP), NP, 0, nc, kgroups, rows, koff, w, panel_stride, o, n0, ct, n);
            switch (np) {
            case 1: VNNI_INDIRECT(1) break;
            case 2: VNNI_INDIRECT(2) break;
            case 3: VNNI_INDIRECT(3) break;
            default: VNNI_INDIRECT(4) break;
            }
#undef VNNI_INDIRECT
        }
    }
    return 1;
}
#endif

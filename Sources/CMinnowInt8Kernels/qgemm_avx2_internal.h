#ifndef MINNOW_QGEMM_AVX2_INTERNAL_H
#define MINNOW_QGEMM_AVX2_INTERNAL_H
/* Shared pieces of the AVX2 int8 kernels (the 6x8c4 GEMM, the indirect convolution, depthwise):
 * the output stage on 8 channels, weight loads from the n16k4 panels, and the products.
 * Exactness: no `vpmaddubsw` (its int16 pair sums saturate: 255·127·2 > 32767); activations and
 * weights are widened to int16 and multiplied with `vpmaddwd`, whose int32 pair sums are exact.
 * Include only from x86 sources. */
#include "qgemm_internal.h"

#include <immintrin.h>

#define AVX2_TARGET __attribute__((target("avx2")))
#define AVX2_INLINE static inline __attribute__((always_inline)) AVX2_TARGET

/// Output-stage constants of 8 channels for the common case 32 ≤ t = 31 − shift ≤ 53 (every
/// layer the quantizer writes). The output zero point is folded into the rounding constant
/// (floor((y + zp·2^t) / 2^t) = floor(y / 2^t) + zp), and since t ≥ 32 the int64 result is the
/// high half of y = x·M + 2^(t−1) + zp·2^t shifted right by t − 32 as an int32 (nested floors of
/// powers of two): AVX2 has no 64-bit arithmetic shift, but this needs none.
///
/// Why it is exact: |x·M| < 2^62 (M > −2^31), |zp·2^t| ≤ 2^61 and 2^(t−1) ≤ 2^52, so y never
/// overflows int64; the high half then lies within ±2^30, and the reference's int32 saturation
/// never triggers (|x·M| / 2^t < 2^30).
typedef struct {
    __m256i mult_even, mult_odd;  ///< multipliers of channels 0,2,4,6 / 1,3,5,7 in the low dwords
    __m256i add_even, add_odd;    ///< 2^(t−1) + zp·2^t per channel (int64)
    __m256i shift;                ///< t − 32 per channel (int32)
    __m256i bias;                 ///< folded bias per channel
} avx2_fast_consts;

/// Loads the constants of channels n0 … n0 + count − 1 (count ≤ 8; the other lanes get harmless
/// values). Returns 0 when a channel is outside the fast case (the caller then takes the
/// general path).
AVX2_INLINE int avx2_fast_consts_load(const minnow_qgemm_output *o, size_t n0, size_t count, avx2_fast_consts *k) {
    int32_t mult[8], shift[8], bias[8];
    int64_t add[8];
    int fast = 1;
    MINNOW_UNROLL for (size_t j = 0; j < 8; j++) {
        const int in = j < count;
        const int32_t s = in ? o->shifts[n0 + j] : -1;
        const int32_t m = in ? o->multipliers[n0 + j] : (1 << 30);
        fast &= s <= -1 && s >= -22 && m != INT32_MIN;
        const int t = 31 - (s <= -1 && s >= -22 ? s : -1);
        mult[j] = m;
        shift[j] = t - 32;
        bias[j] = in ? o->bias[n0 + j] : 0;
        add[j] = ((int64_t)1 << (t - 1)) + (int64_t)((uint64_t)(int64_t)o->output_zero_point << t);
    }
    if (!fast) return 0;
    // Even channels' int64 constants in qwords 0…3, odd channels' likewise.
    k->add_even = _mm256_setr_epi64x(add[0], add[2], add[4], add[6]);
    k->add_odd = _mm256_setr_epi64x(add[1], add[3], add[5], add[7]);
    k->mult_even = _mm256_setr_epi32(mult[0], 0, mult[2], 0, mult[4], 0, mult[6], 0);
    k->mult_odd = _mm256_setr_epi32(mult[1], 0, mult[3], 0, mult[5], 0, mult[7], 0);
    k->shift = _mm256_setr_epi32(shift[0], shift[1], shift[2], shift[3], shift[4], shift[5], shift[6], shift[7]);
    k->bias = _mm256_setr_epi32(bias[0], bias[1], bias[2], bias[3], bias[4], bias[5], bias[6], bias[7]);
    return 1;
}

/// Fast-case requantization of 8 channel sums (bias not yet added): int32 results with the zero
/// point, before the clamp.
AVX2_INLINE __m256i avx2_requantize_fast(__m256i acc, const avx2_fast_consts *k) {
    const __m256i x = _mm256_add_epi32(acc, k->bias);
    const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(x, k->mult_even), k->add_even);
    const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), k->mult_odd), k->add_odd);
    // High dwords: even channels' move down to the even positions, odd channels' stay in place.
    const __m256i high = _mm256_blend_epi32(_mm256_shuffle_epi32(even, _MM_SHUFFLE(3, 3, 1, 1)), odd, 0xAA);
    return _mm256_srav_epi32(high, k->shift);
}

/// Rows r0…r3 of 8 int32 results each, narrowed with saturating packs (the clamp bounds lie
/// within int8, so saturating first changes nothing) and clamped: 8 bytes per row, rows in order
/// (row i in bytes 8i…8i+7).
AVX2_INLINE __m256i avx2_pack4_clamp(__m256i r0, __m256i r1, __m256i r2, __m256i r3, __m256i lo, __m256i hi) {
    // Packs work per 128-bit lane: lane 0 holds channels 0…3 of each row, lane 1 channels 4…7.
    const __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(r0, r1), _mm256_packs_epi32(r2, r3));
    const __m256i rows = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    return _mm256_min_epi8(_mm256_max_epi8(rows, lo), hi);
}

/// Stores `count` bytes (≤ 8) of a row.
AVX2_INLINE void avx2_store_row8(int8_t *dst, uint64_t row, size_t count) {
    if (count == 8) memcpy(dst, &row, 8);
    else memcpy(dst, &row, count);
}

/// Stores the four 8-byte rows of `v` (see `avx2_pack4_clamp`) at dst + i·ldc, `rows` of them.
AVX2_INLINE void avx2_store_rows(__m256i v, size_t rows, size_t count, int8_t *dst, size_t ldc) {
    uint64_t r[4];
    _mm256_storeu_si256((__m256i *)r, v);
    MINNOW_UNROLL for (size_t i = 0; i < 4; i++) {
        if (i >= rows) break;
        avx2_store_row8(dst + i * ldc, r[i], count);
    }
}

/// 8 channel sums (lanes in channel order) of `rows` rows through the output stage and into C:
/// the fast path when `fast`, else the scalar one (`minnow_qgemm_requantize`).
AVX2_INLINE void avx2_output_rows(const __m256i *sums, size_t rows, size_t count, int fast, const avx2_fast_consts *k,
                                  const minnow_qgemm_output *o, size_t n0, int8_t *c, size_t ldc) {
    if (fast) {
        const __m256i lo = _mm256_set1_epi8((char)o->lower_bound), hi = _mm256_set1_epi8((char)o->upper_bound);
        for (size_t r0 = 0; r0 < rows; r0 += 4) {
            __m256i v[4];
            MINNOW_UNROLL for (size_t i = 0; i < 4; i++)
                v[i] = r0 + i < rows ? avx2_requantize_fast(sums[r0 + i], k) : _mm256_setzero_si256();
            avx2_store_rows(avx2_pack4_clamp(v[0], v[1], v[2], v[3], lo, hi), rows - r0, count, c + r0 * ldc, ldc);
        }
        return;
    }
    for (size_t r = 0; r < rows; r++) {
        int32_t acc[8];
        _mm256_storeu_si256((__m256i *)acc, sums[r]);
        for (size_t j = 0; j < count; j++) c[r * ldc + j] = minnow_qgemm_requantize(acc[j], o, n0 + j);
    }
}

/// Weights of 8 channels × one K group (4 inputs) widened to int16: w0 = channels 0…3, w1 =
/// channels 4…7, each channel's 4 values adjacent. `lanes` < 8 (partial panels) reads only
/// those channels' dwords (masked load), the others 0.
AVX2_INLINE void avx2_load_w8(const int8_t *p, size_t lanes, __m256i *w0, __m256i *w1) {
    __m128i lo, hi;
    if (lanes >= 8) {
        lo = _mm_loadu_si128((const __m128i *)p);
        hi = _mm_loadu_si128((const __m128i *)(p + 16));
    } else {
        const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)lanes), idx);
        const __m256i v = _mm256_maskload_epi32((const int *)(const void *)p, mask);
        lo = _mm256_castsi256_si128(v);
        hi = _mm256_extracti128_si256(v, 1);
    }
    *w0 = _mm256_cvtepi8_epi16(lo);
    *w1 = _mm256_cvtepi8_epi16(hi);
}

/// One activation K group (4 u8 values) widened and repeated: (u0 u1 u2 u3) × 4 as int16.
AVX2_INLINE __m256i avx2_broadcast_u8x4(const uint8_t *p) {
    return _mm256_cvtepu8_epi16(_mm_set1_epi32(minnow_load_i32(p)));
}

/// One K group already widened (4 u16 values, 8 bytes) repeated 4 times: one `vpbroadcastq`.
AVX2_INLINE __m256i avx2_broadcast_u16x4(const void *p) {
    int64_t v;
    memcpy(&v, p, 8);
    return _mm256_set1_epi64x(v);
}

/// The sums of 8 channels from a pair of accumulators (lanes: channel j's two pair sums at 2j
/// and 2j + 1 of acc0 for j < 4, of acc1 for j ≥ 4), in channel order.
AVX2_INLINE __m256i avx2_join_halves(__m256i acc0, __m256i acc1) {
    // hadd → [c0 c1 c4 c5 | c2 c3 c6 c7]; 64-bit lanes 0, 2, 1, 3 → c0…c7.
    return _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc0, acc1), 0xD8);
}

/// MR rows × NH halves of a panel (8 channels each, starting at half h0) over activations as
/// u16 = q + 128 (A16; u8 = q ^ 0x80 otherwise, widened per broadcast), K group g of row r (4
/// values) at `rows[r] + koff[g]` (indirect convolution: the tap's pixel in a padded input) or,
/// with `koff` NULL, at `rows[r] + 8·g` (u8: 4·g):
/// 2·MR·NH accumulators (12 at most, of 16 ymm registers), per K group NH·2 weight widenings, MR activation broadcasts and 2·MR·NH `vpmaddwd` + `vpaddd`. `lanes` is the
/// panel's channel count (< 16 only for the matrix's last panel), `gs` its group stride.
AVX2_INLINE void avx2_tile_rows_a(const size_t MR, const size_t NH, const int PARTIAL, const int A16, size_t kgroups,
                                  const uint8_t *const *rows, const ptrdiff_t *koff, const int8_t *w, size_t gs,
                                  size_t lanes, size_t h0, __m256i sums[6][2]) {
    __m256i acc[6][2][2];
    for (size_t r = 0; r < MR; r++)
        for (size_t h = 0; h < NH; h++) acc[r][h][0] = acc[r][h][1] = _mm256_setzero_si256();
    const int8_t *wp = w + 32 * h0;
    for (size_t g = 0; g < kgroups; g++, wp += gs) {
        __m256i wv[2][2];
        for (size_t h = 0; h < NH; h++) {
            const size_t half_lanes = !PARTIAL ? 8 : lanes >= 8 * (h0 + h) ? lanes - 8 * (h0 + h) : 0;
            avx2_load_w8(wp + 32 * h, half_lanes, &wv[h][0], &wv[h][1]);
        }
        const ptrdiff_t off = koff != NULL ? koff[g] : (ptrdiff_t)((A16 ? 8 : 4) * g);
        for (size_t r = 0; r < MR; r++) {
            const __m256i av = A16 ? avx2_broadcast_u16x4(rows[r] + off) : avx2_broadcast_u8x4(rows[r] + off);
            for (size_t h = 0; h < NH; h++) {
                acc[r][h][0] = _mm256_add_epi32(acc[r][h][0], _mm256_madd_epi16(wv[h][0], av));
                acc[r][h][1] = _mm256_add_epi32(acc[r][h][1], _mm256_madd_epi16(wv[h][1], av));
            }
        }
    }
    for (size_t r = 0; r < MR; r++)
        for (size_t h = 0; h < NH; h++) sums[r][h] = avx2_join_halves(acc[r][h][0], acc[r][h][1]);
}

/// `avx2_tile_rows_a` over u16 activations (the packed GEMM rows and the indirect convolution).
AVX2_INLINE void avx2_tile_rows(const size_t MR, const size_t NH, const int PARTIAL, size_t kgroups,
                                const uint8_t *const *rows, const ptrdiff_t *koff, const int8_t *w, size_t gs,
                                size_t lanes, size_t h0, __m256i sums[6][2]) {
    avx2_tile_rows_a(MR, NH, PARTIAL, 1, kgroups, rows, koff, w, gs, lanes, h0, sums);
}

#endif

#ifndef MINNOW_NEON_INTERNAL_H
#define MINNOW_NEON_INTERNAL_H
/* Shared pieces of the AArch64 NEON int8 kernels: the exact output stage on 4 and 8 channels.
 * Include only from AArch64 sources. */
#include "qgemm_internal.h"

#include <arm_neon.h>

#define NEON_INLINE static inline __attribute__((always_inline))

/// Output-stage constants of 4 channels: multipliers, right shifts t = 31 − shift (1…62, as
/// negative left shifts) and rounding 2^(t−1), per int64 half.
typedef struct {
    int32x4_t bias, mult;
    int64x2_t shift_lo, shift_hi, round_lo, round_hi;
} neon_consts4;

/// Constants of channels n0 … n0 + count − 1 (count ≤ 4; other lanes harmless).
NEON_INLINE neon_consts4 neon_consts4_load(const minnow_qgemm_output *o, size_t n0, size_t count) {
    int32_t bias[4], mult[4];
    int64_t shift[4], round[4];
    MINNOW_UNROLL for (size_t j = 0; j < 4; j++) {
        const int in = j < count;
        const int t = 31 - (in ? o->shifts[n0 + j] : 0);
        bias[j] = in ? o->bias[n0 + j] : 0;
        mult[j] = in ? o->multipliers[n0 + j] : 0;
        shift[j] = -t;
        round[j] = (int64_t)1 << (t - 1);
    }
    neon_consts4 k;
    k.bias = vld1q_s32(bias);
    k.mult = vld1q_s32(mult);
    k.shift_lo = vld1q_s64(shift);
    k.shift_hi = vld1q_s64(shift + 2);
    k.round_lo = vld1q_s64(round);
    k.round_hi = vld1q_s64(round + 2);
    return k;
}

/// The whole output stage of 4 channel sums, exactly `minnow_qgemm_requantize`: wrapping bias
/// add, one 64-bit product and rounding shift (arithmetic: `sshl` by a negative count),
/// saturating narrowing to int32, wrapping zero-point add, clamp. Returns int32 lanes within
/// lower…upper.
NEON_INLINE int32x4_t neon_requantize4(int32x4_t acc, const neon_consts4 *k, int32x4_t zp, int32x4_t lo, int32x4_t hi) {
    const int32x4_t x = vaddq_s32(acc, k->bias);
    int64x2_t p0 = vmull_s32(vget_low_s32(x), vget_low_s32(k->mult));
    int64x2_t p1 = vmull_high_s32(x, k->mult);
    p0 = vshlq_s64(vaddq_s64(p0, k->round_lo), k->shift_lo);
    p1 = vshlq_s64(vaddq_s64(p1, k->round_hi), k->shift_hi);
    const int32x4_t r = vcombine_s32(vqmovn_s64(p0), vqmovn_s64(p1));
    return vminq_s32(vmaxq_s32(vaddq_s32(r, zp), lo), hi);
}

/// 8 requantized int32 lanes (already within int8) as 8 bytes.
NEON_INLINE int8x8_t neon_narrow8(int32x4_t a, int32x4_t b) {
    return vqmovn_s16(vcombine_s16(vqmovn_s32(a), vqmovn_s32(b)));
}

/// Stores `count` (≤ 8) of 8 bytes.
NEON_INLINE void neon_store8(int8_t *dst, int8x8_t v, size_t count) {
    if (count >= 8) {
        vst1_s8(dst, v);
    } else {
        int8_t t[8];
        vst1_s8(t, v);
        memcpy(dst, t, count);
    }
}

/// Output stage of an mr × nc block of int32 sums (row stride `acc_stride`, nc ≤ 16) into C:
/// each group of 4 channels sets up its constants once for all rows.
NEON_INLINE void neon_store_block(const int32_t *acc, size_t acc_stride, size_t mr, size_t nc,
                                  const minnow_qgemm_output *o, size_t n0, int8_t *c, size_t ldc) {
    const int32x4_t zp = vdupq_n_s32(o->output_zero_point);
    const int32x4_t lo = vdupq_n_s32(o->lower_bound), hi = vdupq_n_s32(o->upper_bound);
    for (size_t j = 0; j < nc; j += 8) {
        const size_t count = nc - j < 8 ? nc - j : 8;
        const neon_consts4 k0 = neon_consts4_load(o, n0 + j, count);
        const neon_consts4 k1 = neon_consts4_load(o, n0 + j + 4, count > 4 ? count - 4 : 0);
        for (size_t r = 0; r < mr; r++) {
            const int32_t *a = acc + r * acc_stride + j;
            const int8x8_t v = neon_narrow8(neon_requantize4(vld1q_s32(a), &k0, zp, lo, hi),
                                            neon_requantize4(vld1q_s32(a + 4), &k1, zp, lo, hi));
            neon_store8(c + r * ldc + j, v, count);
        }
    }
}

#endif

#if defined(__aarch64__)
#include "neon_internal.h"

#include <arm_neon.h>

/// Up to 2 rows × 16 channels with baseline NEON (no dot product): `smull` forms 8 int16
/// products q·w (|q·w| ≤ 16384, exact), `sadalp` adds adjacent pairs into int32 lanes, so each
/// lane holds half of one channel's group; `addp` joins the halves at the end. The +128
/// offset is added as 128·Σw (`saddlp`/`sadalp` of the weights).
void minnow_qgemm_ukernel_2x16c4__neon(size_t mr, size_t nc, size_t kgroups,
                                       const uint8_t *a, size_t a_stride,
                                       const int8_t *w, size_t panel_stride,
                                       const minnow_qgemm_output *o, size_t n0,
                                       int8_t *c, size_t ldc) {
    (void)panel_stride;
    const int8_t *a0 = (const int8_t *)a;
    const int8_t *a1 = mr > 1 ? a0 + a_stride : a0;
    // Lane layout per register pair (lo, hi) of weight vector j: lo = channels 4j, 4j+1, hi = 4j+2, 4j+3.
    int32x4_t acc0[8], acc1[8], sums[4];
    for (int j = 0; j < 8; j++) acc0[j] = acc1[j] = vdupq_n_s32(0);
    for (int j = 0; j < 4; j++) sums[j] = vdupq_n_s32(0);
    const size_t group_bytes = nc * 4;
    int8_t tail[64];
    for (size_t g = 0; g < kgroups; g++) {
        const int8_t *wg = w + g * group_bytes;
        if (nc < 16) {
            memset(tail, 0, sizeof tail);
            memcpy(tail, wg, group_bytes);
            wg = tail;
        }
        const int8x8_t x0 = vreinterpret_s8_s32(vdup_n_s32(minnow_load_i32(a0 + 4 * g)));
        const int8x8_t x1 = vreinterpret_s8_s32(vdup_n_s32(minnow_load_i32(a1 + 4 * g)));
        for (int j = 0; j < 4; j++) {
            const int8x16_t wv = vld1q_s8(wg + 16 * j);
            const int8x8_t lo = vget_low_s8(wv), hi = vget_high_s8(wv);
            acc0[2 * j] = vpadalq_s16(acc0[2 * j], vmull_s8(lo, x0));
            acc0[2 * j + 1] = vpadalq_s16(acc0[2 * j + 1], vmull_s8(hi, x0));
            acc1[2 * j] = vpadalq_s16(acc1[2 * j], vmull_s8(lo, x1));
            acc1[2 * j + 1] = vpadalq_s16(acc1[2 * j + 1], vmull_s8(hi, x1));
            // [c0 k01, c0 k23, c1 k01, …] → sums[j] = Σw of channels 4j…4j+3.
            sums[j] = vpadalq_s16(sums[j], vpaddlq_s8(wv));
        }
    }
    int32_t out[2][16];
    for (int j = 0; j < 4; j++) {
        // acc[2j] = [c(4j) half0, c(4j) half1, c(4j+1) half0, c(4j+1) half1] → addp joins halves.
        const int32x4_t s0 = vpaddq_s32(acc0[2 * j], acc0[2 * j + 1]);
        const int32x4_t s1 = vpaddq_s32(acc1[2 * j], acc1[2 * j + 1]);
        const int32x4_t offset = vshlq_n_s32(sums[j], 7);  // 128·Σw
        vst1q_s32(out[0] + 4 * j, vaddq_s32(s0, offset));
        vst1q_s32(out[1] + 4 * j, vaddq_s32(s1, offset));
    }
    neon_store_block(&out[0][0], 16, mr, nc, o, n0, c, ldc);
}
#endif

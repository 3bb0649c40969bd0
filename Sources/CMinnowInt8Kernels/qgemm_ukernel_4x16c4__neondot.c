#include "qgemm_internal.h"
#if defined(__aarch64__) && defined(MINNOW_HAVE_NEONDOT)

// Compiled for the dot product extension whatever the -march baseline; callers check HWCAP first.
#define DOTPROD_TARGET MINNOW_DOTPROD_TARGET

#include "neon_internal.h"

/// Up to 4 rows × 16 channels with ARMv8.2 `sdot` (s8 × s8 → s32, 4 products per lane).
/// The rows are the raw int8 activations q, so `Σ (q + 128)·w = Σ q·w + 128·Σ w`: a fifth
/// `sdot` against a vector of ones per weight register accumulates Σ w exactly, shared by all rows.
DOTPROD_TARGET
void minnow_qgemm_ukernel_4x16c4__neondot(size_t mr, size_t nc, size_t kgroups,
                                          const uint8_t *a, size_t a_stride,
                                          const int8_t *w, size_t panel_stride,
                                          const minnow_qgemm_output *o, size_t n0,
                                          int8_t *c, size_t ldc) {
    (void)panel_stride;
    const int8_t *a0 = (const int8_t *)a;
    const int8_t *a1 = mr > 1 ? a0 + a_stride : a0;
    const int8_t *a2 = mr > 2 ? a0 + 2 * a_stride : a1;
    const int8_t *a3 = mr > 3 ? a0 + 3 * a_stride : a2;
    const int8x16_t ones = vdupq_n_s8(1);
    int32x4_t acc0[4], acc1[4], acc2[4], acc3[4], sums[4];
    for (int j = 0; j < 4; j++) {
        acc0[j] = acc1[j] = acc2[j] = acc3[j] = sums[j] = vdupq_n_s32(0);
    }
    const size_t group_bytes = nc * 4;
    int8_t tail[64];
    for (size_t g = 0; g < kgroups; g++) {
        const int8_t *wg = w + g * group_bytes;
        if (nc < 16) {  // the matrix's partial last panel: never read past its bytes
            memset(tail, 0, sizeof tail);
            memcpy(tail, wg, group_bytes);
            wg = tail;
        }
        int8x16_t wv[4];
        for (int j = 0; j < 4; j++) wv[j] = vld1q_s8(wg + 16 * j);
        const int8x16_t x0 = vreinterpretq_s8_s32(vdupq_n_s32(minnow_load_i32(a0 + 4 * g)));
        const int8x16_t x1 = vreinterpretq_s8_s32(vdupq_n_s32(minnow_load_i32(a1 + 4 * g)));
        const int8x16_t x2 = vreinterpretq_s8_s32(vdupq_n_s32(minnow_load_i32(a2 + 4 * g)));
        const int8x16_t x3 = vreinterpretq_s8_s32(vdupq_n_s32(minnow_load_i32(a3 + 4 * g)));
        for (int j = 0; j < 4; j++) {
            acc0[j] = vdotq_s32(acc0[j], wv[j], x0);
            acc1[j] = vdotq_s32(acc1[j], wv[j], x1);
            acc2[j] = vdotq_s32(acc2[j], wv[j], x2);
            acc3[j] = vdotq_s32(acc3[j], wv[j], x3);
            sums[j] = vdotq_s32(sums[j], wv[j], ones);
        }
    }
    int32_t out[4][16];
    for (int j = 0; j < 4; j++) {
        const int32x4_t offset = vshlq_n_s32(sums[j], 7);  // 128·Σw
        vst1q_s32(out[0] + 4 * j, vaddq_s32(acc0[j], offset));
        vst1q_s32(out[1] + 4 * j, vaddq_s32(acc1[j], offset));
        vst1q_s32(out[2] + 4 * j, vaddq_s32(acc2[j], offset));
        vst1q_s32(out[3] + 4 * j, vaddq_s32(acc3[j], offset));
    }
    neon_store_block(&out[0][0], 16, mr, nc, o, n0, c, ldc);
}
#endif

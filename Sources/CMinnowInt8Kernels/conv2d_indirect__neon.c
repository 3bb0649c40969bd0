#if defined(__aarch64__)
/* An int8 convolution as an indirect GEMM on NEON tiles (no im2col): the input copied once into
 * a padded int8 buffer, K group g of output pixel p read in place at rows[p] + koff[g]. Two tile
 * kinds, as the GEMM micro-kernels: 4×16c4 with `sdot` (neondot) and 2×16c4 with
 * `smull`/`sadalp` (neon). The rows are the raw int8 q, so Σ (q + 128)·w = Σ q·w + 128·Σ w, the
 * second term one constant per channel. */
#include "neon_internal.h"

/// Largest padded input (bytes) and K groups the indirect convolution takes.
#define NEON_INDIRECT_MAX_BYTES (16 * 1024)
#define NEON_INDIRECT_MAX_GROUPS 1024

/// 64 bytes of weights of one K group (4·lanes bytes when the panel is partial, zero-padded).
NEON_INLINE const int8_t *group_weights(const int8_t *wg, size_t lanes, int8_t *tail) {
    if (lanes == 16) return wg;
    memset(tail, 0, 64);
    memcpy(tail, wg, 4 * lanes);
    return tail;
}

#if defined(MINNOW_HAVE_NEONDOT)
/// 4 pixels × one panel with `sdot`: sums (without the 128·Σw term) into out[4][16].
static MINNOW_DOTPROD_TARGET void tile_4x16_dot(size_t kgroups, const int8_t *const *rows, const ptrdiff_t *koff,
                                                const int8_t *w, size_t lanes, int32_t out[4][16]) {
    int32x4_t acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < 4; j++) acc[r][j] = vdupq_n_s32(0);
    int8_t tail[64];
    for (size_t g = 0; g < kgroups; g++) {
        const int8_t *wg = group_weights(w + g * 4 * lanes, lanes, tail);
        int8x16_t wv[4];
        for (int j = 0; j < 4; j++) wv[j] = vld1q_s8(wg + 16 * j);
        MINNOW_UNROLL for (int r = 0; r < 4; r++) {
            const int8x16_t xv = vreinterpretq_s8_s32(vdupq_n_s32(minnow_load_i32(rows[r] + koff[g])));
            MINNOW_UNROLL for (int j = 0; j < 4; j++) acc[r][j] = vdotq_s32(acc[r][j], wv[j], xv);
        }
    }
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < 4; j++) vst1q_s32(out[r] + 4 * j, acc[r][j]);
}
#endif

/// 2 pixels × one panel with `smull` (int16 products, exact) and `sadalp` (pairs into int32):
/// each lane holds half of one channel's group, joined by `addp` at the end.
static void tile_2x16(size_t kgroups, const int8_t *const *rows, const ptrdiff_t *koff, const int8_t *w, size_t lanes,
                      int32_t out[4][16]) {
    int32x4_t acc0[8], acc1[8];
    for (int j = 0; j < 8; j++) acc0[j] = acc1[j] = vdupq_n_s32(0);
    int8_t tail[64];
    for (size_t g = 0; g < kgroups; g++) {
        const int8_t *wg = group_weights(w + g * 4 * lanes, lanes, tail);
        const int8x8_t x0 = vreinterpret_s8_s32(vdup_n_s32(minnow_load_i32(rows[0] + koff[g])));
        const int8x8_t x1 = vreinterpret_s8_s32(vdup_n_s32(minnow_load_i32(rows[1] + koff[g])));
        MINNOW_UNROLL for (int j = 0; j < 4; j++) {
            const int8x16_t wv = vld1q_s8(wg + 16 * j);
            const int8x8_t lo = vget_low_s8(wv), hi = vget_high_s8(wv);
            acc0[2 * j] = vpadalq_s16(acc0[2 * j], vmull_s8(lo, x0));
            acc0[2 * j + 1] = vpadalq_s16(acc0[2 * j + 1], vmull_s8(hi, x0));
            acc1[2 * j] = vpadalq_s16(acc1[2 * j], vmull_s8(lo, x1));
            acc1[2 * j + 1] = vpadalq_s16(acc1[2 * j + 1], vmull_s8(hi, x1));
        }
    }
    for (int j = 0; j < 4; j++) {
        vst1q_s32(out[0] + 4 * j, vpaddq_s32(acc0[2 * j], acc0[2 * j + 1]));
        vst1q_s32(out[1] + 4 * j, vpaddq_s32(acc1[2 * j], acc1[2 * j + 1]));
    }
}

int minnow_conv2d_indirect__neon(int dot, const int8_t *x, const minnow_window *g, int8_t pad,
                                 const int8_t *packed_weights, size_t n, const minnow_qgemm_output *o, int8_t *y) {
#if !defined(MINNOW_HAVE_NEONDOT)
    if (dot) return 0;
#endif
    const ptrdiff_t c = g->channels, kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t oh = g->output_height, ow = g->output_width;
    const ptrdiff_t ph = (oh - 1) * g->stride_height + kh, pw = (ow - 1) * g->stride_width + kw;
    const size_t m = (size_t)(oh * ow);
    const size_t kgroups = (size_t)(kh * kw * c / 4);
    if (c % 4 != 0 || c == 0 || n == 0 || m == 0 || ph * pw * c > NEON_INDIRECT_MAX_BYTES ||
        kgroups > NEON_INDIRECT_MAX_GROUPS)
        return 0;
    int8_t padded[NEON_INDIRECT_MAX_BYTES];
    ptrdiff_t koff[NEON_INDIRECT_MAX_GROUPS];
    for (ptrdiff_t py = 0; py < ph; py++) {
        int8_t *dst = padded + py * pw * c;
        memset(dst, pad, (size_t)(pw * c));
        const ptrdiff_t iy = py - g->pad_top;
        if (iy < 0 || iy >= g->input_height) continue;
        ptrdiff_t px0 = g->pad_left, ix0 = 0, count = g->input_width;  // input columns inside the padded row
        if (px0 < 0) { ix0 = -px0; count -= ix0; px0 = 0; }
        if (px0 + count > pw) count = pw - px0;
        if (count > 0) memcpy(dst + px0 * c, x + (iy * g->input_width + ix0) * c, (size_t)(count * c));
    }
    for (size_t k = 0; k < kgroups; k++) {
        const ptrdiff_t tap = (ptrdiff_t)k / (c / 4), group = (ptrdiff_t)k % (c / 4);
        koff[k] = ((tap / kw) * pw + tap % kw) * c + 4 * group;
    }
    const size_t tile = dot ? 4 : 2, panel_stride = 64 * kgroups;
    int32_t out[4][16];
    for (size_t n0 = 0; n0 < n; n0 += 16) {
        const size_t lanes = n - n0 < 16 ? n - n0 : 16;
        const int8_t *w = packed_weights + (n0 / 16) * panel_stride;
        // 128·Σ w per channel of the panel (the +128 of the activations).
        int32_t offset[16] = {0};
        for (size_t k = 0; k < kgroups; k++)
            for (size_t j = 0; j < lanes; j++)
                for (size_t i = 0; i < 4; i++) offset[j] += w[k * 4 * lanes + 4 * j + i];
        for (size_t j = 0; j < 16; j++) offset[j] *= 128;
        for (size_t p0 = 0; p0 < m; p0 += tile) {
            const size_t mr = m - p0 < tile ? m - p0 : tile;
            const int8_t *rows[4];
            for (size_t r = 0; r < 4; r++) {
                const ptrdiff_t p = (ptrdiff_t)(p0 + (r < mr ? r : mr - 1)), oy = p / ow, ox = p - oy * ow;
                rows[r] = padded + (oy * g->stride_height * pw + ox * g->stride_width) * c;
            }
#if defined(MINNOW_HAVE_NEONDOT)
            if (dot) tile_4x16_dot(kgroups, rows, koff, w, lanes, out);
            else
#endif
                tile_2x16(kgroups, rows, koff, w, lanes, out);
            for (size_t r = 0; r < mr; r++)
                for (size_t j = 0; j < 16; j++) out[r][j] += offset[j];
            neon_store_block(&out[0][0], 16, mr, lanes, o, n0, y + p0 * n + n0, n);
        }
    }
    return 1;
}
#endif

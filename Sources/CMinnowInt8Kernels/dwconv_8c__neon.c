#if defined(__aarch64__)
/* int8 depthwise convolution with NEON, 8 output channels per step: Σ (q + 128)·w computed as
 * Σ q·w (`smlal` on int16-widened values, |q·w| ≤ 2^14, exact in int32) plus 128·Σ w over the
 * kernel's taps, one per-channel constant. */
#include "neon_internal.h"

#define DW_MAX_TAPS 64
#define DW_MAX_CHANNELS 4096

/// 8 bytes at p, or the first `count` of them (< 8; the others 0) without reading further.
NEON_INLINE int8x8_t dw_load8(const int8_t *p, size_t count) {
    if (count >= 8) return vld1_s8(p);
    int8_t t[8] = {0};
    memcpy(t, p, count);
    return vld1_s8(t);
}

/// One block of 8 output channels (o0 …, `count` of them) over every output pixel. FULL: 8
/// channels and 8 readable input bytes; MULT1: multiplier 1.
NEON_INLINE void dw_block(const int FULL, const int MULT1, const int8_t *x, const minnow_window *g, size_t multiplier,
                          int8_t pad, const int8_t *weights, const minnow_qgemm_output *o, int8_t *y, size_t o0,
                          size_t count, const ptrdiff_t *toff, const ptrdiff_t *tky, const ptrdiff_t *tkx) {
    const ptrdiff_t c = g->channels, n = c * (ptrdiff_t)multiplier;
    const ptrdiff_t taps = g->kernel_height * g->kernel_width;
    const size_t c_first = o0 / multiplier;
    const size_t c_avail = (size_t)c - c_first < 8 ? (size_t)c - c_first : 8;
    uint8x8_t spread = vdup_n_u8(0);
    if (!MULT1) {
        uint8_t idx[8];
        for (size_t j = 0; j < 8; j++) idx[j] = (uint8_t)((o0 + j) / multiplier - c_first);
        spread = vld1_u8(idx);
    }
    int16x8_t w16[DW_MAX_TAPS];
    int32x4_t sum_lo = vdupq_n_s32(0), sum_hi = vdupq_n_s32(0);
    for (ptrdiff_t t = 0; t < taps; t++) {
        w16[t] = vmovl_s8(FULL ? dw_load8(weights + t * n + o0, 8) : dw_load8(weights + t * n + o0, count));
        sum_lo = vaddw_s16(sum_lo, vget_low_s16(w16[t]));
        sum_hi = vaddw_s16(sum_hi, vget_high_s16(w16[t]));
    }
    const int32x4_t off_lo = vshlq_n_s32(sum_lo, 7), off_hi = vshlq_n_s32(sum_hi, 7);
    const neon_consts4 k_lo = neon_consts4_load(o, o0, count), k_hi = neon_consts4_load(o, o0 + 4, count > 4 ? count - 4 : 0);
    const int32x4_t zp = vdupq_n_s32(o->output_zero_point);
    const int32x4_t lo = vdupq_n_s32(o->lower_bound), hi = vdupq_n_s32(o->upper_bound);
    int8_t padding[8];
    memset(padding, pad, sizeof padding);
    const ptrdiff_t ow = g->output_width, pixels = g->output_height * ow;
    for (ptrdiff_t p = 0; p < pixels; p++) {
        const ptrdiff_t oy = p / ow, ox = p - oy * ow;
        const ptrdiff_t y0 = oy * g->stride_height - g->pad_top, x0 = ox * g->stride_width - g->pad_left;
        const int8_t *base = x + (y0 * g->input_width + x0) * c + c_first;
        const int inside = y0 >= 0 && x0 >= 0 && y0 + g->kernel_height <= g->input_height &&
                           x0 + g->kernel_width <= g->input_width;
        int32x4_t acc_lo = off_lo, acc_hi = off_hi;
        for (ptrdiff_t t = 0; t < taps; t++) {
            const int8_t *pt = base + toff[t];
            if (!inside) {
                const ptrdiff_t yy = y0 + tky[t], xx = x0 + tkx[t];
                if (yy < 0 || yy >= g->input_height || xx < 0 || xx >= g->input_width) pt = padding;
            }
            int8x8_t v = FULL && MULT1 ? vld1_s8(pt) : dw_load8(pt, pt == padding ? 8 : c_avail);
            if (!MULT1) v = vreinterpret_s8_u8(vtbl1_u8(vreinterpret_u8_s8(v), spread));
            const int16x8_t v16 = vmovl_s8(v);
            acc_lo = vmlal_s16(acc_lo, vget_low_s16(v16), vget_low_s16(w16[t]));
            acc_hi = vmlal_high_s16(acc_hi, v16, w16[t]);
        }
        const int8x8_t out = neon_narrow8(neon_requantize4(acc_lo, &k_lo, zp, lo, hi),
                                          neon_requantize4(acc_hi, &k_hi, zp, lo, hi));
        neon_store8(y + p * n + (ptrdiff_t)o0, out, count);
    }
}

int minnow_dwconv_8c__neon(const int8_t *x, const minnow_window *g, size_t multiplier, int8_t pad,
                           const int8_t *weights, const minnow_qgemm_output *o, int8_t *y) {
    const ptrdiff_t taps = g->kernel_height * g->kernel_width;
    const size_t n = (size_t)g->channels * multiplier;
    if (taps <= 0 || taps > DW_MAX_TAPS || n > DW_MAX_CHANNELS) return 0;
    ptrdiff_t toff[DW_MAX_TAPS], tky[DW_MAX_TAPS], tkx[DW_MAX_TAPS];
    for (ptrdiff_t t = 0; t < taps; t++) {
        tky[t] = t / g->kernel_width;
        tkx[t] = t % g->kernel_width;
        toff[t] = (tky[t] * g->input_width + tkx[t]) * g->channels;
    }
    for (size_t o0 = 0; o0 < n; o0 += 8) {
        const size_t count = n - o0 < 8 ? n - o0 : 8;
        const int full = count == 8 && (size_t)g->channels - o0 / multiplier >= 8;
        if (multiplier == 1) {
            if (full) dw_block(1, 1, x, g, multiplier, pad, weights, o, y, o0, count, toff, tky, tkx);
            else dw_block(0, 1, x, g, multiplier, pad, weights, o, y, o0, count, toff, tky, tkx);
        } else {
            if (full) dw_block(1, 0, x, g, multiplier, pad, weights, o, y, o0, count, toff, tky, tkx);
            else dw_block(0, 0, x, g, multiplier, pad, weights, o, y, o0, count, toff, tky, tkx);
        }
    }
    return 1;
}
#endif

// int8 depthwise convolution: the dispatch by kernel family and the plain C reference twin.
#include "qgemm_internal.h"

void minnow_depthwise_conv2d_int8_reference(const int8_t *x, const minnow_window *g, size_t multiplier, int8_t pad,
                                            const int8_t *weights, const minnow_qgemm_output *o, int8_t *y) {
    const ptrdiff_t c = g->channels, n = c * (ptrdiff_t)multiplier;
    for (ptrdiff_t oy = 0; oy < g->output_height; oy++) {
        for (ptrdiff_t ox = 0; ox < g->output_width; ox++) {
            int8_t *out = y + (oy * g->output_width + ox) * n;
            for (ptrdiff_t ch = 0; ch < n; ch++) {
                uint32_t acc = 0;  // int32 arithmetic that wraps, as the Swift kernels' &+
                for (ptrdiff_t ky = 0; ky < g->kernel_height; ky++) {
                    for (ptrdiff_t kx = 0; kx < g->kernel_width; kx++) {
                        const ptrdiff_t iy = oy * g->stride_height - g->pad_top + ky;
                        const ptrdiff_t ix = ox * g->stride_width - g->pad_left + kx;
                        const int inside = iy >= 0 && iy < g->input_height && ix >= 0 && ix < g->input_width;
                        const int32_t q = inside ? x[(iy * g->input_width + ix) * c + ch / (ptrdiff_t)multiplier] : pad;
                        acc += (uint32_t)((q + 128) * (int32_t)weights[(ky * g->kernel_width + kx) * n + ch]);
                    }
                }
                out[ch] = minnow_qgemm_requantize((int32_t)acc, o, (size_t)ch);
            }
        }
    }
}

void minnow_depthwise_conv2d_int8(int kernel, const int8_t *x, const minnow_window *g, size_t multiplier, int8_t pad,
                                  const int8_t *weights, const minnow_qgemm_output *o, int8_t *y) {
    if (!minnow_qgemm_kernel_supported(kernel)) kernel = minnow_qgemm_best_kernel();
    if (multiplier == 0 || g->channels <= 0 || g->output_height <= 0 || g->output_width <= 0) return;
    switch (kernel) {
#if defined(__x86_64__) || defined(__i386__)
    case MINNOW_QGEMM_AVX2:
    case MINNOW_QGEMM_AVX512VNNI:
        if (minnow_dwconv_8c__avx2(x, g, multiplier, pad, weights, o, y)) return;
        break;
#endif
#if defined(__aarch64__)
    case MINNOW_QGEMM_NEON:
    case MINNOW_QGEMM_NEONDOT:
        if (minnow_dwconv_8c__neon(x, g, multiplier, pad, weights, o, y)) return;
        break;
#endif
    default:
        break;
    }
    minnow_depthwise_conv2d_int8_reference(x, g, multiplier, pad, weights, o, y);
}

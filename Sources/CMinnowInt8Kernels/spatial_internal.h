#ifndef MINNOW_SPATIAL_INTERNAL_H
#define MINNOW_SPATIAL_INTERNAL_H
/* Shared pieces of the int8 pooling kernels (portable C in spatial_int8.c, AVX2 in
 * pool_int8__avx2.c). */
#include "CMinnowInt8Kernels.h"

/// The window cells of one output pixel that lie inside the input: rows ky0..<ky1, columns
/// kx0..<kx1, and the address of cell (ky0, kx0).
typedef struct {
    ptrdiff_t ky0, ky1, kx0, kx1;
    const int8_t *first;
} window_cells;

static inline window_cells cells_of(const int8_t *x, const minnow_window *g, ptrdiff_t oy, ptrdiff_t ox) {
    const ptrdiff_t y0 = oy * g->stride_height - g->pad_top, x0 = ox * g->stride_width - g->pad_left;
    window_cells w;
    w.ky0 = y0 < 0 ? -y0 : 0;
    w.ky1 = g->input_height - y0 < g->kernel_height ? g->input_height - y0 : g->kernel_height;
    w.kx0 = x0 < 0 ? -x0 : 0;
    w.kx1 = g->input_width - x0 < g->kernel_width ? g->input_width - x0 : g->kernel_width;
    w.first = x + ((y0 + w.ky0) * g->input_width + (x0 + w.kx0)) * g->channels;
    return w;
}

static inline int8_t clamp8(int32_t v, int32_t lower, int32_t upper) {
    return (int8_t)(v < lower ? lower : (v > upper ? upper : v));
}

/// `a / b` rounded half away from zero (`b > 0`), as the Swift `roundedDivide`.
static inline int32_t rounded_divide(int32_t a, int32_t b) {
    return a >= 0 ? (a + b / 2) / b : (a - b / 2) / b;
}

#if defined(__x86_64__) || defined(__i386__)
void minnow_max_pool_int8__avx2(const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper, int8_t *y);
void minnow_average_pool_int8__avx2(const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper, int8_t *y);
#endif

#endif

#include "qgemm_internal.h"

/// Portable C: one row × up to 16 channels per call (nc ≤ 16), plain int32 loops.
void minnow_qgemm_ukernel_1x16c4__scalar(size_t mr, size_t nc, size_t kgroups,
                                         const uint8_t *a, size_t a_stride,
                                         const int8_t *w, size_t panel_stride,
                                         const minnow_qgemm_output *output, size_t n0,
                                         int8_t *c, size_t ldc) {
    (void)mr; (void)a_stride; (void)panel_stride;
    int32_t acc[16] = {0};
    const size_t lanes = nc;
    for (size_t g = 0; g < kgroups; g++) {
        const int32_t u0 = a[4 * g], u1 = a[4 * g + 1], u2 = a[4 * g + 2], u3 = a[4 * g + 3];
        const int8_t *wg = w + g * lanes * 4;
        for (size_t j = 0; j < lanes; j++) {
            acc[j] += u0 * wg[4 * j] + u1 * wg[4 * j + 1] + u2 * wg[4 * j + 2] + u3 * wg[4 * j + 3];
        }
    }
    minnow_qgemm_store_block(acc, 16, 1, nc, output, n0, c, ldc);
}

#ifndef MINNOW_QGEMM_INTERNAL_H
#define MINNOW_QGEMM_INTERNAL_H

#include "CMinnowInt8Kernels.h"
#include <string.h>

/// Fully unrolls a loop whose trip count is a compile-time constant after inlining (the loops
/// over a tile's rows and panels, which index register arrays). Clang's -O3 did this by itself;
/// SwiftPM's release builds compile C with -O2, whose smaller unroll budget left some of these
/// loops rolled, with the accumulators spilled to the stack.
#if defined(__clang__)
#define MINNOW_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define MINNOW_UNROLL _Pragma("GCC unroll 32")
#else
#define MINNOW_UNROLL
#endif

/* Micro-kernel contract (all families).
 *
 * Computes an mr × nc tile (mr ≤ MR, nc ≤ NR, NR a multiple of 16) of C from
 *   a: mr rows of packed activations, `a_stride` bytes apart, each 4·kgroups bytes (K padded
 *      with zeros); x86 kernels get u8 rows (q ^ 0x80), ARM kernels the raw int8 rows.
 *   w: the packed weights of the tile's first panel; panel q starts at w + q·panel_stride
 *      (panel_stride = 64·kgroups) and has lanes = min(16, nc − 16q) channels, so groups are
 *      4·lanes bytes apart (only the matrix's last panel can be partial).
 *   output / n0: the output stage; channel j of the tile is channel n0 + j.
 */
typedef void (*minnow_qgemm_ukernel)(size_t mr, size_t nc, size_t kgroups,
                                     const uint8_t *a, size_t a_stride,
                                     const int8_t *w, size_t panel_stride,
                                     const minnow_qgemm_output *output, size_t n0,
                                     int8_t *c, size_t ldc);

/* Optional block kernel: all m rows (any count) of one column block of nc ≤ NR channels, with
 * the micro-kernel's arguments otherwise. A family that has one can carry work across its
 * tiles (the VNNI kernel overlaps one tile's output stage with the next tile's products). */
typedef void (*minnow_qgemm_block)(size_t m, size_t nc, size_t kgroups,
                                   const uint8_t *a, size_t a_stride,
                                   const int8_t *w, size_t panel_stride,
                                   const minnow_qgemm_output *output, size_t n0,
                                   int8_t *c, size_t ldc);

void minnow_qgemm_ukernel_1x16c4__scalar(size_t, size_t, size_t, const uint8_t *, size_t, const int8_t *,
                                         size_t, const minnow_qgemm_output *, size_t, int8_t *, size_t);
#if defined(__x86_64__) || defined(__i386__)
void minnow_qgemm_ukernel_6x8c4__avx2(size_t, size_t, size_t, const uint8_t *, size_t, const int8_t *,
                                      size_t, const minnow_qgemm_output *, size_t, int8_t *, size_t);
void minnow_qgemm_block_6x8c4__avx2(size_t, size_t, size_t, const uint8_t *, size_t, const int8_t *,
                                    size_t, const minnow_qgemm_output *, size_t, int8_t *, size_t);
int minnow_conv2d_indirect_6x8c4__avx2(const int8_t *x, const struct minnow_window *g, int8_t pad,
                                       const int8_t *packed_weights, size_t n, const minnow_qgemm_output *o, int8_t *y);
int minnow_dwconv_8c__avx2(const int8_t *x, const struct minnow_window *g, size_t multiplier, int8_t pad,
                           const int8_t *weights, const minnow_qgemm_output *o, int8_t *y);
void minnow_qgemm_block_6x8c4u8__avx2(size_t, size_t, size_t, const uint8_t *, size_t, const int8_t *,
                                      size_t, const minnow_qgemm_output *, size_t, int8_t *, size_t);
void minnow_qgemm_pack_rows__avx2(const int8_t *a, size_t lda, size_t rows, size_t k, size_t kp, uint8_t *dst);
void minnow_qgemm_widen_rows__avx2(const uint8_t *src, size_t src_stride, size_t rows, size_t kp, uint16_t *dst);
void minnow_qgemm_ukernel_6x64c4__avx512vnni(size_t, size_t, size_t, const uint8_t *, size_t, const int8_t *,
                                             size_t, const minnow_qgemm_output *, size_t, int8_t *, size_t);
void minnow_qgemm_block_6x64c4__avx512vnni(size_t, size_t, size_t, const uint8_t *, size_t, const int8_t *,
                                           size_t, const minnow_qgemm_output *, size_t, int8_t *, size_t);
int minnow_conv2d_indirect_6x64c4__avx512vnni(const int8_t *x, const struct minnow_window *g, int8_t pad,
                                              const int8_t *packed_weights, size_t n,
                                              const minnow_qgemm_output *o, int8_t *y);
void minnow_qgemm_pack_rows__avx512(const int8_t *a, size_t lda, size_t rows, size_t k, size_t kp, uint8_t *dst);
#endif
#if defined(__aarch64__)
// The `sdot` kernels compile for any baseline with a target attribute (callers check HWCAP
// first): Clang takes "dotprod"; GCC 12's arm_neon.h wants the whole architecture named.
#if defined(__clang__) || defined(__GNUC__) || defined(__ARM_FEATURE_DOTPROD)
#define MINNOW_HAVE_NEONDOT 1
#endif
#if defined(__ARM_FEATURE_DOTPROD)
#define MINNOW_DOTPROD_TARGET
#elif defined(__clang__)
#define MINNOW_DOTPROD_TARGET __attribute__((target("dotprod")))
#else
#define MINNOW_DOTPROD_TARGET __attribute__((target("arch=armv8.2-a+dotprod")))
#endif
int minnow_conv2d_indirect__neon(int dot, const int8_t *x, const struct minnow_window *g, int8_t pad,
                                 const int8_t *packed_weights, size_t n, const minnow_qgemm_output *o, int8_t *y);
int minnow_dwconv_8c__neon(const int8_t *x, const struct minnow_window *g, size_t multiplier, int8_t pad,
                           const int8_t *weights, const minnow_qgemm_output *o, int8_t *y);
void minnow_qgemm_ukernel_2x16c4__neon(size_t, size_t, size_t, const uint8_t *, size_t, const int8_t *,
                                       size_t, const minnow_qgemm_output *, size_t, int8_t *, size_t);
void minnow_qgemm_ukernel_4x16c4__neondot(size_t, size_t, size_t, const uint8_t *, size_t, const int8_t *,
                                          size_t, const minnow_qgemm_output *, size_t, int8_t *, size_t);
#endif

/// One accumulator through the output stage, exactly as `Int8Gemm.requantize` (Swift).
static inline int8_t minnow_qgemm_requantize(int32_t acc, const minnow_qgemm_output *o, size_t channel) {
    int32_t x = (int32_t)((uint32_t)acc + (uint32_t)o->bias[channel]);
    int total = 31 - o->shifts[channel];
    int64_t r = ((int64_t)x * (int64_t)o->multipliers[channel] + ((int64_t)1 << (total - 1))) >> total;
    if (r > INT32_MAX) r = INT32_MAX;
    if (r < INT32_MIN) r = INT32_MIN;
    int32_t s = (int32_t)((uint32_t)(int32_t)r + (uint32_t)o->output_zero_point);
    if (s > o->upper_bound) s = o->upper_bound;
    if (s < o->lower_bound) s = o->lower_bound;
    return (int8_t)s;
}

/// Requantizes an mr × nc block of int32 accumulators (row stride `acc_stride`) into C.
static inline void minnow_qgemm_store_block(const int32_t *acc, size_t acc_stride, size_t mr, size_t nc,
                                            const minnow_qgemm_output *o, size_t n0, int8_t *c, size_t ldc) {
    for (size_t r = 0; r < mr; r++)
        for (size_t j = 0; j < nc; j++)
            c[r * ldc + j] = minnow_qgemm_requantize(acc[r * acc_stride + j], o, n0 + j);
}

static inline int32_t minnow_load_i32(const void *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

#endif

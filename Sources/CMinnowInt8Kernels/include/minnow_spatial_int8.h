#ifndef MINNOW_SPATIAL_INT8_H
#define MINNOW_SPATIAL_INT8_H

/* int8 spatial kernels of MinnowRuntime (NHWC): max/average pooling and the im2col unfold of
 * int8 convolutions. Each gives exactly the bytes of its Swift reference twin
 * (`Int8SpatialKernels` with `.reference`); vector widths are chosen at run time. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Geometry of a 2-D window over an NHWC tensor (one image). Leading padding is
/// `pad_top`/`pad_left`; cells outside the input are padding.
typedef struct minnow_window {
    ptrdiff_t input_height, input_width, channels;
    ptrdiff_t kernel_height, kernel_width;
    ptrdiff_t stride_height, stride_width;
    ptrdiff_t output_height, output_width;
    ptrdiff_t pad_top, pad_left;
} minnow_window;

/// int8 max pooling: padding cells ignored, result clamped to lower…upper. `y` may alias `x`
/// when the window has no leading padding (each output pixel is written after its window is read).
void minnow_max_pool_int8(const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper, int8_t *y);

/// int8 average pooling: Σq / cells rounded half away from zero (padding cells not counted),
/// clamped to lower…upper. Same aliasing rule as max pooling.
void minnow_average_pool_int8(const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper, int8_t *y);

/// `minnow_max_pool_int8` / `minnow_average_pool_int8` with the code of kernel family `kernel`
/// (`minnow_qgemm_kernel_name`; AVX-512BW for avx512vnni, AVX2 for avx2, portable C with the
/// baseline SSE2/NEON for the others; unsupported values: the best family). Same bytes for
/// every family; the plain functions use the best family within the kernel limit.
void minnow_max_pool_int8_kernel(int kernel, const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper,
                                 int8_t *y);
void minnow_average_pool_int8_kernel(int kernel, const int8_t *x, const minnow_window *g, int32_t lower,
                                     int32_t upper, int8_t *y);

/// Unfolds `pixels` output pixels starting at `first_pixel` (row-major over the output) into
/// `dst`: one row of K = kernel_height·kernel_width·channels bytes per pixel, (ky, kx, c) order,
/// padding cells set to `pad`.
void minnow_im2col_int8(const int8_t *x, const minnow_window *g, ptrdiff_t first_pixel, ptrdiff_t pixels,
                        int8_t pad, int8_t *dst);

/// im2col straight into the packed activation rows of `minnow_qgemm_prepacked`: row r (pixel
/// first_pixel + r) at `dst + r·row_stride` holds the K values (XOR 0x80 when `flip`, padding
/// cells `pad` likewise), then zeros up to `row_stride` (≥ K; 4·ceil(K/4) for the GEMM).
void minnow_im2col_int8_packed(const int8_t *x, const minnow_window *g, ptrdiff_t first_pixel, ptrdiff_t pixels,
                               int8_t pad, ptrdiff_t row_stride, int flip, uint8_t *dst);

struct minnow_qgemm_output;
/// A whole int8 convolution in one call, without arena scratch (C stack buffers only), for the
/// SIMD families; `packed_weights`/`output` as for `minnow_qgemm` with K = kH·kW·C in
/// (ky, kx, c) order, the input zero point as `pad`; `y` gets all output pixels × `n` channels,
/// the bytes of im2col + `minnow_qgemm` (tests check). Per family (`kernel`; unsupported values:
/// the best family within the kernel limit):
///   avx512vnni  inputs with a multiple of 4 channels and ≥ 24 output pixels: indirect GEMM
///               over a padded u8 copy of the input (≤ 16 KiB); otherwise the whole image
///               unfolded once (≤ 16 KiB) and one GEMM; else returns 0.
///   avx2        multiples of 4 channels: indirect 6x8c4 GEMM over a padded u16 copy (≤ 16 K
///               values, K ≤ 4096); otherwise im2col in blocks of whole rows on the stack
///               (16 KiB) with one GEMM per block.
///   neon, neondot  multiples of 4 channels: indirect GEMM (2x16c4 smull/sadalp, 4x16c4 sdot)
///               over a padded int8 copy (≤ 16 KiB, K ≤ 4096); otherwise im2col blocks as avx2.
///   scalar      no such path: returns 0.
/// Returns 1 when it wrote the output, 0 (nothing written) when the caller must go block by
/// block through arena scratch (the scalar family, or K over 16 KiB for the im2col blocks).
int minnow_conv2d_int8_whole(int kernel, const int8_t *x, const minnow_window *g, int8_t pad,
                             const int8_t *packed_weights, size_t n, const struct minnow_qgemm_output *output,
                             int8_t *y);

/// int8 depthwise convolution of one NHWC image, TFLite's layout and Minnow's folded-bias
/// numerics: input channel c feeds output channels c·multiplier … c·multiplier + multiplier − 1,
/// and output channel o gets
///   acc[o] = Σ_(ky,kx) (q + 128) · weights[(ky·kW + kx)·N + o],   N = C·multiplier,
/// q = x[(iy·W + ix)·C + o / multiplier], or `pad` (the input zero point) for cells outside the
/// input; then the output stage `o` (bias, multiplier, shift per output channel, zero point,
/// clamp) exactly as `minnow_qgemm`. `g->channels` is C (input channels); `weights` are the
/// file's dense [1, kH, kW, N] int8 values; `y` gets OH·OW pixels × N channels. `kernel` picks
/// the family like `minnow_qgemm` (AVX2 code for both x86 SIMD families, NEON for both AArch64
/// ones, the reference for scalar; unsupported values fall back to the best family). Every
/// family gives the bytes of `minnow_depthwise_conv2d_int8_reference`. Needs no scratch.
void minnow_depthwise_conv2d_int8(int kernel, const int8_t *x, const minnow_window *g, size_t multiplier, int8_t pad,
                                  const int8_t *weights, const struct minnow_qgemm_output *o, int8_t *y);

/// The plain-loop twin of `minnow_depthwise_conv2d_int8` (same contract).
void minnow_depthwise_conv2d_int8_reference(const int8_t *x, const minnow_window *g, size_t multiplier, int8_t pad,
                                            const int8_t *weights, const struct minnow_qgemm_output *o, int8_t *y);

#ifdef __cplusplus
}
#endif

#endif

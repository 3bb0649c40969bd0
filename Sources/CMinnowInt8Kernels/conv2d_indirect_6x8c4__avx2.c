#if defined(__x86_64__) || defined(__i386__)
/* An int8 convolution as an indirect GEMM on the AVX2 6x8c4 tiles: no im2col. */
#include "qgemm_avx2_internal.h"

/// Largest padded input (values; int16 each) the indirect convolution builds on the stack.
#define AVX2_INDIRECT_MAX_VALUES (16 * 1024)

/// Row count 1…6 as a constant for `avx2_tile_rows` (one half of a panel).
static AVX2_TARGET void avx2_indirect_tile(size_t mr, int partial, size_t kgroups, const uint8_t *const *rows,
                                           const ptrdiff_t *koff, const int8_t *w, size_t gs, size_t lanes,
                                           size_t h, __m256i sums[6][2]) {
#define AVX2_ROWS(MR)                                                                           \
    if (partial) avx2_tile_rows(MR, 1, 1, kgroups, rows, koff, w, gs, lanes, h, sums);          \
    else avx2_tile_rows(MR, 1, 0, kgroups, rows, koff, w, gs, lanes, h, sums);                  \
    return;
    switch (mr) {
    case 1: AVX2_ROWS(1)
    case 2: AVX2_ROWS(2)
    case 3: AVX2_ROWS(3)
    case 4: AVX2_ROWS(4)
    case 5: AVX2_ROWS(5)
    default: AVX2_ROWS(6)
    }
#undef AVX2_ROWS
}

/// The convolution of `minnow_conv2d_int8_whole` for inputs with a multiple of 4 channels: the
/// input copied once into a padded buffer of u16 = q + 128 (padding cells pad + 128), then each
/// K group of pixel p read in place at `rows[p] + koff[g]`. Returns 0 (nothing written) when the
/// shape does not fit (channels not a multiple of 4, padded input over 16 K values, K over 4096).
AVX2_TARGET int minnow_conv2d_indirect_6x8c4__avx2(const int8_t *x, const minnow_window *g, int8_t pad,
                                                   const int8_t *packed_weights, size_t n,
                                                   const minnow_qgemm_output *o, int8_t *y) {
    const ptrdiff_t c = g->channels, kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t oh = g->output_height, ow = g->output_width;
    const ptrdiff_t ph = (oh - 1) * g->stride_height + kh, pw = (ow - 1) * g->stride_width + kw;
    const size_t m = (size_t)(oh * ow);
    const size_t kgroups = (size_t)(kh * kw * c / 4);
    if (c % 4 != 0 || c == 0 || n == 0 || m == 0 || ph * pw * c > AVX2_INDIRECT_MAX_VALUES || kgroups > 1024) return 0;
    _Alignas(32) uint16_t padded[AVX2_INDIRECT_MAX_VALUES];
    ptrdiff_t koff[1024];
    // Padded input: row py holds input row py − pad_top, columns shifted by pad_left.
    const uint16_t padding = (uint16_t)((uint8_t)pad ^ 0x80);
    const __m128i flip = _mm_set1_epi8((char)0x80);
    for (ptrdiff_t py = 0; py < ph; py++) {
        uint16_t *dst = padded + py * pw * c;
        for (ptrdiff_t i = 0; i < pw * c; i++) dst[i] = padding;
        const ptrdiff_t iy = py - g->pad_top;
        if (iy < 0 || iy >= g->input_height) continue;
        ptrdiff_t px0 = g->pad_left, ix0 = 0, count = g->input_width;  // input columns inside the padded row
        if (px0 < 0) { ix0 = -px0; count -= ix0; px0 = 0; }
        if (px0 + count > pw) count = pw - px0;
        if (count <= 0) continue;
        const int8_t *src = x + (iy * g->input_width + ix0) * c;
        uint16_t *out = dst + px0 * c;
        ptrdiff_t i = 0;
        for (; i + 16 <= count * c; i += 16)
            _mm256_storeu_si256((__m256i *)(out + i),
                                _mm256_cvtepu8_epi16(_mm_xor_si128(_mm_loadu_si128((const __m128i *)(src + i)), flip)));
        for (; i < count * c; i++) out[i] = (uint16_t)((uint8_t)src[i] ^ 0x80);
    }
    // K group k = (ky, kx, channel group): its bytes sit at this offset from a pixel's window corner.
    for (size_t k = 0; k < kgroups; k++) {
        const ptrdiff_t tap = (ptrdiff_t)k / (c / 4), group = (ptrdiff_t)k % (c / 4);
        koff[k] = 2 * (((tap / kw) * pw + tap % kw) * c + 4 * group);
    }
    const size_t panel_stride = 64 * kgroups;
    __m256i sums[6][2];
    for (size_t n0 = 0; n0 < n; n0 += 16) {
        const size_t nc = n - n0 < 16 ? n - n0 : 16;
        const int8_t *w = packed_weights + (n0 / 16) * panel_stride;
        for (size_t h = 0; h * 8 < nc; h++) {
            const size_t count = nc - 8 * h < 8 ? nc - 8 * h : 8;
            avx2_fast_consts k;
            const int fast = avx2_fast_consts_load(o, n0 + 8 * h, count, &k);
            for (size_t p0 = 0; p0 < m; p0 += 6) {
                const size_t mr = m - p0 < 6 ? m - p0 : 6;
                const uint8_t *rows[6];
                for (size_t r = 0; r < mr; r++) {
                    const ptrdiff_t p = (ptrdiff_t)(p0 + r), oy = p / ow, ox = p - oy * ow;
                    rows[r] = (const uint8_t *)(padded + (oy * g->stride_height * pw + ox * g->stride_width) * c);
                }
                if (mr == 6 && nc == 16) avx2_tile_rows(6, 1, 0, kgroups, rows, koff, w, 4 * nc, nc, h, sums);
                else avx2_indirect_tile(mr, nc < 16, kgroups, rows, koff, w, 4 * nc, nc, h, sums);
                __m256i s[6];
                for (size_t r = 0; r < mr; r++) s[r] = sums[r][0];
                avx2_output_rows(s, mr, count, fast, &k, o, n0 + 8 * h, y + p0 * n + n0 + 8 * h, n);
            }
        }
    }
    return 1;
}
#endif

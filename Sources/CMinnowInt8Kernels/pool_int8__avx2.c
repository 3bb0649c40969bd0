#if defined(__x86_64__) || defined(__i386__)
/* int8 max and average pooling with AVX2: 32 channels per vector (max), 16 (average, int16
 * sums), and the 2×2 stride-2 downsampling max pool two rows at a time. Same bytes as the
 * portable C and the Swift reference (tests compare them). */
#include "spatial_internal.h"

#include <immintrin.h>
#include <string.h>

#define AVX2_TARGET __attribute__((target("avx2")))

/// Channels [0, c) of one output pixel's max: 32 per vector, then 16, then one at a time.
static inline __attribute__((always_inline)) AVX2_TARGET void max_pixel(const window_cells *w, ptrdiff_t c,
                                                                        ptrdiff_t row_step, int32_t lower,
                                                                        int32_t upper, int8_t *out) {
    const __m256i lo = _mm256_set1_epi8((char)lower), hi = _mm256_set1_epi8((char)upper);
    ptrdiff_t ch = 0;
    for (; ch + 32 <= c; ch += 32) {
        __m256i m = _mm256_set1_epi8((char)-128);
        const int8_t *row = w->first + ch;
        for (ptrdiff_t ky = w->ky0; ky < w->ky1; ky++, row += row_step) {
            const int8_t *cell = row;
            for (ptrdiff_t kx = w->kx0; kx < w->kx1; kx++, cell += c)
                m = _mm256_max_epi8(m, _mm256_loadu_si256((const __m256i *)cell));
        }
        _mm256_storeu_si256((__m256i *)(out + ch), _mm256_min_epi8(_mm256_max_epi8(m, lo), hi));
    }
    for (; ch + 16 <= c; ch += 16) {
        __m128i m = _mm_set1_epi8((char)-128);
        const int8_t *row = w->first + ch;
        for (ptrdiff_t ky = w->ky0; ky < w->ky1; ky++, row += row_step) {
            const int8_t *cell = row;
            for (ptrdiff_t kx = w->kx0; kx < w->kx1; kx++, cell += c)
                m = _mm_max_epi8(m, _mm_loadu_si128((const __m128i *)cell));
        }
        _mm_storeu_si128((__m128i *)(out + ch), _mm_min_epi8(_mm_max_epi8(m, _mm256_castsi256_si128(lo)),
                                                             _mm256_castsi256_si128(hi)));
    }
    for (; ch < c; ch++) {
        int32_t m = -128;
        const int8_t *row = w->first + ch;
        for (ptrdiff_t ky = w->ky0; ky < w->ky1; ky++, row += row_step) {
            const int8_t *cell = row;
            for (ptrdiff_t kx = w->kx0; kx < w->kx1; kx++, cell += c) m = *cell > m ? *cell : m;
        }
        out[ch] = clamp8(m, lower, upper);
    }
}

/// Max of 2×2 windows at stride 2 without leading padding, 16 or a multiple of 32 channels:
/// rows 2·oy and 2·oy + 1 max-ed, then horizontal neighbours (two output pixels per vector at
/// 16 channels). The last column or row of an odd-sized input under "same" padding goes pixel
/// by pixel. Writes stay below every input byte still to be read, so `y` may alias `x`.
static AVX2_TARGET int max_pool_2x2s2(const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper, int8_t *y) {
    const ptrdiff_t c = g->channels, row_step = g->input_width * c, ow = g->output_width;
    if (c != 16 && c % 32 != 0) return 0;
    const __m256i lo = _mm256_set1_epi8((char)lower), hi = _mm256_set1_epi8((char)upper);
    ptrdiff_t full_cols = g->input_width / 2, full_rows = g->input_height / 2;
    if (full_cols > ow) full_cols = ow;
    if (full_rows > g->output_height) full_rows = g->output_height;
    for (ptrdiff_t oy = 0; oy < g->output_height; oy++) {
        int8_t *out = y + oy * ow * c;
        ptrdiff_t ox = 0;
        if (oy < full_rows) {
            const int8_t *r0 = x + 2 * oy * row_step, *r1 = r0 + row_step;
            if (c == 16) {
                for (; ox + 2 <= full_cols; ox += 2) {  // input pixels 2ox … 2ox + 3: 64 bytes per row
                    const ptrdiff_t at = 2 * ox * c;
                    const __m256i a = _mm256_max_epi8(_mm256_loadu_si256((const __m256i *)(r0 + at)),
                                                      _mm256_loadu_si256((const __m256i *)(r1 + at)));
                    const __m256i b = _mm256_max_epi8(_mm256_loadu_si256((const __m256i *)(r0 + at + 32)),
                                                      _mm256_loadu_si256((const __m256i *)(r1 + at + 32)));
                    const __m256i m = _mm256_max_epi8(_mm256_permute2x128_si256(a, b, 0x20),
                                                      _mm256_permute2x128_si256(a, b, 0x31));
                    _mm256_storeu_si256((__m256i *)(out + ox * c), _mm256_min_epi8(_mm256_max_epi8(m, lo), hi));
                }
            } else {
                for (; ox < full_cols; ox++) {
                    const ptrdiff_t at = 2 * ox * c;
                    for (ptrdiff_t ch = 0; ch < c; ch += 32) {
                        const __m256i a = _mm256_max_epi8(_mm256_loadu_si256((const __m256i *)(r0 + at + ch)),
                                                          _mm256_loadu_si256((const __m256i *)(r1 + at + ch)));
                        const __m256i b = _mm256_max_epi8(_mm256_loadu_si256((const __m256i *)(r0 + at + c + ch)),
                                                          _mm256_loadu_si256((const __m256i *)(r1 + at + c + ch)));
                        _mm256_storeu_si256((__m256i *)(out + ox * c + ch),
                                            _mm256_min_epi8(_mm256_max_epi8(_mm256_max_epi8(a, b), lo), hi));
                    }
                }
            }
        }
        for (; ox < ow; ox++) {
            const window_cells w = cells_of(x, g, oy, ox);
            max_pixel(&w, c, row_step, lower, upper, out + ox * c);
        }
    }
    return 1;
}

AVX2_TARGET void minnow_max_pool_int8__avx2(const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper,
                                            int8_t *y) {
    const int downsample = g->kernel_height == 2 && g->kernel_width == 2 && g->stride_height == 2 &&
                           g->stride_width == 2 && g->pad_top == 0 && g->pad_left == 0;
    if (downsample && max_pool_2x2s2(x, g, lower, upper, y)) return;
    const ptrdiff_t c = g->channels, row_step = g->input_width * c;
    for (ptrdiff_t oy = 0; oy < g->output_height; oy++)
        for (ptrdiff_t ox = 0; ox < g->output_width; ox++, y += c) {
            const window_cells w = cells_of(x, g, oy, ox);
            max_pixel(&w, c, row_step, lower, upper, y);
        }
}

/// Average pooling: per pixel, 16 channels of int16 sums (exact for up to 256 cells; larger
/// windows take the int32 loop), then Σ / cells rounded half away from zero through float
/// division, which is exact here: |Σ ± cells/2| < 2^16, so a quotient just below an integer
/// stays below it after rounding to float (relative gap ≥ 2^−16 > 2^−24), and truncation gives
/// the integer quotient.
AVX2_TARGET void minnow_average_pool_int8__avx2(const int8_t *x, const minnow_window *g, int32_t lower,
                                                int32_t upper, int8_t *y) {
    const ptrdiff_t c = g->channels, row_step = g->input_width * c;
    const __m128i lo = _mm_set1_epi8((char)lower), hi = _mm_set1_epi8((char)upper);
    for (ptrdiff_t oy = 0; oy < g->output_height; oy++) {
        for (ptrdiff_t ox = 0; ox < g->output_width; ox++, y += c) {
            const window_cells w = cells_of(x, g, oy, ox);
            const int32_t cells = (int32_t)((w.ky1 - w.ky0) * (w.kx1 - w.kx0));
            ptrdiff_t ch = 0;
            if (cells > 0 && cells <= 256) {
                const __m256 divisor = _mm256_set1_ps((float)cells);
                const __m256i half = _mm256_set1_epi32(cells / 2);
                for (; ch + 16 <= c; ch += 16) {
                    __m256i sum = _mm256_setzero_si256();
                    const int8_t *row = w.first + ch;
                    for (ptrdiff_t ky = w.ky0; ky < w.ky1; ky++, row += row_step) {
                        const int8_t *cell = row;
                        for (ptrdiff_t kx = w.kx0; kx < w.kx1; kx++, cell += c)
                            sum = _mm256_add_epi16(sum, _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)cell)));
                    }
                    __m256i q[2];
                    for (int h = 0; h < 2; h++) {
                        const __m256i s = _mm256_cvtepi16_epi32(h == 0 ? _mm256_castsi256_si128(sum)
                                                                       : _mm256_extracti128_si256(sum, 1));
                        // a ± cells/2 (sign of a), then truncating division.
                        const __m256i neg = _mm256_cmpgt_epi32(_mm256_setzero_si256(), s);
                        const __m256i n = _mm256_add_epi32(s, _mm256_sub_epi32(_mm256_xor_si256(half, neg), neg));
                        q[h] = _mm256_cvttps_epi32(_mm256_div_ps(_mm256_cvtepi32_ps(n), divisor));
                    }
                    // Saturating narrowing (the clamp bounds lie within int8), then the clamp.
                    const __m256i words = _mm256_permute4x64_epi64(_mm256_packs_epi32(q[0], q[1]), 0xD8);
                    const __m128i bytes = _mm_packs_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1));
                    _mm_storeu_si128((__m128i *)(y + ch), _mm_min_epi8(_mm_max_epi8(bytes, lo), hi));
                }
            }
            for (; ch < c; ch++) {
                int32_t acc = 0;
                const int8_t *row = w.first + ch;
                for (ptrdiff_t ky = w.ky0; ky < w.ky1; ky++, row += row_step) {
                    const int8_t *cell = row;
                    for (ptrdiff_t kx = w.kx0; kx < w.kx1; kx++, cell += c) acc += *cell;
                }
                y[ch] = clamp8(cells > 0 ? rounded_divide(acc, cells) : 0, lower, upper);
            }
        }
    }
}
#endif

#include "spatial_internal.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MINNOW_X86 1
#define AVX512BW_TARGET __attribute__((target("avx512f,avx512bw,avx512vl")))
#elif defined(__aarch64__) || defined(__ARM_NEON)
#include <arm_neon.h>
#define MINNOW_NEON 1
#endif

/// Channels [c0, c1) of one pixel, plain C (accumulator −128 as the Swift reference).
static inline void max_cells_scalar(const window_cells *w, ptrdiff_t c0, ptrdiff_t c1, ptrdiff_t row_step,
                                    ptrdiff_t pixel_step, int32_t lower, int32_t upper, int8_t *out) {
    for (ptrdiff_t ch = c0; ch < c1; ch++) {
        int32_t m = -128;
        const int8_t *row = w->first + ch;
        for (ptrdiff_t ky = w->ky0; ky < w->ky1; ky++, row += row_step) {
            const int8_t *cell = row;
            for (ptrdiff_t kx = w->kx0; kx < w->kx1; kx++, cell += pixel_step) m = *cell > m ? *cell : m;
        }
        out[ch] = clamp8(m, lower, upper);
    }
}

static void max_pool_portable(const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper, int8_t *y) {
    const ptrdiff_t c = g->channels, row_step = g->input_width * c;
    for (ptrdiff_t oy = 0; oy < g->output_height; oy++) {
        for (ptrdiff_t ox = 0; ox < g->output_width; ox++, y += c) {
            const window_cells w = cells_of(x, g, oy, ox);
            ptrdiff_t ch = 0;
#if defined(MINNOW_X86)
            // SSE2 has no signed byte max: flip to unsigned (q ^ 0x80), max, flip back.
            const __m128i flip = _mm_set1_epi8((char)0x80);
            const __m128i lo = _mm_set1_epi8((char)(lower ^ 0x80)), hi = _mm_set1_epi8((char)(upper ^ 0x80));
            for (; ch + 16 <= c; ch += 16) {
                __m128i m = _mm_setzero_si128();
                const int8_t *row = w.first + ch;
                for (ptrdiff_t ky = w.ky0; ky < w.ky1; ky++, row += row_step) {
                    const int8_t *cell = row;
                    for (ptrdiff_t kx = w.kx0; kx < w.kx1; kx++, cell += c)
                        m = _mm_max_epu8(m, _mm_xor_si128(_mm_loadu_si128((const __m128i *)cell), flip));
                }
                m = _mm_min_epu8(_mm_max_epu8(m, lo), hi);
                _mm_storeu_si128((__m128i *)(y + ch), _mm_xor_si128(m, flip));
            }
#elif defined(MINNOW_NEON)
            const int8x16_t lo = vdupq_n_s8((int8_t)lower), hi = vdupq_n_s8((int8_t)upper);
            for (; ch + 16 <= c; ch += 16) {
                int8x16_t m = vdupq_n_s8(-128);
                const int8_t *row = w.first + ch;
                for (ptrdiff_t ky = w.ky0; ky < w.ky1; ky++, row += row_step) {
                    const int8_t *cell = row;
                    for (ptrdiff_t kx = w.kx0; kx < w.kx1; kx++, cell += c) m = vmaxq_s8(m, vld1q_s8(cell));
                }
                vst1q_s8(y + ch, vminq_s8(vmaxq_s8(m, lo), hi));
            }
#endif
            max_cells_scalar(&w, ch, c, row_step, c, lower, upper, y);
        }
    }
}

#if defined(MINNOW_X86)
/// Bytes [0, n) of a 64-byte vector as a mask (n ≤ 64).
static inline __mmask64 first_bytes(ptrdiff_t n) { return n >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1); }

/// Max pooling of output pixel (oy, ox) into `out`, 64 channels per vector (masked tail).
AVX512BW_TARGET static inline void max_pool_pixel_avx512bw(const int8_t *x, const minnow_window *g, ptrdiff_t oy,
                                                           ptrdiff_t ox, __m512i lo, __m512i hi, int8_t *out) {
    const ptrdiff_t c = g->channels, row_step = g->input_width * c;
    const window_cells w = cells_of(x, g, oy, ox);
    for (ptrdiff_t ch = 0; ch < c; ch += 64) {
        const __mmask64 mask = first_bytes(c - ch);
        __m512i m = _mm512_set1_epi8((char)-128);
        const int8_t *row = w.first + ch;
        for (ptrdiff_t ky = w.ky0; ky < w.ky1; ky++, row += row_step) {
            const int8_t *cell = row;
            for (ptrdiff_t kx = w.kx0; kx < w.kx1; kx++, cell += c)
                m = _mm512_max_epi8(m, _mm512_maskz_loadu_epi8(mask, cell));
        }
        _mm512_mask_storeu_epi8(out + ch, mask, _mm512_min_epi8(_mm512_max_epi8(m, lo), hi));
    }
}

/// AVX-512BW: 64 channels per vector, masked loads and stores for the last partial vector.
AVX512BW_TARGET static void max_pool_avx512bw(const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper,
                                              int8_t *y) {
    const __m512i lo = _mm512_set1_epi8((char)lower), hi = _mm512_set1_epi8((char)upper);
    for (ptrdiff_t oy = 0; oy < g->output_height; oy++)
        for (ptrdiff_t ox = 0; ox < g->output_width; ox++, y += g->channels) max_pool_pixel_avx512bw(x, g, oy, ox, lo, hi, y);
}

/// Max of 2×2 windows at stride 2 without leading padding (the usual downsampling pool).
/// Output pixels whose window lies inside the input go several at a time for 16 or 32
/// channels: two input rows are max-ed, then 128-bit lane shuffles pair up horizontal
/// neighbours (four outputs per vector at 16 channels, two at 32). Other channel counts, and
/// the last column or row of an odd-sized input under "same" padding, take the generic loop.
/// Writes stay below every input byte still to be read, so `y` may alias `x`.
AVX512BW_TARGET static void max_pool_2x2s2_avx512bw(const int8_t *x, const minnow_window *g, int32_t lower,
                                                    int32_t upper, int8_t *y) {
    const ptrdiff_t c = g->channels, row_step = g->input_width * c, ow = g->output_width;
    const __m512i lo = _mm512_set1_epi8((char)lower), hi = _mm512_set1_epi8((char)upper);
    ptrdiff_t full_cols = g->input_width / 2, full_rows = g->input_height / 2;
    if (full_cols > ow) full_cols = ow;
    if (full_rows > g->output_height) full_rows = g->output_height;
    const ptrdiff_t per_vector = c == 16 ? 4 : c == 32 ? 2 : 0;  // output pixels per vector
    for (ptrdiff_t oy = 0; oy < g->output_height; oy++) {
        int8_t *out = y + oy * ow * c;
        ptrdiff_t ox = 0;
        if (per_vector > 0 && oy < full_rows) {
            const int8_t *r0 = x + 2 * oy * row_step, *r1 = r0 + row_step;
            while (ox < full_cols) {
                const ptrdiff_t n = full_cols - ox < per_vector ? full_cols - ox : per_vector;
                const ptrdiff_t in_bytes = 2 * n * c, out_bytes = n * c;  // ≤ 128 and ≤ 64
                const __mmask64 m_a = first_bytes(in_bytes);
                const __mmask64 m_b = in_bytes <= 64 ? 0 : first_bytes(in_bytes - 64);
                const ptrdiff_t at = 2 * ox * c;
                const __m512i a = _mm512_max_epi8(_mm512_maskz_loadu_epi8(m_a, r0 + at), _mm512_maskz_loadu_epi8(m_a, r1 + at));
                const __m512i b = _mm512_max_epi8(_mm512_maskz_loadu_epi8(m_b, r0 + at + 64),
                                                  _mm512_maskz_loadu_epi8(m_b, r1 + at + 64));
                __m512i m;
                if (c == 16) {  // a = pixels 0..3, b = 4..7 (one 128-bit lane each)
                    m = _mm512_max_epi8(_mm512_shuffle_i64x2(a, b, _MM_SHUFFLE(2, 0, 2, 0)),
                                        _mm512_shuffle_i64x2(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
                } else {  // 32 channels: a = pixels 0, 1, b = 2, 3 (two lanes each)
                    m = _mm512_max_epi8(_mm512_shuffle_i64x2(a, b, _MM_SHUFFLE(1, 0, 1, 0)),
                                        _mm512_shuffle_i64x2(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
                }
                const __mmask64 m_out = first_bytes(out_bytes);
                _mm512_mask_storeu_epi8(out + ox * c, m_out, _mm512_min_epi8(_mm512_max_epi8(m, lo), hi));
                ox += n;
            }
        }
        for (; ox < ow; ox++) max_pool_pixel_avx512bw(x, g, oy, ox, lo, hi, out + ox * c);
    }
}

#endif

/// Instruction sets family `kernel` may use on this CPU (unsupported families: the limit's).
static unsigned family_isa(int kernel) {
    if (!minnow_qgemm_kernel_supported(kernel)) return minnow_int8_isa();
    const unsigned detected = minnow_int8_isa_detected();
    switch (kernel) {
    case MINNOW_QGEMM_AVX2: return detected & MINNOW_ISA_AVX2;
    case MINNOW_QGEMM_AVX512VNNI: return detected & (MINNOW_ISA_AVX2 | MINNOW_ISA_AVX512BW | MINNOW_ISA_AVX512VBMI);
    case MINNOW_QGEMM_NEON: return detected & MINNOW_ISA_NEON;
    case MINNOW_QGEMM_NEONDOT: return detected & (MINNOW_ISA_NEON | MINNOW_ISA_NEONDOT);
    default: return 0;
    }
}

static void max_pool_isa(unsigned isa, const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper,
                         int8_t *y) {
#if defined(MINNOW_X86)
    const int downsample = g->kernel_height == 2 && g->kernel_width == 2 && g->stride_height == 2 &&
                           g->stride_width == 2 && g->pad_top == 0 && g->pad_left == 0;
    if (isa & MINNOW_ISA_AVX512BW) {
        if (downsample) { max_pool_2x2s2_avx512bw(x, g, lower, upper, y); return; }
        // 16-channel tensors run as fast with SSE2 and skip the masked-load setup.
        if (g->channels > 16) { max_pool_avx512bw(x, g, lower, upper, y); return; }
    }
    if (isa & MINNOW_ISA_AVX2) { minnow_max_pool_int8__avx2(x, g, lower, upper, y); return; }
#else
    (void)isa;
#endif
    max_pool_portable(x, g, lower, upper, y);
}

void minnow_max_pool_int8(const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper, int8_t *y) {
    max_pool_isa(minnow_int8_isa(), x, g, lower, upper, y);
}

void minnow_max_pool_int8_kernel(int kernel, const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper,
                                 int8_t *y) {
    max_pool_isa(family_isa(kernel), x, g, lower, upper, y);
}

static void average_pool_portable(const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper, int8_t *y);

static void average_pool_isa(unsigned isa, const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper,
                             int8_t *y) {
#if defined(MINNOW_X86)
    if (isa & MINNOW_ISA_AVX2) { minnow_average_pool_int8__avx2(x, g, lower, upper, y); return; }
#else
    (void)isa;
#endif
    average_pool_portable(x, g, lower, upper, y);
}

void minnow_average_pool_int8(const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper, int8_t *y) {
    average_pool_isa(minnow_int8_isa(), x, g, lower, upper, y);
}

void minnow_average_pool_int8_kernel(int kernel, const int8_t *x, const minnow_window *g, int32_t lower,
                                     int32_t upper, int8_t *y) {
    average_pool_isa(family_isa(kernel), x, g, lower, upper, y);
}

static void average_pool_portable(const int8_t *x, const minnow_window *g, int32_t lower, int32_t upper, int8_t *y) {
    enum { chunk = 64 };
    const ptrdiff_t c = g->channels, row_step = g->input_width * c;
    int32_t acc[chunk];
    for (ptrdiff_t oy = 0; oy < g->output_height; oy++) {
        for (ptrdiff_t ox = 0; ox < g->output_width; ox++, y += c) {
            const window_cells w = cells_of(x, g, oy, ox);
            const int32_t cells = (int32_t)((w.ky1 - w.ky0) * (w.kx1 - w.kx0));
            for (ptrdiff_t c0 = 0; c0 < c; c0 += chunk) {
                const ptrdiff_t n = c - c0 < chunk ? c - c0 : chunk;
                for (ptrdiff_t i = 0; i < n; i++) acc[i] = 0;
                const int8_t *row = w.first + c0;
                for (ptrdiff_t ky = w.ky0; ky < w.ky1; ky++, row += row_step) {
                    const int8_t *cell = row;
                    for (ptrdiff_t kx = w.kx0; kx < w.kx1; kx++, cell += c)
                        for (ptrdiff_t i = 0; i < n; i++) acc[i] += cell[i];
                }
                for (ptrdiff_t i = 0; i < n; i++) y[c0 + i] = clamp8(rounded_divide(acc[i], cells), lower, upper);
            }
        }
    }
}

/// Copies `n` bytes XOR `mask` with a few fixed-size (possibly overlapping) moves instead of a
/// libc call: im2col copies are short (one kernel row of one pixel). `mask` is 0 (plain copy) or
/// 0x80 (the u8 = q ^ 0x80 form of the x86 GEMM kernels); overlapping moves write equal bytes.
static inline __attribute__((always_inline)) void copy_short(int8_t *d, const int8_t *s, ptrdiff_t n,
                                                              uint8_t mask) {
    const uint64_t m8 = mask * 0x0101010101010101ull;
    if (n >= 16) {
        ptrdiff_t i = 0;
        uint64_t v[2];
        for (; i + 16 <= n; i += 16) {
            memcpy(v, s + i, 16); v[0] ^= m8; v[1] ^= m8; memcpy(d + i, v, 16);
        }
        if (i < n) { memcpy(v, s + n - 16, 16); v[0] ^= m8; v[1] ^= m8; memcpy(d + n - 16, v, 16); }
    } else if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, s, 8); memcpy(&b, s + n - 8, 8);
        a ^= m8; b ^= m8;
        memcpy(d, &a, 8); memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4); memcpy(&b, s + n - 4, 4);
        a ^= (uint32_t)m8; b ^= (uint32_t)m8;
        memcpy(d, &a, 4); memcpy(d + n - 4, &b, 4);
    } else if (n >= 2) {
        uint16_t a, b;
        memcpy(&a, s, 2); memcpy(&b, s + n - 2, 2);
        a ^= (uint16_t)m8; b ^= (uint16_t)m8;
        memcpy(d, &a, 2); memcpy(d + n - 2, &b, 2);
    } else if (n == 1) {
        *d = (int8_t)((uint8_t)*s ^ mask);
    }
}

/// Sets `n` bytes to `v` with a few fixed-size (possibly overlapping) stores, as `copy_short`
/// (a libc memset call costs more than these short fills).
static inline __attribute__((always_inline)) void fill_short(int8_t *d, int8_t v, ptrdiff_t n) {
    const uint64_t v8 = (uint8_t)v * 0x0101010101010101ull;
    if (n >= 8) {
        ptrdiff_t i = 0;
        for (; i + 8 <= n; i += 8) memcpy(d + i, &v8, 8);
        if (i < n) memcpy(d + n - 8, &v8, 8);
    } else if (n >= 4) {
        const uint32_t v4 = (uint32_t)v8;
        memcpy(d, &v4, 4);
        memcpy(d + n - 4, &v4, 4);
    } else if (n >= 2) {
        const uint16_t v2 = (uint16_t)v8;
        memcpy(d, &v2, 2);
        memcpy(d + n - 2, &v2, 2);
    } else if (n == 1) {
        *d = v;
    }
}

/// Zeros the `tail` bytes after a pixel's K values (the K padding of packed GEMM rows).
static inline __attribute__((always_inline)) void zero_tail(int8_t *d, ptrdiff_t tail) { fill_short(d, 0, tail); }

/// One output pixel tap by tap, with bounds checks (border pixels). `pad` is already masked.
static void im2col_pixel(const int8_t *x, const minnow_window *g, ptrdiff_t oy, ptrdiff_t ox, int8_t pad,
                         uint8_t mask, int8_t *dst) {
    const ptrdiff_t c = g->channels, kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t h = g->input_height, wd = g->input_width, row_bytes = kw * c;
    const ptrdiff_t y0 = oy * g->stride_height - g->pad_top, x0 = ox * g->stride_width - g->pad_left;
    const int columns_inside = x0 >= 0 && x0 + kw <= wd;
    for (ptrdiff_t ky = 0; ky < kh; ky++, dst += row_bytes) {
        const ptrdiff_t iy = y0 + ky;
        if (iy < 0 || iy >= h) { fill_short(dst, pad, row_bytes); continue; }
        if (columns_inside) { copy_short(dst, x + (iy * wd + x0) * c, row_bytes, mask); continue; }
        for (ptrdiff_t kx = 0; kx < kw; kx++) {
            const ptrdiff_t ix = x0 + kx;
            if (ix >= 0 && ix < wd) copy_short(dst + kx * c, x + (iy * wd + ix) * c, c, mask);
            else fill_short(dst + kx * c, pad, c);
        }
    }
}

/// Interior pixels (every tap inside the input): one straight copy of `row_bytes` per kernel
/// row, then `tail` zero bytes. Inlined with constant `row_bytes` for the common shapes so each
/// copy is a few moves.
static inline __attribute__((always_inline)) int8_t *im2col_interior(const int8_t *src, ptrdiff_t count,
                                                                     ptrdiff_t pixel_step, ptrdiff_t input_row,
                                                                     ptrdiff_t kh, const ptrdiff_t row_bytes,
                                                                     ptrdiff_t tail, uint8_t mask, int8_t *dst) {
    for (ptrdiff_t p = 0; p < count; p++, src += pixel_step) {
        const int8_t *row = src;
        for (ptrdiff_t ky = 0; ky < kh; ky++, row += input_row, dst += row_bytes) copy_short(dst, row, row_bytes, mask);
        zero_tail(dst, tail);
        dst += tail;
    }
    return dst;
}

/// The shared im2col: rows `row_stride` bytes apart (K values XOR `mask`, then zeros).
static inline __attribute__((always_inline)) void im2col_rows(const int8_t *x, const minnow_window *g,
                                                               ptrdiff_t first_pixel, ptrdiff_t pixels, int8_t pad,
                                                               ptrdiff_t row_stride, uint8_t mask, int8_t *dst) {
    const ptrdiff_t c = g->channels, kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t sw = g->stride_width, ow = g->output_width;
    const ptrdiff_t row_bytes = kw * c, depth = kh * row_bytes;  // a kernel row is contiguous in the input
    const ptrdiff_t tail = row_stride - depth;
    const ptrdiff_t input_row = g->input_width * c, pixel_step = sw * c;
    pad = (int8_t)((uint8_t)pad ^ mask);
    // Output columns whose taps all lie inside the input: pad_left ≤ ox·sw ≤ W − kw + pad_left.
    ptrdiff_t inner0 = (g->pad_left + sw - 1) / sw;
    ptrdiff_t inner1 = g->input_width - kw + g->pad_left < 0 ? 0 : (g->input_width - kw + g->pad_left) / sw + 1;
    if (inner1 > ow) inner1 = ow;
    if (inner0 > inner1) inner0 = inner1;
    ptrdiff_t oy = first_pixel / ow, ox = first_pixel - oy * ow;
    while (pixels > 0) {
        const ptrdiff_t end = ox + pixels < ow ? ox + pixels : ow;  // this output row: ox..<end
        pixels -= end - ox;
        const ptrdiff_t y0 = oy * g->stride_height - g->pad_top;
        if (y0 >= 0 && y0 + kh <= g->input_height) {
            for (; ox < end && ox < inner0; ox++, dst += row_stride) {
                im2col_pixel(x, g, oy, ox, pad, mask, dst);
                zero_tail(dst + depth, tail);
            }
            const ptrdiff_t stop = end < inner1 ? end : inner1;
            if (ox < stop) {
                const int8_t *src = x + y0 * input_row + (ox * sw - g->pad_left) * c;
                const ptrdiff_t n = stop - ox;
                switch (row_bytes) {
                case 3: dst = im2col_interior(src, n, pixel_step, input_row, kh, 3, tail, mask, dst); break;
                case 9: dst = im2col_interior(src, n, pixel_step, input_row, kh, 9, tail, mask, dst); break;
                case 24: dst = im2col_interior(src, n, pixel_step, input_row, kh, 24, tail, mask, dst); break;
                case 48: dst = im2col_interior(src, n, pixel_step, input_row, kh, 48, tail, mask, dst); break;
                case 96: dst = im2col_interior(src, n, pixel_step, input_row, kh, 96, tail, mask, dst); break;
                default: dst = im2col_interior(src, n, pixel_step, input_row, kh, row_bytes, tail, mask, dst); break;
                }
                ox = stop;
            }
        }
        for (; ox < end; ox++, dst += row_stride) {
            im2col_pixel(x, g, oy, ox, pad, mask, dst);
            zero_tail(dst + depth, tail);
        }
        ox = 0;
        oy++;
    }
}

void minnow_im2col_int8(const int8_t *x, const minnow_window *g, ptrdiff_t first_pixel, ptrdiff_t pixels,
                        int8_t pad, int8_t *dst) {
    const ptrdiff_t depth = g->kernel_height * g->kernel_width * g->channels;
    im2col_rows(x, g, first_pixel, pixels, pad, depth, 0, dst);
}

/// Copies `count` pixels' kernel row: `row_bytes` bytes from `src + p·pixel_step` to
/// `dst + p·row_stride`. Inlined with constant `row_bytes` for the common shapes.
static inline __attribute__((always_inline)) void copy_kernel_rows(const int8_t *src, ptrdiff_t count,
                                                                    ptrdiff_t pixel_step, const ptrdiff_t row_bytes,
                                                                    ptrdiff_t row_stride, int8_t *dst) {
    for (ptrdiff_t p = 0; p < count; p++, src += pixel_step, dst += row_stride) copy_short(dst, src, row_bytes, 0);
}

/// `copy_kernel_rows` for 3-byte kernel rows (3×3 kernels over one channel) with one 4-byte
/// move each: the extra byte read stays inside the padded row's slack, and the extra byte
/// written is the next kernel row's first byte (written later) or the row's zero tail (written
/// after), so callers use it only when such a byte follows.
static inline __attribute__((always_inline)) void copy_kernel_rows3(const int8_t *src, ptrdiff_t count,
                                                                     ptrdiff_t pixel_step, ptrdiff_t row_stride,
                                                                     int8_t *dst) {
    for (ptrdiff_t p = 0; p < count; p++, src += pixel_step, dst += row_stride) {
        uint32_t v;
        memcpy(&v, src, 4);
        memcpy(dst, &v, 4);
    }
}

/// Largest padded input row (bytes) `im2col_padded_rows` builds on the stack.
#define IM2COL_PADDED_ROW_BYTES 2048

/// im2col one kernel row at a time through a padded copy of the input row: each input row a
/// kernel row touches is copied once (XOR `mask`, padding cells `pad`) into a stack buffer
/// covering every column the output row reads, so every pixel (border or not) is one straight
/// copy of `kw·C` bytes. Returns 0 (writing nothing) when that buffer would be too large.
static int im2col_padded_rows(const int8_t *x, const minnow_window *g, ptrdiff_t first_pixel, ptrdiff_t pixels,
                              int8_t pad, ptrdiff_t row_stride, uint8_t mask, int8_t *dst) {
    const ptrdiff_t c = g->channels, kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t sw = g->stride_width, ow = g->output_width, w = g->input_width;
    const ptrdiff_t row_bytes = kw * c, depth = kh * row_bytes, tail = row_stride - depth;
    const ptrdiff_t padded_width = (ow - 1) * sw + kw;  // columns −pad_left ..< padded_width − pad_left
    if (padded_width * c > IM2COL_PADDED_ROW_BYTES) return 0;
    int8_t row[IM2COL_PADDED_ROW_BYTES + 16];  // slack for the 4-byte moves of `copy_kernel_rows3`
    pad = (int8_t)((uint8_t)pad ^ mask);
    // Padded columns [left, left + inside) hold input columns [0, inside).
    const ptrdiff_t left = g->pad_left < padded_width ? g->pad_left : padded_width;
    ptrdiff_t inside = padded_width - left < w ? padded_width - left : w;
    if (inside < 0) inside = 0;
    const ptrdiff_t right = padded_width - left - inside;
    fill_short(row, pad, left * c);
    fill_short(row + (left + inside) * c, pad, right * c);
    fill_short(row + padded_width * c, 0, 4);  // defined bytes for over-reads
    const ptrdiff_t pixel_step = sw * c;
    ptrdiff_t oy = first_pixel / ow, ox = first_pixel - oy * ow;
    while (pixels > 0) {
        const ptrdiff_t n = ox + pixels < ow ? pixels : ow - ox;  // pixels ox..<ox+n of this output row
        pixels -= n;
        const ptrdiff_t y0 = oy * g->stride_height - g->pad_top;
        int padded_row_valid = 0;  // whether `row` holds all-padding (after an outside row)
        for (ptrdiff_t ky = 0; ky < kh; ky++) {
            const ptrdiff_t iy = y0 + ky;
            if (iy < 0 || iy >= g->input_height) {
                if (!padded_row_valid) { fill_short(row + left * c, pad, inside * c); padded_row_valid = 1; }
            } else {
                copy_short(row + left * c, x + iy * w * c, inside * c, mask);
                padded_row_valid = 0;
            }
            const int8_t *src = row + ox * pixel_step;
            int8_t *d = dst + ky * row_bytes;
            switch (row_bytes) {
            case 3:
                if (ky + 1 < kh || tail > 0) copy_kernel_rows3(src, n, pixel_step, row_stride, d);
                else copy_kernel_rows(src, n, pixel_step, 3, row_stride, d);
                break;
            case 9: copy_kernel_rows(src, n, pixel_step, 9, row_stride, d); break;
            case 24: copy_kernel_rows(src, n, pixel_step, 24, row_stride, d); break;
            case 48: copy_kernel_rows(src, n, pixel_step, 48, row_stride, d); break;
            case 96: copy_kernel_rows(src, n, pixel_step, 96, row_stride, d); break;
            default: copy_kernel_rows(src, n, pixel_step, row_bytes, row_stride, d); break;
            }
        }
        if (tail > 0)
            for (ptrdiff_t p = 0; p < n; p++) zero_tail(dst + p * row_stride + depth, tail);
        dst += n * row_stride;
        ox = 0;
        oy++;
    }
    return 1;
}

#if defined(MINNOW_X86)
#define AVX512VBMI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi")))

static int has_avx512vbmi(void) { return (minnow_int8_isa() & MINNOW_ISA_AVX512VBMI) != 0; }

/// Byte sources of 16 packed rows of a 3×3 single-channel window (12 bytes each: 9 taps, then
/// 3 zeros), 64 output bytes per vector: output byte 64·z + b is pixel p = (64·z + b) / 12,
/// position i = (64·z + b) % 12; taps (ky, kx) = (i / 3, i % 3) come from padded input row ky
/// at column p + kx, which `vpermt2b` finds at ky·32 + p + kx (rows 0 and 1 in the first table,
/// row 2 at 64 + p + kx in the second). Positions 9…11 are masked to zero.
static const uint8_t im2col_3x3c1_index[3][64] = {
    {0, 1, 2, 32, 33, 34, 64, 65, 66, 0, 0, 0, 1, 2, 3, 33, 34, 35, 65, 66, 67, 0, 0, 0, 2, 3, 4, 34, 35, 36, 66, 67,
     68, 0, 0, 0, 3, 4, 5, 35, 36, 37, 67, 68, 69, 0, 0, 0, 4, 5, 6, 36, 37, 38, 68, 69, 70, 0, 0, 0, 5, 6, 7, 37},
    {38, 39, 69, 70, 71, 0, 0, 0, 6, 7, 8, 38, 39, 40, 70, 71, 72, 0, 0, 0, 7, 8, 9, 39, 40, 41, 71, 72, 73, 0, 0, 0,
     8, 9, 10, 40, 41, 42, 72, 73, 74, 0, 0, 0, 9, 10, 11, 41, 42, 43, 73, 74, 75, 0, 0, 0, 10, 11, 12, 42, 43, 44, 74, 75},
    {76, 0, 0, 0, 11, 12, 13, 43, 44, 45, 75, 76, 77, 0, 0, 0, 12, 13, 14, 44, 45, 46, 76, 77, 78, 0, 0, 0, 13, 14, 15, 45,
     46, 47, 77, 78, 79, 0, 0, 0, 14, 15, 16, 46, 47, 48, 78, 79, 80, 0, 0, 0, 15, 16, 17, 47, 48, 49, 79, 80, 81, 0, 0, 0},
};
static const uint64_t im2col_3x3c1_taps[3] = {0xf1ff1ff1ff1ff1ffull, 0xff1ff1ff1ff1ff1full, 0x1ff1ff1ff1ff1ff1ull};

/// Largest padded output row (pixels) `im2col_3x3s1c1_vbmi` handles.
#define IM2COL_VBMI_MAX_WIDTH 1024

/// im2col of a 3×3, stride-1, single-channel convolution (grayscale first layers) into packed
/// 12-byte rows, 16 pixels per three `vpermt2b`s: the three input rows an output row reads are
/// copied once into padded rows (XOR `mask`, padding cells `pad`), then each block of 16 pixels
/// gathers its taps from them with the fixed index table above. Returns 0 when the output row is
/// wider than IM2COL_VBMI_MAX_WIDTH (nothing written).
AVX512VBMI_TARGET static int im2col_3x3s1c1_vbmi(const int8_t *x, const minnow_window *g, ptrdiff_t first_pixel,
                                                 ptrdiff_t pixels, int8_t pad, uint8_t mask, int8_t *dst) {
    const ptrdiff_t ow = g->output_width, w = g->input_width;
    if (ow > IM2COL_VBMI_MAX_WIDTH) return 0;
    // Padded row ky: columns −pad_left … ow + 1 − pad_left, then 64 bytes of slack for the loads.
    int8_t rows[3][IM2COL_VBMI_MAX_WIDTH + 2 + 64];
    const __m512i flip = _mm512_set1_epi8((char)mask), padding = _mm512_set1_epi8((char)((uint8_t)pad ^ mask));
    const ptrdiff_t padded_width = ow + 2;
    const ptrdiff_t left = g->pad_left < padded_width ? g->pad_left : padded_width;
    ptrdiff_t inside = padded_width - left < w ? padded_width - left : w;
    if (inside < 0) inside = 0;
    const __m512i index0 = _mm512_loadu_si512((const void *)im2col_3x3c1_index[0]);
    const __m512i index1 = _mm512_loadu_si512((const void *)im2col_3x3c1_index[1]);
    const __m512i index2 = _mm512_loadu_si512((const void *)im2col_3x3c1_index[2]);
    ptrdiff_t oy = first_pixel / ow, ox = first_pixel - oy * ow;
    while (pixels > 0) {
        const ptrdiff_t n = ox + pixels < ow ? pixels : ow - ox;  // pixels ox..<ox+n of this output row
        pixels -= n;
        const ptrdiff_t y0 = oy - g->pad_top;
        for (ptrdiff_t ky = 0; ky < 3; ky++) {
            int8_t *row = rows[ky];
            for (ptrdiff_t i = 0; i < padded_width + 64; i += 64) _mm512_storeu_si512((void *)(row + i), padding);
            const ptrdiff_t iy = y0 + ky;
            if (iy < 0 || iy >= g->input_height) continue;
            const int8_t *src = x + iy * w;
            for (ptrdiff_t i = 0; i < inside; i += 64) {
                const ptrdiff_t m = inside - i < 64 ? inside - i : 64;
                const __mmask64 k = first_bytes(m);
                _mm512_mask_storeu_epi8(row + left + i, k, _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, src + i), flip));
            }
        }
        for (ptrdiff_t p = 0; p < n; p += 16, dst += 192) {
            const ptrdiff_t at = ox + p;  // padded column of this block's first window
            const __m512i t1 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(rows[0] + at))),
                                                  _mm256_loadu_si256((const __m256i *)(rows[1] + at)), 1);
            const __m512i t2 = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(rows[2] + at)));
            const ptrdiff_t bytes = (n - p < 16 ? n - p : 16) * 12;  // ≤ 192
            for (int z = 0; z < 3; z++) {
                const ptrdiff_t left_bytes = bytes - 64 * z;
                if (left_bytes <= 0) break;
                const __m512i index = z == 0 ? index0 : z == 1 ? index1 : index2;
                const __m512i v = _mm512_maskz_permutex2var_epi8((__mmask64)im2col_3x3c1_taps[z], t1, index, t2);
                const __mmask64 k = first_bytes(left_bytes);
                _mm512_mask_storeu_epi8(dst + 64 * z, k, v);
            }
        }
        dst -= ((n + 15) / 16) * 192 - n * 12;  // the last block may have stored fewer than 16 rows
        ox = 0;
        oy++;
    }
    return 1;
}
#endif

void minnow_im2col_int8_packed(const int8_t *x, const minnow_window *g, ptrdiff_t first_pixel, ptrdiff_t pixels,
                               int8_t pad, ptrdiff_t row_stride, int flip, uint8_t *dst) {
#if defined(MINNOW_X86)
    if (g->channels == 1 && g->kernel_height == 3 && g->kernel_width == 3 && g->stride_height == 1 &&
        g->stride_width == 1 && row_stride == 12 && has_avx512vbmi() &&
        im2col_3x3s1c1_vbmi(x, g, first_pixel, pixels, pad, flip ? 0x80 : 0, (int8_t *)dst))
        return;
#endif
    if (im2col_padded_rows(x, g, first_pixel, pixels, pad, row_stride, flip ? 0x80 : 0, (int8_t *)dst)) return;
    if (flip) im2col_rows(x, g, first_pixel, pixels, pad, row_stride, 0x80, (int8_t *)dst);
    else im2col_rows(x, g, first_pixel, pixels, pad, row_stride, 0, (int8_t *)dst);
}

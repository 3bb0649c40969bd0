#if defined(__x86_64__) || defined(__i386__)
/* int8 depthwise convolution with AVX2, 8 output channels per vector. Σ (q + 128)·w is computed
 * as Σ q·w + 128·Σ w: the signed products of two taps are interleaved (q_a, q_b) × (w_a, w_b)
 * and summed by one `vpmaddwd` into int32 (|q·w| ≤ 2^14, exact), and 128·Σ w over the kernel's
 * taps is one per-channel constant added before the shared output stage. */
#include "qgemm_avx2_internal.h"

/// Largest kernel (taps) and output channel count this kernel takes; others go to the reference.
#define DW_MAX_TAPS 64
#define DW_MAX_CHANNELS 4096

/// 8 bytes at p, or the first `count` of them (< 8; the others 0) without reading further.
AVX2_INLINE __m128i dw_load8(const int8_t *p, size_t count) {
    int64_t v = 0;
    if (count >= 8) memcpy(&v, p, 8);
    else memcpy(&v, p, count);
    return _mm_cvtsi64_si128(v);
}

/// One block of 8 output channels (o0 …, `count` of them) over every output pixel. FULL: all
/// 8 channels present (no guarded loads); MULT1: multiplier 1 (input channel = output channel).
AVX2_INLINE void dw_block(const int FULL, const int MULT1, const int8_t *x, const minnow_window *g, size_t multiplier,
                          int8_t pad, const int8_t *weights, const minnow_qgemm_output *o, int8_t *y, size_t o0,
                          size_t count, const ptrdiff_t *toff, const ptrdiff_t *tky, const ptrdiff_t *tkx) {
    const ptrdiff_t c = g->channels, n = c * (ptrdiff_t)multiplier;
    const ptrdiff_t taps = g->kernel_height * g->kernel_width, pairs = (taps + 1) / 2;
    // Input channels read: c_first … (8 bytes from there, spread over the outputs by `spread`).
    const size_t c_first = o0 / multiplier;
    const size_t c_avail = (size_t)c - c_first < 8 ? (size_t)c - c_first : 8;
    __m128i spread = _mm_setzero_si128();
    if (!MULT1) {
        int8_t idx[16];
        for (size_t j = 0; j < 16; j++) idx[j] = (int8_t)(j < 8 ? (o0 + j) / multiplier - c_first : 0x80);
        spread = _mm_loadu_si128((const __m128i *)idx);
    }
    // Weights of tap pairs (a, b) interleaved and widened; 128·Σ w per channel.
    __m256i wpair[(DW_MAX_TAPS + 1) / 2];
    __m256i wsum = _mm256_setzero_si256();
    for (ptrdiff_t p = 0; p < pairs; p++) {
        const __m128i wa = FULL ? dw_load8(weights + (2 * p) * n + o0, 8) : dw_load8(weights + (2 * p) * n + o0, count);
        const __m128i wb = 2 * p + 1 < taps
            ? (FULL ? dw_load8(weights + (2 * p + 1) * n + o0, 8) : dw_load8(weights + (2 * p + 1) * n + o0, count))
            : _mm_setzero_si128();
        wpair[p] = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(wa, wb));
        wsum = _mm256_add_epi32(wsum, _mm256_madd_epi16(wpair[p], _mm256_set1_epi16(1)));
    }
    const __m256i offset = _mm256_slli_epi32(wsum, 7);
    avx2_fast_consts k;
    const int fast = avx2_fast_consts_load(o, o0, count, &k);
    int8_t padding[8];
    memset(padding, pad, sizeof padding);
    const ptrdiff_t ow = g->output_width, pixels = g->output_height * ow;
    __m256i sums[4];
    ptrdiff_t pending = 0;  // pixels in `sums` waiting for the output stage
    for (ptrdiff_t p = 0; p < pixels; p++) {
        const ptrdiff_t oy = p / ow, ox = p - oy * ow;
        const ptrdiff_t y0 = oy * g->stride_height - g->pad_top, x0 = ox * g->stride_width - g->pad_left;
        const int8_t *base = x + (y0 * g->input_width + x0) * c + c_first;
        const int inside = y0 >= 0 && x0 >= 0 && y0 + g->kernel_height <= g->input_height &&
                           x0 + g->kernel_width <= g->input_width;
        __m256i acc = offset;
        for (ptrdiff_t q = 0; q < pairs; q++) {
            const ptrdiff_t ta = 2 * q, tb = 2 * q + 1 < taps ? 2 * q + 1 : 2 * q;
            const int8_t *pa = base + toff[ta], *pb = base + toff[tb];
            if (!inside) {  // border pixel: cells outside the input read the zero point
                const ptrdiff_t ya = y0 + tky[ta], xa = x0 + tkx[ta], yb = y0 + tky[tb], xb = x0 + tkx[tb];
                if (ya < 0 || ya >= g->input_height || xa < 0 || xa >= g->input_width) pa = padding;
                if (yb < 0 || yb >= g->input_height || xb < 0 || xb >= g->input_width) pb = padding;
            }
            __m128i va = FULL && MULT1 ? dw_load8(pa, 8) : dw_load8(pa, pa == padding ? 8 : c_avail);
            __m128i vb = FULL && MULT1 ? dw_load8(pb, 8) : dw_load8(pb, pb == padding ? 8 : c_avail);
            if (!MULT1) { va = _mm_shuffle_epi8(va, spread); vb = _mm_shuffle_epi8(vb, spread); }
            const __m256i v = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(va, vb));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(v, wpair[q]));
        }
        sums[pending++] = acc;
        if (pending == 4 || p + 1 == pixels) {
            const ptrdiff_t first = p + 1 - pending;
            avx2_output_rows(sums, (size_t)pending, count, fast, &k, o, o0, y + first * n + (ptrdiff_t)o0, (size_t)n);
            pending = 0;
        }
    }
}

AVX2_TARGET int minnow_dwconv_8c__avx2(const int8_t *x, const minnow_window *g, size_t multiplier, int8_t pad,
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
        // FULL: 8 output channels and 8 readable input bytes from the block's first input channel.
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

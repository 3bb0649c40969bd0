#if defined(__x86_64__) || defined(__i386__)
/* An int8 convolution as an indirect GEMM on the AVX-512 VNNI tiles: no im2col. */
#include "qgemm_avx512vnni_internal.h"
#include "minnow_spatial_int8.h"

/// Largest padded input (bytes) the indirect convolution builds on the stack.
#define VNNI_INDIRECT_MAX_BYTES (16 * 1024)

/// MR output pixels (`p0`…) × NP panels of a convolution over a padded, flipped copy of its
/// input: the A row of pixel p is never built; K group k of it lies at `rows[p] + koff[k]`
/// (the kernel tap's pixel, 4 channels in), so each broadcast reads the input in place.
INLINE VNNI_TARGET void vnni_indirect_tile(const size_t MR, const size_t NP, const int PARTIAL, size_t nc,
                                           size_t kgroups, const uint8_t *const *rows, const ptrdiff_t *koff,
                                           const int8_t *w, size_t panel_stride,
                                           const minnow_qgemm_output *o, size_t n0, int8_t *c, size_t ldc) {
    const int8_t *wp[4];
    size_t ws[4];
    __mmask16 mask[4];
    vnni_panels(NP, PARTIAL, nc, w, panel_stride, wp, ws, mask);
    __m512i acc[24][4], acc2[24][4];
    for (size_t q = 0; q < NP; q++) {
        const __m512i bias = _mm512_maskz_loadu_epi32(mask[q], o->bias + n0 + 16 * q);
        for (size_t r = 0; r < MR; r++) acc[r][q] = bias;
    }
    for (size_t k = 0; k < kgroups; k++) {
        __m512i wv[4];
        for (size_t q = 0; q < NP; q++) wv[q] = vnni_load_w(PARTIAL && q == NP - 1, mask[q], wp[q] + k * ws[q]);
        const ptrdiff_t off = koff[k];
        MINNOW_UNROLL for (size_t r = 0; r < MR; r++) {
            const __m512i av = _mm512_set1_epi32(minnow_load_i32(rows[r] + off));
            MINNOW_UNROLL for (size_t q = 0; q < NP; q++) acc[r][q] = _mm512_dpbusd_epi32(acc[r][q], av, wv[q]);
            // Keeps each row's broadcast next to its products: hoisting all broadcasts first
            // needs more registers than the accumulators leave, and spills them in this loop.
            __asm__ volatile("" ::: "memory");
        }
    }
    vnni_tile_store(MR, NP, PARTIAL, acc, acc2, nc, mask, o, n0, c, ldc);
}

VNNI_TARGET int minnow_conv2d_indirect_6x64c4__avx512vnni(const int8_t *x, const minnow_window *g, int8_t pad,
                                                          const int8_t *packed_weights, size_t n,
                                                          const minnow_qgemm_output *o, int8_t *y) {
    const ptrdiff_t c = g->channels, kh = g->kernel_height, kw = g->kernel_width;
    const ptrdiff_t oh = g->output_height, ow = g->output_width;
    const ptrdiff_t ph = (oh - 1) * g->stride_height + kh, pw = (ow - 1) * g->stride_width + kw;
    const size_t m = (size_t)(oh * ow);
    const size_t kgroups = (size_t)(kh * kw * c / 4);
    // Whole tiles only (the tallest has 24 rows), whole 4-channel groups per tap, bounded stack.
    if (c % 4 != 0 || c == 0 || n == 0 || m < 24 || ph * pw * c > VNNI_INDIRECT_MAX_BYTES || kgroups > 1024) return 0;
    uint8_t padded[VNNI_INDIRECT_MAX_BYTES];
    ptrdiff_t koff[1024];
    // Padded input, flipped to u8: row py holds input row py − pad_top, columns shifted by pad_left.
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    const __m512i padding = _mm512_set1_epi8((char)((uint8_t)pad ^ 0x80));
    for (ptrdiff_t py = 0; py < ph; py++) {
        uint8_t *dst = padded + py * pw * c;
        const ptrdiff_t iy = py - g->pad_top;
        for (ptrdiff_t i = 0; i < pw * c; i += 64) {
            const ptrdiff_t left = pw * c - i;
            _mm512_mask_storeu_epi8(dst + i, vnni_first_bytes((size_t)left), padding);
        }
        if (iy < 0 || iy >= g->input_height) continue;
        ptrdiff_t px0 = g->pad_left, ix0 = 0, count = g->input_width;  // input columns inside the padded row
        if (px0 < 0) { ix0 = -px0; count -= ix0; px0 = 0; }
        if (px0 + count > pw) count = pw - px0;
        const int8_t *src = x + (iy * g->input_width + ix0) * c;
        for (ptrdiff_t i = 0; i < count * c; i += 64) {
            const ptrdiff_t left = count * c - i;
            const __mmask64 k = vnni_first_bytes((size_t)left);
            _mm512_mask_storeu_epi8(dst + px0 * c + i, k, _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, src + i), flip));
        }
    }
    // K group k = (ky, kx, channel group): its bytes sit at this offset from a pixel's window corner.
    for (size_t k = 0; k < kgroups; k++) {
        const ptrdiff_t tap = (ptrdiff_t)k / (c / 4), group = (ptrdiff_t)k % (c / 4);
        koff[k] = ((tap / kw) * pw + tap % kw) * c + 4 * group;
    }
    const size_t panel_stride = 64 * kgroups;
    for (size_t n0 = 0; n0 < n; n0 += 64) {
        const size_t nc = n - n0 < 64 ? n - n0 : 64;
        const size_t np = (nc + 15) / 16;
        const int partial = (nc % 16) != 0;
        const size_t tall = VNNI_TALL_ROWS(np);
        const int8_t *w = packed_weights + (n0 / 16) * panel_stride;
        // Whole tiles; the last one overlaps its predecessor (recomputing equal bytes).
        for (size_t p0 = 0; p0 < m; p0 += tall) {
            const size_t at = p0 + tall <= m ? p0 : m - tall;
            const uint8_t *rows[24];
            for (size_t r = 0; r < tall; r++) {
                const ptrdiff_t p = (ptrdiff_t)(at + r), oy = p / ow, ox = p - oy * ow;
                rows[r] = padded + (oy * g->stride_height * pw + ox * g->stride_width) * c;
            }
            int8_t *ct = y + at * n + n0;
#define VNNI_INDIRECT(NP)                                                                                          \
    if (partial) vnni_indirect_tile(VNNI_TALL_ROWS(NP), NP, 1, nc, kgroups, rows, koff, w, panel_stride, o, n0, ct, n); \
    else vnni_indirect_tile(VNNI_TALL_ROWS(NP), NP, 0, nc, kgroups, rows, koff, w, panel_stride, o, n0, ct, n);
            switch (np) {
            case 1: VNNI_INDIRECT(1) break;
            case 2: VNNI_INDIRECT(2) break;
            case 3: VNNI_INDIRECT(3) break;
            default: VNNI_INDIRECT(4) break;
            }
#undef VNNI_INDIRECT
        }
    }
    return 1;
}
#endif

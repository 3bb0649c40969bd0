#if defined(__x86_64__) || defined(__i386__)
#include "qgemm_avx2_internal.h"

/// The GEMM's tile: rows `a + r·a_stride`, K group g at byte offset 8·g (see `avx2_tile_rows`).
AVX2_INLINE void avx2_tile(const size_t MR, const size_t NH, const int PARTIAL, size_t kgroups, const uint8_t *a,
                           size_t a_stride, const int8_t *w, size_t gs, size_t lanes, size_t h0, __m256i sums[6][2]) {
    const uint8_t *rows[6];
    for (size_t r = 0; r < MR; r++) rows[r] = a + r * a_stride;
    avx2_tile_rows(MR, NH, PARTIAL, kgroups, rows, NULL, w, gs, lanes, h0, sums);
}

/// `avx2_tile` for a run-time row count 1…6 (NH = 1) or 1…3 (NH = 2).
AVX2_INLINE void avx2_tile_some(const int PARTIAL, size_t mr, size_t nh, size_t kgroups, const uint8_t *a, size_t a_stride,
                                      const int8_t *w, size_t gs, size_t lanes, size_t h0, __m256i sums[6][2]) {
    if (nh == 2) {
        switch (mr) {
        case 1: avx2_tile(1, 2, PARTIAL, kgroups, a, a_stride, w, gs, lanes, h0, sums); return;
        case 2: avx2_tile(2, 2, PARTIAL, kgroups, a, a_stride, w, gs, lanes, h0, sums); return;
        default: avx2_tile(3, 2, PARTIAL, kgroups, a, a_stride, w, gs, lanes, h0, sums); return;
        }
    }
    switch (mr) {
    case 1: avx2_tile(1, 1, PARTIAL, kgroups, a, a_stride, w, gs, lanes, h0, sums); return;
    case 2: avx2_tile(2, 1, PARTIAL, kgroups, a, a_stride, w, gs, lanes, h0, sums); return;
    case 3: avx2_tile(3, 1, PARTIAL, kgroups, a, a_stride, w, gs, lanes, h0, sums); return;
    case 4: avx2_tile(4, 1, PARTIAL, kgroups, a, a_stride, w, gs, lanes, h0, sums); return;
    case 5: avx2_tile(5, 1, PARTIAL, kgroups, a, a_stride, w, gs, lanes, h0, sums); return;
    default: avx2_tile(6, 1, PARTIAL, kgroups, a, a_stride, w, gs, lanes, h0, sums); return;
    }
}

static AVX2_TARGET void avx2_tile_any(size_t mr, size_t nh, size_t kgroups, const uint8_t *a, size_t a_stride,
                                      const int8_t *w, size_t gs, size_t lanes, size_t h0, __m256i sums[6][2]) {
    if (lanes < 16) avx2_tile_some(1, mr, nh, kgroups, a, a_stride, w, gs, lanes, h0, sums);
    else avx2_tile_some(0, mr, nh, kgroups, a, a_stride, w, gs, lanes, h0, sums);
}

/// All `m` rows of one panel (nc ≤ 16 channels; see `minnow_qgemm_block`). Up to 3 rows take
/// both halves of the panel per tile (one broadcast feeds 4 products); otherwise each half
/// goes down the rows in 6×8 tiles with its output-stage constants set up once.
AVX2_TARGET void minnow_qgemm_block_6x8c4__avx2(size_t m, size_t nc, size_t kgroups,
                                                const uint8_t *a, size_t a_stride,
                                                const int8_t *w, size_t panel_stride,
                                                const minnow_qgemm_output *o, size_t n0,
                                                int8_t *c, size_t ldc) {
    (void)panel_stride;
    const size_t gs = nc * 4;  // group stride: 64 bytes, or 4·lanes for the partial last panel
    const size_t halves = (nc + 7) / 8;
    avx2_fast_consts k[2];
    int fast[2];
    for (size_t h = 0; h < halves; h++) {
        const size_t count = nc - 8 * h < 8 ? nc - 8 * h : 8;
        fast[h] = avx2_fast_consts_load(o, n0 + 8 * h, count, &k[h]);
    }
    __m256i sums[6][2];
    if (m <= 3 && halves == 2) {
        avx2_tile_any(m, 2, kgroups, a, a_stride, w, gs, nc, 0, sums);
        for (size_t h = 0; h < 2; h++) {
            __m256i s[3];
            for (size_t r = 0; r < m; r++) s[r] = sums[r][h];
            const size_t count = nc - 8 * h < 8 ? nc - 8 * h : 8;
            avx2_output_rows(s, m, count, fast[h], &k[h], o, n0 + 8 * h, c + 8 * h, ldc);
        }
        return;
    }
    for (size_t h = 0; h < halves; h++) {
        const size_t count = nc - 8 * h < 8 ? nc - 8 * h : 8;
        for (size_t m0 = 0; m0 < m; m0 += 6) {
            const size_t mr = m - m0 < 6 ? m - m0 : 6;
            if (mr == 6 && nc == 16) avx2_tile(6, 1, 0, kgroups, a + m0 * a_stride, a_stride, w, gs, nc, h, sums);
            else avx2_tile_any(mr, 1, kgroups, a + m0 * a_stride, a_stride, w, gs, nc, h, sums);
            __m256i s[6];
            for (size_t r = 0; r < mr; r++) s[r] = sums[r][0];
            avx2_output_rows(s, mr, count, fast[h], &k[h], o, n0 + 8 * h, c + m0 * ldc + 8 * h, ldc);
        }
    }
}

/// `minnow_qgemm_block_6x8c4__avx2` over u8 rows (q ^ 0x80, 4·kgroups bytes each): the
/// prepacked GEMM's rows when they are too long to widen on the stack (K over 8192). Each
/// broadcast widens its 4 values (one more shuffle per row and K group).
AVX2_TARGET void minnow_qgemm_block_6x8c4u8__avx2(size_t m, size_t nc, size_t kgroups,
                                                  const uint8_t *a, size_t a_stride,
                                                  const int8_t *w, size_t panel_stride,
                                                  const minnow_qgemm_output *o, size_t n0,
                                                  int8_t *c, size_t ldc) {
    (void)panel_stride;
    const size_t gs = nc * 4;
    __m256i sums[6][2];
    for (size_t h = 0; h * 8 < nc; h++) {
        const size_t count = nc - 8 * h < 8 ? nc - 8 * h : 8;
        avx2_fast_consts k;
        const int fast = avx2_fast_consts_load(o, n0 + 8 * h, count, &k);
        for (size_t m0 = 0; m0 < m; m0 += 6) {
            const size_t mr = m - m0 < 6 ? m - m0 : 6;
            const uint8_t *rows[6];
            for (size_t r = 0; r < mr; r++) rows[r] = a + (m0 + r) * a_stride;
            for (size_t r = mr; r < 6; r++) rows[r] = rows[mr - 1];
            // Always 6 rows (the extra ones repeat the last row and are not stored).
            if (nc < 16) avx2_tile_rows_a(6, 1, 1, 0, kgroups, rows, NULL, w, gs, nc, h, sums);
            else avx2_tile_rows_a(6, 1, 0, 0, kgroups, rows, NULL, w, gs, nc, h, sums);
            __m256i s[6];
            for (size_t r = 0; r < mr; r++) s[r] = sums[r][0];
            avx2_output_rows(s, mr, count, fast, &k, o, n0 + 8 * h, c + m0 * ldc + 8 * h, ldc);
        }
    }
}

/// Packs rows of A as u16 = q + 128 (= (q ^ 0x80) zero-extended), K zero-padded to kp values:
/// row r at dst + 2·kp·r.
AVX2_TARGET void minnow_qgemm_pack_rows__avx2(const int8_t *a, size_t lda, size_t rows, size_t k, size_t kp,
                                              uint8_t *dst) {
    const __m128i flip = _mm_set1_epi8((char)0x80);
    for (size_t r = 0; r < rows; r++) {
        const int8_t *src = a + r * lda;
        uint16_t *out = (uint16_t *)(void *)(dst + 2 * kp * r);
        size_t i = 0;
        for (; i + 16 <= k; i += 16) {
            const __m128i v = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(src + i)), flip);
            _mm256_storeu_si256((__m256i *)(out + i), _mm256_cvtepu8_epi16(v));
        }
        for (; i < k; i++) out[i] = (uint16_t)((uint8_t)src[i] ^ 0x80);
        for (; i < kp; i++) out[i] = 0;
    }
}

/// Widens packed u8 rows (`minnow_qgemm_prepacked`'s layout, kp bytes used per row) to the u16
/// rows the tiles read (2·kp bytes per row, consecutive).
AVX2_TARGET void minnow_qgemm_widen_rows__avx2(const uint8_t *src, size_t src_stride, size_t rows, size_t kp,
                                               uint16_t *dst) {
    if (src_stride == kp) {  // consecutive rows (im2col blocks): one flat run
        kp *= rows;
        rows = 1;
    }
    for (size_t r = 0; r < rows; r++, src += src_stride, dst += kp) {
        size_t i = 0;
        for (; i + 16 <= kp; i += 16)
            _mm256_storeu_si256((__m256i *)(dst + i), _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(src + i))));
        for (; i < kp; i++) dst[i] = src[i];
    }
}

/// Up to 6 rows × one panel: the block kernel on one tile (the `minnow_qgemm_ukernel` form).
AVX2_TARGET void minnow_qgemm_ukernel_6x8c4__avx2(size_t mr, size_t nc, size_t kgroups,
                                                  const uint8_t *a, size_t a_stride,
                                                  const int8_t *w, size_t panel_stride,
                                                  const minnow_qgemm_output *o, size_t n0,
                                                  int8_t *c, size_t ldc) {
    minnow_qgemm_block_6x8c4__avx2(mr, nc, kgroups, a, a_stride, w, panel_stride, o, n0, c, ldc);
}
#endif

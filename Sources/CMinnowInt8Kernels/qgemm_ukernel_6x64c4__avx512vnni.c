#if defined(__x86_64__) || defined(__i386__)
#include "qgemm_avx512vnni_internal.h"

/// MR rows × NP panels (16 channels each); the last panel may be partial (masked loads/stores).
/// With few accumulators (MR·NP < 8) two interleaved K chains hide the `vpdpbusd` latency.
INLINE VNNI_TARGET void vnni_tile(const size_t MR, const size_t NP, const int PARTIAL, size_t nc, size_t kgroups,
                                  const uint8_t *a, size_t a_stride, const int8_t *w, size_t panel_stride,
                                  const minnow_qgemm_output *o, size_t n0, int8_t *c, size_t ldc) {
    const int8_t *wp[4];
    size_t ws[4];
    __mmask16 mask[4];
    vnni_panels(NP, PARTIAL, nc, w, panel_stride, wp, ws, mask);
    const uint8_t *ar[24];
    for (size_t r = 0; r < MR; r++) ar[r] = a + r * a_stride;

    // Accumulators start at the folded bias (int32 addition wraps, so the order is irrelevant).
    __m512i acc[24][4], acc2[24][4];
    for (size_t q = 0; q < NP; q++) {
        const __m512i bias = _mm512_maskz_loadu_epi32(mask[q], o->bias + n0 + 16 * q);
        for (size_t r = 0; r < MR; r++) {
            acc[r][q] = bias;
            if (MR * NP < 8) acc2[r][q] = _mm512_setzero_si512();
        }
    }

    size_t g = 0;
    if (MR * NP < 8) {
        for (; g + 2 <= kgroups; g += 2) {
            __m512i wv[4], wv2[4];
            for (size_t q = 0; q < NP; q++) {
                wv[q] = vnni_load_w(PARTIAL && q == NP - 1, mask[q], wp[q] + g * ws[q]);
                wv2[q] = vnni_load_w(PARTIAL && q == NP - 1, mask[q], wp[q] + (g + 1) * ws[q]);
            }
            for (size_t r = 0; r < MR; r++) {
                const __m512i av = _mm512_set1_epi32(minnow_load_i32(ar[r] + 4 * g));
                const __m512i av2 = _mm512_set1_epi32(minnow_load_i32(ar[r] + 4 * g + 4));
                for (size_t q = 0; q < NP; q++) {
                    acc[r][q] = _mm512_dpbusd_epi32(acc[r][q], av, wv[q]);
                    acc2[r][q] = _mm512_dpbusd_epi32(acc2[r][q], av2, wv2[q]);
                }
            }
        }
    }
    for (; g < kgroups; g++) {
        __m512i wv[4];
        for (size_t q = 0; q < NP; q++) wv[q] = vnni_load_w(PARTIAL && q == NP - 1, mask[q], wp[q] + g * ws[q]);
        MINNOW_UNROLL for (size_t r = 0; r < MR; r++) {
            const __m512i av = _mm512_set1_epi32(minnow_load_i32(ar[r] + 4 * g));
            MINNOW_UNROLL for (size_t q = 0; q < NP; q++) acc[r][q] = _mm512_dpbusd_epi32(acc[r][q], av, wv[q]);
        }
    }

    vnni_tile_store(MR, NP, PARTIAL, acc, acc2, nc, mask, o, n0, c, ldc);
}

#define VNNI_NP(MR, NP)                                                                              \
    if (partial) vnni_tile(MR, NP, 1, nc, kgroups, a, a_stride, w, panel_stride, o, n0, c, ldc);      \
    else vnni_tile(MR, NP, 0, nc, kgroups, a, a_stride, w, panel_stride, o, n0, c, ldc);             \
    return;

#define VNNI_CASE(MR)                                                                                \
    case MR:                                                                                         \
        switch (np) {                                                                                \
        case 1: VNNI_NP(MR, 1)                                                                       \
        case 2: VNNI_NP(MR, 2)                                                                       \
        case 3: VNNI_NP(MR, 3)                                                                       \
        default: VNNI_NP(MR, 4)                                                                      \
        }

/// Up to 6 rows × 64 channels: 24 zmm accumulators, 4 weight loads + 6 broadcasts per 24
/// `vpdpbusd` (u8 activations × s8 weights → s32, 64 MACs each).
VNNI_TARGET void minnow_qgemm_ukernel_6x64c4__avx512vnni(size_t mr, size_t nc, size_t kgroups,
                                                         const uint8_t *a, size_t a_stride,
                                                         const int8_t *w, size_t panel_stride,
                                                         const minnow_qgemm_output *o, size_t n0,
                                                         int8_t *c, size_t ldc) {
    const size_t np = (nc + 15) / 16;
    const int partial = (nc % 16) != 0;
    switch (mr) {
    VNNI_CASE(1)
    VNNI_CASE(2)
    VNNI_CASE(3)
    VNNI_CASE(4)
    VNNI_CASE(5)
    default:
    VNNI_CASE(6)
    }
}
/// Full 6×64 tiles of rows [0, rows) (rows a multiple of 6, kgroups ≥ 6, fast case), with the
/// output stage software-pipelined: a tile's sums wait in `pending` while the first six K
/// groups of the next tile run, each of those iterations requantizing and storing one pending
/// row. The output stage's shifts, blends and packs then share cycles with the `vpdpbusd`s
/// instead of running between tiles. Returns 0 (nothing written) outside the fast case.
static VNNI_TARGET int vnni_pipelined_rows(size_t rows, size_t kgroups, const uint8_t *a, size_t a_stride,
                                           const int8_t *w, size_t panel_stride,
                                           const minnow_qgemm_output *o, size_t n0, int8_t *c, size_t ldc) {
    vnni_fast_consts f[4];
    int fast = 1;
    for (size_t q = 0; q < 4; q++) fast &= vnni_fast_consts_load(o, n0 + 16 * q, 0xFFFF, &f[q]);
    if (!fast) return 0;
    const __m512i lo8 = _mm512_set1_epi8((char)o->lower_bound), hi8 = _mm512_set1_epi8((char)o->upper_bound);
    __m512i bias[4];
    for (size_t q = 0; q < 4; q++) bias[q] = _mm512_loadu_si512((const void *)(o->bias + n0 + 16 * q));
    __m512i pending[6][4];
    int8_t *pending_c = NULL;
    for (size_t m0 = 0; m0 < rows; m0 += 6) {
        const uint8_t *ar = a + m0 * a_stride;
        __m512i acc[6][4];
        for (size_t r = 0; r < 6; r++)
            for (size_t q = 0; q < 4; q++) acc[r][q] = bias[q];
        size_t g = 0;
        if (pending_c != NULL) {
            for (; g < 6; g++) {
                __m512i wv[4];
                for (size_t q = 0; q < 4; q++) wv[q] = _mm512_loadu_si512((const void *)(w + q * panel_stride + g * 64));
                for (size_t r = 0; r < 6; r++) {
                    const __m512i av = _mm512_set1_epi32(minnow_load_i32(ar + r * a_stride + 4 * g));
                    for (size_t q = 0; q < 4; q++) acc[r][q] = _mm512_dpbusd_epi32(acc[r][q], av, wv[q]);
                }
                vnni_store_row_fast(pending[g], f, 4, lo8, hi8, 1, 0, pending_c + g * ldc);
            }
        }
        for (; g < kgroups; g++) {
            __m512i wv[4];
            for (size_t q = 0; q < 4; q++) wv[q] = _mm512_loadu_si512((const void *)(w + q * panel_stride + g * 64));
            for (size_t r = 0; r < 6; r++) {
                const __m512i av = _mm512_set1_epi32(minnow_load_i32(ar + r * a_stride + 4 * g));
                for (size_t q = 0; q < 4; q++) acc[r][q] = _mm512_dpbusd_epi32(acc[r][q], av, wv[q]);
            }
        }
        for (size_t r = 0; r < 6; r++)
            for (size_t q = 0; q < 4; q++) pending[r][q] = acc[r][q];
        pending_c = c + m0 * ldc;
    }
    for (size_t r = 0; r < 6; r++) vnni_store_row_fast(pending[r], f, 4, lo8, hi8, 1, 0, pending_c + r * ldc);
    return 1;
}

/// All `m` rows of one column block (see `minnow_qgemm_block`): full-width blocks of two or more
/// tiles take the pipelined path, narrow blocks tall tiles; the rest goes tile by tile.
VNNI_TARGET void minnow_qgemm_block_6x64c4__avx512vnni(size_t m, size_t nc, size_t kgroups,
                                                       const uint8_t *a, size_t a_stride,
                                                       const int8_t *w, size_t panel_stride,
                                                       const minnow_qgemm_output *o, size_t n0,
                                                       int8_t *c, size_t ldc) {
    size_t done = 0;
    const size_t np = (nc + 15) / 16;
    const int partial = (nc % 16) != 0;
    if (nc == 64 && kgroups >= 6 && m >= 12 &&
        vnni_pipelined_rows(m / 6 * 6, kgroups, a, a_stride, w, panel_stride, o, n0, c, ldc)) {
        done = m / 6 * 6;
    } else if (np < 4) {
        // Narrow blocks: tall tiles first (see VNNI_TALL_ROWS), the rest in tiles of up to 6.
        const size_t tall = VNNI_TALL_ROWS(np);
        for (; done + tall <= m; done += tall) {
            const uint8_t *at = a + done * a_stride;
            int8_t *ct = c + done * ldc;
#define VNNI_TALL(NP)                                                                                 \
    if (partial) vnni_tile(VNNI_TALL_ROWS(NP), NP, 1, nc, kgroups, at, a_stride, w, panel_stride, o, n0, ct, ldc); \
    else vnni_tile(VNNI_TALL_ROWS(NP), NP, 0, nc, kgroups, at, a_stride, w, panel_stride, o, n0, ct, ldc);
            switch (np) {
            case 1: VNNI_TALL(1) break;
            case 2: VNNI_TALL(2) break;
            default: VNNI_TALL(3) break;
            }
#undef VNNI_TALL
        }
    }
    for (size_t m1 = done; m1 < m; m1 += 6) {
        const size_t mr = m - m1 < 6 ? m - m1 : 6;
        minnow_qgemm_ukernel_6x64c4__avx512vnni(mr, nc, kgroups, a + m1 * a_stride, a_stride, w, panel_stride,
                                                o, n0, c + m1 * ldc, ldc);
    }
}
/// Packs `rows` rows of A for the x86 kernels (u8 = q ^ 0x80, K zero-padded to kp = 4·groups),
/// as `qgemm_pack_rows` does, 64 bytes at a time; masked loads never read past a row.
VNNI_TARGET void minnow_qgemm_pack_rows__avx512(const int8_t *a, size_t lda, size_t rows, size_t k, size_t kp,
                                                uint8_t *dst) {
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    for (size_t r = 0; r < rows; r++) {
        const int8_t *src = a + r * lda;
        uint8_t *out = dst + r * kp;
        size_t i = 0;
        for (; i + 64 <= k; i += 64)
            _mm512_storeu_si512((void *)(out + i), _mm512_xor_si512(_mm512_loadu_si512((const void *)(src + i)), flip));
        if (i < kp) {  // fewer than 64 values left, then the zero padding (kp − i ≤ 64)
            const __mmask64 values = vnni_first_bytes(k - i), bytes = vnni_first_bytes(kp - i);
            const __m512i v = _mm512_maskz_loadu_epi8(values, src + i);
            _mm512_mask_storeu_epi8(out + i, bytes, _mm512_maskz_mov_epi8(values, _mm512_xor_si512(v, flip)));
        }
    }
}
#endif

#if defined(__x86_64__) || defined(__i386__)
#include "qgemm_internal.h"

#include <immintrin.h>

#define AVX2_TARGET __attribute__((target("avx2")))

/// Up to 2 rows × 16 channels (one panel). `vpmaddubsw` would saturate (255·127·2 > 32767), so
/// weights and activations are widened to int16 and multiplied with `vpmaddwd`, which is exact.
/// Each int32 lane holds half of one channel's group (2 of its 4 products); `vphaddd` joins the
/// halves after the K loop.
AVX2_TARGET void minnow_qgemm_ukernel_2x16c4__avx2(size_t mr, size_t nc, size_t kgroups,
                                                   const uint8_t *a, size_t a_stride,
                                                   const int8_t *w, size_t panel_stride,
                                                   const minnow_qgemm_output *o, size_t n0,
                                                   int8_t *c, size_t ldc) {
    (void)panel_stride;
    const uint8_t *a0 = a;
    const uint8_t *a1 = mr > 1 ? a + a_stride : a;
    __m256i acc0[4], acc1[4];
    for (int j = 0; j < 4; j++) { acc0[j] = _mm256_setzero_si256(); acc1[j] = _mm256_setzero_si256(); }
    const size_t group_bytes = nc * 4;
    int8_t tail[64];
    for (size_t g = 0; g < kgroups; g++) {
        const int8_t *wg = w + g * group_bytes;
        if (nc < 16) {  // the matrix's partial last panel: never read past its bytes
            memset(tail, 0, sizeof tail);
            memcpy(tail, wg, group_bytes);
            wg = tail;
        }
        __m256i wv[4];
        for (int j = 0; j < 4; j++) wv[j] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(wg + 16 * j)));
        const __m256i u0 = _mm256_cvtepu8_epi16(_mm_set1_epi32(minnow_load_i32(a0 + 4 * g)));
        const __m256i u1 = _mm256_cvtepu8_epi16(_mm_set1_epi32(minnow_load_i32(a1 + 4 * g)));
        for (int j = 0; j < 4; j++) {
            acc0[j] = _mm256_add_epi32(acc0[j], _mm256_madd_epi16(wv[j], u0));
            acc1[j] = _mm256_add_epi32(acc1[j], _mm256_madd_epi16(wv[j], u1));
        }
    }
    int32_t out[2][16];
    for (int h = 0; h < 2; h++) {
        // hadd → [c0 c1 c4 c5 | c2 c3 c6 c7]; permute 64-bit lanes 0,2,1,3 → c0…c7.
        __m256i s0 = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc0[2 * h], acc0[2 * h + 1]), 0xD8);
        __m256i s1 = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc1[2 * h], acc1[2 * h + 1]), 0xD8);
        _mm256_storeu_si256((__m256i *)(out[0] + 8 * h), s0);
        _mm256_storeu_si256((__m256i *)(out[1] + 8 * h), s1);
    }
    minnow_qgemm_store_block(&out[0][0], 16, mr, nc, o, n0, c, ldc);
}
#endif

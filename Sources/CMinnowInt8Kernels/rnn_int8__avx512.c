// Int8 LSTM/GRU with AVX-512 F/BW/VL (run-time dispatched; see rnn_int8.c).
//
// Per step and per block of 16 units, each gate's 16 weight rows are multiplied with v_x and h
// by `vpmaddwd` on int16 (weights sign-extended from int8, masked loads for tails), the 16 row
// accumulators are reduced into one vector of 16 sums, and the fixed-point gate math of the
// Swift `Int8LSTMKernel` contract runs on 16 lanes (int64 for the products, a gather that reads
// T[i] and T[i+1] in one 32-bit load for the activations). Weights are read in place: nothing
// is packed or precomputed, and the scratch layout is the Swift kernel's.
#if defined(__x86_64__) || defined(__i386__)
#include "rnn_int8_internal.h"

#include <immintrin.h>
#include <string.h>


#define RNN_TARGET __attribute__((target("avx512f,avx512bw,avx512vl")))
#define RNN_INLINE static inline __attribute__((always_inline)) RNN_TARGET

/// Lane r = total of v[r] (r < 16): a transposing reduction tree, 45 instructions.
RNN_INLINE __m512i rnn_reduce16(const __m512i v[16]) {
    __m512i w[4];
    for (int q = 0; q < 4; q++) {
        __m512i a0 = v[4 * q], a1 = v[4 * q + 1], a2 = v[4 * q + 2], a3 = v[4 * q + 3];
        __m512i a = _mm512_add_epi32(_mm512_unpacklo_epi32(a0, a1), _mm512_unpackhi_epi32(a0, a1));
        __m512i b = _mm512_add_epi32(_mm512_unpacklo_epi32(a2, a3), _mm512_unpackhi_epi32(a2, a3));
        w[q] = _mm512_add_epi32(_mm512_unpacklo_epi64(a, b), _mm512_unpackhi_epi64(a, b));
    }
    __m512i x = _mm512_add_epi32(_mm512_shuffle_i32x4(w[0], w[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                 _mm512_shuffle_i32x4(w[0], w[1], _MM_SHUFFLE(3, 1, 3, 1)));
    __m512i y = _mm512_add_epi32(_mm512_shuffle_i32x4(w[2], w[3], _MM_SHUFFLE(2, 0, 2, 0)),
                                 _mm512_shuffle_i32x4(w[2], w[3], _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm512_add_epi32(_mm512_shuffle_i32x4(x, y, _MM_SHUFFLE(2, 0, 2, 0)),
                            _mm512_shuffle_i32x4(x, y, _MM_SHUFFLE(3, 1, 3, 1)));
}

/// Lane r < rows: Σ_k w[r·stride + k] · v[k] for k < len (exact int32). Lanes ≥ rows repeat
/// the last row (callers mask them), so a partial block needs no per-row masks.
RNN_INLINE __m512i rnn_gemv16(const int8_t *w, size_t stride, size_t len, const int16_t *v, size_t rows) {
    __m512i acc[16];
    const size_t last_step = rows < 16 ? rows - 1 : 16;  // row index after which w stops moving
    if (len <= 64) {
        // One pass per row with the (at most two) 32-wide chunks of v held in registers.
        const __mmask32 m0 = len >= 32 ? 0xFFFFFFFFu : (__mmask32)((1u << len) - 1);
        const __mmask32 m1 = len >= 64 ? 0xFFFFFFFFu : len <= 32 ? 0 : (__mmask32)((1u << (len - 32)) - 1);
        const __m512i v0 = _mm512_maskz_loadu_epi16(m0, v), v1 = _mm512_maskz_loadu_epi16(m1, v + 32);
        const int8_t *row = w;
        if (len > 32) {
#pragma clang loop unroll(full)
            for (int r = 0; r < 16; r++) {
                __m512i a = _mm512_madd_epi16(_mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m0, row)), v0);
                __m512i b = _mm512_madd_epi16(_mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m1, row + 32)), v1);
                acc[r] = _mm512_add_epi32(a, b);
                row += (size_t)r < last_step ? stride : 0;
            }
        } else {
#pragma clang loop unroll(full)
            for (int r = 0; r < 16; r++) {
                acc[r] = _mm512_madd_epi16(_mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m0, row)), v0);
                row += (size_t)r < last_step ? stride : 0;
            }
        }
        return rnn_reduce16(acc);
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < 16; r++) acc[r] = _mm512_setzero_si512();
    for (size_t k0 = 0; k0 < len; k0 += 32) {
        const size_t n = len - k0 < 32 ? len - k0 : 32;
        const __mmask32 m = n == 32 ? 0xFFFFFFFFu : (__mmask32)((1u << n) - 1);
        const __m512i vk = _mm512_maskz_loadu_epi16(m, v + k0);
        const int8_t *row = w + k0;
#pragma clang loop unroll(full)
        for (int r = 0; r < 16; r++) {
            __m512i wr = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, row));
            acc[r] = _mm512_add_epi32(acc[r], _mm512_madd_epi16(wr, vk));
            row += (size_t)r < last_step ? stride : 0;
        }
    }
    return rnn_reduce16(acc);
}

/// One gate's multipliers and rounding on the 2^(shift+7) grid.
typedef struct {
    __m512i mx, mh, round;
    __m128i shift;
} rnn_gate_scale;

RNN_INLINE rnn_gate_scale rnn_gate_scale_load(const int32_t *p, int g) {
    rnn_gate_scale s;
    int64_t shift = (int64_t)p[4 + 3 * g] + 7;
    s.mx = _mm512_set1_epi64(p[2 + 3 * g]);
    s.mh = _mm512_set1_epi64(p[3 + 3 * g]);
    s.round = _mm512_set1_epi64((int64_t)1 << (shift - 1));
    s.shift = _mm_cvtsi64_si128(shift);
    return s;
}

/// Sign-extended int64 halves of 16 int32 lanes.
RNN_INLINE __m512i rnn_lo64(__m512i v) { return _mm512_cvtepi32_epi64(_mm512_castsi512_si256(v)); }
RNN_INLINE __m512i rnn_hi64(__m512i v) { return _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(v, 1)); }

/// clamp(((sum + round) >> s) + bias, −65536, 65535) on 8 int64 lanes, narrowed to int32.
RNN_INLINE __m256i rnn_finish8(__m512i sum, const rnn_gate_scale *g, __m512i bias) {
    __m512i v = _mm512_add_epi64(_mm512_sra_epi64(_mm512_add_epi64(sum, g->round), g->shift), bias);
    v = _mm512_min_epi64(_mm512_max_epi64(v, _mm512_set1_epi64(-65536)), _mm512_set1_epi64(65535));
    return _mm512_cvtepi64_epi32(v);
}

/// Q.12 pre-activations of 16 rows: `(ax·mx) << (7 − ex)` (if use_x) plus `(ah·mh) << (7 − eh)`
/// (if use_h), rounded, shifted, biased (int64 bias halves) and clamped, as `GateScale`.
RNN_INLINE __m512i rnn_pre_activation16(__m512i ax, __m512i ah, int use_x, int use_h, const rnn_gate_scale *g,
                                        const uint8_t *exponents, __mmask16 m, __m512i bias_lo, __m512i bias_hi) {
    __m128i eb = _mm_maskz_loadu_epi8(m, exponents);
    __m512i e_lo = _mm512_cvtepu8_epi64(eb), e_hi = _mm512_cvtepu8_epi64(_mm_srli_si128(eb, 8));
    const __m512i seven = _mm512_set1_epi64(7), low4 = _mm512_set1_epi64(15);
    __m512i sum_lo = _mm512_setzero_si512(), sum_hi = _mm512_setzero_si512();
    if (use_x) {
        __m512i c_lo = _mm512_sub_epi64(seven, _mm512_and_si512(e_lo, low4));
        __m512i c_hi = _mm512_sub_epi64(seven, _mm512_and_si512(e_hi, low4));
        sum_lo = _mm512_sllv_epi64(_mm512_mul_epi32(rnn_lo64(ax), g->mx), c_lo);
        sum_hi = _mm512_sllv_epi64(_mm512_mul_epi32(rnn_hi64(ax), g->mx), c_hi);
    }
    if (use_h) {
        __m512i c_lo = _mm512_sub_epi64(seven, _mm512_srli_epi64(e_lo, 4));
        __m512i c_hi = _mm512_sub_epi64(seven, _mm512_srli_epi64(e_hi, 4));
        sum_lo = _mm512_add_epi64(sum_lo, _mm512_sllv_epi64(_mm512_mul_epi32(rnn_lo64(ah), g->mh), c_lo));
        sum_hi = _mm512_add_epi64(sum_hi, _mm512_sllv_epi64(_mm512_mul_epi32(rnn_hi64(ah), g->mh), c_hi));
    }
    __m256i lo = rnn_finish8(sum_lo, g, bias_lo), hi = rnn_finish8(sum_hi, g, bias_hi);
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

/// σ̂ on 16 lanes (`FixedPointActivations.sigmoid`); one gather reads T[i] | T[i+1] << 16.
RNN_INLINE __m512i rnn_sigmoid16(__m512i z, const uint16_t *table) {
    __m512i a = _mm512_min_epu32(_mm512_abs_epi32(z), _mm512_set1_epi32(65535));
    __m512i i = _mm512_srli_epi32(a, 8);
    __m512i f = _mm512_and_si512(a, _mm512_set1_epi32(255));
    __m512i pair = _mm512_i32gather_epi32(i, (const void *)table, 2);
    __m512i t0 = _mm512_and_si512(pair, _mm512_set1_epi32(0xFFFF));
    __m512i t1 = _mm512_srli_epi32(pair, 16);
    __m512i d = _mm512_add_epi32(_mm512_mullo_epi32(_mm512_sub_epi32(t1, t0), f), _mm512_set1_epi32(128));
    __m512i y = _mm512_add_epi32(t0, _mm512_srai_epi32(d, 8));
    __mmask16 negative = _mm512_cmplt_epi32_mask(z, _mm512_setzero_si512());
    return _mm512_mask_sub_epi32(y, negative, _mm512_set1_epi32(32768), y);
}

/// τ̂(z) = 2σ̂(2z) − 32768 on 16 lanes.
RNN_INLINE __m512i rnn_tanh16(__m512i z, const uint16_t *table) {
    __m512i s = rnn_sigmoid16(_mm512_slli_epi32(z, 1), table);
    return _mm512_sub_epi32(_mm512_slli_epi32(s, 1), _mm512_set1_epi32(32768));
}

RNN_INLINE __m512i rnn_clamp32(__m512i v, int32_t lo, int32_t hi) {
    return _mm512_min_epi32(_mm512_max_epi32(v, _mm512_set1_epi32(lo)), _mm512_set1_epi32(hi));
}

/// Round-half-up shift: (v + 2^(s−1)) >> s.
#define RNN_RSHIFT(v, s) _mm512_srai_epi32(_mm512_add_epi32((v), _mm512_set1_epi32(1 << ((s) - 1))), (s))

RNN_TARGET
void minnow_int8_lstm__avx512(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch) {
    const size_t H = k->units, F = k->features;
    int16_t *h = (int16_t *)scratch, *c = h + H, *h_next = c + H, *vx = h_next + H;
    const int32_t *p = k->parameters;
    const int16_t zero_point = (int16_t)p[1];
    const uint16_t *table = k->sigmoid_table;
    rnn_gate_scale scale[4];
    for (int g = 0; g < 4; g++) scale[g] = rnn_gate_scale_load(p, g);
    for (size_t t = 0; t < k->steps; t++) {
        // Steps whose inputs all sit at the zero point (blank image rows) add nothing.
        const size_t input_len = minnow_rnn_load_step(x + t * F, F, zero_point, vx) ? F : 0;
        for (size_t j0 = 0; j0 < H; j0 += 16) {
            const size_t rows = H - j0 < 16 ? H - j0 : 16;
            const __mmask16 m = (__mmask16)(rows == 16 ? 0xFFFFu : (1u << rows) - 1);
            __m512i z[4];
            for (int g = 0; g < 4; g++) {
                const size_t row0 = (size_t)g * H + j0;
                __m512i ax = rnn_gemv16(k->input_weights + row0 * F, F, input_len, vx, rows);
                __m512i ah = rnn_gemv16(k->recurrent_weights + row0 * H, H, H, h, rows);
                __m512i b = _mm512_maskz_loadu_epi32(m, k->bias + row0);
                z[g] = rnn_pre_activation16(ax, ah, 1, 1, &scale[g], k->row_exponents + row0, m,
                                            rnn_lo64(b), rnn_hi64(b));
            }
            __m512i i = rnn_sigmoid16(z[0], table), f = rnn_sigmoid16(z[1], table);
            __m512i g = rnn_tanh16(z[2], table), o = rnn_sigmoid16(z[3], table);
            __m512i c0 = _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(m, c + j0));
            __m512i cell = _mm512_add_epi32(RNN_RSHIFT(_mm512_mullo_epi32(f, c0), 15),
                                            RNN_RSHIFT(_mm512_mullo_epi32(i, g), 19));
            __m512i c_new = rnn_clamp32(cell, -32768, 32767);
            _mm512_mask_cvtepi32_storeu_epi16(c + j0, m, c_new);
            __m512i th = rnn_tanh16(_mm512_slli_epi32(c_new, 1), table);
            __m512i h_new = _mm512_min_epi32(RNN_RSHIFT(_mm512_mullo_epi32(o, th), 15), _mm512_set1_epi32(32767));
            _mm512_mask_cvtepi32_storeu_epi16(h_next + j0, m, h_new);
        }
        memcpy(h, h_next, H * sizeof(int16_t));
        if (k->return_sequences) minnow_rnn_write_output(h, H, y + t * H);
    }
    if (!k->return_sequences) minnow_rnn_write_output(h, H, y);
}

RNN_TARGET
void minnow_int8_gru__avx512(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch) {
    const size_t H = k->units, F = k->features;
    int16_t *h = (int16_t *)scratch, *h_next = h + H, *vx = h_next + H;
    const int32_t *p = k->parameters;
    const int16_t zero_point = (int16_t)p[1];
    const uint16_t *table = k->sigmoid_table;
    rnn_gate_scale scale[3];
    for (int g = 0; g < 3; g++) scale[g] = rnn_gate_scale_load(p, g);
    const int32_t *bx = k->bias, *bh = k->recurrent_bias;
    const uint8_t *ex = k->row_exponents;
    for (size_t t = 0; t < k->steps; t++) {
        const size_t input_len = minnow_rnn_load_step(x + t * F, F, zero_point, vx) ? F : 0;
        for (size_t j0 = 0; j0 < H; j0 += 16) {
            const size_t rows = H - j0 < 16 ? H - j0 : 16;
            const __mmask16 m = (__mmask16)(rows == 16 ? 0xFFFFu : (1u << rows) - 1);
            __m512i ax[3], ah[3];
            for (int g = 0; g < 3; g++) {
                const size_t row0 = (size_t)g * H + j0;
                ax[g] = rnn_gemv16(k->input_weights + row0 * F, F, input_len, vx, rows);
                ah[g] = rnn_gemv16(k->recurrent_weights + row0 * H, H, H, h, rows);
            }
            const size_t jz = j0, jr = H + j0, jn = 2 * H + j0;
            __m512i bxz = _mm512_maskz_loadu_epi32(m, bx + jz), bhz = _mm512_maskz_loadu_epi32(m, bh + jz);
            __m512i bxr = _mm512_maskz_loadu_epi32(m, bx + jr), bhr = _mm512_maskz_loadu_epi32(m, bh + jr);
            __m512i bxn = _mm512_maskz_loadu_epi32(m, bx + jn), bhn = _mm512_maskz_loadu_epi32(m, bh + jn);
            __m512i zg = rnn_sigmoid16(
                rnn_pre_activation16(ax[0], ah[0], 1, 1, &scale[0], ex + jz, m,
                                     _mm512_add_epi64(rnn_lo64(bxz), rnn_lo64(bhz)),
                                     _mm512_add_epi64(rnn_hi64(bxz), rnn_hi64(bhz))), table);
            __m512i r = rnn_sigmoid16(
                rnn_pre_activation16(ax[1], ah[1], 1, 1, &scale[1], ex + jr, m,
                                     _mm512_add_epi64(rnn_lo64(bxr), rnn_lo64(bhr)),
                                     _mm512_add_epi64(rnn_hi64(bxr), rnn_hi64(bhr))), table);
            __m512i a = rnn_pre_activation16(ax[2], ah[2], 1, 0, &scale[2], ex + jn, m, rnn_lo64(bxn), rnn_hi64(bxn));
            __m512i b = rnn_pre_activation16(ax[2], ah[2], 0, 1, &scale[2], ex + jn, m, rnn_lo64(bhn), rnn_hi64(bhn));
            __m512i n_pre = _mm512_add_epi32(a, RNN_RSHIFT(_mm512_mullo_epi32(r, b), 15));
            __m512i n = rnn_tanh16(rnn_clamp32(n_pre, -65536, 65535), table);
            __m512i h0 = _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(m, h + j0));
            // |zg·h + (32768 − zg)·n| ≤ 2^30: the contract's int64 sum is exact in int32.
            __m512i mix = _mm512_add_epi32(_mm512_mullo_epi32(zg, h0),
                                           _mm512_mullo_epi32(_mm512_sub_epi32(_mm512_set1_epi32(32768), zg), n));
            __m512i h_new = rnn_clamp32(RNN_RSHIFT(mix, 15), -32768, 32767);
            _mm512_mask_cvtepi32_storeu_epi16(h_next + j0, m, h_new);
        }
        memcpy(h, h_next, H * sizeof(int16_t));
        if (k->return_sequences) minnow_rnn_write_output(h, H, y + t * H);
    }
    if (!k->return_sequences) minnow_rnn_write_output(h, H, y);
}
#endif

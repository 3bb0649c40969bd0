// Int8 LSTM/GRU with AVX2 (run-time dispatched; see rnn_int8.c): the AVX-512 kernel's plan on
// 8 units per pass. Per step and block of 8 units, each gate's 8 weight rows are multiplied with
// v_x and h by `vpmaddwd` on int16 (weights sign-extended from int8), the row accumulators are
// reduced into one vector of 8 sums, and the fixed-point gate math of the Swift
// `Int8LSTMKernel` contract runs on 8 lanes: int64 products, 64-bit arithmetic shifts built
// from logical ones (AVX2 has none), clamps by compare and blend, and one gather reading
// T[i] | T[i+1] << 16 per activation. Weights are read in place; the scratch layout is the
// Swift kernel's.
#if defined(__x86_64__) || defined(__i386__)
#include "rnn_int8_internal.h"

#include <immintrin.h>
#include <string.h>

#define RNN2_TARGET __attribute__((target("avx2")))
#define RNN2_INLINE static inline __attribute__((always_inline)) RNN2_TARGET

/// Lane r = total of v[r] (r < 8): a transposing `vphaddd` tree.
RNN2_INLINE __m256i rnn2_reduce8(const __m256i v[8]) {
    const __m256i s01 = _mm256_hadd_epi32(v[0], v[1]), s23 = _mm256_hadd_epi32(v[2], v[3]);
    const __m256i s45 = _mm256_hadd_epi32(v[4], v[5]), s67 = _mm256_hadd_epi32(v[6], v[7]);
    const __m256i a = _mm256_hadd_epi32(s01, s23), b = _mm256_hadd_epi32(s45, s67);  // [rows lo | rows hi]
    return _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20), _mm256_permute2x128_si256(a, b, 0x31));
}

/// 16 int8 weights at p widened to int16.
RNN2_INLINE __m256i rnn2_w16(const int8_t *p) { return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)p)); }

/// A vector's last 16 values with those a partial last chunk of 16 already counted set to 0
/// (see `rnn2_gemv8`), made once per step.
typedef struct {
    int16_t v[16];
} rnn2_tail;

static inline void rnn2_tail_make(const int16_t *v, size_t len, rnn2_tail *t) {
    memset(t->v, 0, sizeof t->v);
    if (len >= 16) {
        const size_t done = 16 - len % 16;  // values len − 16 … len − 16 + done − 1 are counted
        if (len % 16 != 0) memcpy(t->v + done, v + len - 16 + done, (16 - done) * sizeof(int16_t));
    } else {
        memcpy(t->v, v, len * sizeof(int16_t));
    }
}

/// Lane r < rows: Σ_k w[r·stride + k] · v[k] for k < len (exact int32). Lanes ≥ rows repeat the
/// last row (callers ignore them). Never reads outside a row: a partial last chunk of 16 is
/// read as the row's last 16 bytes against `tail` (v's last 16 values, the overlap zeroed),
/// and rows shorter than 16 through a zero-padded copy.
RNN2_INLINE __m256i rnn2_gemv8(const int8_t *w, size_t stride, size_t len, const int16_t *v, const rnn2_tail *tail,
                               size_t rows) {
    if (len == 0) return _mm256_setzero_si256();
    const int8_t *row[8];
    for (size_t r = 0; r < 8; r++) row[r] = w + (rows >= 8 || r < rows ? r : rows - 1) * stride;
    __m256i acc[8];
    if (len < 16) {
        const __m256i vk = _mm256_loadu_si256((const __m256i *)tail->v);
        for (int r = 0; r < 8; r++) {
            int8_t wt[16] = {0};
            memcpy(wt, row[r], len);
            acc[r] = _mm256_madd_epi16(rnn2_w16(wt), vk);
        }
        return rnn2_reduce8(acc);
    }
    for (int r = 0; r < 8; r++) acc[r] = _mm256_setzero_si256();
    size_t k0 = 0;
    for (; k0 + 16 <= len; k0 += 16) {
        const __m256i vk = _mm256_loadu_si256((const __m256i *)(v + k0));
        for (int r = 0; r < 8; r++) acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(rnn2_w16(row[r] + k0), vk));
    }
    if (k0 < len) {
        const __m256i vk = _mm256_loadu_si256((const __m256i *)tail->v);
        for (int r = 0; r < 8; r++)
            acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(rnn2_w16(row[r] + len - 16), vk));
    }
    return rnn2_reduce8(acc);
}

/// One gate's multipliers and rounding on the 2^(shift+7) grid.
typedef struct {
    __m256i mx, mh, round, shift;
} rnn2_gate_scale;

RNN2_INLINE rnn2_gate_scale rnn2_gate_scale_load(const int32_t *p, int g) {
    rnn2_gate_scale s;
    const int64_t shift = (int64_t)p[4 + 3 * g] + 7;
    s.mx = _mm256_set1_epi64x(p[2 + 3 * g]);
    s.mh = _mm256_set1_epi64x(p[3 + 3 * g]);
    s.round = _mm256_set1_epi64x((int64_t)1 << (shift - 1));
    s.shift = _mm256_set1_epi64x(shift);
    return s;
}

/// Sign-extended int64 halves of 8 int32 lanes.
RNN2_INLINE __m256i rnn2_lo64(__m256i v) { return _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v)); }
RNN2_INLINE __m256i rnn2_hi64(__m256i v) { return _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v, 1)); }

/// Arithmetic right shift of int64 lanes (floor): ~(~v >> s) for negative v, v >> s otherwise.
RNN2_INLINE __m256i rnn2_sra64(__m256i v, __m256i s) {
    const __m256i negative = _mm256_cmpgt_epi64(_mm256_setzero_si256(), v);
    return _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(v, negative), s), negative);
}

RNN2_INLINE __m256i rnn2_clamp64(__m256i v, int64_t lo, int64_t hi) {
    const __m256i l = _mm256_set1_epi64x(lo), h = _mm256_set1_epi64x(hi);
    v = _mm256_blendv_epi8(v, l, _mm256_cmpgt_epi64(l, v));
    return _mm256_blendv_epi8(v, h, _mm256_cmpgt_epi64(v, h));
}

/// clamp(((sum + round) >> s) + bias, −65536, 65535) on 4 int64 lanes, as 4 int32 (low half).
RNN2_INLINE __m128i rnn2_finish4(__m256i sum, const rnn2_gate_scale *g, __m256i bias) {
    __m256i v = _mm256_add_epi64(rnn2_sra64(_mm256_add_epi64(sum, g->round), g->shift), bias);
    v = rnn2_clamp64(v, -65536, 65535);
    return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6)));
}

/// Q.12 pre-activations of 8 rows: `(ax·mx) << (7 − ex)` (if use_x) plus `(ah·mh) << (7 − eh)`
/// (if use_h), rounded, shifted, biased (int64 bias halves) and clamped, as `GateScale`.
RNN2_INLINE __m256i rnn2_pre_activation8(__m256i ax, __m256i ah, int use_x, int use_h, const rnn2_gate_scale *g,
                                         const uint8_t *exponents, size_t rows, __m256i bias_lo, __m256i bias_hi) {
    int64_t e8 = 0;
    if (rows >= 8) memcpy(&e8, exponents, 8);
    else for (size_t r = 0; r < rows; r++) e8 |= (int64_t)exponents[r] << (8 * r);
    const int32_t e4lo = (int32_t)e8, e4hi = (int32_t)(e8 >> 32);
    const __m256i e_lo = _mm256_cvtepu8_epi64(_mm_cvtsi32_si128(e4lo)), e_hi = _mm256_cvtepu8_epi64(_mm_cvtsi32_si128(e4hi));
    const __m256i seven = _mm256_set1_epi64x(7), low4 = _mm256_set1_epi64x(15);
    __m256i sum_lo = _mm256_setzero_si256(), sum_hi = _mm256_setzero_si256();
    if (use_x) {
        const __m256i c_lo = _mm256_sub_epi64(seven, _mm256_and_si256(e_lo, low4));
        const __m256i c_hi = _mm256_sub_epi64(seven, _mm256_and_si256(e_hi, low4));
        sum_lo = _mm256_sllv_epi64(_mm256_mul_epi32(rnn2_lo64(ax), g->mx), c_lo);
        sum_hi = _mm256_sllv_epi64(_mm256_mul_epi32(rnn2_hi64(ax), g->mx), c_hi);
    }
    if (use_h) {
        const __m256i c_lo = _mm256_sub_epi64(seven, _mm256_srli_epi64(e_lo, 4));
        const __m256i c_hi = _mm256_sub_epi64(seven, _mm256_srli_epi64(e_hi, 4));
        sum_lo = _mm256_add_epi64(sum_lo, _mm256_sllv_epi64(_mm256_mul_epi32(rnn2_lo64(ah), g->mh), c_lo));
        sum_hi = _mm256_add_epi64(sum_hi, _mm256_sllv_epi64(_mm256_mul_epi32(rnn2_hi64(ah), g->mh), c_hi));
    }
    const __m128i lo = rnn2_finish4(sum_lo, g, bias_lo), hi = rnn2_finish4(sum_hi, g, bias_hi);
    return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
}

/// σ̂ on 8 lanes (`FixedPointActivations.sigmoid`); one gather reads T[i] | T[i+1] << 16.
RNN2_INLINE __m256i rnn2_sigmoid8(__m256i z, const uint16_t *table) {
    const __m256i a = _mm256_min_epu32(_mm256_abs_epi32(z), _mm256_set1_epi32(65535));
    const __m256i i = _mm256_srli_epi32(a, 8);
    const __m256i f = _mm256_and_si256(a, _mm256_set1_epi32(255));
    const __m256i pair = _mm256_i32gather_epi32((const int *)(const void *)table, i, 2);
    const __m256i t0 = _mm256_and_si256(pair, _mm256_set1_epi32(0xFFFF));
    const __m256i t1 = _mm256_srli_epi32(pair, 16);
    const __m256i d = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_sub_epi32(t1, t0), f), _mm256_set1_epi32(128));
    const __m256i y = _mm256_add_epi32(t0, _mm256_srai_epi32(d, 8));
    const __m256i negative = _mm256_cmpgt_epi32(_mm256_setzero_si256(), z);
    return _mm256_blendv_epi8(y, _mm256_sub_epi32(_mm256_set1_epi32(32768), y), negative);
}

/// τ̂(z) = 2σ̂(2z) − 32768 on 8 lanes.
RNN2_INLINE __m256i rnn2_tanh8(__m256i z, const uint16_t *table) {
    const __m256i s = rnn2_sigmoid8(_mm256_slli_epi32(z, 1), table);
    return _mm256_sub_epi32(_mm256_slli_epi32(s, 1), _mm256_set1_epi32(32768));
}

RNN2_INLINE __m256i rnn2_clamp32(__m256i v, int32_t lo, int32_t hi) {
    return _mm256_min_epi32(_mm256_max_epi32(v, _mm256_set1_epi32(lo)), _mm256_set1_epi32(hi));
}

/// Round-half-up shift: (v + 2^(s−1)) >> s (int32 arithmetic that wraps, as the contract's &+).
#define RNN2_RSHIFT(v, s) _mm256_srai_epi32(_mm256_add_epi32((v), _mm256_set1_epi32(1 << ((s) - 1))), (s))

/// `rows` (≤ 8) int32 values at p (int16 state) / from v (stored as int16).
RNN2_INLINE __m256i rnn2_load_i16(const int16_t *p, size_t rows) {
    if (rows >= 8) return _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)p));
    int16_t t[8] = {0};
    memcpy(t, p, (rows < 8 ? rows : 8) * sizeof(int16_t));
    return _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)t));
}

RNN2_INLINE void rnn2_store_i16(int16_t *p, __m256i v, size_t rows) {
    const __m128i packed = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    if (rows >= 8) { _mm_storeu_si128((__m128i *)p, packed); return; }
    int16_t t[8];
    _mm_storeu_si128((__m128i *)t, packed);
    memcpy(p, t, (rows < 8 ? rows : 8) * sizeof(int16_t));
}

RNN2_INLINE __m256i rnn2_load_i32(const int32_t *p, size_t rows) {
    if (rows >= 8) return _mm256_loadu_si256((const __m256i *)p);
    int32_t t[8] = {0};
    memcpy(t, p, (rows < 8 ? rows : 8) * sizeof(int32_t));
    return _mm256_loadu_si256((const __m256i *)t);
}

RNN2_TARGET
void minnow_int8_lstm__avx2(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch) {
    const size_t H = k->units, F = k->features;
    int16_t *h = (int16_t *)scratch, *c = h + H, *h_next = c + H, *vx = h_next + H;
    const int32_t *p = k->parameters;
    const int16_t zero_point = (int16_t)p[1];
    const uint16_t *table = k->sigmoid_table;
    rnn2_gate_scale scale[4];
    for (int g = 0; g < 4; g++) scale[g] = rnn2_gate_scale_load(p, g);
    for (size_t t = 0; t < k->steps; t++) {
        // Steps whose inputs all sit at the zero point (blank image rows) add nothing.
        const size_t input_len = minnow_rnn_load_step(x + t * F, F, zero_point, vx) ? F : 0;
        rnn2_tail tx, th_;
        rnn2_tail_make(vx, F, &tx);
        rnn2_tail_make(h, H, &th_);
        for (size_t j0 = 0; j0 < H; j0 += 8) {
            const size_t rows = H - j0 < 8 ? H - j0 : 8;
            __m256i z[4];
            for (int g = 0; g < 4; g++) {
                const size_t row0 = (size_t)g * H + j0;
                const __m256i ax = rnn2_gemv8(k->input_weights + row0 * F, F, input_len, vx, &tx, rows);
                const __m256i ah = rnn2_gemv8(k->recurrent_weights + row0 * H, H, H, h, &th_, rows);
                const __m256i b = rnn2_load_i32(k->bias + row0, rows);
                z[g] = rnn2_pre_activation8(ax, ah, 1, 1, &scale[g], k->row_exponents + row0, rows, rnn2_lo64(b),
                                            rnn2_hi64(b));
            }
            const __m256i i = rnn2_sigmoid8(z[0], table), f = rnn2_sigmoid8(z[1], table);
            const __m256i g = rnn2_tanh8(z[2], table), o = rnn2_sigmoid8(z[3], table);
            const __m256i c0 = rnn2_load_i16(c + j0, rows);
            const __m256i cell = _mm256_add_epi32(RNN2_RSHIFT(_mm256_mullo_epi32(f, c0), 15),
                                                  RNN2_RSHIFT(_mm256_mullo_epi32(i, g), 19));
            const __m256i c_new = rnn2_clamp32(cell, -32768, 32767);
            rnn2_store_i16(c + j0, c_new, rows);
            const __m256i th = rnn2_tanh8(_mm256_slli_epi32(c_new, 1), table);
            const __m256i h_new = _mm256_min_epi32(RNN2_RSHIFT(_mm256_mullo_epi32(o, th), 15), _mm256_set1_epi32(32767));
            rnn2_store_i16(h_next + j0, h_new, rows);
        }
        memcpy(h, h_next, H * sizeof(int16_t));
        if (k->return_sequences) minnow_rnn_write_output(h, H, y + t * H);
    }
    if (!k->return_sequences) minnow_rnn_write_output(h, H, y);
}

RNN2_TARGET
void minnow_int8_gru__avx2(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch) {
    const size_t H = k->units, F = k->features;
    int16_t *h = (int16_t *)scratch, *h_next = h + H, *vx = h_next + H;
    const int32_t *p = k->parameters;
    const int16_t zero_point = (int16_t)p[1];
    const uint16_t *table = k->sigmoid_table;
    rnn2_gate_scale scale[3];
    for (int g = 0; g < 3; g++) scale[g] = rnn2_gate_scale_load(p, g);
    const int32_t *bx = k->bias, *bh = k->recurrent_bias;
    const uint8_t *ex = k->row_exponents;
    for (size_t t = 0; t < k->steps; t++) {
        const size_t input_len = minnow_rnn_load_step(x + t * F, F, zero_point, vx) ? F : 0;
        rnn2_tail tx, th_;
        rnn2_tail_make(vx, F, &tx);
        rnn2_tail_make(h, H, &th_);
        for (size_t j0 = 0; j0 < H; j0 += 8) {
            const size_t rows = H - j0 < 8 ? H - j0 : 8;
            __m256i ax[3], ah[3];
            for (int g = 0; g < 3; g++) {
                const size_t row0 = (size_t)g * H + j0;
                ax[g] = rnn2_gemv8(k->input_weights + row0 * F, F, input_len, vx, &tx, rows);
                ah[g] = rnn2_gemv8(k->recurrent_weights + row0 * H, H, H, h, &th_, rows);
            }
            const size_t jz = j0, jr = H + j0, jn = 2 * H + j0;
            const __m256i bxz = rnn2_load_i32(bx + jz, rows), bhz = rnn2_load_i32(bh + jz, rows);
            const __m256i bxr = rnn2_load_i32(bx + jr, rows), bhr = rnn2_load_i32(bh + jr, rows);
            const __m256i bxn = rnn2_load_i32(bx + jn, rows), bhn = rnn2_load_i32(bh + jn, rows);
            const __m256i zg = rnn2_sigmoid8(
                rnn2_pre_activation8(ax[0], ah[0], 1, 1, &scale[0], ex + jz, rows,
                                     _mm256_add_epi64(rnn2_lo64(bxz), rnn2_lo64(bhz)),
                                     _mm256_add_epi64(rnn2_hi64(bxz), rnn2_hi64(bhz))), table);
            const __m256i r = rnn2_sigmoid8(
                rnn2_pre_activation8(ax[1], ah[1], 1, 1, &scale[1], ex + jr, rows,
                                     _mm256_add_epi64(rnn2_lo64(bxr), rnn2_lo64(bhr)),
                                     _mm256_add_epi64(rnn2_hi64(bxr), rnn2_hi64(bhr))), table);
            const __m256i a = rnn2_pre_activation8(ax[2], ah[2], 1, 0, &scale[2], ex + jn, rows, rnn2_lo64(bxn),
                                                   rnn2_hi64(bxn));
            const __m256i b = rnn2_pre_activation8(ax[2], ah[2], 0, 1, &scale[2], ex + jn, rows, rnn2_lo64(bhn),
                                                   rnn2_hi64(bhn));
            const __m256i n_pre = _mm256_add_epi32(a, RNN2_RSHIFT(_mm256_mullo_epi32(r, b), 15));
            const __m256i n = rnn2_tanh8(rnn2_clamp32(n_pre, -65536, 65535), table);
            const __m256i h0 = rnn2_load_i16(h + j0, rows);
            // |zg·h + (32768 − zg)·n| ≤ 2^30: the contract's int64 sum is exact in int32.
            const __m256i mix = _mm256_add_epi32(_mm256_mullo_epi32(zg, h0),
                                                 _mm256_mullo_epi32(_mm256_sub_epi32(_mm256_set1_epi32(32768), zg), n));
            const __m256i h_new = rnn2_clamp32(RNN2_RSHIFT(mix, 15), -32768, 32767);
            rnn2_store_i16(h_next + j0, h_new, rows);
        }
        memcpy(h, h_next, H * sizeof(int16_t));
        if (k->return_sequences) minnow_rnn_write_output(h, H, y + t * H);
    }
    if (!k->return_sequences) minnow_rnn_write_output(h, H, y);
}
#endif

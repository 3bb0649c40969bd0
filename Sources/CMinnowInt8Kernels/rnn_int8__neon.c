// Int8 LSTM/GRU with AArch64 NEON (run-time dispatched; see rnn_int8.c), 4 units per pass, in
// two families that differ only in the weight products:
//   neon     int16 GEMVs: weights sign-extended, `smlal` into int32 (exact).
//   neondot  `sdot` on the int16 vectors' bytes: v = 256·hi + lo' + 128 with hi = v >> 8 and
//            lo' = (v & 255) − 128 both int8, so Σ w·v = 256·Σ w·hi + Σ w·lo' + 128·Σ w, each
//            part exact in int32 and the sum exact mod 2^32 (the contract keeps it in int32);
//            the vectors are split once per step, the row sums Σ w once per call.
// The fixed-point gate math of the Swift `Int8LSTMKernel` contract runs on 4 lanes (int64
// products, `sshl` arithmetic shifts, table lookups per lane). Scratch layout: the Swift kernel's.
#if defined(__aarch64__)
#include "rnn_int8_internal.h"
#include "neon_internal.h"

/// Longest vector (features or units) the dot product path splits on the stack.
#define RNN_DOT_MAX_LEN 4096
/// Most gate rows (G·H) whose weight sums the dot product path keeps on the stack.
#define RNN_DOT_MAX_ROWS 2048

/// Σ_k w[k]·v[k], k < len, with `smlal` on int16 (exact int32, wrapping like the contract's &+).
static inline int32_t row_dot_s16(const int8_t *w, const int16_t *v, size_t len) {
    int32x4_t a0 = vdupq_n_s32(0), a1 = vdupq_n_s32(0);
    size_t k = 0;
    for (; k + 16 <= len; k += 16) {
        const int8x16_t wv = vld1q_s8(w + k);
        const int16x8_t w0 = vmovl_s8(vget_low_s8(wv)), w1 = vmovl_high_s8(wv);
        const int16x8_t v0 = vld1q_s16(v + k), v1 = vld1q_s16(v + k + 8);
        a0 = vmlal_s16(a0, vget_low_s16(w0), vget_low_s16(v0));
        a1 = vmlal_high_s16(a1, w0, v0);
        a0 = vmlal_s16(a0, vget_low_s16(w1), vget_low_s16(v1));
        a1 = vmlal_high_s16(a1, w1, v1);
    }
    uint32_t sum = (uint32_t)vaddvq_s32(vaddq_s32(a0, a1));
    for (; k < len; k++) sum += (uint32_t)((int32_t)w[k] * (int32_t)v[k]);
    return (int32_t)sum;
}

/// Rows r < rows of `w` (stride apart; lanes ≥ rows repeat the last row) against v: 4 lanes.
static inline int32x4_t gemv4_s16(const int8_t *w, size_t stride, size_t len, const int16_t *v, size_t rows) {
    int32_t out[4];
    MINNOW_UNROLL for (size_t r = 0; r < 4; r++) out[r] = len == 0 ? 0 : row_dot_s16(w + (r < rows ? r : rows - 1) * stride, v, len);
    return vld1q_s32(out);
}

/// A vector split for `sdot`: hi = v >> 8, lo = (v & 255) − 128, both int8; `whole` values
/// in multiples of 16 go through `sdot`, the rest (`len − whole`) stays int16.
typedef struct {
    int8_t hi[RNN_DOT_MAX_LEN], lo[RNN_DOT_MAX_LEN];
    size_t len, whole;
} split_vector;

static void split(const int16_t *v, size_t len, split_vector *s) {
    s->len = len;
    s->whole = len / 16 * 16;
    for (size_t k = 0; k < s->whole; k++) {
        s->hi[k] = (int8_t)(v[k] >> 8);
        s->lo[k] = (int8_t)((v[k] & 255) - 128);
    }
}

/// Σ_k w[k], k < whole (the part of a row `sdot` covers).
static int32_t row_sum(const int8_t *w, size_t whole) {
    int32_t s = 0;
    for (size_t k = 0; k < whole; k++) s += w[k];
    return s;
}

/// One row against a split vector: 256·Σ w·hi + Σ w·lo + 128·Σ w over the `sdot` part, plus the
/// int16 tail. `sum` is the row's precomputed Σ w over that part.
static MINNOW_DOTPROD_TARGET int32_t row_dot_split(const int8_t *w, const int16_t *v, const split_vector *s,
                                                   int32_t sum) {
    int32x4_t ahi = vdupq_n_s32(0), alo = vdupq_n_s32(0);
    for (size_t k = 0; k < s->whole; k += 16) {
        const int8x16_t wv = vld1q_s8(w + k);
        ahi = vdotq_s32(ahi, wv, vld1q_s8(s->hi + k));
        alo = vdotq_s32(alo, wv, vld1q_s8(s->lo + k));
    }
    uint32_t total = ((uint32_t)vaddvq_s32(ahi) << 8) + (uint32_t)vaddvq_s32(alo) + ((uint32_t)sum << 7);
    for (size_t k = s->whole; k < s->len; k++) total += (uint32_t)((int32_t)w[k] * (int32_t)v[k]);
    return (int32_t)total;
}

static MINNOW_DOTPROD_TARGET int32x4_t gemv4_split(const int8_t *w, size_t stride, const int16_t *v,
                                                   const split_vector *s, const int32_t *sums, size_t rows) {
    int32_t out[4];
    MINNOW_UNROLL for (size_t r = 0; r < 4; r++) {
        const size_t row = r < rows ? r : rows - 1;
        out[r] = row_dot_split(w + row * stride, v, s, sums[row]);
    }
    return vld1q_s32(out);
}

/// One gate's scale: multipliers, s = shift + 7, 2^(s−1).
typedef struct {
    int32_t mx, mh;
    int64x2_t neg_shift, round;
} gate_scale;

static inline gate_scale gate_scale_load(const int32_t *p, int g) {
    gate_scale s;
    const int64_t shift = (int64_t)p[4 + 3 * g] + 7;
    s.mx = p[2 + 3 * g];
    s.mh = p[3 + 3 * g];
    s.neg_shift = vdupq_n_s64(-shift);
    s.round = vdupq_n_s64((int64_t)1 << (shift - 1));
    return s;
}

/// clamp(((sum + round) >> s) + bias, −65536, 65535) on 2 int64 lanes.
NEON_INLINE int32x2_t finish2(int64x2_t sum, const gate_scale *g, int64x2_t bias) {
    int64x2_t v = vaddq_s64(vshlq_s64(vaddq_s64(sum, g->round), g->neg_shift), bias);
    const int64x2_t lo = vdupq_n_s64(-65536), hi = vdupq_n_s64(65535);
    v = vbslq_s64(vcltq_s64(v, lo), lo, v);
    v = vbslq_s64(vcgtq_s64(v, hi), hi, v);
    return vmovn_s64(v);
}

/// Q.12 pre-activations of 4 rows (see `GateScale`): input product (use_x), recurrent product
/// (use_h), rounding shift, int64 bias (lo: rows 0–1, hi: rows 2–3), clamp.
NEON_INLINE int32x4_t pre_activation4(int32x4_t ax, int32x4_t ah, int use_x, int use_h, const gate_scale *g,
                                      const uint8_t *exponents, size_t rows, int64x2_t bias_lo, int64x2_t bias_hi) {
    int64_t cx[4] = {0}, ch[4] = {0};
    for (size_t r = 0; r < 4; r++) {
        const uint8_t e = r < rows ? exponents[r] : 0;
        cx[r] = 7 - (e & 15);
        ch[r] = 7 - (e >> 4);
    }
    int64x2_t lo = vdupq_n_s64(0), hi = vdupq_n_s64(0);
    if (use_x) {
        lo = vshlq_s64(vmull_n_s32(vget_low_s32(ax), g->mx), vld1q_s64(cx));
        hi = vshlq_s64(vmull_high_n_s32(ax, g->mx), vld1q_s64(cx + 2));
    }
    if (use_h) {
        lo = vaddq_s64(lo, vshlq_s64(vmull_n_s32(vget_low_s32(ah), g->mh), vld1q_s64(ch)));
        hi = vaddq_s64(hi, vshlq_s64(vmull_high_n_s32(ah, g->mh), vld1q_s64(ch + 2)));
    }
    return vcombine_s32(finish2(lo, g, bias_lo), finish2(hi, g, bias_hi));
}

/// σ̂ on 4 lanes (`FixedPointActivations.sigmoid`), table entries looked up per lane.
NEON_INLINE int32x4_t sigmoid4(int32x4_t z, const uint16_t *table) {
    const uint32x4_t a = vminq_u32(vreinterpretq_u32_s32(vabsq_s32(z)), vdupq_n_u32(65535));
    uint32_t idx[4];
    vst1q_u32(idx, vshrq_n_u32(a, 8));
    int32_t t0[4], t1[4];
    for (int r = 0; r < 4; r++) { t0[r] = table[idx[r]]; t1[r] = table[idx[r] + 1]; }
    const int32x4_t f = vreinterpretq_s32_u32(vandq_u32(a, vdupq_n_u32(255)));
    const int32x4_t v0 = vld1q_s32(t0), v1 = vld1q_s32(t1);
    const int32x4_t d = vaddq_s32(vmulq_s32(vsubq_s32(v1, v0), f), vdupq_n_s32(128));
    const int32x4_t y = vaddq_s32(v0, vshrq_n_s32(d, 8));
    return vbslq_s32(vcltzq_s32(z), vsubq_s32(vdupq_n_s32(32768), y), y);
}

/// τ̂(z) = 2σ̂(2z) − 32768 on 4 lanes.
NEON_INLINE int32x4_t tanh4(int32x4_t z, const uint16_t *table) {
    return vsubq_s32(vshlq_n_s32(sigmoid4(vshlq_n_s32(z, 1), table), 1), vdupq_n_s32(32768));
}

NEON_INLINE int32x4_t clamp32(int32x4_t v, int32_t lo, int32_t hi) {
    return vminq_s32(vmaxq_s32(v, vdupq_n_s32(lo)), vdupq_n_s32(hi));
}

/// Round-half-up shift with the contract's wrapping int32 add: (v + 2^(s−1)) >> s.
#define RSHIFT(v, s) vshrq_n_s32(vaddq_s32((v), vdupq_n_s32(1 << ((s) - 1))), (s))

NEON_INLINE int32x4_t load_i16(const int16_t *p, size_t rows) {
    int16_t t[4] = {0};
    memcpy(t, p, (rows < 4 ? rows : 4) * sizeof(int16_t));
    return vmovl_s16(vld1_s16(t));
}

NEON_INLINE void store_i16(int16_t *p, int32x4_t v, size_t rows) {
    int16_t t[4];
    vst1_s16(t, vmovn_s32(v));  // values already within int16
    memcpy(p, t, (rows < 4 ? rows : 4) * sizeof(int16_t));
}

NEON_INLINE int32x4_t load_i32(const int32_t *p, size_t rows) {
    int32_t t[4] = {0};
    memcpy(t, p, (rows < 4 ? rows : 4) * sizeof(int32_t));
    return vld1q_s32(t);
}

/// The products of G gates' 4-row blocks at unit j0: ax[g], ah[g]. DOT: through the split
/// vectors and row sums (see the file comment).
typedef struct {
    split_vector x, h;
    int32_t sum_x[RNN_DOT_MAX_ROWS], sum_h[RNN_DOT_MAX_ROWS];
} dot_state;

/// Whether the dot path covers this op (vectors and rows within the stack buffers).
static int dot_fits(const minnow_int8_rnn *k, size_t gates) {
    return k->features <= RNN_DOT_MAX_LEN && k->units <= RNN_DOT_MAX_LEN && gates * k->units <= RNN_DOT_MAX_ROWS;
}

static void dot_prepare(const minnow_int8_rnn *k, size_t gates, dot_state *d) {
    const size_t rows = gates * k->units, fw = k->features / 16 * 16, hw = k->units / 16 * 16;
    for (size_t r = 0; r < rows; r++) {
        d->sum_x[r] = row_sum(k->input_weights + r * k->features, fw);
        d->sum_h[r] = row_sum(k->recurrent_weights + r * k->units, hw);
    }
}

NEON_INLINE void products(const int DOT, const minnow_int8_rnn *k, size_t gates, size_t j0, size_t rows,
                          size_t input_len, const int16_t *vx, const int16_t *h, const dot_state *d,
                          int32x4_t *ax, int32x4_t *ah) {
    const size_t H = k->units, F = k->features;
    for (size_t g = 0; g < gates; g++) {
        const size_t row0 = g * H + j0;
        if (DOT) {
            ax[g] = input_len == 0 ? vdupq_n_s32(0)
                                   : gemv4_split(k->input_weights + row0 * F, F, vx, &d->x, d->sum_x + row0, rows);
            ah[g] = gemv4_split(k->recurrent_weights + row0 * H, H, h, &d->h, d->sum_h + row0, rows);
        } else {
            ax[g] = gemv4_s16(k->input_weights + row0 * F, F, input_len, vx, rows);
            ah[g] = gemv4_s16(k->recurrent_weights + row0 * H, H, H, h, rows);
        }
    }
}

NEON_INLINE void lstm(const int DOT, const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch,
                      dot_state *d) {
    const size_t H = k->units, F = k->features;
    int16_t *h = (int16_t *)scratch, *c = h + H, *h_next = c + H, *vx = h_next + H;
    const int32_t *p = k->parameters;
    const int16_t zero_point = (int16_t)p[1];
    const uint16_t *table = k->sigmoid_table;
    gate_scale scale[4];
    for (int g = 0; g < 4; g++) scale[g] = gate_scale_load(p, g);
    if (DOT) dot_prepare(k, 4, d);
    for (size_t t = 0; t < k->steps; t++) {
        // Steps whose inputs all sit at the zero point (blank image rows) add nothing.
        const size_t input_len = minnow_rnn_load_step(x + t * F, F, zero_point, vx) ? F : 0;
        if (DOT) {
            if (input_len) split(vx, F, &d->x);
            split(h, H, &d->h);
        }
        for (size_t j0 = 0; j0 < H; j0 += 4) {
            const size_t rows = H - j0 < 4 ? H - j0 : 4;
            int32x4_t ax[4], ah[4], z[4];
            products(DOT, k, 4, j0, rows, input_len, vx, h, d, ax, ah);
            for (int g = 0; g < 4; g++) {
                const size_t row0 = (size_t)g * H + j0;
                const int32x4_t b = load_i32(k->bias + row0, rows);
                z[g] = pre_activation4(ax[g], ah[g], 1, 1, &scale[g], k->row_exponents + row0, rows,
                                       vmovl_s32(vget_low_s32(b)), vmovl_high_s32(b));
            }
            const int32x4_t i = sigmoid4(z[0], table), f = sigmoid4(z[1], table);
            const int32x4_t g = tanh4(z[2], table), o = sigmoid4(z[3], table);
            const int32x4_t c0 = load_i16(c + j0, rows);
            const int32x4_t cell = vaddq_s32(RSHIFT(vmulq_s32(f, c0), 15), RSHIFT(vmulq_s32(i, g), 19));
            const int32x4_t c_new = clamp32(cell, -32768, 32767);
            store_i16(c + j0, c_new, rows);
            const int32x4_t th = tanh4(vshlq_n_s32(c_new, 1), table);
            const int32x4_t h_new = vminq_s32(RSHIFT(vmulq_s32(o, th), 15), vdupq_n_s32(32767));
            store_i16(h_next + j0, h_new, rows);
        }
        memcpy(h, h_next, H * sizeof(int16_t));
        if (k->return_sequences) minnow_rnn_write_output(h, H, y + t * H);
    }
    if (!k->return_sequences) minnow_rnn_write_output(h, H, y);
}

NEON_INLINE void gru(const int DOT, const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch,
                     dot_state *d) {
    const size_t H = k->units, F = k->features;
    int16_t *h = (int16_t *)scratch, *h_next = h + H, *vx = h_next + H;
    const int32_t *p = k->parameters;
    const int16_t zero_point = (int16_t)p[1];
    const uint16_t *table = k->sigmoid_table;
    gate_scale scale[3];
    for (int g = 0; g < 3; g++) scale[g] = gate_scale_load(p, g);
    const int32_t *bx = k->bias, *bh = k->recurrent_bias;
    const uint8_t *ex = k->row_exponents;
    if (DOT) dot_prepare(k, 3, d);
    for (size_t t = 0; t < k->steps; t++) {
        const size_t input_len = minnow_rnn_load_step(x + t * F, F, zero_point, vx) ? F : 0;
        if (DOT) {
            if (input_len) split(vx, F, &d->x);
            split(h, H, &d->h);
        }
        for (size_t j0 = 0; j0 < H; j0 += 4) {
            const size_t rows = H - j0 < 4 ? H - j0 : 4;
            int32x4_t ax[3], ah[3];
            products(DOT, k, 3, j0, rows, input_len, vx, h, d, ax, ah);
            const size_t jz = j0, jr = H + j0, jn = 2 * H + j0;
            const int32x4_t bxz = load_i32(bx + jz, rows), bhz = load_i32(bh + jz, rows);
            const int32x4_t bxr = load_i32(bx + jr, rows), bhr = load_i32(bh + jr, rows);
            const int32x4_t bxn = load_i32(bx + jn, rows), bhn = load_i32(bh + jn, rows);
            const int32x4_t zg = sigmoid4(
                pre_activation4(ax[0], ah[0], 1, 1, &scale[0], ex + jz, rows,
                                vaddq_s64(vmovl_s32(vget_low_s32(bxz)), vmovl_s32(vget_low_s32(bhz))),
                                vaddq_s64(vmovl_high_s32(bxz), vmovl_high_s32(bhz))), table);
            const int32x4_t r = sigmoid4(
                pre_activation4(ax[1], ah[1], 1, 1, &scale[1], ex + jr, rows,
                                vaddq_s64(vmovl_s32(vget_low_s32(bxr)), vmovl_s32(vget_low_s32(bhr))),
                                vaddq_s64(vmovl_high_s32(bxr), vmovl_high_s32(bhr))), table);
            const int32x4_t a = pre_activation4(ax[2], ah[2], 1, 0, &scale[2], ex + jn, rows,
                                                vmovl_s32(vget_low_s32(bxn)), vmovl_high_s32(bxn));
            const int32x4_t b = pre_activation4(ax[2], ah[2], 0, 1, &scale[2], ex + jn, rows,
                                                vmovl_s32(vget_low_s32(bhn)), vmovl_high_s32(bhn));
            const int32x4_t n_pre = vaddq_s32(a, RSHIFT(vmulq_s32(r, b), 15));
            const int32x4_t n = tanh4(clamp32(n_pre, -65536, 65535), table);
            const int32x4_t h0 = load_i16(h + j0, rows);
            // |zg·h + (32768 − zg)·n| ≤ 2^30: the contract's int64 sum is exact in int32.
            const int32x4_t mix = vaddq_s32(vmulq_s32(zg, h0), vmulq_s32(vsubq_s32(vdupq_n_s32(32768), zg), n));
            const int32x4_t h_new = clamp32(RSHIFT(mix, 15), -32768, 32767);
            store_i16(h_next + j0, h_new, rows);
        }
        memcpy(h, h_next, H * sizeof(int16_t));
        if (k->return_sequences) minnow_rnn_write_output(h, H, y + t * H);
    }
    if (!k->return_sequences) minnow_rnn_write_output(h, H, y);
}

void minnow_int8_lstm__neon(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch) {
    lstm(0, k, x, y, scratch, NULL);
}

void minnow_int8_gru__neon(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch) {
    gru(0, k, x, y, scratch, NULL);
}

#if defined(MINNOW_HAVE_NEONDOT)
MINNOW_DOTPROD_TARGET void minnow_int8_lstm__neondot(const minnow_int8_rnn *k, const int8_t *x, int8_t *y,
                                                     void *scratch) {
    if (!dot_fits(k, 4)) { lstm(0, k, x, y, scratch, NULL); return; }
    dot_state d;
    lstm(1, k, x, y, scratch, &d);
}

MINNOW_DOTPROD_TARGET void minnow_int8_gru__neondot(const minnow_int8_rnn *k, const int8_t *x, int8_t *y,
                                                    void *scratch) {
    if (!dot_fits(k, 3)) { gru(0, k, x, y, scratch, NULL); return; }
    dot_state d;
    gru(1, k, x, y, scratch, &d);
}
#endif
#endif

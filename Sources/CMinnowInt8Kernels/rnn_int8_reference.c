// Plain-loop C twins of the int8 LSTM/GRU kernels: the fixed-point contract on the Swift
// `Int8LSTMKernel` written as C loops (the same integers as its `portable` kernels; the tests
// check both). All wrapping int32 arithmetic is done in uint32_t, as Swift's &+, &*.
#include "rnn_int8_internal.h"

static int32_t sigmoid_q15(int32_t z, const uint16_t *table) {
    const uint32_t mag = z < 0 ? 0u - (uint32_t)z : (uint32_t)z;
    const uint32_t a = mag < 65535 ? mag : 65535;
    const int32_t t0 = table[a >> 8], t1 = table[(a >> 8) + 1];
    const int32_t y = t0 + ((int32_t)((uint32_t)((t1 - t0) * (int32_t)(a & 255)) + 128u) >> 8);
    return z < 0 ? 32768 - y : y;
}

static int32_t tanh_q15(int32_t z, const uint16_t *table) {
    return (int32_t)(((uint32_t)sigmoid_q15((int32_t)((uint32_t)z << 1), table) << 1) - 32768u);
}

/// clamp(v, −65536, 65535) of the gate formulas.
static int32_t clamp_q12(int64_t v) { return (int32_t)(v < -65536 ? -65536 : v > 65535 ? 65535 : v); }

typedef struct { int64_t mx, mh, shift, round; } scale_t;

static scale_t scale_of(const int32_t *p, int g) {
    scale_t s = {p[2 + 3 * g], p[3 + 3 * g], (int64_t)p[4 + 3 * g] + 7, 0};
    s.round = (int64_t)1 << (s.shift - 1);
    return s;
}

static int64_t input_product(const scale_t *s, int32_t ax, uint8_t e) {
    return (int64_t)((uint64_t)((int64_t)ax * s->mx) << (7 - (e & 15)));
}
static int64_t recurrent_product(const scale_t *s, int32_t ah, uint8_t e) {
    return (int64_t)((uint64_t)((int64_t)ah * s->mh) << (7 - (e >> 4)));
}

/// Σ_k w[k]·v[k] (wrapping int32).
static int32_t dot(const int8_t *w, const int16_t *v, size_t len) {
    uint32_t acc = 0;
    for (size_t k = 0; k < len; k++) acc += (uint32_t)((int32_t)w[k] * (int32_t)v[k]);
    return (int32_t)acc;
}

static int32_t rshift(int32_t v, int s) { return (int32_t)((uint32_t)v + (1u << (s - 1))) >> s; }

void minnow_int8_lstm_reference(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch) {
    minnow_int8_rnn copy;
    if (k->sigmoid_table == NULL) {
        copy = *k;
        copy.sigmoid_table = minnow_int8_sigmoid_table;
        k = &copy;
    }
    const size_t H = k->units, F = k->features;
    int16_t *h = (int16_t *)scratch, *c = h + H, *h_next = c + H, *vx = h_next + H;
    const int32_t *p = k->parameters;
    const uint16_t *table = k->sigmoid_table;
    scale_t s[4];
    for (int g = 0; g < 4; g++) s[g] = scale_of(p, g);
    for (size_t t = 0; t < k->steps; t++) {
        const size_t len = minnow_rnn_load_step(x + t * F, F, (int16_t)p[1], vx) ? F : 0;
        for (size_t j = 0; j < H; j++) {
            int32_t z[4];
            for (int g = 0; g < 4; g++) {
                const size_t r = (size_t)g * H + j;
                const uint8_t e = k->row_exponents[r];
                const int64_t sum = input_product(&s[g], dot(k->input_weights + r * F, vx, len), e) +
                                    recurrent_product(&s[g], dot(k->recurrent_weights + r * H, h, H), e) + s[g].round;
                z[g] = clamp_q12((sum >> s[g].shift) + (int64_t)k->bias[r]);
            }
            const int32_t i = sigmoid_q15(z[0], table), f = sigmoid_q15(z[1], table);
            const int32_t g = tanh_q15(z[2], table), o = sigmoid_q15(z[3], table);
            const int32_t cell = (int32_t)((uint32_t)rshift((int32_t)((uint32_t)f * (uint32_t)c[j]), 15) +
                                           (uint32_t)rshift((int32_t)((uint32_t)i * (uint32_t)g), 19));
            const int32_t c_new = cell < -32768 ? -32768 : cell > 32767 ? 32767 : cell;
            c[j] = (int16_t)c_new;
            const int32_t h_new = rshift((int32_t)((uint32_t)o * (uint32_t)tanh_q15(c_new * 2, table)), 15);
            h_next[j] = (int16_t)(h_new > 32767 ? 32767 : h_new);
        }
        memcpy(h, h_next, H * sizeof(int16_t));
        if (k->return_sequences) minnow_rnn_write_output(h, H, y + t * H);
    }
    if (!k->return_sequences) minnow_rnn_write_output(h, H, y);
}

void minnow_int8_gru_reference(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch) {
    minnow_int8_rnn copy;
    if (k->sigmoid_table == NULL) {
        copy = *k;
        copy.sigmoid_table = minnow_int8_sigmoid_table;
        k = &copy;
    }
    const size_t H = k->units, F = k->features;
    int16_t *h = (int16_t *)scratch, *h_next = h + H, *vx = h_next + H;
    const int32_t *p = k->parameters;
    const uint16_t *table = k->sigmoid_table;
    scale_t s[3];
    for (int g = 0; g < 3; g++) s[g] = scale_of(p, g);
    for (size_t t = 0; t < k->steps; t++) {
        const size_t len = minnow_rnn_load_step(x + t * F, F, (int16_t)p[1], vx) ? F : 0;
        for (size_t j = 0; j < H; j++) {
            int32_t act[2];
            for (int g = 0; g < 2; g++) {  // update and reset gates
                const size_t r = (size_t)g * H + j;
                const uint8_t e = k->row_exponents[r];
                const int64_t sum = input_product(&s[g], dot(k->input_weights + r * F, vx, len), e) +
                                    recurrent_product(&s[g], dot(k->recurrent_weights + r * H, h, H), e) + s[g].round;
                act[g] = sigmoid_q15(clamp_q12((sum >> s[g].shift) + (int64_t)k->bias[r] + (int64_t)k->recurrent_bias[r]),
                                     table);
            }
            const size_t rn = 2 * H + j;
            const uint8_t e = k->row_exponents[rn];
            const int32_t a = clamp_q12(((input_product(&s[2], dot(k->input_weights + rn * F, vx, len), e) + s[2].round) >>
                                         s[2].shift) + (int64_t)k->bias[rn]);
            const int32_t b = clamp_q12(((recurrent_product(&s[2], dot(k->recurrent_weights + rn * H, h, H), e) +
                                          s[2].round) >> s[2].shift) + (int64_t)k->recurrent_bias[rn]);
            const int32_t n_pre = (int32_t)((uint32_t)a + (uint32_t)rshift((int32_t)((uint32_t)act[1] * (uint32_t)b), 15));
            const int64_t n = tanh_q15(n_pre < -65536 ? -65536 : n_pre > 65535 ? 65535 : n_pre, table);
            const int64_t zg = act[0];
            const int64_t h_new = (zg * h[j] + (32768 - zg) * n + 16384) >> 15;
            h_next[j] = (int16_t)(h_new < -32768 ? -32768 : h_new > 32767 ? 32767 : h_new);
        }
        memcpy(h, h_next, H * sizeof(int16_t));
        if (k->return_sequences) minnow_rnn_write_output(h, H, y + t * H);
    }
    if (!k->return_sequences) minnow_rnn_write_output(h, H, y);
}

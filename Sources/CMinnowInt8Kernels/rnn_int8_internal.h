#ifndef MINNOW_RNN_INT8_INTERNAL_H
#define MINNOW_RNN_INT8_INTERNAL_H

/* Shared pieces of the int8 LSTM/GRU kernels: the exact integer formulas of the fixed-point
 * contract documented on the Swift `Int8LSTMKernel` (all wrapping arithmetic done in unsigned
 * types so it matches Swift's `&+`/`&*`/`&<<` bit for bit). */

#include "qgemm_internal.h"  // MINNOW_HAVE_NEONDOT

#if defined(__x86_64__) || defined(__i386__)
void minnow_int8_lstm__avx512(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch);
void minnow_int8_gru__avx512(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch);
void minnow_int8_lstm__avx2(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch);
void minnow_int8_gru__avx2(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch);
#endif
#if defined(__aarch64__)
void minnow_int8_lstm__neon(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch);
void minnow_int8_gru__neon(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch);
void minnow_int8_lstm__neondot(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch);
void minnow_int8_gru__neondot(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch);
#endif

/// `v_x = x − zp` for one step into `vx`; returns 0 when every value is at the zero point.
static inline int minnow_rnn_load_step(const int8_t *xt, size_t features, int16_t zero_point, int16_t *vx) {
    int any = 0;
    for (size_t f = 0; f < features; f++) {
        int16_t v = (int16_t)(xt[f] - zero_point);
        vx[f] = v;
        any |= v;
    }
    return any != 0;
}

/// Int8 output at scale 1/128 from Q0.15: `clamp((h + 128) >> 8, −128, 127)`.
static inline void minnow_rnn_write_output(const int16_t *h, size_t count, int8_t *y) {
    for (size_t j = 0; j < count; j++) {
        int32_t v = ((int32_t)h[j] + 128) >> 8;
        y[j] = (int8_t)(v > 127 ? 127 : v);
    }
}

#endif

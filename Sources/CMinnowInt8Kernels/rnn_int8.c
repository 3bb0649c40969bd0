// Dispatch of the int8 LSTM/GRU kernel families (run-time CPU check).
#include "rnn_int8_internal.h"

int minnow_int8_rnn_kernel_supported(int kernel) {
    switch (kernel) {
#if defined(__x86_64__) || defined(__i386__)
    case MINNOW_RNN_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl");
#endif
    default:
        return 0;
    }
}

int minnow_int8_rnn_best_kernel(void) {
    static int cached = -1;
    int best = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (best < 0) {
        best = minnow_int8_rnn_kernel_supported(MINNOW_RNN_AVX512) ? MINNOW_RNN_AVX512 : 0;
        __atomic_store_n(&cached, best, __ATOMIC_RELAXED);
    }
    return best;
}

void minnow_int8_lstm(int kernel, const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch) {
    switch (kernel) {
#if defined(__x86_64__) || defined(__i386__)
    case MINNOW_RNN_AVX512:
        minnow_int8_lstm__avx512(k, x, y, scratch);
        return;
#endif
    default:
        __builtin_trap();  // callers check `minnow_int8_rnn_kernel_supported`
    }
}

void minnow_int8_gru(int kernel, const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch) {
    switch (kernel) {
#if defined(__x86_64__) || defined(__i386__)
    case MINNOW_RNN_AVX512:
        minnow_int8_gru__avx512(k, x, y, scratch);
        return;
#endif
    default:
        __builtin_trap();
    }
}

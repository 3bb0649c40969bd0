// Dispatch of the int8 LSTM/GRU kernel families (run-time CPU check, see int8_cpu.c).
#include "rnn_int8_internal.h"

/// Instruction sets family `kernel` needs (~0: not compiled into this build).
static unsigned rnn_family_needs(int kernel) {
    switch (kernel) {
#if defined(__x86_64__) || defined(__i386__)
    case MINNOW_RNN_AVX512: return MINNOW_ISA_AVX2 | MINNOW_ISA_AVX512BW;
    case MINNOW_RNN_AVX2: return MINNOW_ISA_AVX2;
#endif
#if defined(__aarch64__)
    case MINNOW_RNN_NEON: return MINNOW_ISA_NEON;
#if defined(MINNOW_HAVE_NEONDOT)
    case MINNOW_RNN_NEONDOT: return MINNOW_ISA_NEON | MINNOW_ISA_NEONDOT;
#endif
#endif
    default: return ~0u;
    }
}

static int rnn_family_runs(int kernel, unsigned isa) {
    const unsigned needs = rnn_family_needs(kernel);
    return needs != ~0u && (needs & isa) == needs;
}

int minnow_int8_rnn_kernel_supported(int kernel) { return rnn_family_runs(kernel, minnow_int8_isa_detected()); }

int minnow_int8_rnn_best_kernel(void) {
    static const int order[] = {MINNOW_RNN_AVX512, MINNOW_RNN_AVX2, MINNOW_RNN_NEONDOT, MINNOW_RNN_NEON};
    const unsigned isa = minnow_int8_isa();
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (rnn_family_runs(order[i], isa)) return order[i];
    return 0;
}

const char *minnow_int8_rnn_kernel_name(int kernel) {
    switch (kernel) {
    case MINNOW_RNN_AVX512: return "avx512";
    case MINNOW_RNN_AVX2: return "avx2";
    case MINNOW_RNN_NEON: return "neon";
    case MINNOW_RNN_NEONDOT: return "neondot";
    default: return NULL;
    }
}

void minnow_int8_lstm(int kernel, const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch) {
    switch (kernel) {
#if defined(__x86_64__) || defined(__i386__)
    case MINNOW_RNN_AVX512: minnow_int8_lstm__avx512(k, x, y, scratch); return;
    case MINNOW_RNN_AVX2: minnow_int8_lstm__avx2(k, x, y, scratch); return;
#endif
#if defined(__aarch64__)
    case MINNOW_RNN_NEON: minnow_int8_lstm__neon(k, x, y, scratch); return;
#if defined(MINNOW_HAVE_NEONDOT)
    case MINNOW_RNN_NEONDOT: minnow_int8_lstm__neondot(k, x, y, scratch); return;
#endif
#endif
    default: __builtin_trap();  // callers check `minnow_int8_rnn_kernel_supported`
    }
}

void minnow_int8_gru(int kernel, const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch) {
    switch (kernel) {
#if defined(__x86_64__) || defined(__i386__)
    case MINNOW_RNN_AVX512: minnow_int8_gru__avx512(k, x, y, scratch); return;
    case MINNOW_RNN_AVX2: minnow_int8_gru__avx2(k, x, y, scratch); return;
#endif
#if defined(__aarch64__)
    case MINNOW_RNN_NEON: minnow_int8_gru__neon(k, x, y, scratch); return;
#if defined(MINNOW_HAVE_NEONDOT)
    case MINNOW_RNN_NEONDOT: minnow_int8_gru__neondot(k, x, y, scratch); return;
#endif
#endif
    default: __builtin_trap();
    }
}

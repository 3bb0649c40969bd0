// Dispatch of the int8 LSTM/GRU kernel families (run-time CPU check, see int8_cpu.c).
#include "rnn_int8_internal.h"

/// round(32768 · σ(i / 16)) for i in 0…256: the Swift `FixedPointActivations.sigmoidTable`
/// (a test checks they are equal), for C callers that pass no table.
const uint16_t minnow_int8_sigmoid_table[257] = {
    16384, 16896, 17407, 17916, 18421, 18923, 19420, 19912, 20397, 20874, 21344, 21804, 22255, 22696, 23127, 23547,
    23955, 24352, 24737, 25110, 25471, 25819, 26155, 26479, 26790, 27090, 27377, 27653, 27917, 28169, 28411, 28642,
    28862, 29072, 29272, 29462, 29644, 29816, 29979, 30135, 30282, 30422, 30555, 30680, 30799, 30912, 31018, 31119,
    31214, 31304, 31389, 31469, 31545, 31616, 31684, 31747, 31807, 31864, 31917, 31968, 32015, 32060, 32102, 32141,
    32179, 32214, 32247, 32278, 32307, 32335, 32361, 32385, 32408, 32430, 32450, 32469, 32487, 32504, 32520, 32535,
    32549, 32562, 32574, 32586, 32597, 32607, 32617, 32626, 32635, 32643, 32650, 32657, 32664, 32670, 32676, 32682,
    32687, 32692, 32696, 32701, 32705, 32709, 32712, 32716, 32719, 32722, 32725, 32727, 32730, 32732, 32734, 32736,
    32738, 32740, 32742, 32743, 32745, 32746, 32747, 32749, 32750, 32751, 32752, 32753, 32754, 32755, 32756, 32756,
    32757, 32758, 32758, 32759, 32759, 32760, 32760, 32761, 32761, 32762, 32762, 32762, 32763, 32763, 32763, 32764,
    32764, 32764, 32764, 32765, 32765, 32765, 32765, 32765, 32766, 32766, 32766, 32766, 32766, 32766, 32766, 32766,
    32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767,
    32767, 32767, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768,
    32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768,
    32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768,
    32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768,
    32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768,
    32768,
};

/// `k` with the built-in table when it names none.
static const minnow_int8_rnn *with_table(const minnow_int8_rnn *k, minnow_int8_rnn *copy) {
    if (k->sigmoid_table != NULL) return k;
    *copy = *k;
    copy->sigmoid_table = minnow_int8_sigmoid_table;
    return copy;
}

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
    minnow_int8_rnn copy;
    k = with_table(k, &copy);
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
    minnow_int8_rnn copy;
    k = with_table(k, &copy);
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

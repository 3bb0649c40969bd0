#include "CMinnowKernels.h"

int minnow_cpu_features(void) {
    static int cached = -1;
    int f = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (f >= 0) return f;
    __builtin_cpu_init();
    f = 0;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f |= MINNOW_CPU_AVX2;
    if (__builtin_cpu_supports("avx512f")) f |= MINNOW_CPU_AVX512F;
    __atomic_store_n(&cached, f, __ATOMIC_RELAXED);
    return f;
}

int minnow_isa_supported(int isa) {
    int f = minnow_cpu_features();
    switch (isa) {
    case MINNOW_ISA_SCALAR: return 1;
    case MINNOW_ISA_AVX2: return (f & MINNOW_CPU_AVX2) != 0;
    case MINNOW_ISA_AVX512: return (f & MINNOW_CPU_AVX512F) != 0;
    default: return 0;
    }
}

int minnow_best_isa(void) {
    if (minnow_isa_supported(MINNOW_ISA_AVX512)) return MINNOW_ISA_AVX512;
    if (minnow_isa_supported(MINNOW_ISA_AVX2)) return MINNOW_ISA_AVX2;
    return MINNOW_ISA_SCALAR;
}

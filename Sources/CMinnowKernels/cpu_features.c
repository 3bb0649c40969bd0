// Run-time CPU feature detection: CPUID on x86, HWCAP (Linux) or sysctl (Apple) on AArch64.
#include "CMinnowKernels.h"

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
#elif defined(__aarch64__) && defined(__APPLE__)
#include <sys/sysctl.h>
#endif

static int detect_features(void) {
    int f = 0;
#if defined(__x86_64__) || defined(__i386__)
    // The compiler's CPUID helpers also check that the OS saves the AVX / AVX-512 state.
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f |= MINNOW_CPU_AVX2;
    if (__builtin_cpu_supports("avx512f")) f |= MINNOW_CPU_AVX512F;
#elif defined(__aarch64__) && defined(__linux__)
    // Advanced SIMD (with fused multiply-add) is part of AArch64; HWCAP confirms the kernel
    // exposes it.
    if (getauxval(AT_HWCAP) & HWCAP_ASIMD) f |= MINNOW_CPU_NEON;
#elif defined(__aarch64__) && defined(__APPLE__)
    int value = 0;
    size_t size = sizeof value;
    if (sysctlbyname("hw.optional.AdvSIMD", &value, &size, NULL, 0) != 0 || value != 0) f |= MINNOW_CPU_NEON;
#elif defined(__aarch64__)
    f |= MINNOW_CPU_NEON;  // mandatory in AArch64
#endif
    return f;
}

int minnow_cpu_features(void) {
    static int cached = -1;
    int f = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (f >= 0) return f;
    f = detect_features();
    __atomic_store_n(&cached, f, __ATOMIC_RELAXED);
    return f;
}

int minnow_isa_supported(int isa) {
    int f = minnow_cpu_features();
    switch (isa) {
    case MINNOW_FLOAT_ISA_SCALAR: return 1;
#if defined(__x86_64__) || defined(__i386__)
    case MINNOW_FLOAT_ISA_AVX2: return (f & MINNOW_CPU_AVX2) != 0;
    case MINNOW_FLOAT_ISA_AVX512: return (f & MINNOW_CPU_AVX512F) != 0;
#endif
#if defined(__aarch64__)
    case MINNOW_FLOAT_ISA_NEON: return (f & MINNOW_CPU_NEON) != 0;
#endif
    default: return 0;
    }
}

int minnow_best_isa(void) {
    if (minnow_isa_supported(MINNOW_FLOAT_ISA_AVX512)) return MINNOW_FLOAT_ISA_AVX512;
    if (minnow_isa_supported(MINNOW_FLOAT_ISA_AVX2)) return MINNOW_FLOAT_ISA_AVX2;
    if (minnow_isa_supported(MINNOW_FLOAT_ISA_NEON)) return MINNOW_FLOAT_ISA_NEON;
    return MINNOW_FLOAT_ISA_SCALAR;
}

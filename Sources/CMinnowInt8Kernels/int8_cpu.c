// Run-time CPU detection for every int8 kernel family, in one place, and the kernel limit that
// benchmarks and tests use to force a family (e.g. the AVX2 kernels on an AVX-512 VNNI host).
#include "CMinnowInt8Kernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

static unsigned detect(void) {
    unsigned isa = 0;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) isa |= MINNOW_ISA_AVX2;
    if ((isa & MINNOW_ISA_AVX2) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl")) {
        isa |= MINNOW_ISA_AVX512BW;
        if (__builtin_cpu_supports("avx512vnni")) isa |= MINNOW_ISA_AVX512VNNI;
        if (__builtin_cpu_supports("avx512vbmi")) isa |= MINNOW_ISA_AVX512VBMI;
    }
#elif defined(__aarch64__)
    isa |= MINNOW_ISA_NEON;  // Advanced SIMD is part of every AArch64 CPU
#if defined(__linux__)
    if (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) isa |= MINNOW_ISA_NEONDOT;
#elif defined(__APPLE__)
    isa |= MINNOW_ISA_NEONDOT;  // every Apple arm64 CPU has the dot product extension
#endif
#endif
    return isa;
}

/// Instruction sets a family's kernels may use (its own and the ones below it).
static unsigned family_isa(int family) {
    switch (family) {
    case MINNOW_QGEMM_SCALAR: return 0;
    case MINNOW_QGEMM_AVX2: return MINNOW_ISA_AVX2;
    case MINNOW_QGEMM_AVX512VNNI:
        return MINNOW_ISA_AVX2 | MINNOW_ISA_AVX512BW | MINNOW_ISA_AVX512VNNI | MINNOW_ISA_AVX512VBMI;
    case MINNOW_QGEMM_NEON: return MINNOW_ISA_NEON;
    case MINNOW_QGEMM_NEONDOT: return MINNOW_ISA_NEON | MINNOW_ISA_NEONDOT;
    default: return ~0u;
    }
}

static int family_named(const char *name) {
    for (int k = 0; k < MINNOW_QGEMM_KERNEL_COUNT; k++)
        if (strcmp(name, minnow_qgemm_kernel_name(k)) == 0) return k;
    return -1;
}

/// Detected instruction sets (bit 31: known), and the set the limit allows (bit 31: known).
static unsigned detected_cache, allowed_cache;
#define KNOWN 0x80000000u

unsigned minnow_int8_isa_detected(void) {
    unsigned v = __atomic_load_n(&detected_cache, __ATOMIC_RELAXED);
    if (v & KNOWN) return v & ~KNOWN;
    v = detect();
    __atomic_store_n(&detected_cache, v | KNOWN, __ATOMIC_RELAXED);
    return v;
}

static unsigned allowed(void) {
    unsigned v = __atomic_load_n(&allowed_cache, __ATOMIC_RELAXED);
    if (v & KNOWN) return v & ~KNOWN;
    const char *env = getenv("MINNOW_INT8_KERNEL");
    int family = env != NULL && env[0] != 0 ? family_named(env) : -1;
    v = family_isa(family) & ~KNOWN;
    __atomic_store_n(&allowed_cache, v | KNOWN, __ATOMIC_RELAXED);
    return v;
}

unsigned minnow_int8_isa(void) { return minnow_int8_isa_detected() & allowed(); }

void minnow_int8_set_kernel_limit(int family) {
    __atomic_store_n(&allowed_cache, (family_isa(family) & ~KNOWN) | KNOWN, __ATOMIC_RELAXED);
}

int minnow_int8_kernel_limit(void) {
    const unsigned a = allowed();
    for (int k = 0; k < MINNOW_QGEMM_KERNEL_COUNT; k++)
        if (family_isa(k) == a) return k;
    return -1;
}

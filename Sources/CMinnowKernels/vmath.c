// Run-time dispatch of the elementwise kernels.
#include "CMinnowKernels.h"
#include "sgemm_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#define X86_CASES(NAME)                                                             \
        case MINNOW_FLOAT_ISA_AVX512: minnow_##NAME##__avx512f(x, y, count); break;       \
        case MINNOW_FLOAT_ISA_AVX2: minnow_##NAME##__avx2_fma(x, y, count); break;
#else
#define X86_CASES(NAME)
#endif
#if defined(__aarch64__)
#define ARM_CASES(NAME) case MINNOW_FLOAT_ISA_NEON: minnow_##NAME##__neon(x, y, count); break;
#else
#define ARM_CASES(NAME)
#endif

static int resolve(int isa) { return minnow_isa_supported(isa) ? isa : minnow_best_isa(); }

#define DISPATCH(NAME)                                                              \
    void minnow_##NAME(int isa, const float *x, float *y, size_t count) {          \
        switch (resolve(isa)) {                                                     \
        X86_CASES(NAME)                                                             \
        ARM_CASES(NAME)                                                             \
        default: minnow_##NAME##__scalar(x, y, count); break;                       \
        }                                                                           \
    }

DISPATCH(vexp)
DISPATCH(vsigmoid)
DISPATCH(vtanh)

// Run-time dispatch of the elementwise kernels.
#include "CMinnowKernels.h"
#include "sgemm_internal.h"

static int resolve(int isa) { return minnow_isa_supported(isa) ? isa : minnow_best_isa(); }

#define DISPATCH(NAME)                                                              \
    void minnow_##NAME(int isa, const float *x, float *y, size_t count) {          \
        switch (resolve(isa)) {                                                     \
        case MINNOW_ISA_AVX512: minnow_##NAME##__avx512f(x, y, count); break;       \
        case MINNOW_ISA_AVX2: minnow_##NAME##__avx2_fma(x, y, count); break;        \
        default: minnow_##NAME##__scalar(x, y, count); break;                       \
        }                                                                           \
    }

DISPATCH(vexp)
DISPATCH(vsigmoid)
DISPATCH(vtanh)

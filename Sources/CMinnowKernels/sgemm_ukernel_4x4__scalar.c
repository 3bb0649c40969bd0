// Portable SGEMM micro-kernel, 4 rows x 4 columns, one `fmaf` chain per output.
#include <math.h>
#include "sgemm_internal.h"

#define MR 4
#define NR 4

void minnow_sgemm_ukernel_4x4__scalar(size_t mr, size_t nr, size_t kc,
                                       const float *a, size_t a_rs, size_t a_cs,
                                       const float *b, float *c, size_t ldc, int load_c)
{
    float acc[MR][NR];
    for (size_t i = 0; i < mr; i++)
        for (size_t j = 0; j < NR; j++)
            acc[i][j] = (load_c && j < nr) ? c[i * ldc + j] : 0.0f;
    for (size_t p = 0; p < kc; p++) {
        for (size_t i = 0; i < mr; i++) {
            const float av = a[i * a_rs + p * a_cs];
            for (size_t j = 0; j < NR; j++) acc[i][j] = fmaf(av, b[j], acc[i][j]);
        }
        b += NR;
    }
    for (size_t i = 0; i < mr; i++)
        for (size_t j = 0; j < nr; j++) c[i * ldc + j] = acc[i][j];
}

// AArch64 NEON SGEMM micro-kernel, 8 rows x 8 columns (16 q-register accumulators), FMLA.
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>
#include "sgemm_internal.h"

#define MR 8
#define NR 8

/// One tile with a compile-time row count `ROWS` (1...8); see the AVX-512 kernel. Every lane
/// is one fused multiply-add chain in increasing p (`vfmaq_n_f32` is FMLA by element), the
/// same chain the scalar kernel's `fmaf` builds, so the bits agree.
static inline __attribute__((always_inline)) void tile(
    const size_t ROWS, const int IN_PLACE_ROWS, size_t nr, size_t kc,
    const float *restrict a, size_t a_rs, size_t a_cs,
    const float *restrict b, float *restrict c, size_t ldc, int load_c)
{
    float32x4_t acc0[MR], acc1[MR];
    MINNOW_UNROLL for (size_t i = 0; i < ROWS; i++) {
        if (!load_c) {
            acc0[i] = vdupq_n_f32(0.0f);
            acc1[i] = vdupq_n_f32(0.0f);
        } else if (nr == NR) {
            acc0[i] = vld1q_f32(c + i * ldc);
            acc1[i] = vld1q_f32(c + i * ldc + 4);
        } else {
            float row[NR] = {0};
            memcpy(row, c + i * ldc, nr * sizeof(float));
            acc0[i] = vld1q_f32(row);
            acc1[i] = vld1q_f32(row + 4);
        }
    }
    if (IN_PLACE_ROWS) {
        const float *ap[MR];
        MINNOW_UNROLL for (size_t i = 0; i < ROWS; i++) ap[i] = a + i * a_rs;
        for (size_t p = 0; p < kc; p++) {
            const float32x4_t b0 = vld1q_f32(b);
            const float32x4_t b1 = vld1q_f32(b + 4);
            b += NR;
            MINNOW_UNROLL for (size_t i = 0; i < ROWS; i++) {
                const float av = ap[i][p];
                acc0[i] = vfmaq_n_f32(acc0[i], b0, av);
                acc1[i] = vfmaq_n_f32(acc1[i], b1, av);
            }
        }
    } else {
        for (size_t p = 0; p < kc; p++) {
            const float32x4_t b0 = vld1q_f32(b);
            const float32x4_t b1 = vld1q_f32(b + 4);
            b += NR;
            MINNOW_UNROLL for (size_t i = 0; i < ROWS; i++) {
                const float av = a[i];
                acc0[i] = vfmaq_n_f32(acc0[i], b0, av);
                acc1[i] = vfmaq_n_f32(acc1[i], b1, av);
            }
            a += a_cs;
        }
    }
    MINNOW_UNROLL for (size_t i = 0; i < ROWS; i++) {
        if (nr == NR) {
            vst1q_f32(c + i * ldc, acc0[i]);
            vst1q_f32(c + i * ldc + 4, acc1[i]);
        } else {
            float row[NR];
            vst1q_f32(row, acc0[i]);
            vst1q_f32(row + 4, acc1[i]);
            memcpy(c + i * ldc, row, nr * sizeof(float));
        }
    }
}

#define CASE(R)                                                                              \
    case R:                                                                                  \
        if (a_cs == 1) tile(R, 1, nr, kc, a, a_rs, a_cs, b, c, ldc, load_c);                 \
        else tile(R, 0, nr, kc, a, a_rs, a_cs, b, c, ldc, load_c);                           \
        break;

void minnow_sgemm_ukernel_8x8__neonfma(size_t mr, size_t nr, size_t kc,
                                       const float *a, size_t a_rs, size_t a_cs,
                                       const float *b, float *c, size_t ldc, int load_c)
{
    switch (mr) {
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
    default: break;
    }
}
#endif

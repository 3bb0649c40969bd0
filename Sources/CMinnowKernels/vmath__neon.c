// AArch64 NEON elementwise exp / sigmoid / tanh (4 lanes, tail through a small buffer).
// The same operations in the same order as vmath__scalar.c (FMLA for each fmaf, FRINTN for
// rintf), so every lane has the scalar kernel's bits.
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>
#include "sgemm_internal.h"
#include "vmath_constants.h"

static inline __attribute__((always_inline)) float32x4_t exp4(float32x4_t x) {
    // FMAX/FMIN return a NaN operand, so NaN passes through.
    x = vmaxq_f32(vdupq_n_f32(VM_EXP_LO), x);
    x = vminq_f32(vdupq_n_f32(VM_EXP_HI), x);
    const float32x4_t n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(VM_LOG2E)));
    float32x4_t r = vfmaq_f32(x, n, vdupq_n_f32(-VM_LN2_HI));
    r = vfmaq_f32(r, n, vdupq_n_f32(-VM_LN2_LO));
    const float32x4_t z = vmulq_f32(r, r);
    float32x4_t y = vdupq_n_f32(VM_EXP_P0);
    y = vfmaq_f32(vdupq_n_f32(VM_EXP_P1), y, r);
    y = vfmaq_f32(vdupq_n_f32(VM_EXP_P2), y, r);
    y = vfmaq_f32(vdupq_n_f32(VM_EXP_P3), y, r);
    y = vfmaq_f32(vdupq_n_f32(VM_EXP_P4), y, r);
    y = vfmaq_f32(vdupq_n_f32(VM_EXP_P5), y, r);
    y = vfmaq_f32(r, y, z);
    y = vaddq_f32(y, vdupq_n_f32(1.0f));
    // Scale by 2^n in two exact-range steps so subnormal results round once.
    const int32x4_t ni = vcvtq_s32_f32(n);
    const int32x4_t n1 = vshrq_n_s32(ni, 1);
    const int32x4_t n2 = vsubq_s32(ni, n1);
    const int32x4_t bias = vdupq_n_s32(127);
    y = vmulq_f32(y, vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n1, bias), 23)));
    return vmulq_f32(y, vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n2, bias), 23)));
}

static inline __attribute__((always_inline)) float32x4_t sigmoid4(float32x4_t x) {
    const float32x4_t e = exp4(vnegq_f32(vabsq_f32(x)));
    const float32x4_t d = vaddq_f32(vdupq_n_f32(1.0f), e);
    const uint32x4_t nonneg = vcgeq_f32(x, vdupq_n_f32(0.0f));
    return vdivq_f32(vbslq_f32(nonneg, vdupq_n_f32(1.0f), e), d);
}

static inline __attribute__((always_inline)) float32x4_t tanh4(float32x4_t x) {
    const float32x4_t ax = vabsq_f32(x);
    const float32x4_t z = vmulq_f32(x, x);
    float32x4_t p = vdupq_n_f32(VM_TANH_P0);
    p = vfmaq_f32(vdupq_n_f32(VM_TANH_P1), p, z);
    p = vfmaq_f32(vdupq_n_f32(VM_TANH_P2), p, z);
    p = vfmaq_f32(vdupq_n_f32(VM_TANH_P3), p, z);
    p = vfmaq_f32(vdupq_n_f32(VM_TANH_P4), p, z);
    const float32x4_t small = vfmaq_f32(ax, vmulq_f32(p, z), ax);  // on |x| so tanh(-0) = -0
    const float32x4_t e = exp4(vaddq_f32(ax, ax));
    const float32x4_t big = vsubq_f32(vdupq_n_f32(1.0f), vdivq_f32(vdupq_n_f32(2.0f), vaddq_f32(e, vdupq_n_f32(1.0f))));
    const uint32x4_t is_small = vcltq_f32(ax, vdupq_n_f32(VM_TANH_SMALL));
    const uint32x4_t sign = vandq_u32(vreinterpretq_u32_f32(x), vdupq_n_u32(0x80000000u));
    return vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(vbslq_f32(is_small, small, big)), sign));
}

#define ELEMENTWISE(NAME, FN)                                                          \
    void NAME(const float *x, float *y, size_t count) {                                \
        size_t i = 0;                                                                  \
        for (; i + 4 <= count; i += 4) vst1q_f32(y + i, FN(vld1q_f32(x + i)));         \
        if (i < count) {                                                               \
            float buffer[4] = {0.0f, 0.0f, 0.0f, 0.0f};                                \
            memcpy(buffer, x + i, (count - i) * sizeof(float));                        \
            vst1q_f32(buffer, FN(vld1q_f32(buffer)));                                  \
            memcpy(y + i, buffer, (count - i) * sizeof(float));                        \
        }                                                                              \
    }

ELEMENTWISE(minnow_vexp__neon, exp4)
ELEMENTWISE(minnow_vsigmoid__neon, sigmoid4)
ELEMENTWISE(minnow_vtanh__neon, tanh4)
#endif

// Portable elementwise exp / sigmoid / tanh; the bit-exact twin of the SIMD variants.
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "sgemm_internal.h"
#include "vmath_constants.h"

static float pow2i(int32_t e) {  // 2^e for e in [-126, 127]
    uint32_t bits = (uint32_t)(e + 127) << 23;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static float exp1(float x) {
    if (x != x) return x;
    x = x < VM_EXP_LO ? VM_EXP_LO : x;
    x = x > VM_EXP_HI ? VM_EXP_HI : x;
    const float n = rintf(x * VM_LOG2E);
    float r = fmaf(n, -VM_LN2_HI, x);
    r = fmaf(n, -VM_LN2_LO, r);
    const float z = r * r;
    float y = VM_EXP_P0;
    y = fmaf(y, r, VM_EXP_P1);
    y = fmaf(y, r, VM_EXP_P2);
    y = fmaf(y, r, VM_EXP_P3);
    y = fmaf(y, r, VM_EXP_P4);
    y = fmaf(y, r, VM_EXP_P5);
    y = fmaf(y, z, r);
    y = y + 1.0f;
    // Scale by 2^n in two exact-range steps so subnormal results round once.
    const int32_t ni = (int32_t)n;
    const int32_t n1 = ni >> 1;
    y = y * pow2i(n1);
    return y * pow2i(ni - n1);
}

static float sigmoid1(float x) {
    const float e = exp1(-fabsf(x));
    const float d = 1.0f + e;
    return (x >= 0.0f ? 1.0f : e) / d;
}

static float tanh1(float x) {
    const float ax = fabsf(x);
    if (ax < VM_TANH_SMALL) {
        const float z = x * x;
        float p = VM_TANH_P0;
        p = fmaf(p, z, VM_TANH_P1);
        p = fmaf(p, z, VM_TANH_P2);
        p = fmaf(p, z, VM_TANH_P3);
        p = fmaf(p, z, VM_TANH_P4);
        return copysignf(fmaf(p * z, ax, ax), x);  // on |x| so tanh(-0) = -0
    }
    const float e = exp1(ax + ax);
    return copysignf(1.0f - 2.0f / (e + 1.0f), x);
}

void minnow_vexp__scalar(const float *x, float *y, size_t count) {
    for (size_t i = 0; i < count; i++) y[i] = exp1(x[i]);
}

void minnow_vsigmoid__scalar(const float *x, float *y, size_t count) {
    for (size_t i = 0; i < count; i++) y[i] = sigmoid1(x[i]);
}

void minnow_vtanh__scalar(const float *x, float *y, size_t count) {
    for (size_t i = 0; i < count; i++) y[i] = tanh1(x[i]);
}

#ifndef MINNOW_VMATH_CONSTANTS_H
#define MINNOW_VMATH_CONSTANTS_H
// Shared constants of the elementwise kernels (Cephes single-precision expf / tanhf).
// Every ISA runs the same operations in the same order, so all variants agree bit for bit.
// That needs every multiply and add rounded on its own: no contraction into fused
// multiply-adds (GCC contracts across statements by default, and AArch64 always has FMA),
// for the rest of each file that includes this header.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#else
#pragma STDC FP_CONTRACT OFF
#endif

#define VM_EXP_LO (-104.0f)          // exp(-104) rounds to 0
#define VM_EXP_HI (89.0f)            // exp(89) overflows to +inf
#define VM_LOG2E 1.44269504088896341f
#define VM_LN2_HI 0.693359375f       // ln 2 = HI + LO, HI with few bits so n*HI is exact
#define VM_LN2_LO (-2.12194440e-4f)
#define VM_EXP_P0 1.9875691500e-4f
#define VM_EXP_P1 1.3981999507e-3f
#define VM_EXP_P2 8.3334519073e-3f
#define VM_EXP_P3 4.1665795894e-2f
#define VM_EXP_P4 1.6666665459e-1f
#define VM_EXP_P5 5.0000001201e-1f

#define VM_TANH_SMALL 0.625f         // below: odd polynomial; above: 1 - 2/(exp(2|x|)+1)
#define VM_TANH_P0 (-5.70498872745e-3f)
#define VM_TANH_P1 2.06390887954e-2f
#define VM_TANH_P2 (-5.37397155531e-2f)
#define VM_TANH_P3 1.33314422036e-1f
#define VM_TANH_P4 (-3.33332819422e-1f)

#endif

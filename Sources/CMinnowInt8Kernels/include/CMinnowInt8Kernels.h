#ifndef CMINNOW_INT8_KERNELS_H
#define CMINNOW_INT8_KERNELS_H

/* int8 GEMM micro-kernels of MinnowRuntime (see Int8Conventions.swift for the numerics).
 *
 * C[m][c] = clamp(zp_out + requantize(Σ_k (A[m][k] + 128) · W[c][k] + bias[c], M[c], shift[c]), lo, hi)
 *
 * A: m × k int8, row-major, leading dimension lda. W: n × k int8 in the "n16k4" packed layout
 * (panels of 16 channels × groups of 4 inputs, the last panel unpadded). Every kernel family gives
 * exactly the bytes of the Swift `Int8Gemm.reference`. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Fused output stage, per output channel: folded bias, Q31 multiplier, shift (−31…30,
/// positive = left), then the output zero point and the clamp bounds (within −128…127).
typedef struct minnow_qgemm_output {
    const int32_t *bias;
    const int32_t *multipliers;
    const int32_t *shifts;
    int32_t output_zero_point;
    int32_t lower_bound;
    int32_t upper_bound;
} minnow_qgemm_output;

/// Kernel families (`minnow_qgemm_kernel_supported` says which run on this CPU).
enum {
    MINNOW_QGEMM_SCALAR = 0,      ///< Portable C, 1x16 tiles.
    MINNOW_QGEMM_AVX2 = 1,        ///< x86 AVX2, `vpmaddwd` on widened int16, 6x8 tiles.
    MINNOW_QGEMM_AVX512VNNI = 2,  ///< x86 AVX-512 VNNI, `vpdpbusd`, 6x64 tiles.
    MINNOW_QGEMM_NEON = 3,        ///< AArch64 NEON `smull`/`sadalp`, 2x16 tiles.
    MINNOW_QGEMM_NEONDOT = 4,     ///< AArch64 ARMv8.2 dot product (`sdot`), 4x16 tiles.
    MINNOW_QGEMM_KERNEL_COUNT = 5
};

/// Whether kernel family `kernel` is compiled in and the running CPU can execute it (whatever
/// the kernel limit below says: tests run every family the CPU has).
int minnow_qgemm_kernel_supported(int kernel);

/// The fastest supported kernel family within the kernel limit.
int minnow_qgemm_best_kernel(void);

/* CPU detection for all int8 kernels (GEMM, convolution, depthwise, pooling, LSTM/GRU), in one
 * place (int8_cpu.c), and a limit that forces a family: every dispatcher that picks a kernel by
 * itself uses `minnow_int8_isa()`, the detected instruction sets within the limit, so it never
 * picks an instruction the CPU lacks, and under a limit of MINNOW_QGEMM_AVX2 an AVX-512 host
 * runs exactly the code an AVX2-only CPU runs. */

/// Instruction-set bits of `minnow_int8_isa`.
enum {
    MINNOW_ISA_AVX2 = 1u << 0,        ///< x86 AVX2
    MINNOW_ISA_AVX512BW = 1u << 1,    ///< x86 AVX-512 F, BW and VL
    MINNOW_ISA_AVX512VNNI = 1u << 2,  ///< x86 AVX-512 VNNI (`vpdpbusd`)
    MINNOW_ISA_AVX512VBMI = 1u << 3,  ///< x86 AVX-512 VBMI (`vpermt2b`)
    MINNOW_ISA_NEON = 1u << 8,        ///< AArch64 Advanced SIMD
    MINNOW_ISA_NEONDOT = 1u << 9,     ///< AArch64 dot product (`sdot`; Linux: HWCAP_ASIMDDP)
};

/// Instruction sets the running CPU has (CPUID on x86, HWCAP on AArch64 Linux).
unsigned minnow_int8_isa_detected(void);

/// The detected instruction sets within the kernel limit: what the dispatchers may use.
unsigned minnow_int8_isa(void);

/// Limits the kernels the dispatchers pick to family `family` and the instruction sets below it
/// (MINNOW_QGEMM_AVX2: AVX2 only, no AVX-512; MINNOW_QGEMM_SCALAR: portable C; −1: no limit).
/// Never adds an instruction set the CPU lacks. The initial limit comes from the environment
/// variable MINNOW_INT8_KERNEL (a family name such as "avx2", see `minnow_qgemm_kernel_name`).
/// Not synchronized with kernels running on other threads: set it before planning and running
/// models (`minnow_qgemm_scratch_bytes` depends on the family: AVX2 packs activations as u16).
void minnow_int8_set_kernel_limit(int family);

/// The family the kernel limit names, or −1 when there is no limit.
int minnow_int8_kernel_limit(void);

/// A short name such as "avx512vnni" (NULL for unknown values).
const char *minnow_qgemm_kernel_name(int kernel);

/// Smallest scratch `minnow_qgemm` accepts for an m × k activation matrix: one tile of packed
/// rows plus alignment slack. More scratch lets it block A in bigger pieces.
size_t minnow_qgemm_scratch_bytes(int kernel, size_t m, size_t k);

/// int8 GEMM with fused requantization (single-threaded). Unsupported `kernel` values fall back
/// to `minnow_qgemm_best_kernel()`. Packed activations go to `scratch` (at least
/// `minnow_qgemm_scratch_bytes` bytes; the interpreter passes arena memory, so inference allocates
/// nothing). With `scratch == NULL` a per-thread buffer is allocated on first use (benchmarks,
/// tests); concurrent calls on different threads are safe either way.
void minnow_qgemm(int kernel, size_t m, size_t n, size_t k,
                  const int8_t *a, size_t lda,
                  const int8_t *packed_weights,
                  const minnow_qgemm_output *output,
                  int8_t *c, size_t ldc,
                  void *scratch, size_t scratch_size);

/// 1 when `kernel` (or the best family, for unsupported values) reads activation rows as
/// u8 = q ^ 0x80 (x86 and the scalar C kernel), 0 when it reads the raw int8 rows (ARM).
int minnow_qgemm_unsigned_activations(int kernel);

/// `minnow_qgemm` on activations already in the kernel's packed layout, without copying them:
/// row r of A is `packed_a + r·a_stride`, 4·ceil(k/4) bytes (k values, then zeros), each value
/// q ^ 0x80 when `minnow_qgemm_unsigned_activations(kernel)`, else q. `a_stride` ≥ 4·ceil(k/4).
/// im2col writes this layout directly (`minnow_im2col_int8_packed`), so a convolution needs no
/// second copy of its activations and no GEMM scratch. Same bytes as `minnow_qgemm`.
void minnow_qgemm_prepacked(int kernel, size_t m, size_t n, size_t k,
                            const uint8_t *packed_a, size_t a_stride,
                            const int8_t *packed_weights,
                            const minnow_qgemm_output *output,
                            int8_t *c, size_t ldc);

/* int8 LSTM / GRU over a whole sequence (the fixed-point contract on the Swift `Int8LSTMKernel`;
 * every kernel family gives exactly the bytes of the Swift `portable` kernels). */

/// Pointers and sizes of one int8 LSTM or GRU, as the Swift `Configuration`s hold them.
typedef struct minnow_int8_rnn {
    size_t steps, features, units;
    int return_sequences;
    const int8_t *input_weights;      ///< [G·H, F]
    const int8_t *recurrent_weights;  ///< [G·H, H]
    const int32_t *bias;              ///< LSTM bias, or GRU input bias [G·H] (Q.12)
    const int32_t *recurrent_bias;    ///< GRU recurrent bias [G·H] (NULL for an LSTM)
    const uint8_t *row_exponents;     ///< [G·H], ex | eh << 4
    const int32_t *parameters;        ///< [2 + 3G]
    const uint16_t *sigmoid_table;    ///< 257 entries, `FixedPointActivations.sigmoidTable` (NULL: the built-in copy)
} minnow_int8_rnn;

/// The σ̂ table of the fixed-point contract, round(32768 · σ(i / 16)) for i in 0…256: the same
/// values as the Swift `FixedPointActivations.sigmoidTable`.
extern const uint16_t minnow_int8_sigmoid_table[257];

/// Recurrent kernel families (`minnow_int8_rnn_kernel_supported` says which run on this CPU).
enum {
    MINNOW_RNN_AVX512 = 1,   ///< x86 AVX-512 F/BW/VL: 16-row `vpmaddwd` GEMVs, 16-unit vector gates.
    MINNOW_RNN_AVX2 = 2,     ///< x86 AVX2: 8-row `vpmaddwd` GEMVs, 8-unit vector gates.
    MINNOW_RNN_NEON = 3,     ///< AArch64 NEON: `smlal` GEMVs on int16, 4-unit vector gates.
    MINNOW_RNN_NEONDOT = 4,  ///< AArch64 dot product: `sdot` GEMVs on the int16 vectors' bytes.
};

/// Whether family `kernel` is compiled in and the running CPU can execute it (whatever the
/// kernel limit says).
int minnow_int8_rnn_kernel_supported(int kernel);

/// The fastest supported family within the kernel limit, or 0 when none is (callers then use
/// the Swift kernels).
int minnow_int8_rnn_best_kernel(void);

/// A short name such as "avx2" (NULL for unknown values).
const char *minnow_int8_rnn_kernel_name(int kernel);

/// Runs an int8 LSTM with family `kernel` (must be supported). `scratch` has the Swift
/// kernel's layout and size: int16 `[h (H), c (H), h' (H), v_x (F)]`, 16-byte aligned.
void minnow_int8_lstm(int kernel, const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch);

/// Runs an int8 GRU; scratch int16 `[h (H), h' (H), v_x (F)]`.
void minnow_int8_gru(int kernel, const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch);

/// Plain-loop twins of `minnow_int8_lstm` / `minnow_int8_gru` (same contract and scratch; the
/// bytes of the Swift `portable` kernels): what every family is checked against, also in the
/// AArch64 twin harness (firmware-sim/kernel-twins).
void minnow_int8_lstm_reference(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch);
void minnow_int8_gru_reference(const minnow_int8_rnn *k, const int8_t *x, int8_t *y, void *scratch);

#ifdef __cplusplus
}
#endif

#include "minnow_spatial_int8.h"

#endif

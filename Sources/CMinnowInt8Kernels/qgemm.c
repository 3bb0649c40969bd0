#include "qgemm_internal.h"

#include <stdlib.h>

/// How one kernel family tiles the problem and which activation form it consumes.
typedef struct {
    minnow_qgemm_ukernel ukernel;
    minnow_qgemm_block block;  ///< NULL: the driver walks the tiles itself.
    /// Packs rows of A into the kernel's layout; NULL: the portable `qgemm_pack_rows`.
    void (*pack)(const int8_t *a, size_t lda, size_t rows, size_t k, size_t kp, uint8_t *dst);
    size_t mr, nr;
    int unsigned_activations;  ///< 1: rows packed as q ^ 0x80 (x86); 0: raw int8 (ARM).
    /// Bytes per packed activation: 1, or 2 for kernels that read u16 = q + 128 (AVX2, whose
    /// `vpmaddwd` needs int16 operands: widened once while packing instead of in every tile).
    /// `minnow_qgemm_prepacked` widens its u8 rows block by block with `widen`.
    size_t a_bytes;
    void (*widen)(const uint8_t *src, size_t src_stride, size_t rows, size_t kp, uint16_t *dst);
} qgemm_config;

static int qgemm_config_for(int kernel, qgemm_config *cfg) {
    switch (kernel) {
    case MINNOW_QGEMM_SCALAR:
        *cfg = (qgemm_config){minnow_qgemm_ukernel_1x16c4__scalar, NULL, NULL, 1, 16, 1, 1, NULL};
        return 1;
#if defined(__x86_64__) || defined(__i386__)
    case MINNOW_QGEMM_AVX2:
        *cfg = (qgemm_config){minnow_qgemm_ukernel_6x8c4__avx2, minnow_qgemm_block_6x8c4__avx2,
                              minnow_qgemm_pack_rows__avx2, 6, 16, 1, 2, minnow_qgemm_widen_rows__avx2};
        return 1;
    case MINNOW_QGEMM_AVX512VNNI:
        *cfg = (qgemm_config){minnow_qgemm_ukernel_6x64c4__avx512vnni, minnow_qgemm_block_6x64c4__avx512vnni,
                                minnow_qgemm_pack_rows__avx512, 6, 64, 1, 1, NULL};
        return 1;
#endif
#if defined(__aarch64__)
    case MINNOW_QGEMM_NEON:
        *cfg = (qgemm_config){minnow_qgemm_ukernel_2x16c4__neon, NULL, NULL, 2, 16, 0, 1, NULL};
        return 1;
#if defined(MINNOW_HAVE_NEONDOT)
    case MINNOW_QGEMM_NEONDOT:
        *cfg = (qgemm_config){minnow_qgemm_ukernel_4x16c4__neondot, NULL, NULL, 4, 16, 0, 1, NULL};
        return 1;
#endif
#endif
    default:
        return 0;
    }
}

/// Instruction sets a family needs.
static unsigned qgemm_family_needs(int kernel) {
    switch (kernel) {
    case MINNOW_QGEMM_SCALAR: return 0;
    case MINNOW_QGEMM_AVX2: return MINNOW_ISA_AVX2;
    case MINNOW_QGEMM_AVX512VNNI: return MINNOW_ISA_AVX2 | MINNOW_ISA_AVX512BW | MINNOW_ISA_AVX512VNNI;
    case MINNOW_QGEMM_NEON: return MINNOW_ISA_NEON;
    case MINNOW_QGEMM_NEONDOT: return MINNOW_ISA_NEON | MINNOW_ISA_NEONDOT;
    default: return ~0u;
    }
}

/// Whether `kernel` is compiled in and `isa` has what it needs.
static int qgemm_family_runs(int kernel, unsigned isa) {
    qgemm_config cfg;
    const unsigned needs = qgemm_family_needs(kernel);
    return qgemm_config_for(kernel, &cfg) && (needs & isa) == needs;
}

int minnow_qgemm_kernel_supported(int kernel) { return qgemm_family_runs(kernel, minnow_int8_isa_detected()); }

int minnow_qgemm_best_kernel(void) {
    static const int order[] = {MINNOW_QGEMM_AVX512VNNI, MINNOW_QGEMM_AVX2, MINNOW_QGEMM_NEONDOT,
                                MINNOW_QGEMM_NEON, MINNOW_QGEMM_SCALAR};
    const unsigned isa = minnow_int8_isa();
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (qgemm_family_runs(order[i], isa)) return order[i];
    return MINNOW_QGEMM_SCALAR;
}

const char *minnow_qgemm_kernel_name(int kernel) {
    switch (kernel) {
    case MINNOW_QGEMM_SCALAR: return "scalar";
    case MINNOW_QGEMM_AVX2: return "avx2";
    case MINNOW_QGEMM_AVX512VNNI: return "avx512vnni";
    case MINNOW_QGEMM_NEON: return "neon";
    case MINNOW_QGEMM_NEONDOT: return "neondot";
    default: return NULL;
    }
}

/// The configuration of `kernel`, or of the best family when it is unsupported.
static void qgemm_resolve(int kernel, qgemm_config *cfg) {
    if (!minnow_qgemm_kernel_supported(kernel) || !qgemm_config_for(kernel, cfg)) {
        qgemm_config_for(minnow_qgemm_best_kernel(), cfg);
    }
}

/// All `m` rows of the column block starting at channel n0 (nc channels): the family's block
/// kernel, or its micro-kernel tile by tile.
static void qgemm_column_block(const qgemm_config *cfg, size_t m, size_t nc, size_t kgroups,
                               const uint8_t *a, size_t a_stride, const int8_t *w, size_t panel_stride,
                               const minnow_qgemm_output *output, size_t n0, int8_t *c, size_t ldc) {
    if (cfg->block != NULL) {
        cfg->block(m, nc, kgroups, a, a_stride, w, panel_stride, output, n0, c, ldc);
        return;
    }
    for (size_t m1 = 0; m1 < m; m1 += cfg->mr) {
        const size_t mr = (m - m1 < cfg->mr) ? m - m1 : cfg->mr;
        cfg->ukernel(mr, nc, kgroups, a + m1 * a_stride, a_stride, w, panel_stride, output, n0, c + m1 * ldc, ldc);
    }
}

int minnow_qgemm_unsigned_activations(int kernel) {
    qgemm_config cfg;
    qgemm_resolve(kernel, &cfg);
    return cfg.unsigned_activations;
}

/// Bytes of stack `minnow_qgemm_prepacked` widens u8 rows into for 16-bit families.
#define QGEMM_WIDEN_BYTES (16 * 1024)

void minnow_qgemm_prepacked(int kernel, size_t m, size_t n, size_t k,
                            const uint8_t *packed_a, size_t a_stride,
                            const int8_t *packed_weights,
                            const minnow_qgemm_output *output,
                            int8_t *c, size_t ldc) {
    if (m == 0 || n == 0) return;
    qgemm_config cfg;
    qgemm_resolve(kernel, &cfg);
    const size_t kgroups = (k + 3) / 4;
    const size_t kp = 4 * kgroups;
    const size_t panel_stride = 64 * kgroups;
    if (cfg.a_bytes == 2 && kp > 0) {
        // Rows widened to u16 a block at a time (whole tiles when they fit), each block then run
        // against every panel; rows longer than the buffer are read as u8 by a tile that widens
        // each broadcast.
        _Alignas(64) uint16_t wide[QGEMM_WIDEN_BYTES / 2];
        size_t rows = QGEMM_WIDEN_BYTES / (2 * kp);
        if (rows == 0) {
#if defined(__x86_64__) || defined(__i386__)
            cfg.block = minnow_qgemm_block_6x8c4u8__avx2;  // the only 16-bit family reads u8 rows too
#endif
        } else {
            if (rows >= cfg.mr) rows = rows / cfg.mr * cfg.mr;
            for (size_t m0 = 0; m0 < m; m0 += rows) {
                const size_t mb = m - m0 < rows ? m - m0 : rows;
                cfg.widen(packed_a + m0 * a_stride, a_stride, mb, kp, wide);
                for (size_t n0 = 0; n0 < n; n0 += cfg.nr) {
                    const size_t nc = (n - n0 < cfg.nr) ? n - n0 : cfg.nr;
                    qgemm_column_block(&cfg, mb, nc, kgroups, (const uint8_t *)wide, 2 * kp,
                                       packed_weights + (n0 / 16) * panel_stride, panel_stride, output, n0,
                                       c + m0 * ldc + n0, ldc);
                }
            }
            return;
        }
    }
    for (size_t n0 = 0; n0 < n; n0 += cfg.nr) {
        const size_t nc = (n - n0 < cfg.nr) ? n - n0 : cfg.nr;
        qgemm_column_block(&cfg, m, nc, kgroups, packed_a, a_stride, packed_weights + (n0 / 16) * panel_stride,
                           panel_stride, output, n0, c + n0, ldc);
    }
}

/// Fallback scratch for callers that pass none (benchmarks, tests): per thread, 64-byte
/// aligned, grown on demand. The interpreter always passes arena scratch, so inference never
/// reaches this allocation.
static _Thread_local uint8_t *scratch_bytes;
static _Thread_local size_t scratch_capacity;

static uint8_t *qgemm_scratch(size_t bytes) {
    if (bytes > scratch_capacity) {
        free(scratch_bytes);
        size_t rounded = (bytes + 4095) & ~(size_t)4095;
        scratch_bytes = aligned_alloc(64, rounded);
        scratch_capacity = scratch_bytes ? rounded : 0;
    }
    return scratch_bytes;
}

/// Copies `rows` rows of A into `dst` (row stride kp = 4·groups), as u8 = q ^ 0x80 or raw,
/// zero-padding K to kp so the micro-kernels never read past a row.
static void qgemm_pack_rows(const int8_t *a, size_t lda, size_t rows, size_t k, size_t kp, int flip,
                            uint8_t *dst) {
    const uint8_t mask = flip ? 0x80 : 0x00;
    for (size_t r = 0; r < rows; r++) {
        const uint8_t *src = (const uint8_t *)(a + r * lda);
        uint8_t *out = dst + r * kp;
        for (size_t i = 0; i < k; i++) out[i] = src[i] ^ mask;
        for (size_t i = k; i < kp; i++) out[i] = 0;
    }
}

/// Rows of packed activations kept per block: about 256 KiB (half of a typical L2), so a
/// block of A stays cached while every 64-channel weight slice streams past it once.
#define QGEMM_A_BLOCK_BYTES (256 * 1024)

size_t minnow_qgemm_scratch_bytes(int kernel, size_t m, size_t k) {
    qgemm_config cfg;
    qgemm_resolve(kernel, &cfg);
    const size_t kp = 4 * ((k + 3) / 4) * cfg.a_bytes;
    const size_t rows = m < cfg.mr ? m : cfg.mr;
    return rows * kp + 64;
}

void minnow_qgemm(int kernel, size_t m, size_t n, size_t k,
                  const int8_t *a, size_t lda,
                  const int8_t *packed_weights,
                  const minnow_qgemm_output *output,
                  int8_t *c, size_t ldc,
                  void *scratch, size_t scratch_size) {
    if (m == 0 || n == 0) return;
    qgemm_config cfg;
    qgemm_resolve(kernel, &cfg);
    const size_t kgroups = (k + 3) / 4;
    const size_t kp = 4 * kgroups * cfg.a_bytes;  // bytes per packed row
    const size_t panel_stride = 64 * kgroups;
    size_t mc = m;
    if (kp > 0 && mc * kp > QGEMM_A_BLOCK_BYTES) {
        mc = QGEMM_A_BLOCK_BYTES / kp / cfg.mr * cfg.mr;
        if (mc < cfg.mr) mc = cfg.mr;
    }
    uint8_t *packed_a;
    const size_t minimum = (m < cfg.mr ? m : cfg.mr) * kp + 64;
    if (scratch != NULL && scratch_size >= minimum) {
        // Block A to what the caller's scratch holds (64-byte aligned start, whole tiles).
        uint8_t *base = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
        size_t usable = scratch_size - (size_t)(base - (uint8_t *)scratch);
        if (kp > 0 && mc * kp > usable) {
            size_t rows = usable / kp;
            mc = rows >= cfg.mr ? rows / cfg.mr * cfg.mr : rows;
            if (mc == 0) mc = 1;
        }
        packed_a = base;
    } else {
        packed_a = qgemm_scratch(mc * kp + 64);
        if (packed_a == NULL) abort();
    }
    for (size_t m0 = 0; m0 < m; m0 += mc) {
        const size_t mb = (m - m0 < mc) ? m - m0 : mc;
        if (cfg.pack != NULL) cfg.pack(a + m0 * lda, lda, mb, k, 4 * kgroups, packed_a);
        else qgemm_pack_rows(a + m0 * lda, lda, mb, k, kp, cfg.unsigned_activations, packed_a);
        for (size_t n0 = 0; n0 < n; n0 += cfg.nr) {
            const size_t nc = (n - n0 < cfg.nr) ? n - n0 : cfg.nr;
            qgemm_column_block(&cfg, mb, nc, kgroups, packed_a, kp, packed_weights + (n0 / 16) * panel_stride,
                               panel_stride, output, n0, c + m0 * ldc + n0, ldc);
        }
    }
}

/// Largest whole-image im2col (bytes) `minnow_conv2d_int8_whole` unfolds on the stack.
#define QGEMM_WHOLE_IM2COL_BYTES (16 * 1024)

int minnow_conv2d_int8_whole(int kernel, const int8_t *x, const minnow_window *g, int8_t pad,
                             const int8_t *packed_weights, size_t n, const minnow_qgemm_output *output, int8_t *y) {
    if (!minnow_qgemm_kernel_supported(kernel)) kernel = minnow_qgemm_best_kernel();
    const size_t m = (size_t)(g->output_height * g->output_width);
    const size_t k = (size_t)(g->kernel_height * g->kernel_width * g->channels), kp = 4 * ((k + 3) / 4);
    if (m == 0 || n == 0 || kp == 0) return 0;
    switch (kernel) {
#if defined(__x86_64__) || defined(__i386__)
    case MINNOW_QGEMM_AVX512VNNI: {
        if (minnow_conv2d_indirect_6x64c4__avx512vnni(x, g, pad, packed_weights, n, output, y)) return 1;
        // Otherwise (e.g. a single input channel): the whole image unfolded once, then one GEMM.
        if (m * kp > QGEMM_WHOLE_IM2COL_BYTES) return 0;
        _Alignas(64) uint8_t rows[QGEMM_WHOLE_IM2COL_BYTES];
        minnow_im2col_int8_packed(x, g, 0, (ptrdiff_t)m, pad, (ptrdiff_t)kp, 1, rows);
        minnow_qgemm_prepacked(kernel, m, n, k, rows, kp, packed_weights, output, y, n);
        return 1;
    }
    case MINNOW_QGEMM_AVX2:
        if (minnow_conv2d_indirect_6x8c4__avx2(x, g, pad, packed_weights, n, output, y)) return 1;
        break;  // the image unfolded block by block on the stack, below
#endif
#if defined(__aarch64__)
    case MINNOW_QGEMM_NEON:
    case MINNOW_QGEMM_NEONDOT:
        if (minnow_conv2d_indirect__neon(kernel == MINNOW_QGEMM_NEONDOT, x, g, pad, packed_weights, n, output, y))
            return 1;
        break;
#endif
    default:
        return 0;
    }
    // Blocks of whole tiles' worth of pixels unfolded on the stack, each run as one GEMM.
    if (kp > QGEMM_WHOLE_IM2COL_BYTES) return 0;
    _Alignas(64) uint8_t rows[QGEMM_WHOLE_IM2COL_BYTES];
    const size_t block = QGEMM_WHOLE_IM2COL_BYTES / kp;
    const int flip = minnow_qgemm_unsigned_activations(kernel);
    for (size_t p0 = 0; p0 < m; p0 += block) {
        const size_t count = m - p0 < block ? m - p0 : block;
        minnow_im2col_int8_packed(x, g, (ptrdiff_t)p0, (ptrdiff_t)count, pad, (ptrdiff_t)kp, flip, rows);
        minnow_qgemm_prepacked(kernel, count, n, k, rows, kp, packed_weights, output, y + p0 * n, n);
    }
    return 1;
}

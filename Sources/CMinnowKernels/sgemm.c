// Packed, cache-blocked SGEMM driver (BLIS loop order) over the per-ISA micro-kernels.
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "CMinnowKernels.h"
#include "sgemm_internal.h"

/// Tile and cache-block sizes of one kernel family.
typedef struct {
    size_t mr, nr;   ///< micro-tile
    size_t kc;       ///< K block: a KC×NR B panel stays in L1
    size_t mc;       ///< M block (multiple of mr): the MC×KC A block stays in L2
    size_t nc;       ///< N block (multiple of nr): the KC×NC packed B block stays in L2/L3
    minnow_sgemm_ukernel_fn ukernel;
} sgemm_config;

/// Indexed by family; only the families of this architecture are filled in (the others are
/// never selected: `config_for` asks `minnow_isa_supported` first).
static const sgemm_config configs[4] = {
    [MINNOW_FLOAT_ISA_SCALAR] = {4, 4, 256, 64, 512, minnow_sgemm_ukernel_4x4__scalar},
#if defined(__x86_64__) || defined(__i386__)
    [MINNOW_FLOAT_ISA_AVX2] = {6, 16, 256, 72, 2048, minnow_sgemm_ukernel_6x16__avx2_fma},
    [MINNOW_FLOAT_ISA_AVX512] = {12, 32, 256, 144, 2048, minnow_sgemm_ukernel_12x32__avx512f},
#endif
#if defined(__aarch64__)
    [MINNOW_FLOAT_ISA_NEON] = {8, 8, 256, 64, 2048, minnow_sgemm_ukernel_8x8__neonfma},
#endif
};

static const sgemm_config *config_for(int isa) {
    if (!minnow_isa_supported(isa)) isa = minnow_best_isa();
    return &configs[isa];
}

void minnow_sgemm_tile(int isa, size_t *mr, size_t *nr) {
    const sgemm_config *cfg = config_for(isa);
    *mr = cfg->mr;
    *nr = cfg->nr;
}

/* ---- Per-thread packing scratch (grown on demand, freed when the thread exits) ---------- */

typedef struct {
    float *a, *b;
    size_t a_cap, b_cap;  // in floats
} scratch;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p) {
    scratch *s = p;
    free(s->a);
    free(s->b);
    free(s);
}

static void scratch_init(void) { pthread_key_create(&scratch_key, scratch_free); }

static scratch *thread_scratch(void) {
    pthread_once(&scratch_once, scratch_init);
    scratch *s = pthread_getspecific(scratch_key);
    if (!s) {
        s = calloc(1, sizeof(scratch));
        if (!s) abort();
        pthread_setspecific(scratch_key, s);
    }
    return s;
}

/// Makes `*buf` hold at least `count` floats, 64-byte aligned.
static float *reserve(float **buf, size_t *cap, size_t count) {
    if (*cap < count) {
        free(*buf);
        size_t bytes = (count * sizeof(float) + 63) & ~(size_t)63;
        *buf = aligned_alloc(64, bytes);
        if (!*buf) abort();
        *cap = count;
    }
    return *buf;
}

/* ---- Packing ------------------------------------------------------------------------------ */

/// Packs op(B)[p0..<p0+kc][j0..<j0+nc] into NR-column panels, each kc rows of NR floats,
/// zero padded past the last column.
static void pack_b(int trans_b, const float *b, size_t ldb, size_t p0, size_t j0,
                   size_t kc, size_t nc, size_t NR, float *restrict dst) {
    for (size_t jr = 0; jr < nc; jr += NR) {
        const size_t nr = nc - jr < NR ? nc - jr : NR;
        float *restrict panel = dst + jr * kc;
        if (!trans_b) {
            const float *src = b + p0 * ldb + j0 + jr;
            for (size_t p = 0; p < kc; p++) {
                float *row = panel + p * NR;
                memcpy(row, src + p * ldb, nr * sizeof(float));
                for (size_t jj = nr; jj < NR; jj++) row[jj] = 0.0f;
            }
        } else {
            const float *src = b + (j0 + jr) * ldb + p0;
            for (size_t jj = 0; jj < nr; jj++) {
                const float *col = src + jj * ldb;
                for (size_t p = 0; p < kc; p++) panel[p * NR + jj] = col[p];
            }
            if (nr < NR)
                for (size_t p = 0; p < kc; p++)
                    for (size_t jj = nr; jj < NR; jj++) panel[p * NR + jj] = 0.0f;
        }
    }
}

/// Packs op(A)[i0..<i0+mc][p0..<p0+kc] into MR-row panels, each kc steps of MR floats
/// (rows past the edge are left unset: the kernels never read them).
static void pack_a(int trans_a, const float *a, size_t lda, size_t i0, size_t p0,
                   size_t mc, size_t kc, size_t MR, float *restrict dst) {
    for (size_t ir = 0; ir < mc; ir += MR) {
        const size_t mr = mc - ir < MR ? mc - ir : MR;
        float *restrict panel = dst + ir * kc;
        if (!trans_a) {
            const float *src = a + (i0 + ir) * lda + p0;
            for (size_t ii = 0; ii < mr; ii++) {
                const float *row = src + ii * lda;
                for (size_t p = 0; p < kc; p++) panel[p * MR + ii] = row[p];
            }
        } else {
            const float *src = a + p0 * lda + i0 + ir;
            for (size_t p = 0; p < kc; p++) memcpy(panel + p * MR, src + p * lda, mr * sizeof(float));
        }
    }
}

/* ---- Driver -------------------------------------------------------------------------------- */

void minnow_sgemm(int isa, int trans_a, int trans_b,
                  size_t m, size_t n, size_t k,
                  const float *a, size_t lda,
                  const float *b, size_t ldb,
                  float *c, size_t ldc, int accumulate) {
    if (m == 0 || n == 0) return;
    if (k == 0) {
        if (!accumulate)
            for (size_t i = 0; i < m; i++) memset(c + i * ldc, 0, n * sizeof(float));
        return;
    }
    const sgemm_config *cfg = config_for(isa);
    const size_t MR = cfg->mr, NR = cfg->nr;
    // Packing A pays off once each A panel is reused across several B panels; with few
    // columns the kernel reads A in place (rows, or columns of a transposed A).
    const int packs_a = n > 4 * NR;
    scratch *s = thread_scratch();
    const size_t nc_max = n < cfg->nc ? n : cfg->nc;
    const size_t kc_max = k < cfg->kc ? k : cfg->kc;
    const size_t mc_max = m < cfg->mc ? m : cfg->mc;
    float *bpack = reserve(&s->b, &s->b_cap, kc_max * ((nc_max + NR - 1) / NR) * NR);
    float *apack = packs_a ? reserve(&s->a, &s->a_cap, kc_max * ((mc_max + MR - 1) / MR) * MR) : NULL;

    for (size_t jc = 0; jc < n; jc += cfg->nc) {
        const size_t nc = n - jc < cfg->nc ? n - jc : cfg->nc;
        for (size_t pc = 0; pc < k; pc += cfg->kc) {
            const size_t kc = k - pc < cfg->kc ? k - pc : cfg->kc;
            // Later K blocks continue each chain from the value stored in C.
            const int load_c = accumulate || pc > 0;
            pack_b(trans_b, b, ldb, pc, jc, kc, nc, NR, bpack);
            for (size_t ic = 0; ic < m; ic += cfg->mc) {
                const size_t mc = m - ic < cfg->mc ? m - ic : cfg->mc;
                if (packs_a) pack_a(trans_a, a, lda, ic, pc, mc, kc, MR, apack);
                for (size_t jr = 0; jr < nc; jr += NR) {
                    const size_t nr = nc - jr < NR ? nc - jr : NR;
                    const float *bp = bpack + jr * kc;
                    for (size_t ir = 0; ir < mc; ir += MR) {
                        const size_t mr = mc - ir < MR ? mc - ir : MR;
                        const float *ap;
                        size_t rs, cs;
                        if (packs_a) {
                            ap = apack + ir * kc; rs = 1; cs = MR;
                        } else if (!trans_a) {
                            ap = a + (ic + ir) * lda + pc; rs = lda; cs = 1;
                        } else {
                            ap = a + pc * lda + ic + ir; rs = 1; cs = lda;
                        }
                        cfg->ukernel(mr, nr, kc, ap, rs, cs, bp,
                                     c + (ic + ir) * ldc + jc + jr, ldc, load_c);
                    }
                }
            }
        }
    }
}

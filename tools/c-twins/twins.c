/* C-level twin tests of both C kernel targets, for any CPU the code builds on (x86-64 natively,
 * AArch64 under qemu-aarch64-static): every kernel family the running CPU supports must give
 * exactly the bits of a plain reference written here (not the library's own scalar kernels):
 *
 *   CMinnowKernels      minnow_sgemm per ISA (bit-exact fmaf chains), minnow_vexp/vsigmoid/vtanh
 *                       per ISA (bit-exact with the scalar family; the scalar family within a few
 *                       ULP of double-precision libm)
 *   CMinnowInt8Kernels  minnow_qgemm and minnow_qgemm_prepacked per kernel family (bytes), int8
 *                       max/average pooling and im2col (bytes)
 *
 * Prints one line per check and "twins: ok (N checks)" at the end; exits 1 on any mismatch.
 * Built and run by tools/arm-c-check. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CMinnowInt8Kernels.h"
#include "CMinnowKernels.h"

static int failures, checks;

static void report(int ok, const char *what) {
    checks++;
    if (!ok) failures++;
    printf("%-5s %s\n", ok ? "ok" : "FAIL", what);
}

/* xorshift64: deterministic inputs on every platform. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t next_u64(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static int rand_int(int lo, int hi) { return lo + (int)(next_u64() % (uint64_t)(hi - lo + 1)); }
static float rand_float(float lo, float hi) { return lo + (hi - lo) * (float)(next_u64() >> 40) / (float)(1 << 24); }

static uint32_t bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* ---- float GEMM ------------------------------------------------------------------------- */

/* The contract: C[i][j] = fma chain over p in increasing order from 0 (or the old C). */
static void sgemm_reference(int ta, int tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                            const float *b, size_t ldb, float *c, size_t ldc, int accumulate) {
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            float acc = accumulate ? c[i * ldc + j] : 0.0f;
            for (size_t p = 0; p < k; p++) {
                const float av = ta ? a[p * lda + i] : a[i * lda + p];
                const float bv = tb ? b[j * ldb + p] : b[p * ldb + j];
                acc = fmaf(av, bv, acc);
            }
            c[i * ldc + j] = acc;
        }
}

static void check_sgemm(void) {
    static const size_t shapes[][3] = {
        {1, 1, 1}, {1, 7, 3}, {3, 1, 5}, {5, 9, 17}, {8, 8, 8}, {9, 17, 33}, {12, 32, 64}, {13, 33, 300},
        {31, 70, 129}, {64, 10, 784}, {100, 64, 27}, {7, 300, 5}, {150, 40, 260},
    };
    const char *names[] = {"scalar", "avx2", "avx512", "neon"};
    for (int isa = 0; isa < 4; isa++) {
        if (!minnow_isa_supported(isa)) continue;
        int ok = 1;
        char what[160];
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0] && ok; s++) {
            for (int variant = 0; variant < 8 && ok; variant++) {
                const int ta = variant & 1, tb = (variant >> 1) & 1, accumulate = (variant >> 2) & 1;
                const size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
                const size_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
                float *a = malloc(sizeof(float) * (ta ? k : m) * lda);
                float *b = malloc(sizeof(float) * (tb ? n : k) * ldb);
                float *c = malloc(sizeof(float) * m * ldc), *r = malloc(sizeof(float) * m * ldc);
                for (size_t i = 0; i < (ta ? k : m) * lda; i++) a[i] = rand_float(-1, 1);
                for (size_t i = 0; i < (tb ? n : k) * ldb; i++) b[i] = rand_float(-1, 1);
                for (size_t i = 0; i < m * ldc; i++) c[i] = r[i] = rand_float(-2, 2);
                minnow_sgemm(isa, ta, tb, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
                sgemm_reference(ta, tb, m, n, k, a, lda, b, ldb, r, ldc, accumulate);
                for (size_t i = 0; i < m * ldc && ok; i++) {
                    if (bits(c[i]) != bits(r[i])) {
                        snprintf(what, sizeof what, "sgemm %s: m=%zu n=%zu k=%zu ta=%d tb=%d acc=%d: element %zu is %a, reference %a",
                                 names[isa], m, n, k, ta, tb, accumulate, i, (double)c[i], (double)r[i]);
                        ok = 0;
                    }
                }
                free(a); free(b); free(c); free(r);
            }
        }
        if (ok) snprintf(what, sizeof what, "sgemm %s: %zu shapes x 8 transposition/accumulate variants equal the fmaf reference bit for bit",
                         names[isa], sizeof shapes / sizeof shapes[0]);
        report(ok, what);
    }
}

/* ---- float elementwise math ------------------------------------------------------------ */

static void check_vmath(void) {
    enum { COUNT = 20011 };
    float *x = malloc(sizeof(float) * COUNT);
    for (int i = 0; i < COUNT; i++) x[i] = -110.0f + 205.0f * (float)i / COUNT;  // every branch, both overflows
    const float specials[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 0.625f, -0.625f, 0.62499994f, 88.72f, 88.73f, -87.3f,
                              -103.9f, -104.5f, 1e10f, -1e10f, INFINITY, -INFINITY, NAN};
    memcpy(x, specials, sizeof specials);
    float *expected = malloc(sizeof(float) * COUNT), *got = malloc(sizeof(float) * COUNT);
    typedef void (*fn)(int, const float *, float *, size_t);
    const fn functions[] = {minnow_vexp, minnow_vsigmoid, minnow_vtanh};
    const char *fnames[] = {"exp", "sigmoid", "tanh"}, *names[] = {"scalar", "avx2", "avx512", "neon"};
    char what[160];
    for (int f = 0; f < 3; f++) {
        functions[f](MINNOW_FLOAT_ISA_SCALAR, x, expected, COUNT);
        // The scalar family against double precision (finite, normal results only).
        double worst = 0;
        for (int i = 0; i < COUNT; i++) {
            const double xd = x[i];
            const double exact = f == 0 ? exp(xd) : f == 1 ? 1.0 / (1.0 + exp(-xd)) : tanh(xd);
            if (isnan(x[i])) { if (!isnan(expected[i])) worst = INFINITY; continue; }
            if (!(fabs(exact) >= 1.2e-38 && fabs(exact) < 3.4e38)) continue;
            const double ulp = ldexp(1.0, ilogb((float)exact) - 23);
            const double err = fabs((double)expected[i] - exact) / ulp;
            if (err > worst) worst = err;
        }
        snprintf(what, sizeof what, "v%s scalar: max error %.2f ULP against double precision (limit 4)", fnames[f], worst);
        report(worst <= 4, what);
        for (int isa = 1; isa < 4; isa++) {
            if (!minnow_isa_supported(isa)) continue;
            int ok = 1;
            // Every tail length up to 40, then the whole sweep.
            for (int count = 0; count <= 40 && ok; count++) {
                memset(got, 0, sizeof(float) * COUNT);
                functions[f](isa, x + 100, got, (size_t)count);
                for (int i = 0; i < count && ok; i++) ok = bits(got[i]) == bits(expected[100 + i]);
                for (int i = count; i < 41 && ok; i++) ok = got[i] == 0.0f;  // nothing past the end
            }
            functions[f](isa, x, got, COUNT);
            for (int i = 0; i < COUNT && ok; i++) {
                if (isnan(expected[i])) ok = isnan(got[i]) != 0;
                else if (bits(got[i]) != bits(expected[i])) {
                    snprintf(what, sizeof what, "v%s %s: x=%a gives %a, scalar %a", fnames[f], names[isa],
                             (double)x[i], (double)got[i], (double)expected[i]);
                    report(0, what);
                    ok = -1;
                    break;
                }
            }
            if (ok == 1) {
                snprintf(what, sizeof what, "v%s %s: %d inputs and every tail length equal the scalar family bit for bit",
                         fnames[f], names[isa], COUNT);
                report(1, what);
            } else if (ok == 0) {
                snprintf(what, sizeof what, "v%s %s: differs from the scalar family (or writes past the end)", fnames[f], names[isa]);
                report(0, what);
            }
        }
    }
    // In place.
    float *inplace = malloc(sizeof(float) * COUNT);
    memcpy(inplace, x, sizeof(float) * COUNT);
    minnow_vtanh(minnow_best_isa(), inplace, inplace, COUNT);
    minnow_vtanh(minnow_best_isa(), x, got, COUNT);
    report(memcmp(inplace, got, sizeof(float) * COUNT) == 0, "vtanh best family: in place gives the same bits");
    free(x); free(expected); free(got); free(inplace);
}

/* ---- int8 GEMM ------------------------------------------------------------------------- */

/* n16k4 layout: panels of 16 channels, groups of 4 inputs, the last panel unpadded. */
static size_t packed_index(size_t c, size_t i, size_t n, size_t k) {
    const size_t groups = (k + 3) / 4, p = c / 16, j = c % 16;
    const size_t lanes = n - 16 * p < 16 ? n - 16 * p : 16;
    return 16 * p * groups * 4 + ((i / 4) * lanes + j) * 4 + i % 4;
}

static int8_t requantize_reference(int64_t acc, int32_t multiplier, int32_t shift, int32_t zp, int32_t lo, int32_t hi) {
    const int total = 31 - shift;
    int64_t r = (acc * multiplier + ((int64_t)1 << (total - 1))) >> total;
    if (r > INT32_MAX) r = INT32_MAX;
    if (r < INT32_MIN) r = INT32_MIN;
    int64_t v = r + zp;
    if (v < lo) v = lo;
    if (v > hi) v = hi;
    return (int8_t)v;
}

static void check_qgemm(void) {
    static const size_t shapes[][3] = {
        {1, 1, 1}, {1, 16, 4}, {1, 10, 784}, {2, 17, 5}, {3, 33, 9}, {6, 64, 64}, {7, 70, 27}, {13, 128, 100},
        {24, 16, 144}, {25, 48, 36}, {50, 200, 300}, {64, 64, 576}, {97, 10, 1000},
    };
    for (int kernel = 0; kernel < MINNOW_QGEMM_KERNEL_COUNT; kernel++) {
        if (!minnow_qgemm_kernel_supported(kernel)) continue;
        int ok = 1;
        char what[200];
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0] && ok; s++) {
            const size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], lda = k + 5, ldc = n + 3;
            const size_t groups = (k + 3) / 4;
            int8_t *a = malloc(m * lda), *w = malloc(n * k), *packed = calloc(n * groups * 4 + 64, 1);
            int32_t *bias = malloc(4 * n), *mult = malloc(4 * n), *shift = malloc(4 * n);
            int8_t *c = malloc(m * ldc), *expected = malloc(m * ldc);
            for (size_t i = 0; i < m * lda; i++) a[i] = (int8_t)rand_int(-128, 127);
            for (size_t i = 0; i < n * k; i++) w[i] = (int8_t)rand_int(-127, 127);
            for (size_t ch = 0; ch < n; ch++) {
                for (size_t i = 0; i < k; i++) packed[packed_index(ch, i, n, k)] = w[ch * k + i];
                bias[ch] = rand_int(-20000, 20000);
                mult[ch] = rand_int(1 << 30, INT32_MAX);
                // Mostly the quantizer's range (31 - shift in 32...53), sometimes the general path.
                shift[ch] = (s % 4 == 3) ? rand_int(-30, 0) : rand_int(-22, -1);
            }
            const int32_t zp = rand_int(-20, 20), lo = s % 3 == 0 ? zp : -128, hi = 127;
            const minnow_qgemm_output out = {bias, mult, shift, zp, lo, hi};
            for (size_t r = 0; r < m; r++)
                for (size_t ch = 0; ch < n; ch++) {
                    int64_t acc = bias[ch];
                    for (size_t i = 0; i < k; i++) acc += (int64_t)(a[r * lda + i] + 128) * w[ch * k + i];
                    acc = (int32_t)(uint32_t)acc;  // the kernels' int32 accumulator wraps
                    expected[r * ldc + ch] = requantize_reference(acc, mult[ch], shift[ch], zp, lo, hi);
                }
            // Through the GEMM with arena-style scratch, then on prepacked rows.
            const size_t scratch_bytes = minnow_qgemm_scratch_bytes(kernel, m, k);
            void *scratch = malloc(scratch_bytes);
            memset(c, 0x55, m * ldc);
            minnow_qgemm(kernel, m, n, k, a, lda, packed, &out, c, ldc, scratch, scratch_bytes);
            for (size_t r = 0; r < m && ok; r++)
                for (size_t ch = 0; ch < n && ok; ch++)
                    if (c[r * ldc + ch] != expected[r * ldc + ch]) {
                        snprintf(what, sizeof what, "qgemm %s: m=%zu n=%zu k=%zu: C[%zu][%zu] = %d, reference %d",
                                 minnow_qgemm_kernel_name(kernel), m, n, k, r, ch, c[r * ldc + ch], expected[r * ldc + ch]);
                        ok = 0;
                    }
            const size_t stride = 4 * groups + 8;
            uint8_t *rows = calloc(m * stride, 1);
            const int flip = minnow_qgemm_unsigned_activations(kernel);
            for (size_t r = 0; r < m; r++)
                for (size_t i = 0; i < k; i++) rows[r * stride + i] = (uint8_t)a[r * lda + i] ^ (flip ? 0x80 : 0);
            memset(c, 0x55, m * ldc);
            minnow_qgemm_prepacked(kernel, m, n, k, rows, stride, packed, &out, c, ldc);
            for (size_t r = 0; r < m && ok; r++)
                for (size_t ch = 0; ch < n && ok; ch++)
                    if (c[r * ldc + ch] != expected[r * ldc + ch]) {
                        snprintf(what, sizeof what, "qgemm_prepacked %s: m=%zu n=%zu k=%zu: C[%zu][%zu] = %d, reference %d",
                                 minnow_qgemm_kernel_name(kernel), m, n, k, r, ch, c[r * ldc + ch], expected[r * ldc + ch]);
                        ok = 0;
                    }
            free(rows); free(scratch); free(a); free(w); free(packed); free(bias); free(mult); free(shift); free(c); free(expected);
        }
        if (ok) snprintf(what, sizeof what, "qgemm %s: %zu shapes (plain and prepacked rows) equal the requantization reference byte for byte",
                         minnow_qgemm_kernel_name(kernel), sizeof shapes / sizeof shapes[0]);
        report(ok, what);
    }
}

/* ---- int8 pooling and im2col ----------------------------------------------------------- */

static void window_for(minnow_window *g, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw,
                       ptrdiff_t s, int same) {
    g->input_height = h; g->input_width = w; g->channels = c;
    g->kernel_height = kh; g->kernel_width = kw; g->stride_height = s; g->stride_width = s;
    if (same) {
        g->output_height = (h + s - 1) / s; g->output_width = (w + s - 1) / s;
        const ptrdiff_t ph = (g->output_height - 1) * s + kh - h, pw = (g->output_width - 1) * s + kw - w;
        g->pad_top = ph > 0 ? ph / 2 : 0; g->pad_left = pw > 0 ? pw / 2 : 0;
    } else {
        g->output_height = (h - kh) / s + 1; g->output_width = (w - kw) / s + 1;
        g->pad_top = 0; g->pad_left = 0;
    }
}

static void check_spatial(void) {
    static const ptrdiff_t cases[][7] = {  // h, w, c, kh, kw, stride, same
        {28, 28, 16, 2, 2, 2, 0}, {28, 28, 1, 3, 3, 1, 1}, {14, 14, 32, 2, 2, 2, 0}, {9, 7, 3, 3, 3, 2, 1},
        {5, 5, 70, 3, 2, 1, 1}, {8, 8, 64, 2, 2, 2, 0}, {7, 9, 17, 3, 3, 1, 0}, {6, 6, 8, 5, 5, 1, 1},
    };
    int ok_max = 1, ok_avg = 1, ok_im2col = 1;
    char what[200];
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        minnow_window g;
        window_for(&g, cases[t][0], cases[t][1], cases[t][2], cases[t][3], cases[t][4], cases[t][5], (int)cases[t][6]);
        const ptrdiff_t c = g.channels, in = g.input_height * g.input_width * c;
        const ptrdiff_t outs = g.output_height * g.output_width * c;
        int8_t *x = malloc((size_t)in), *y = malloc((size_t)outs), *r = malloc((size_t)outs);
        for (ptrdiff_t i = 0; i < in; i++) x[i] = (int8_t)rand_int(-128, 127);
        const int32_t lower = t % 2 ? -5 : -128, upper = t % 3 ? 127 : 90;
        for (int average = 0; average < 2; average++) {
            for (ptrdiff_t oy = 0; oy < g.output_height; oy++)
                for (ptrdiff_t ox = 0; ox < g.output_width; ox++)
                    for (ptrdiff_t ch = 0; ch < c; ch++) {
                        int32_t best = -128, sum = 0, cells = 0;
                        for (ptrdiff_t ky = 0; ky < g.kernel_height; ky++)
                            for (ptrdiff_t kx = 0; kx < g.kernel_width; kx++) {
                                const ptrdiff_t iy = oy * g.stride_height - g.pad_top + ky, ix = ox * g.stride_width - g.pad_left + kx;
                                if (iy < 0 || iy >= g.input_height || ix < 0 || ix >= g.input_width) continue;
                                const int32_t v = x[(iy * g.input_width + ix) * c + ch];
                                if (v > best) best = v;
                                sum += v;
                                cells++;
                            }
                        int32_t v = best;
                        if (average) {  // half away from zero
                            v = sum >= 0 ? (sum + cells / 2) / cells : -((-sum + cells / 2) / cells);
                        }
                        r[(oy * g.output_width + ox) * c + ch] = (int8_t)(v < lower ? lower : v > upper ? upper : v);
                    }
            if (average) minnow_average_pool_int8(x, &g, lower, upper, y);
            else minnow_max_pool_int8(x, &g, lower, upper, y);
            if (memcmp(y, r, (size_t)outs) != 0) {
                if (average) ok_avg = 0; else ok_max = 0;
                snprintf(what, sizeof what, "%s pool int8: case %zu differs from the reference", average ? "average" : "max", t);
                report(0, what);
            }
        }
        // im2col, plain and packed (flipped, zero tail), for a block of pixels in the middle.
        const ptrdiff_t kk = g.kernel_height * g.kernel_width * c, pixels = g.output_height * g.output_width;
        const ptrdiff_t first = pixels / 3, count = pixels - first, stride = ((kk + 3) / 4) * 4 + 4;
        const int8_t pad = (int8_t)rand_int(-128, 127);
        int8_t *cols = malloc((size_t)(count * kk)), *ref = malloc((size_t)(count * kk));
        uint8_t *packed = malloc((size_t)(count * stride));
        for (ptrdiff_t p = 0; p < count; p++) {
            const ptrdiff_t oy = (first + p) / g.output_width, ox = (first + p) % g.output_width;
            for (ptrdiff_t ky = 0; ky < g.kernel_height; ky++)
                for (ptrdiff_t kx = 0; kx < g.kernel_width; kx++)
                    for (ptrdiff_t ch = 0; ch < c; ch++) {
                        const ptrdiff_t iy = oy * g.stride_height - g.pad_top + ky, ix = ox * g.stride_width - g.pad_left + kx;
                        const int inside = iy >= 0 && iy < g.input_height && ix >= 0 && ix < g.input_width;
                        ref[p * kk + (ky * g.kernel_width + kx) * c + ch] = inside ? x[(iy * g.input_width + ix) * c + ch] : pad;
                    }
        }
        minnow_im2col_int8(x, &g, first, count, pad, cols);
        int same = memcmp(cols, ref, (size_t)(count * kk)) == 0;
        for (int flip = 0; flip < 2 && same; flip++) {
            memset(packed, 0x77, (size_t)(count * stride));
            minnow_im2col_int8_packed(x, &g, first, count, pad, stride, flip, packed);
            for (ptrdiff_t p = 0; p < count && same; p++)
                for (ptrdiff_t i = 0; i < stride && same; i++) {
                    const uint8_t want = i < kk ? (uint8_t)ref[p * kk + i] ^ (flip ? 0x80 : 0) : 0;
                    same = packed[p * stride + i] == want;
                }
        }
        if (!same) {
            ok_im2col = 0;
            snprintf(what, sizeof what, "im2col int8: case %zu differs from the reference", t);
            report(0, what);
        }
        free(cols); free(ref); free(packed); free(x); free(y); free(r);
    }
    if (ok_max) report(1, "max pool int8: every case equals the reference");
    if (ok_avg) report(1, "average pool int8: every case equals the reference (half away from zero)");
    if (ok_im2col) report(1, "im2col int8 (plain and packed, flipped or not): every case equals the reference");
}

int main(void) {
    const char *isa_names[] = {"scalar", "avx2", "avx512", "neon"};
    printf("cpu: float family %s, int8 GEMM family %s\n", isa_names[minnow_best_isa()],
           minnow_qgemm_kernel_name(minnow_qgemm_best_kernel()));
    check_sgemm();
    check_vmath();
    check_qgemm();
    check_spatial();
    if (failures) {
        printf("twins: FAIL (%d of %d checks)\n", failures, checks);
        return 1;
    }
    printf("twins: ok (%d checks)\n", checks);
    return 0;
}

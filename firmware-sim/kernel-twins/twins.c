/* Twin harness for the C int8 kernels (CMinnowInt8Kernels): every kernel family the running CPU
 * supports against the plain reference twins, on random problems, byte for byte. Built for
 * AArch64 with aarch64-linux-gnu-gcc and run under qemu-aarch64-static with a CPU without the
 * dot product (-cpu cortex-a72) and one with it (-cpu cortex-a76) by ./run; it builds and runs
 * natively on x86 hosts too. Prints the families it ran and "N passed, M failed".
 *
 * Checked per family: GEMM (minnow_qgemm) and prepacked GEMM against a plain GEMM over the
 * n16k4 layout; the one-call convolution against a plain im2col + that GEMM; depthwise, max and
 * average pooling against plain loops; LSTM and GRU against minnow_int8_*_reference. */
#include "CMinnowInt8Kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x2545F4914F6CDD1Dull;
static uint32_t rnd(void) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(state >> 33);
}
static int32_t range(int32_t lo, int32_t hi) { return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1)); }

static int passed, failed;
static void check(int ok, const char *what, const char *family, int trial) {
    if (ok) { passed++; return; }
    failed++;
    if (failed <= 20) printf("FAIL %s [%s] trial %d\n", what, family, trial);
}

/* ---- plain twins ---- */

static void pack_n16k4(const int8_t *w, size_t n, size_t k, int8_t *out) {
    const size_t groups = (k + 3) / 4;
    size_t at = 0;
    for (size_t p = 0; p < n; p += 16) {
        const size_t lanes = n - p < 16 ? n - p : 16;
        for (size_t g = 0; g < groups; g++)
            for (size_t j = 0; j < lanes; j++)
                for (size_t i = 0; i < 4; i++) out[at++] = 4 * g + i < k ? w[(p + j) * k + 4 * g + i] : 0;
    }
}

static int8_t requantize(int32_t acc, const minnow_qgemm_output *o, size_t ch) {
    const int32_t x = (int32_t)((uint32_t)acc + (uint32_t)o->bias[ch]);
    const int t = 31 - o->shifts[ch];
    int64_t r = ((int64_t)x * o->multipliers[ch] + ((int64_t)1 << (t - 1))) >> t;
    if (r > INT32_MAX) r = INT32_MAX;
    if (r < INT32_MIN) r = INT32_MIN;
    int32_t s = (int32_t)((uint32_t)(int32_t)r + (uint32_t)o->output_zero_point);
    if (s > o->upper_bound) s = o->upper_bound;
    if (s < o->lower_bound) s = o->lower_bound;
    return (int8_t)s;
}

/// C = requantize(Σ (A + 128)·W) with W given row-major [n][k] (unpacked).
static void gemm_plain(size_t m, size_t n, size_t k, const int8_t *a, size_t lda, const int8_t *w,
                       const minnow_qgemm_output *o, int8_t *c, size_t ldc) {
    for (size_t r = 0; r < m; r++)
        for (size_t j = 0; j < n; j++) {
            uint32_t acc = 0;
            for (size_t i = 0; i < k; i++) acc += (uint32_t)((a[r * lda + i] + 128) * w[j * k + i]);
            c[r * ldc + j] = requantize((int32_t)acc, o, j);
        }
}

static int inside(const minnow_window *g, ptrdiff_t iy, ptrdiff_t ix) {
    return iy >= 0 && iy < g->input_height && ix >= 0 && ix < g->input_width;
}

static void im2col_plain(const int8_t *x, const minnow_window *g, int8_t pad, int8_t *out) {
    const ptrdiff_t k = g->kernel_height * g->kernel_width * g->channels;
    for (ptrdiff_t p = 0; p < g->output_height * g->output_width; p++) {
        const ptrdiff_t oy = p / g->output_width, ox = p % g->output_width;
        for (ptrdiff_t ky = 0; ky < g->kernel_height; ky++)
            for (ptrdiff_t kx = 0; kx < g->kernel_width; kx++)
                for (ptrdiff_t ch = 0; ch < g->channels; ch++) {
                    const ptrdiff_t iy = oy * g->stride_height - g->pad_top + ky, ix = ox * g->stride_width - g->pad_left + kx;
                    out[p * k + (ky * g->kernel_width + kx) * g->channels + ch] =
                        inside(g, iy, ix) ? x[(iy * g->input_width + ix) * g->channels + ch] : pad;
                }
    }
}

static void pool_plain(const int8_t *x, const minnow_window *g, int is_max, int32_t lo, int32_t hi, int8_t *y) {
    for (ptrdiff_t oy = 0; oy < g->output_height; oy++)
        for (ptrdiff_t ox = 0; ox < g->output_width; ox++)
            for (ptrdiff_t ch = 0; ch < g->channels; ch++) {
                int32_t acc = is_max ? -128 : 0, cells = 0;
                for (ptrdiff_t ky = 0; ky < g->kernel_height; ky++)
                    for (ptrdiff_t kx = 0; kx < g->kernel_width; kx++) {
                        const ptrdiff_t iy = oy * g->stride_height - g->pad_top + ky, ix = ox * g->stride_width - g->pad_left + kx;
                        if (!inside(g, iy, ix)) continue;
                        const int32_t v = x[(iy * g->input_width + ix) * g->channels + ch];
                        acc = is_max ? (v > acc ? v : acc) : acc + v;
                        cells++;
                    }
                if (!is_max) acc = acc >= 0 ? (acc + cells / 2) / cells : (acc - cells / 2) / cells;
                y[(oy * g->output_width + ox) * g->channels + ch] = (int8_t)(acc < lo ? lo : acc > hi ? hi : acc);
            }
}

/* ---- random problems ---- */

/// A window with Keras "same" or "valid" padding; returns 0 when "valid" does not fit.
static int random_window(minnow_window *g, ptrdiff_t channels, int max_size, int max_kernel) {
    memset(g, 0, sizeof *g);
    g->channels = channels;
    g->input_height = range(1, max_size);
    g->input_width = range(1, max_size);
    g->kernel_height = range(1, max_kernel);
    g->kernel_width = range(1, max_kernel);
    g->stride_height = range(1, 2);
    g->stride_width = range(1, 2);
    if (rnd() % 2) {
        g->output_height = (g->input_height + g->stride_height - 1) / g->stride_height;
        g->output_width = (g->input_width + g->stride_width - 1) / g->stride_width;
        ptrdiff_t ph = (g->output_height - 1) * g->stride_height + g->kernel_height - g->input_height;
        ptrdiff_t pw = (g->output_width - 1) * g->stride_width + g->kernel_width - g->input_width;
        g->pad_top = ph > 0 ? ph / 2 : 0;
        g->pad_left = pw > 0 ? pw / 2 : 0;
        return 1;
    }
    if (g->input_height < g->kernel_height || g->input_width < g->kernel_width) return 0;
    g->output_height = (g->input_height - g->kernel_height) / g->stride_height + 1;
    g->output_width = (g->input_width - g->kernel_width) / g->stride_width + 1;
    return 1;
}

typedef struct {
    int32_t *bias, *mult, *shift;
    minnow_qgemm_output o;
} stage_t;

/// Output-stage parameters for n channels: realistic scales, and every 7th channel an extreme
/// (left shifts, the largest right shift, biases near the int32 limits) unless `plain`.
static stage_t random_stage(size_t n, size_t k, int plain) {
    stage_t s;
    s.bias = malloc(4 * n);
    s.mult = malloc(4 * n);
    s.shift = malloc(4 * n);
    int root = 1;
    while ((size_t)(root * root) < k) root++;
    for (size_t j = 0; j < n; j++) {
        s.bias[j] = range(-100000, 100000);
        s.mult[j] = (int32_t)((1u << 30) + rnd() % (1u << 30));
        int e = 0;
        while ((1 << e) < 64 * root) e++;
        s.shift[j] = -e - range(0, 2);
        if (!plain && j % 7 == 3) {
            static const int32_t extremes[] = {30, 5, 0, -1, -22, -23, -31};
            s.shift[j] = extremes[rnd() % 7];
            if (rnd() % 2) s.bias[j] = (int32_t)(rnd() % 2 ? INT32_MAX - range(0, 1000) : INT32_MIN + range(0, 1000));
        }
    }
    const int32_t zp = range(-20, 20);
    s.o = (minnow_qgemm_output){s.bias, s.mult, s.shift, zp, -128, 127};
    if (rnd() % 2) s.o.lower_bound = zp;
    return s;
}

static void free_stage(stage_t *s) { free(s->bias); free(s->mult); free(s->shift); }

static int8_t *random_bytes(size_t count, int lo, int hi) {
    int8_t *p = malloc(count + 1);
    for (size_t i = 0; i < count; i++) p[i] = (int8_t)range(lo, hi);
    return p;
}

/* ---- checks ---- */

static void check_gemm(int family, const char *name, int trial) {
    static const size_t ms[] = {1, 2, 3, 4, 5, 6, 7, 13, 64}, ns[] = {1, 5, 15, 16, 17, 31, 33, 64, 100},
                        ks[] = {1, 3, 4, 5, 17, 64, 100, 577};
    size_t m = ms[rnd() % 9], n = ns[rnd() % 9], k = ks[rnd() % 8];
    if (trial == 1) { m = 7; n = 20; k = 8209; }  // prepacked rows too long to widen on the stack (AVX2)
    const size_t lda = k + rnd() % 4, ldc = n + rnd() % 4;
    int8_t *a = random_bytes(m * lda, -128, 127), *w = random_bytes(n * k, -128, 127);
    int8_t *packed = malloc(n * (k + 3) / 4 * 4 + 64);
    pack_n16k4(w, n, k, packed);
    stage_t s = random_stage(n, k, trial % 2);
    int8_t *expected = malloc(m * ldc), *found = malloc(m * ldc);
    memset(expected, 0x5A, m * ldc);
    memset(found, 0x5A, m * ldc);
    gemm_plain(m, n, k, a, lda, w, &s.o, expected, ldc);
    minnow_qgemm(family, m, n, k, a, lda, packed, &s.o, found, ldc, NULL, 0);
    check(memcmp(expected, found, m * ldc) == 0, "gemm", name, trial);
    // Prepacked rows in the family's form (u8 = q ^ 0x80 or raw), padded to whole K groups.
    const size_t kp = (k + 3) / 4 * 4, stride = kp + 4 * (rnd() % 2);
    uint8_t *rows = calloc(m * stride, 1);
    const uint8_t flip = minnow_qgemm_unsigned_activations(family) ? 0x80 : 0;
    for (size_t r = 0; r < m; r++)
        for (size_t i = 0; i < k; i++) rows[r * stride + i] = (uint8_t)a[r * lda + i] ^ flip;
    memset(found, 0x5A, m * ldc);
    minnow_qgemm_prepacked(family, m, n, k, rows, stride, packed, &s.o, found, ldc);
    check(memcmp(expected, found, m * ldc) == 0, "gemm prepacked", name, trial);
    free(a); free(w); free(packed); free(expected); free(found); free(rows); free_stage(&s);
}

static void check_conv(int family, const char *name, int trial) {
    static const ptrdiff_t channels[] = {1, 1, 3, 4, 8, 16, 5, 12, 32};
    minnow_window g;
    if (!random_window(&g, channels[trial % 9], 16, 4)) return;
    if (trial % 3 == 0) {  // 3×3 "same", the usual layer
        g.kernel_height = g.kernel_width = 3;
        g.stride_height = g.stride_width = 1;
        g.output_height = g.input_height; g.output_width = g.input_width;
        g.pad_top = g.pad_left = 1;
    }
    const size_t n = trial % 4 == 0 ? 16 * (size_t)range(1, 3) : (size_t)range(1, 40);
    const size_t k = (size_t)(g.kernel_height * g.kernel_width * g.channels), m = (size_t)(g.output_height * g.output_width);
    int8_t *x = random_bytes((size_t)(g.input_height * g.input_width * g.channels), -128, 127);
    int8_t *w = random_bytes(n * k, -127, 127), *packed = malloc(n * (k + 3) / 4 * 4 + 64);
    pack_n16k4(w, n, k, packed);
    stage_t s = random_stage(n, k, 1);
    const int8_t pad = (int8_t)range(-128, 127);
    int8_t *cols = malloc(m * k + 1), *expected = malloc(m * n), *found = malloc(m * n);
    im2col_plain(x, &g, pad, cols);
    gemm_plain(m, n, k, cols, k, w, &s.o, expected, n);
    memset(found, 0x5A, m * n);
    if (minnow_conv2d_int8_whole(family, x, &g, pad, packed, n, &s.o, found))
        check(memcmp(expected, found, m * n) == 0, "conv whole", name, trial);
    free(x); free(w); free(packed); free(cols); free(expected); free(found); free_stage(&s);
}

static void check_depthwise(int family, const char *name, int trial) {
    static const ptrdiff_t channels[] = {1, 3, 8, 16, 17, 32, 7, 64};
    minnow_window g;
    if (!random_window(&g, channels[trial % 8], 12, 5)) return;
    const size_t multiplier = trial % 5 == 4 ? (size_t)range(2, 4) : 1;
    const size_t n = (size_t)g.channels * multiplier, taps = (size_t)(g.kernel_height * g.kernel_width);
    const size_t pixels = (size_t)(g.output_height * g.output_width);
    int8_t *x = random_bytes((size_t)(g.input_height * g.input_width * g.channels), -128, 127);
    int8_t *w = random_bytes(taps * n, -127, 127);
    stage_t s = random_stage(n, taps * 16, trial % 2);
    const int8_t pad = (int8_t)range(-128, 127);
    int8_t *expected = malloc(pixels * n + 1), *found = malloc(pixels * n + 1);
    memset(expected, 0x3C, pixels * n + 1);
    memset(found, 0x3C, pixels * n + 1);
    for (ptrdiff_t p = 0; p < (ptrdiff_t)pixels; p++) {
        const ptrdiff_t oy = p / g.output_width, ox = p % g.output_width;
        for (size_t o = 0; o < n; o++) {
            uint32_t acc = 0;
            for (ptrdiff_t ky = 0; ky < g.kernel_height; ky++)
                for (ptrdiff_t kx = 0; kx < g.kernel_width; kx++) {
                    const ptrdiff_t iy = oy * g.stride_height - g.pad_top + ky, ix = ox * g.stride_width - g.pad_left + kx;
                    const int32_t q = inside(&g, iy, ix) ? x[(iy * g.input_width + ix) * g.channels + (ptrdiff_t)(o / multiplier)] : pad;
                    acc += (uint32_t)((q + 128) * w[(size_t)(ky * g.kernel_width + kx) * n + o]);
                }
            expected[(size_t)p * n + o] = requantize((int32_t)acc, &s.o, o);
        }
    }
    minnow_depthwise_conv2d_int8(family, x, &g, multiplier, pad, w, &s.o, found);
    check(memcmp(expected, found, pixels * n + 1) == 0, "depthwise", name, trial);
    memset(found, 0x3C, pixels * n + 1);
    minnow_depthwise_conv2d_int8_reference(x, &g, multiplier, pad, w, &s.o, found);
    check(memcmp(expected, found, pixels * n + 1) == 0, "depthwise reference", name, trial);
    free(x); free(w); free(expected); free(found); free_stage(&s);
}

static void check_pool(int family, const char *name, int trial) {
    static const ptrdiff_t channels[] = {1, 3, 16, 17, 32, 33, 64, 96, 8, 48};
    minnow_window g;
    if (!random_window(&g, channels[trial % 10], 11, 4)) return;
    if (trial % 3 == 0) {  // 2×2 stride 2 without leading padding
        g.kernel_height = g.kernel_width = 2;
        g.stride_height = g.stride_width = 2;
        g.input_height += g.input_height < 2; g.input_width += g.input_width < 2;
        g.output_height = g.input_height / 2; g.output_width = g.input_width / 2;
        g.pad_top = g.pad_left = 0;
    }
    const size_t count = (size_t)(g.output_height * g.output_width * g.channels);
    int8_t *x = random_bytes((size_t)(g.input_height * g.input_width * g.channels), -128, 127);
    const int32_t lo = trial % 4 == 0 ? -128 : range(-128, 0), hi = trial % 4 == 0 ? 127 : range(1, 127);
    int8_t *expected = malloc(count + 1), *found = malloc(count + 1);
    for (int is_max = 0; is_max < 2; is_max++) {
        memset(expected, 0x3C, count + 1);
        memset(found, 0x3C, count + 1);
        pool_plain(x, &g, is_max, lo, hi, expected);
        if (is_max) minnow_max_pool_int8_kernel(family, x, &g, lo, hi, found);
        else minnow_average_pool_int8_kernel(family, x, &g, lo, hi, found);
        check(memcmp(expected, found, count + 1) == 0, is_max ? "max pool" : "average pool", name, trial);
    }
    free(x); free(expected); free(found);
}


static void check_rnn(int family, const char *name, int trial) {
    static const size_t shapes[][3] = {{5, 7, 9}, {28, 28, 64}, {3, 1, 1}, {4, 33, 17}, {6, 64, 31}, {2, 70, 65}, {3, 5, 130}};
    const size_t *shape = shapes[trial % 7];
    const size_t steps = shape[0], features = shape[1], units = shape[2];
    for (int lstm = 0; lstm < 2; lstm++) {
        const size_t gates = lstm ? 4 : 3, rows = gates * units;
        int8_t *wx = random_bytes(rows * features, -127, 127), *wh = random_bytes(rows * units, -127, 127);
        int32_t *b = malloc(4 * rows), *rb = malloc(4 * rows), params[2 + 3 * 4];
        uint8_t *ex = malloc(rows);
        for (size_t r = 0; r < rows; r++) {
            b[r] = range(-20000, 20000);
            rb[r] = range(-20000, 20000);
            ex[r] = (uint8_t)(range(0, 7) | range(0, 7) << 4);
        }
        params[0] = 1;
        params[1] = range(-30, 30);
        for (size_t g = 0; g < gates; g++) {
            const int saturate = trial % 5 == 2;
            params[2 + 3 * g] = saturate ? (1 << 23) - 1 : range(1 << 20, (1 << 23) - 1);
            params[3 + 3 * g] = saturate ? (1 << 23) - 1 : range(1 << 18, (1 << 23) - 1);
            params[4 + 3 * g] = range(18, 30);
        }
        int8_t *x = random_bytes(steps * features, -128, 127);
        for (size_t t = 1; t < steps; t += 3) memset(x + t * features, params[1], features);  // blank steps
        // NULL table: the kernels' built-in copy of the contract's table.
        minnow_int8_rnn k = {steps, features, units, (int)(rnd() % 2), wx, wh, b, lstm ? NULL : rb, ex, params, NULL};
        const size_t scratch_bytes = 2 * ((lstm ? 3 : 2) * units + features) + 64;
        int16_t *s1 = calloc(scratch_bytes, 1), *s2 = calloc(scratch_bytes, 1);
        const size_t out = k.return_sequences ? steps * units : units;
        int8_t *y1 = malloc(out), *y2 = malloc(out);
        for (int call = 0; call < 2; call++) {  // fresh state, then carried-over state
            if (lstm) { minnow_int8_lstm_reference(&k, x, y1, s1); minnow_int8_lstm(family, &k, x, y2, s2); }
            else { minnow_int8_gru_reference(&k, x, y1, s1); minnow_int8_gru(family, &k, x, y2, s2); }
            const size_t state_bytes = 2 * units * (lstm ? 2 : 1);
            check(memcmp(y1, y2, out) == 0 && memcmp(s1, s2, state_bytes) == 0, lstm ? "lstm" : "gru", name, trial);
        }
        free(wx); free(wh); free(b); free(rb); free(ex); free(x); free(s1); free(s2); free(y1); free(y2);
    }
}

int main(int argc, char **argv) {
    const int trials = argc > 1 ? atoi(argv[1]) : 60;
    printf("CPU instruction sets: 0x%x\n", minnow_int8_isa_detected());
    printf("GEMM families:");
    for (int f = 0; f < MINNOW_QGEMM_KERNEL_COUNT; f++)
        if (minnow_qgemm_kernel_supported(f)) printf(" %s", minnow_qgemm_kernel_name(f));
    printf("\nrecurrent families:");
    for (int f = 1; f <= 4; f++)
        if (minnow_int8_rnn_kernel_supported(f)) printf(" %s", minnow_int8_rnn_kernel_name(f));
    printf("\n");
    for (int f = 0; f < MINNOW_QGEMM_KERNEL_COUNT; f++) {
        if (!minnow_qgemm_kernel_supported(f)) continue;
        const char *name = minnow_qgemm_kernel_name(f);
        for (int t = 0; t < trials; t++) {
            check_gemm(f, name, t);
            check_conv(f, name, t);
            check_depthwise(f, name, t);
            check_pool(f, name, t);
        }
    }
    for (int f = 1; f <= 4; f++) {
        if (!minnow_int8_rnn_kernel_supported(f)) continue;
        for (int t = 0; t < 14; t++) check_rnn(f, minnow_int8_rnn_kernel_name(f), t);
    }
    printf("kernel twins: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}

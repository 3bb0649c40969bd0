/* Checks the C API of libminnow.a (minnow.h) on the target it was built for: x86-64 and AArch64
 * Linux, Cortex-M boards under QEMU. Built and run by tools/c-api-check with these headers
 * from `minnow export --format c`:
 *   cnn_int8.h (int8 CNN), mlp_float.h (float MLP), lstm_int8.h / lstm_int8_step.h and
 *   lstm_float.h / lstm_float_step.h (recurrent models and their --streaming exports).
 * Prints one line per check ("ok …" / "FAIL …") and "status ok" at the end (firmware-sim's
 * protocol, so the same runner reads it); the malloc family traps while the API runs
 * (heap_guard.c), which proves the calls allocate nothing. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "minnow.h"
#include "platform.h"

#include "cnn_int8.h"
#include "lstm_float.h"
#include "lstm_float_step.h"
#include "lstm_int8.h"
#include "lstm_int8_step.h"
#include "mlp_float.h"

/* ---- output without stdio ---- */
static char line[200];
static size_t line_len;
static void put_str(const char *s) {
    while (*s && line_len < sizeof line - 1) line[line_len++] = *s++;
}
static void put_int(long v) {
    char digits[24];
    int n = 0;
    unsigned long u = v < 0 ? (unsigned long)-v : (unsigned long)v;
    do { digits[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) put_str("-");
    while (n) { char c[2] = {digits[--n], 0}; put_str(c); }
}
static void end_line(void) {
    line[line_len++] = '\n';
    platform_write(line, line_len);
    line_len = 0;
}

/* "name: text" in a static buffer, for check labels. */
static const char *label(const char *name, const char *text) {
    static char buffer[160];
    size_t n = 0;
    while (*name && n < sizeof buffer - 3) buffer[n++] = *name++;
    buffer[n++] = ':'; buffer[n++] = ' ';
    while (*text && n < sizeof buffer - 1) buffer[n++] = *text++;
    buffer[n] = 0;
    return buffer;
}

static int failures;
static void check(int ok, const char *what) {
    put_str(ok ? "ok    " : "FAIL  ");
    put_str(what);
    end_line();
    if (!ok) failures++;
}
static void check_status(int got, int want, const char *what) {
    put_str(got == want ? "ok    " : "FAIL  ");
    put_str(what);
    put_str(": ");
    put_str(minnow_status_message(got));
    if (got != want) { put_str(" (expected: "); put_str(minnow_status_message(want)); put_str(")"); }
    end_line();
    if (got != want) failures++;
}

/* ---- memory: arenas and a RAM copy for the misalignment and corruption checks ---- */
#define ARENA_CAPACITY (96 * 1024)
static uint8_t arena_a[ARENA_CAPACITY] __attribute__((aligned(16)));
static uint8_t arena_b[ARENA_CAPACITY] __attribute__((aligned(16)));
static uint8_t arena_c[ARENA_CAPACITY] __attribute__((aligned(16)));
static uint8_t copy[CNN_INT8_BYTES + 32] __attribute__((aligned(16)));

/* Deterministic input bytes (any values are valid int8; floats in [0, 1)). */
static uint32_t seed = 12345;
static uint32_t next_random(void) { seed = seed * 1664525u + 1013904223u; return seed >> 8; }
static void fill_input(const minnow_tensor *t) {
    if (t->type == MINNOW_INT8) {
        for (size_t i = 0; i < t->bytes; i++) ((int8_t *)t->data)[i] = (int8_t)(next_random() & 0xFF);
    } else {
        for (size_t i = 0; i < t->bytes / 4; i++) ((float *)t->data)[i] = (float)(next_random() & 0xFFFF) / 65536.0f;
    }
}

static int run_once(minnow_interpreter *m, const uint8_t *input, size_t input_bytes, uint8_t *output, size_t *output_bytes) {
    minnow_tensor in, out;
    int s = minnow_input(m, 0, &in);
    if (s != MINNOW_OK) return s;
    if (in.bytes != input_bytes) return MINNOW_BAD_ARGUMENT;
    memcpy(in.data, input, input_bytes);
    if ((s = minnow_invoke(m)) != MINNOW_OK) return s;
    if ((s = minnow_output(m, 0, &out)) != MINNOW_OK) return s;
    memcpy(output, out.data, out.bytes);
    *output_bytes = out.bytes;
    return MINNOW_OK;
}

/* Full sequence vs the one-step model streamed step by step, for `sequences` random inputs. */
static void check_streaming(const char *name, const uint8_t *full, size_t full_bytes, const uint8_t *step, size_t step_bytes) {
    minnow_interpreter *whole = NULL, *streamed = NULL;
    size_t need = 0;
    int s = minnow_required_arena_bytes_with_options(step, step_bytes, MINNOW_OPTION_STREAMING, &need);
    if (s == MINNOW_OK) s = minnow_init(&whole, full, full_bytes, arena_a, sizeof arena_a);
    if (s == MINNOW_OK) s = minnow_init_with_options(&streamed, step, step_bytes, arena_b, need, MINNOW_OPTION_STREAMING);
    check_status(s, MINNOW_OK, label(name, "interpreters for the full and the one-step (streaming) model"));
    if (s != MINNOW_OK) return;
    minnow_tensor in_full, in_step;
    minnow_input(whole, 0, &in_full);
    minnow_input(streamed, 0, &in_step);
    const int steps = in_full.dims[1];
    const size_t step_size = in_step.bytes;
    int equal = in_step.dims[1] == 1 && in_full.bytes == (size_t)steps * step_size, differs_without_reset = 0;
    static uint8_t sequence[4096], expected[256], got[256];
    for (int n = 0; n < 3 && equal; n++) {
        fill_input(&in_full);
        memcpy(sequence, in_full.data, in_full.bytes);
        size_t expected_bytes = 0, got_bytes = 0;
        run_once(whole, sequence, in_full.bytes, expected, &expected_bytes);
        if (n != 1) minnow_reset_state(streamed);  // sequence 1 continues from sequence 0's state
        for (int t = 0; t < steps; t++) run_once(streamed, sequence + (size_t)t * step_size, step_size, got, &got_bytes);
        const int same = got_bytes == expected_bytes && memcmp(got, expected, got_bytes) == 0;
        if (n == 1) differs_without_reset = !same;
        else equal = same;
    }
    check(equal, label(name, "one time step per invoke, reset between sequences: equals the full sequence bit for bit"));
    check(differs_without_reset, label(name, "without minnow_reset_state the state carries over (other outputs)"));
}

int main(void) {
    platform_init();
    minnow_interpreter *a = NULL, *b = NULL, *c = NULL;
    size_t need = 0, used = 0;
    int s;

    /* Status messages. */
    int distinct = 1;
    for (int i = 0; i <= MINNOW_UNSUPPORTED_VERSION; i++)
        for (int j = 0; j < i; j++) distinct &= strcmp(minnow_status_message(i), minnow_status_message(j)) != 0;
    check(distinct && minnow_status_message(99) != NULL, "minnow_status_message: one distinct text per status");

    heap_guard_phase = "api";
    heap_guard_enabled = 1;

    /* Arena size: exact, and one byte short fails. */
    s = minnow_required_arena_bytes(cnn_int8, CNN_INT8_BYTES, &need);
    check_status(s, MINNOW_OK, "minnow_required_arena_bytes(int8 CNN)");
    put_str("int8 CNN arena bytes "); put_int((long)need); end_line();
    a = (minnow_interpreter *)1;
    check_status(minnow_init(&a, cnn_int8, CNN_INT8_BYTES, arena_a, need - 1), MINNOW_ARENA_TOO_SMALL, "arena one byte short");
    check(a == NULL, "failed minnow_init sets *interpreter to NULL");
    check_status(minnow_init(&a, cnn_int8, CNN_INT8_BYTES, arena_a, need), MINNOW_OK, "arena of exactly the required size");
    check(minnow_arena_used(a, &used) == MINNOW_OK && used == need, "minnow_arena_used equals minnow_required_arena_bytes");
    /* An arena 8 bytes past a 16-byte boundary needs 8 bytes of padding more. */
    check_status(minnow_init(&b, cnn_int8, CNN_INT8_BYTES, arena_b + 8, need + 7), MINNOW_ARENA_TOO_SMALL, "misaligned arena, 1 byte short");
    check_status(minnow_init(&b, cnn_int8, CNN_INT8_BYTES, arena_b + 8, need + 8), MINNOW_OK, "misaligned arena with its padding");

    /* Tensor descriptions match the exported constants. */
    minnow_tensor in, out;
    s = minnow_input(a, 0, &in);
    const int in_dims[] = CNN_INT8_INPUT0_DIMS, out_dims[] = CNN_INT8_OUTPUT0_DIMS;
    check(s == MINNOW_OK && in.type == MINNOW_INT8 && in.type == CNN_INT8_INPUT0_TYPE && in.rank == CNN_INT8_INPUT0_RANK &&
          memcmp(in.dims, in_dims, sizeof in_dims) == 0 && in.dims[4] == 0 && in.bytes == CNN_INT8_INPUT0_BYTES &&
          in.scale == CNN_INT8_INPUT0_SCALE && in.zero_point == CNN_INT8_INPUT0_ZERO_POINT,
          "minnow_input: int8 [1, 28, 28, 1], scale and zero point as exported");
    s = minnow_output(a, 0, &out);
    check(s == MINNOW_OK && out.type == MINNOW_INT8 && out.rank == 2 && memcmp(out.dims, out_dims, sizeof out_dims) == 0 &&
          out.bytes == CNN_INT8_OUTPUT0_BYTES && out.scale == CNN_INT8_OUTPUT0_SCALE && out.zero_point == CNN_INT8_OUTPUT0_ZERO_POINT,
          "minnow_output: int8 [1, 10], scale and zero point as exported");
    check(minnow_input_count(a) == 1 && minnow_output_count(a) == 1, "minnow_input_count / minnow_output_count");

    /* Several interpreters at once: the int8 CNN twice (arenas a and b) and the float MLP (c). */
    need = 0;
    check_status(minnow_required_arena_bytes(mlp_float, MLP_FLOAT_BYTES, &need), MINNOW_OK, "minnow_required_arena_bytes(float MLP)");
    check_status(minnow_init(&c, mlp_float, MLP_FLOAT_BYTES, arena_c, need), MINNOW_OK, "float MLP beside two int8 CNNs");
    minnow_tensor fin;
    check(minnow_input(c, 0, &fin) == MINNOW_OK && fin.type == MINNOW_FLOAT32 && fin.scale == 0 && fin.zero_point == 0 &&
          fin.bytes == 784 * 4, "minnow_input: float32 [1, 784] with scale 0");
    static uint8_t input[784], float_input[784 * 4];
    static uint8_t out_a[64], out_b[64], out_c1[64], out_c2[64], out_a2[64];
    size_t na = 0, nb = 0, nc = 0, n2 = 0;
    int same = 1;
    for (int n = 0; n < 5; n++) {
        fill_input(&in);
        memcpy(input, in.data, sizeof input);
        minnow_tensor fi;
        minnow_input(c, 0, &fi);
        fill_input(&fi);
        memcpy(float_input, fi.data, sizeof float_input);
        /* Interleaved: CNN a, MLP c, CNN b, MLP c again, CNN a again. */
        same &= run_once(a, input, sizeof input, out_a, &na) == MINNOW_OK;
        same &= run_once(c, float_input, sizeof float_input, out_c1, &nc) == MINNOW_OK;
        same &= run_once(b, input, sizeof input, out_b, &nb) == MINNOW_OK;
        same &= run_once(c, float_input, sizeof float_input, out_c2, &nc) == MINNOW_OK;
        same &= run_once(a, input, sizeof input, out_a2, &n2) == MINNOW_OK;
        same &= na == 10 && nb == 10 && nc == 40 && memcmp(out_a, out_b, 10) == 0 && memcmp(out_a, out_a2, 10) == 0 &&
                memcmp(out_c1, out_c2, 40) == 0;
    }
    check(same, "three interpreters in three arenas, invoked interleaved, give identical outputs for identical inputs");

    /* Bad arguments never crash. */
    minnow_interpreter *none = NULL;
    static uint8_t not_an_interpreter[256] __attribute__((aligned(16)));
    check_status(minnow_required_arena_bytes(NULL, 100, &need), MINNOW_BAD_ARGUMENT, "NULL model");
    check_status(minnow_required_arena_bytes(cnn_int8, CNN_INT8_BYTES, NULL), MINNOW_BAD_ARGUMENT, "NULL arena_bytes");
    check_status(minnow_init(NULL, cnn_int8, CNN_INT8_BYTES, arena_c, sizeof arena_c), MINNOW_BAD_ARGUMENT, "NULL interpreter pointer");
    check_status(minnow_init(&none, cnn_int8, CNN_INT8_BYTES, NULL, 100000), MINNOW_BAD_ARGUMENT, "NULL arena");
    check_status(minnow_invoke(NULL), MINNOW_BAD_ARGUMENT, "minnow_invoke(NULL)");
    check_status(minnow_invoke((minnow_interpreter *)not_an_interpreter), MINNOW_BAD_ARGUMENT, "minnow_invoke on memory minnow_init did not fill");
    check_status(minnow_input(a, 1, &in), MINNOW_BAD_ARGUMENT, "input index 1 of a 1-input model");
    check_status(minnow_output(a, -1, &out), MINNOW_BAD_ARGUMENT, "output index -1");
    check_status(minnow_input(a, 0, NULL), MINNOW_BAD_ARGUMENT, "NULL tensor");
    check_status(minnow_reset_state(NULL), MINNOW_BAD_ARGUMENT, "minnow_reset_state(NULL)");
    check(minnow_input_count(NULL) == -1, "minnow_input_count(NULL) is -1");

    /* Misaligned, corrupt, truncated and future models. */
    for (int offset = 1; offset <= 3; offset++) {
        memcpy(copy + offset, cnn_int8, CNN_INT8_BYTES);
        none = (minnow_interpreter *)1;
        check_status(minnow_init(&none, copy + offset, CNN_INT8_BYTES, arena_c, sizeof arena_c), MINNOW_MISALIGNED,
                     offset == 1 ? "model at +1 byte" : offset == 2 ? "model at +2 bytes" : "model at +3 bytes");
        check(none == NULL, "misaligned model: *interpreter is NULL");
    }
    memcpy(copy + 4, cnn_int8, CNN_INT8_BYTES);
    s = minnow_init(&none, copy + 4, CNN_INT8_BYTES, arena_c, sizeof arena_c);
    check_status(s, MINNOW_OK, "model at +4 bytes (4-byte alignment is enough)");
    same = s == MINNOW_OK && run_once(none, input, sizeof input, out_c1, &nc) == MINNOW_OK &&
           run_once(a, input, sizeof input, out_a, &na) == MINNOW_OK && memcmp(out_c1, out_a, 10) == 0;
    check(same, "model at +4 bytes gives the same outputs");
    memcpy(copy, cnn_int8, CNN_INT8_BYTES);
    check_status(minnow_init(&none, copy, CNN_INT8_BYTES - 1, arena_c, sizeof arena_c), MINNOW_INVALID_MODEL, "truncated model");
    copy[CNN_INT8_BYTES / 2] ^= 0x10;
    check_status(minnow_init(&none, copy, CNN_INT8_BYTES, arena_c, sizeof arena_c), MINNOW_INVALID_MODEL, "one flipped bit");
    memcpy(copy, cnn_int8, CNN_INT8_BYTES);
    copy[4] = 99;  /* format version */
    check_status(minnow_init(&none, copy, CNN_INT8_BYTES, arena_c, sizeof arena_c), MINNOW_UNSUPPORTED_VERSION, "format version 99");
    copy[4] = cnn_int8[4];
    copy[0] = 'X';
    check_status(minnow_init(&none, copy, CNN_INT8_BYTES, arena_c, sizeof arena_c), MINNOW_INVALID_MODEL, "wrong magic");

    /* Streaming recurrent models. */
    check_streaming("int8 LSTM", lstm_int8, LSTM_INT8_BYTES, lstm_int8_step, LSTM_INT8_STEP_BYTES);
    check_streaming("float LSTM", lstm_float, LSTM_FLOAT_BYTES, lstm_float_step, LSTM_FLOAT_STEP_BYTES);

    heap_guard_enabled = 0;
    put_str("heap_calls "); put_int((long)heap_guard_calls); end_line();
    check(heap_guard_calls == 0, "no malloc, calloc, realloc, memalign, posix_memalign or free during any call");
    if (failures) {
        put_str("status error "); put_int(failures); put_str(" checks failed"); end_line();
        platform_exit(1);
    }
    put_str("status ok"); end_line();
    platform_exit(0);
    return 0;
}

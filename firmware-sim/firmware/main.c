/* Firmware main shared by every board: loads the model from flash, plans it into a static
 * arena of exactly ARENA_BYTES, runs each embedded input, and prints the raw output bytes in hex.
 * Nothing here or in the runtime may allocate: the malloc family traps (see heap_guard.c).
 *
 * Output protocol (one record per line, parsed by firmware-sim/run):
 *   arena_required N | arena_provided N | int8_gemm_kernel NAME | calib_ticks T LOOP_INSNS | stack_bytes N | heap_calls N
 *   out I HEX          (raw little-endian bytes of output 0 for input I)
 *   ticks I T          (timer ticks spent in invoke() for input I)
 *   status ok | status error CODE WHAT
 */
#include <stddef.h>
#include <stdint.h>
#include "platform.h"
#ifdef MINNOW_C_KERNELS
#include "CMinnowInt8Kernels.h" /* boards whose int8 GEMM runs the C kernels: report which one */
#endif

#ifndef ARENA_BYTES
#error "define ARENA_BYTES (exact arena size for this target)"
#endif

extern const uint8_t minnow_model_start[], minnow_model_end[];
extern const uint8_t minnow_inputs_start[], minnow_inputs_end[];

int32_t minnow_fw_init(const void *bytes, intptr_t count, void *arena, intptr_t arena_count,
                       void *slot, intptr_t slot_count, intptr_t *required);
void *minnow_fw_tensor(int32_t is_output, intptr_t index, intptr_t *byte_count, int32_t *type);
int32_t minnow_fw_invoke(void);

/* The arena: static, 16-byte aligned, sized on the host for this target (second build). */
static uint8_t arena[ARENA_BYTES] __attribute__((aligned(16)));
/* The interpreter's own struct (model view, arena view, plan pointers): a zeroed static slot,
 * so the runtime keeps no initialized data of its own. */
static uint8_t interpreter_slot[512] __attribute__((aligned(16)));

/* ---- tiny formatted output (no stdio: newlib's stdio would allocate buffers) ---- */
static char line[256];
static size_t line_len;

/* Appends one character, writing the buffer out when full (lines may be longer than it). */
static void put_char(char c) {
    if (line_len == sizeof line) { platform_write(line, line_len); line_len = 0; }
    line[line_len++] = c;
}
static void put_str(const char *s) { while (*s) put_char(*s++); }
static void put_dec(uint64_t v) {
    char digits[24]; int n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) put_char(digits[--n]);
}
static void put_hex_bytes(const uint8_t *p, size_t n) {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) { put_char(hex[p[i] >> 4]); put_char(hex[p[i] & 15]); }
}
static void end_line(void) { put_char('\n'); platform_write(line, line_len); line_len = 0; }

static int fail(const char *what, int32_t code) {
    put_str("status error "); put_dec((uint64_t)code); put_str(" "); put_str(what); end_line();
    platform_exit(1);
    return 1;
}

/* ---- stack high-water mark: paint below main's frame, scan after inference ---- */
#define STACK_PAINT_BYTES (64 * 1024)
#define STACK_PAINT_GAP 512 /* paint_stack's own frame lives in this gap */
#define STACK_PATTERN 0xA5C3A5C3u

static uintptr_t paint_top;
static __attribute__((noinline)) void paint_stack(uintptr_t main_sp) {
    paint_top = (main_sp - STACK_PAINT_GAP) & ~(uintptr_t)15;
    volatile uint32_t *p = (volatile uint32_t *)(paint_top - STACK_PAINT_BYTES);
    while ((uintptr_t)p < paint_top) *p++ = STACK_PATTERN;
}
static __attribute__((noinline)) uintptr_t stack_used(uintptr_t main_sp) {
    const volatile uint32_t *p = (const volatile uint32_t *)(paint_top - STACK_PAINT_BYTES);
    while ((uintptr_t)p < paint_top && *p == STACK_PATTERN) p++;
    return main_sp - (uintptr_t)p; /* bytes below main's frame that the runtime touched */
}

int main(void) {
    platform_init();
    uintptr_t main_sp = (uintptr_t)__builtin_frame_address(0);
    paint_stack(main_sp);

    const void *model = minnow_model_start;
    intptr_t model_bytes = minnow_model_end - minnow_model_start;

    /* Load and plan: a probe image plans into a generous arena and reports what it used. */
    heap_guard_phase = "init";
    heap_guard_enabled = 1;
    intptr_t used = 0;
    int32_t status = minnow_fw_init(model, model_bytes, arena, ARENA_BYTES,
                                    interpreter_slot, sizeof interpreter_slot, &used);
    if (status == 2) {
        put_str("arena_required "); put_dec((uint64_t)used); end_line();
        return fail("arena", 2);
    }
    if (status == 8) {
        put_str("interpreter_slot_required "); put_dec((uint64_t)used); end_line();
        return fail("slot", 8);
    }
    if (status != 0) return fail("init", status);
    put_str("arena_required "); put_dec((uint64_t)used); end_line();
    put_str("arena_provided "); put_dec(ARENA_BYTES); end_line();
#ifdef PROBE_ONLY
    heap_guard_enabled = 0;
    put_str("status ok"); end_line();
    platform_exit(0);
#endif

    intptr_t in_bytes = 0, out_bytes = 0; int32_t in_type = 0, out_type = 0;
    uint8_t *input = minnow_fw_tensor(0, 0, &in_bytes, &in_type);
    const uint8_t *output = minnow_fw_tensor(1, 0, &out_bytes, &out_type);
    if (!input || !output) return fail("tensor-type", 6);
    size_t total = (size_t)(minnow_inputs_end - minnow_inputs_start);
    if (in_bytes == 0 || total % (size_t)in_bytes != 0) return fail("input-size", 7);
    size_t count = total / (size_t)in_bytes;

#ifdef MINNOW_C_KERNELS
    put_str("int8_gemm_kernel "); put_str(minnow_qgemm_kernel_name(minnow_qgemm_best_kernel())); end_line();
#endif
    uint64_t calib = platform_calibrate();
    put_str("calib_ticks "); put_dec(calib); put_str(" "); put_dec(PLATFORM_CALIB_INSNS); end_line();

    for (size_t i = 0; i < count; i++) {
        const uint8_t *src = minnow_inputs_start + i * (size_t)in_bytes;
        for (intptr_t b = 0; b < in_bytes; b++) input[b] = src[b];
        heap_guard_phase = "invoke";
        uint64_t t0 = platform_ticks();
        status = minnow_fw_invoke();
        uint64_t t1 = platform_ticks();
        if (status != 0) return fail("invoke", status);
        put_str("out "); put_dec(i); put_str(" "); put_hex_bytes(output, (size_t)out_bytes); end_line();
        put_str("ticks "); put_dec(i); put_str(" "); put_dec(t1 - t0); end_line();
    }

    /* A device sizes its arena with the host's figure and only calls Interpreter(model:arena:):
     * Interpreter.requiredArenaBytes is a host-side query (it plans in temporary memory, which
     * the standard library takes from the heap for large models), so the firmware never calls it. */
    heap_guard_enabled = 0;

    put_str("stack_bytes "); put_dec(stack_used(main_sp)); end_line();
    put_str("heap_calls "); put_dec(heap_guard_calls); end_line();
    put_str("status ok"); end_line();
    platform_exit(0);
    return 0;
}

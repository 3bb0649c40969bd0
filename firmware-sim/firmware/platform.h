/* What a board provides to main.c: output, exit, a tick counter and its calibration. */
#ifndef MINNOW_FW_PLATFORM_H
#define MINNOW_FW_PLATFORM_H
#include <stddef.h>
#include <stdint.h>

/* Instructions executed by platform_calibrate()'s loop (2 per iteration). */
#define PLATFORM_CALIB_ITERATIONS 1000000u
#define PLATFORM_CALIB_INSNS (2u * PLATFORM_CALIB_ITERATIONS)

void platform_init(void);
void platform_write(const char *bytes, size_t count);
void platform_exit(int code) __attribute__((noreturn));
/* Monotonic ticks (0 if the board has no deterministic counter). */
uint64_t platform_ticks(void);
/* Ticks spent in a loop of exactly PLATFORM_CALIB_INSNS instructions. */
uint64_t platform_calibrate(void);

/* heap_guard.c: while enabled, any malloc-family call traps; the count is reported. */
extern volatile int heap_guard_enabled;
extern volatile uint32_t heap_guard_calls;
extern const char *volatile heap_guard_phase; /* what the runtime is doing, for the trap message */
#endif

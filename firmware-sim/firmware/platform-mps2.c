/* Board support for QEMU's MPS2 boards (mps2-an386 Cortex-M4, mps2-an500 Cortex-M7):
 * vector table and reset handler (no C library start-up), semihosting output and exit,
 * and the CMSDK APB timer 0 as a tick counter. Under `-icount shift=0` every guest instruction
 * advances virtual time by 1 ns, so timer ticks are a deterministic instruction measure;
 * platform_calibrate() converts them (a loop of known length). */
#include <stdint.h>
#include "platform.h"

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[], __stack_top[];
int main(void);

/* ---- semihosting (ARM "Angel" interface, bkpt 0xAB on M-profile) ---- */
static int semihost(int op, const void *arg) {
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
#define SYS_WRITE0 0x04
#define SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define ADP_STOPPED_RUNTIME_ERROR 0x20023

void platform_write(const char *bytes, size_t count) {
    char chunk[257];
    while (count) {
        size_t n = count < 256 ? count : 256;
        for (size_t i = 0; i < n; i++) chunk[i] = bytes[i];
        chunk[n] = 0;
        semihost(SYS_WRITE0, chunk);
        bytes += n; count -= n;
    }
}

void platform_exit(int code) {
    /* 32-bit semihosting SYS_EXIT carries only success/failure: QEMU exits 0 or 1. */
    semihost(SYS_EXIT, (const void *)(uintptr_t)(code == 0 ? ADP_STOPPED_APPLICATION_EXIT : ADP_STOPPED_RUNTIME_ERROR));
    for (;;) {}
}

/* ---- CMSDK APB timer 0: 32-bit down counter on the 25 MHz peripheral clock ---- */
#define TIMER0_CTRL (*(volatile uint32_t *)0x40000000u)
#define TIMER0_VALUE (*(volatile uint32_t *)0x40000004u)
#define TIMER0_RELOAD (*(volatile uint32_t *)0x40000008u)
#define CPACR (*(volatile uint32_t *)0xE000ED88u)

void platform_init(void) {
    TIMER0_CTRL = 0;
    TIMER0_RELOAD = 0xFFFFFFFFu;
    TIMER0_VALUE = 0xFFFFFFFFu;
    TIMER0_CTRL = 1; /* enable */
}

static uint64_t elapsed_high; /* wraps are not expected within one run (171 s of virtual time) */
uint64_t platform_ticks(void) { return elapsed_high + (uint64_t)(0xFFFFFFFFu - TIMER0_VALUE); }

uint64_t platform_calibrate(void) {
    uint32_t n = PLATFORM_CALIB_ITERATIONS;
    uint64_t t0 = platform_ticks();
    __asm__ volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
    return platform_ticks() - t0;
}

/* ---- reset and vectors ---- */
__attribute__((noreturn)) void Reset_Handler(void) {
    CPACR |= 0xFu << 20; /* CP10 and CP11 full access: the Swift object uses FPv4/FPv5 instructions */
    __asm__ volatile("dsb\n\tisb");
    for (uint32_t *s = __data_load, *d = __data_start; d < __data_end;) *d++ = *s++;
    for (uint32_t *d = __bss_start; d < __bss_end;) *d++ = 0;
    platform_exit(main());
}

/* Reports the faulting PC, LR and the fault status registers, then exits. */
__attribute__((used)) void fault_report(const uint32_t *frame) {
    static const char hex[] = "0123456789abcdef";
    const uint32_t values[4] = { frame[6], frame[5], *(volatile uint32_t *)0xE000ED28u, *(volatile uint32_t *)0xE000ED38u };
    char msg[] = "status error 10 hard-fault pc=00000000 lr=00000000 cfsr=00000000 bfar=00000000\n";
    char *fields[4] = { msg + 30, msg + 42, msg + 56, msg + 70 };
    for (int f = 0; f < 4; f++)
        for (int i = 0; i < 8; i++) fields[f][i] = hex[(values[f] >> (28 - 4 * i)) & 15];
    platform_write(msg, sizeof msg - 1);
    platform_exit(10);
}

__attribute__((naked)) static void Fault_Handler(void) {
    __asm__ volatile("tst lr, #4\n\tite eq\n\tmrseq r0, msp\n\tmrsne r0, psp\n\tb fault_report");
}

__attribute__((section(".isr_vector"), used))
void (*const vector_table[16])(void) = {
    (void (*)(void))__stack_top, Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, 0, 0, 0, 0, Fault_Handler, Fault_Handler, 0, Fault_Handler, Fault_Handler,
};

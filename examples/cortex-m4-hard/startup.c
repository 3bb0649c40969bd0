/* Start-up code for a Cortex-M4 with FPU on the Arm MPS2 AN386 board (what QEMU's mps2-an386
 * models): vector table, reset handler, fault handler. The C library comes from newlib with
 * semihosting (--specs=rdimon.specs): its crt0 (_start) zeroes .bss, sets up the library and
 * calls main; printf and exit go to the debugger (QEMU's -semihosting). */
#include <stdint.h>

extern uint32_t __data_load[], __data_start[], __data_end[], __stack_top[];
extern void _start(void);

#define CPACR (*(volatile uint32_t *)0xE000ED88u)

__attribute__((noreturn)) void Reset_Handler(void) {
    /* Full access to CP10/CP11 before any float instruction: this image and libminnow.a use
     * the hard-float ABI (floats travel in FPU registers). */
    CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb");
    for (uint32_t *s = __data_load, *d = __data_start; d < __data_end;) *d++ = *s++;
    _start();
    for (;;) {}
}

__attribute__((noreturn)) static void Fault_Handler(void) {
    for (;;) {}
}

__attribute__((section(".isr_vector"), used))
void (*const vector_table[16])(void) = {
    (void (*)(void))__stack_top, Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, 0, 0, 0, 0, Fault_Handler, Fault_Handler, 0, Fault_Handler, Fault_Handler,
};

/* Board support for a static AArch64 Linux binary run under qemu-aarch64-static.
 * qemu-user has no instruction-counting clock (its virtual counter follows the host clock),
 * so ticks are reported as 0 and the instruction count as "n/a". */
#include <stdint.h>
#include <unistd.h>
#include "platform.h"

void platform_init(void) {}
void platform_write(const char *bytes, size_t count) {
    while (count) {
        ssize_t n = write(1, bytes, count);
        if (n <= 0) _exit(3);
        bytes += n; count -= (size_t)n;
    }
}
void platform_exit(int code) { _exit(code); }
uint64_t platform_ticks(void) { return 0; }
uint64_t platform_calibrate(void) { return 0; }

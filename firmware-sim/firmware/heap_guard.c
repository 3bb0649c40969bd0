/* No heap: the malloc family is redirected here with the linker's --wrap, so every call from
 * the runtime object (Embedded Swift calls posix_memalign for class instances, malloc/free
 * for temporary buffers that do not fit the stack; libminnow.a's newlib fallback for
 * posix_memalign calls memalign) lands in these functions.
 * On a microcontroller board (HEAP_FORBIDDEN) every call traps; on Linux, calls outside the
 * guarded region (C library start-up) go to the real allocator, and calls inside it trap. */
#include <stddef.h>
#include <stdint.h>
#include "platform.h"

volatile int heap_guard_enabled;
volatile uint32_t heap_guard_calls;
const char *volatile heap_guard_phase = "startup";

static void trap(const char *what) __attribute__((noreturn));
static void trap(const char *what) {
    heap_guard_calls++;
    static const char prefix[] = "status error 9 heap-allocation-in-runtime:";
    platform_write(prefix, sizeof prefix - 1);
    size_t n = 0; while (what[n]) n++;
    platform_write(what, n);
    platform_write(" during ", 8);
    for (n = 0; heap_guard_phase[n]; n++) {}
    platform_write(heap_guard_phase, n);
    platform_write("\n", 1);
    platform_exit(9);
}

#ifdef HEAP_FORBIDDEN
/* No allocator is linked at all: nothing references the C library's malloc. */
void *__wrap_malloc(size_t n) { (void)n; trap("malloc"); }
void __wrap_free(void *p) { if (p) trap("free"); }
void *__wrap_calloc(size_t a, size_t b) { (void)a; (void)b; trap("calloc"); }
void *__wrap_realloc(void *p, size_t n) { (void)p; (void)n; trap("realloc"); }
int __wrap_posix_memalign(void **p, size_t a, size_t n) { (void)p; (void)a; (void)n; trap("posix_memalign"); }
void *__wrap_memalign(size_t a, size_t n) { (void)a; (void)n; trap("memalign"); }
#else
void *__real_malloc(size_t);
void __real_free(void *);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
int __real_posix_memalign(void **, size_t, size_t);
void *__real_memalign(size_t, size_t);

#define GUARD(name) do { if (heap_guard_enabled) trap(name); } while (0)
void *__wrap_malloc(size_t n) { GUARD("malloc"); return __real_malloc(n); }
void __wrap_free(void *p) { if (p) { GUARD("free"); } __real_free(p); }
void *__wrap_calloc(size_t a, size_t b) { GUARD("calloc"); return __real_calloc(a, b); }
void *__wrap_realloc(void *p, size_t n) { GUARD("realloc"); return __real_realloc(p, n); }
int __wrap_posix_memalign(void **p, size_t a, size_t n) { GUARD("posix_memalign"); return __real_posix_memalign(p, a, n); }
void *__wrap_memalign(size_t a, size_t n) { GUARD("memalign"); return __real_memalign(a, n); }
#endif

/* What libminnow.a needs on bare-metal newlib targets (tools/runtime-lib compiles this file for
 * the Cortex-M libraries only; glibc has everything).
 *
 * Inference never allocates. Only the arena-size query (minnow_required_arena_bytes, and
 * minnow_init when the arena is too small even for the planner's work area) plans in
 * temporary memory, which Embedded Swift takes from the stack up to 1 KiB and above that
 * from posix_memalign — which newlib lacks, so link errors used to need a user stub. This
 * one uses newlib's memalign (memory released with free). It is weak: an application's own
 * posix_memalign wins (for example one that traps, to prove a firmware never allocates). */
#include <errno.h>
#include <malloc.h>
#include <stddef.h>

__attribute__((weak)) int posix_memalign(void **result, size_t alignment, size_t size) {
    void *p = memalign(alignment, size);
    if (p == NULL) return ENOMEM;
    *result = p;
    return 0;
}

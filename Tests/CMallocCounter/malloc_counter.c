// Interposes the C allocation functions to count calls made while counting is on (test only).
#include "CMallocCounter.h"

#include <stddef.h>
#include <errno.h>

// Sanitizers (tools/sanitize) own malloc/free: interposing malloc alone would hand ASan's free
// blocks it never allocated, so counting is unavailable (and its tests skip) under them.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MINNOW_UNDER_SANITIZER 1
#endif
#endif

#if defined(__linux__) && defined(__GLIBC__) && !defined(MINNOW_UNDER_SANITIZER)
#include <stddef.h>
#include <errno.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static volatile int counting = 0;
static volatile long calls = 0;

static inline void note(void) {
    if (counting) __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
}

void *malloc(size_t size) { note(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { note(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { note(); return __libc_realloc(p, size); }
void *memalign(size_t alignment, size_t size) { note(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { note(); return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    note();
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(alignment, size);
    if (!p && size) return ENOMEM;
    *out = p;
    return 0;
}

void minnow_malloc_counting_begin(void) { calls = 0; __atomic_store_n(&counting, 1, __ATOMIC_SEQ_CST); }
long minnow_malloc_counting_end(void) { __atomic_store_n(&counting, 0, __ATOMIC_SEQ_CST); return calls; }
int minnow_malloc_counting_available(void) { return 1; }
#else
void minnow_malloc_counting_begin(void) {}
long minnow_malloc_counting_end(void) { return 0; }
int minnow_malloc_counting_available(void) { return 0; }
#endif

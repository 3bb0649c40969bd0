#ifndef CMALLOC_COUNTER_H
#define CMALLOC_COUNTER_H

/// Test-only heap allocation counter. The target interposes malloc, calloc, realloc,
/// posix_memalign, aligned_alloc and memalign for the whole test process (Linux/glibc) and
/// counts calls while counting is on; the real allocator (glibc's __libc_* entry points) does
/// the work. On other platforms counting is unavailable and `minnow_malloc_counting_available`
/// returns 0.

/// Starts counting from zero.
void minnow_malloc_counting_begin(void);
/// Stops counting and returns the number of allocation calls since `begin`.
long minnow_malloc_counting_end(void);
/// 1 when the interposition is active on this platform.
int minnow_malloc_counting_available(void);

#endif

#ifndef CMINNOW_KERNELS_H
#define CMINNOW_KERNELS_H
/// Returns a bit set of the instruction-set extensions the running CPU offers.
int minnow_cpu_features(void);
#endif

#include "CMinnowKernels.h"
int minnow_cpu_features(void) { return 0; }

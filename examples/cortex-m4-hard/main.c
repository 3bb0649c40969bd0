/* Classifies the test images in inputs.h with the model in model.h on a Cortex-M4 with FPU,
 * through libminnow.a (hard-float ABI), and prints each image's class, scores and raw output
 * bytes. Nothing in the runtime allocates: the model is read from flash in place and every
 * tensor lives in the static arena below. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "inputs.h"
#include "minnow.h"
#include "model.h"

/* Comfortably above the int8 CNN's need; the exact figure is printed at start. */
#define ARENA_BYTES (32 * 1024)
static uint8_t arena[ARENA_BYTES] __attribute__((aligned(16)));

int main(void) {
    size_t need = 0, used = 0;
    int status = minnow_required_arena_bytes(model, MODEL_BYTES, &need);
    if (status != MINNOW_OK) { printf("model: %s\n", minnow_status_message(status)); return 1; }
    minnow_interpreter *net = NULL;
    status = minnow_init(&net, model, MODEL_BYTES, arena, sizeof arena);
    if (status != MINNOW_OK) { printf("minnow_init: %s\n", minnow_status_message(status)); return 1; }
    minnow_arena_used(net, &used);
    printf("model %u bytes, arena %u bytes needed, %u used, int8 kernels %s\n",
           (unsigned)MODEL_BYTES, (unsigned)need, (unsigned)used, minnow_int8_kernel_name());

    minnow_tensor in, out;
    minnow_input(net, 0, &in);
    minnow_output(net, 0, &out);
    if (in.bytes != MODEL_INPUT0_BYTES || INPUTS_BYTES % in.bytes != 0) { printf("input size mismatch\n"); return 1; }
    const unsigned count = INPUTS_BYTES / in.bytes;
    for (unsigned i = 0; i < count; i++) {
        memcpy(in.data, inputs + i * in.bytes, in.bytes);  /* already quantized for int8 models */
        status = minnow_invoke(net);
        if (status != MINNOW_OK) { printf("minnow_invoke: %s\n", minnow_status_message(status)); return 1; }
        const unsigned classes = out.bytes / (out.type == MINNOW_INT8 ? 1 : 4);
        unsigned best = 0;
        printf("image %u scores", i);
        for (unsigned c = 0; c < classes; c++) {
            float score;
            if (out.type == MINNOW_INT8) {
                const int8_t q = ((const int8_t *)out.data)[c];
                score = out.scale * (float)(q - out.zero_point);
                if (q > ((const int8_t *)out.data)[best]) best = c;
            } else {
                score = ((const float *)out.data)[c];
                if (score > ((const float *)out.data)[best]) best = c;
            }
            printf(" %.4f", (double)score);
        }
        printf(" class %u\nout %u ", best, i);
        for (unsigned b = 0; b < out.bytes; b++) printf("%02x", ((const uint8_t *)out.data)[b]);
        printf("\n");
    }
    return 0;
}

/* classify: runs a .minnow model on one input with libminnow.a and prints the class and the
 * scores. Built for AArch64 Linux (a Raspberry Pi 4, Graviton, …); the same source builds for
 * x86-64 Linux with that target's library.
 *
 * usage: classify MODEL.minnow INPUT [--hex]
 *   INPUT   a binary PGM image (P5, 8-bit) scaled to [0, 1] as the Fashion-MNIST models were
 *           trained (x = pixel / 255), or a raw file of exactly the input tensor's bytes (int8
 *           values for an int8 model, float32 for a float model)
 *   --hex   also print the raw output bytes (`out HEX`), for bit-exact comparisons
 *
 * The program reads the model into aligned memory, sizes the arena with
 * minnow_required_arena_bytes, and lets minnow_init place the interpreter in it. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minnow.h"

/* Reads a whole file into 16-byte aligned memory (the runtime reads the weights in place). */
static void *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "classify: cannot open %s\n", path); return NULL; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n <= 0) { fprintf(stderr, "classify: %s is empty\n", path); fclose(f); return NULL; }
    void *data = aligned_alloc(16, ((size_t)n + 15) & ~(size_t)15);
    if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "classify: cannot read %s\n", path);
        fclose(f); free(data); return NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

/* Writes a PGM image into the input tensor: x = pixel / 255, quantized for int8 inputs exactly
 * as the Minnow tools do (round half away from zero, then clamp). */
static int load_pgm(const char *path, const unsigned char *file, size_t size, const minnow_tensor *in) {
    int width = 0, height = 0, maxval = 0, offset = 0;
    if (sscanf((const char *)file, "P5 %d %d %d%n", &width, &height, &maxval, &offset) != 3 || maxval != 255) {
        fprintf(stderr, "classify: %s: expected an 8-bit binary PGM (P5, maxval 255)\n", path);
        return 0;
    }
    offset++;  /* the single whitespace after maxval */
    const size_t pixels = (size_t)width * (size_t)height;
    const size_t elements = in->bytes / (in->type == MINNOW_INT8 ? 1 : 4);
    if (pixels != elements || (size_t)offset + pixels > size) {
        fprintf(stderr, "classify: %s: %dx%d pixels, but the model input holds %zu values\n", path, width, height, elements);
        return 0;
    }
    for (size_t i = 0; i < pixels; i++) {
        const float x = (float)file[offset + i] / 255.0f;
        if (in->type == MINNOW_INT8) {
            float q = roundf(x / in->scale) + (float)in->zero_point;
            q = q < -128 ? -128 : q > 127 ? 127 : q;
            ((int8_t *)in->data)[i] = (int8_t)q;
        } else {
            ((float *)in->data)[i] = x;
        }
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: classify MODEL.minnow INPUT [--hex]\n");
        return 2;
    }
    const int hex = argc > 3 && strcmp(argv[3], "--hex") == 0;
    size_t model_bytes = 0, input_bytes = 0, arena_bytes = 0;
    void *model = read_file(argv[1], &model_bytes);
    if (!model) return 1;
    int status = minnow_required_arena_bytes(model, model_bytes, &arena_bytes);
    if (status != MINNOW_OK) {
        fprintf(stderr, "classify: %s: %s\n", argv[1], minnow_status_message(status));
        return 1;
    }
    void *arena = aligned_alloc(16, (arena_bytes + 15) & ~(size_t)15);
    minnow_interpreter *net = NULL;
    status = arena ? minnow_init(&net, model, model_bytes, arena, arena_bytes) : MINNOW_ARENA_TOO_SMALL;
    if (status != MINNOW_OK) {
        fprintf(stderr, "classify: %s: %s\n", argv[1], minnow_status_message(status));
        return 1;
    }

    minnow_tensor in, out;
    minnow_input(net, 0, &in);
    unsigned char *input = read_file(argv[2], &input_bytes);
    if (!input) return 1;
    if (input_bytes >= 2 && input[0] == 'P' && input[1] == '5') {
        if (!load_pgm(argv[2], input, input_bytes, &in)) return 1;
    } else if (input_bytes == in.bytes) {
        memcpy(in.data, input, in.bytes);
    } else {
        fprintf(stderr, "classify: %s: %zu bytes, but the model input takes %zu (or give a PGM image)\n",
                argv[2], input_bytes, in.bytes);
        return 1;
    }

    status = minnow_invoke(net);
    if (status != MINNOW_OK) {
        fprintf(stderr, "classify: invoke: %s\n", minnow_status_message(status));
        return 1;
    }
    minnow_output(net, 0, &out);
    const size_t classes = out.bytes / (out.type == MINNOW_INT8 ? 1 : 4);
    size_t best = 0;
    printf("scores");
    for (size_t i = 0; i < classes; i++) {
        float score;
        if (out.type == MINNOW_INT8) {
            const int8_t q = ((const int8_t *)out.data)[i];
            score = out.scale * (float)(q - out.zero_point);
            if (q > ((const int8_t *)out.data)[best]) best = i;
        } else {
            score = ((const float *)out.data)[i];
            if (score > ((const float *)out.data)[best]) best = i;
        }
        printf(" %.6g", score);
    }
    printf("\nclass %zu\n", best);
    if (hex) {
        printf("out");
        printf(" ");
        for (size_t i = 0; i < out.bytes; i++) printf("%02x", ((const unsigned char *)out.data)[i]);
        printf("\n");
    }
    fprintf(stderr, "classify: %s, arena %zu bytes, int8 kernels %s\n", argv[1], arena_bytes, minnow_int8_kernel_name());
    free(input); free(arena); free(model);
    return 0;
}

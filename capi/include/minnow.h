/* minnow.h: the C API of the Minnow runtime (libminnow.a, built by tools/runtime-lib).
 *
 * Runs a .minnow model (float32 or int8, as `minnow train` / `minnow quantize` write it) inside
 * one caller-provided arena. Nothing here allocates heap memory: the interpreter itself lives at
 * the start of the arena, so several interpreters (of the same or different models) coexist,
 * each in its own arena. The model bytes are read in place (from flash on a microcontroller)
 * and must stay valid while an interpreter uses them.
 *
 *     static uint8_t arena[MODEL_ARENA_BYTES] __attribute__((aligned(16)));
 *     minnow_interpreter *net;
 *     int status = minnow_init(&net, model_data, model_data_bytes, arena, sizeof arena);
 *     if (status != MINNOW_OK) { puts(minnow_status_message(status)); return; }
 *     minnow_tensor in, out;
 *     minnow_input(net, 0, &in);                  // in.data: in.bytes bytes of in.type
 *     ... write the input (int8: q = round(x / in.scale) + in.zero_point) ...
 *     status = minnow_invoke(net);
 *     minnow_output(net, 0, &out);                // valid until the next invoke
 *
 * Status codes: every function returns MINNOW_OK (0) or one of the codes below; none of them
 * crashes on bad input (NULL pointers, a corrupt or misaligned model, a short arena, an index
 * out of range, a pointer that minnow_init did not return).
 *
 * Thread safety: an interpreter is used by one thread at a time; different interpreters may
 * run on different threads. */
#ifndef MINNOW_H
#define MINNOW_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An interpreter; it lives inside the arena given to `minnow_init`. */
typedef struct minnow_interpreter minnow_interpreter;

/** Element types (the values of the model file format). Model inputs and outputs are
 *  MINNOW_FLOAT32 or MINNOW_INT8. */
enum {
    MINNOW_FLOAT32 = 1,
    MINNOW_INT8 = 2,
    MINNOW_INT16 = 3,
    MINNOW_INT32 = 4,
    MINNOW_UINT8 = 5,
};

/** A model input or output. For int8 tensors real = scale · (q − zero_point); float32
 *  tensors have scale 0 and zero_point 0. `dims[rank…5]` are 0. */
typedef struct {
    void *data;        /**< the tensor's bytes inside the arena */
    size_t bytes;      /**< element count × element size */
    int type;          /**< MINNOW_FLOAT32, MINNOW_INT8, … */
    int rank;          /**< 0…6 */
    int dims[6];       /**< shape, outermost first (batch 1 included, e.g. 1, 28, 28, 1) */
    float scale;
    int zero_point;
} minnow_tensor;

/** Status codes. */
enum {
    MINNOW_OK = 0,
    MINNOW_ARENA_TOO_SMALL,       /**< the arena is smaller than the model needs */
    MINNOW_INVALID_MODEL,         /**< not a valid .minnow file (truncated, checksum, graph, …) */
    MINNOW_UNSUPPORTED_OPERATOR,  /**< an operator this library was built without (--ops) */
    MINNOW_MISALIGNED,            /**< the model does not start on a 4-byte boundary (use 16) */
    MINNOW_BAD_ARGUMENT,          /**< a NULL pointer, an index out of range, a bad interpreter */
    MINNOW_UNSUPPORTED_VERSION,   /**< a model file format version this library does not read */
};

/** Options for `minnow_init_with_options` and `minnow_required_arena_bytes_with_options`. */
enum {
    /** Recurrent state (int8 LSTM/GRU) carries over from one invoke to the next until
     *  `minnow_reset_state`: feed a sequence one time step (or chunk) per invoke. Without it,
     *  every invoke starts from zero state. */
    MINNOW_OPTION_STREAMING = 1,
};

/** Exact arena bytes `minnow_init` needs for `model` when the arena starts on a 16-byte
 *  boundary (add up to 15 bytes otherwise). The figure is for this library's build (kernels
 *  and word size), so ask the library that will run the model.
 *  Allocation: the planner works in temporary memory that the Swift runtime takes from the
 *  stack up to 1 KiB (models with up to about 40 tensors plus operators) and from the heap
 *  above that. On a device without a heap, size the arena with this figure from a host build
 *  of the same target, or call `minnow_init` with a generous arena and read `minnow_arena_used`
 *  (which allocates nothing). */
int minnow_required_arena_bytes(const void *model, size_t model_bytes, size_t *arena_bytes);

/** `minnow_required_arena_bytes` for an interpreter made with `options`. */
int minnow_required_arena_bytes_with_options(const void *model, size_t model_bytes, unsigned options,
                                             size_t *arena_bytes);

/** Validates `model` (model_bytes bytes at a 4-byte aligned address, 16 recommended), places
 *  an interpreter at the start of `arena` and plans every tensor into the rest. On success
 *  `*interpreter` points into the arena; on failure it is set to NULL. An arena one byte
 *  smaller than required gives MINNOW_ARENA_TOO_SMALL. Allocation-free (for a large model with
 *  a very small arena, see `minnow_required_arena_bytes`). */
int minnow_init(minnow_interpreter **interpreter, const void *model, size_t model_bytes,
                void *arena, size_t arena_bytes);

/** `minnow_init` with MINNOW_OPTION_* flags. */
int minnow_init_with_options(minnow_interpreter **interpreter, const void *model, size_t model_bytes,
                             void *arena, size_t arena_bytes, unsigned options);

/** Describes model input `index`. Write the input before every `minnow_invoke`: the memory
 *  plan may reuse an input's bytes once the operators that read it have run. */
int minnow_input(minnow_interpreter *interpreter, int index, minnow_tensor *tensor);

/** Describes model output `index`; its data is valid after `minnow_invoke`. */
int minnow_output(minnow_interpreter *interpreter, int index, minnow_tensor *tensor);

/** Number of model inputs (outputs), or -1 for a bad interpreter. */
int minnow_input_count(const minnow_interpreter *interpreter);
int minnow_output_count(const minnow_interpreter *interpreter);

/** Runs every operator once. Allocation-free. */
int minnow_invoke(minnow_interpreter *interpreter);

/** Zeroes the recurrent state (starts a new sequence for a streaming interpreter). */
int minnow_reset_state(minnow_interpreter *interpreter);

/** Arena bytes the interpreter uses, counted from the arena's first byte. */
int minnow_arena_used(const minnow_interpreter *interpreter, size_t *bytes);

/** A short English description of a status code ("arena too small", …). */
const char *minnow_status_message(int status);

/** The int8 GEMM kernel family this library runs on this CPU: "avx512vnni", "avx2", "neondot",
 *  "neon" (chosen at run time on Linux targets) or "portable" (the Swift kernels of the
 *  microcontroller builds). */
const char *minnow_int8_kernel_name(void);

#ifdef __cplusplus
}
#endif

#endif

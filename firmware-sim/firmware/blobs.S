/* The model and the test inputs as read-only data in flash. MODEL_PATH and INPUTS_PATH are
 * passed with -D by firmware-sim/run. The model sits in section .minnow_model (16-byte aligned,
 * as the runtime wants for constants); the inputs in their own section so the size report can
 * tell test data from the firmware proper. */
#define STR2(x) #x
#define STR(x) STR2(x)

    .section .minnow_model, "a"
    .balign 16
    .global minnow_model_start
    .global minnow_model_end
minnow_model_start:
    .incbin STR(MODEL_PATH)
minnow_model_end:

    .section .minnow_inputs, "a"
    .balign 16
    .global minnow_inputs_start
    .global minnow_inputs_end
minnow_inputs_start:
    .incbin STR(INPUTS_PATH)
minnow_inputs_end:

"""Builds the TFLite fixtures of Tests/Fixtures/tflite (run through tools/tflite-fixtures/generate).

Every fixture is a .tflite file converted here by TensorFlow 2.21, >= 100 inputs and the outputs of
TFLite's reference kernels (BUILTIN_REF), stored as .npy in each tensor's own dtype, and an entry in
manifest.json that describes the file as TFLite's own generated schema code reads it (operators,
options, tensors, quantization), so the Swift reader is checked against an independent decoder.
"""

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ITEMS = 100
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


# ───────────────────────────── data ─────────────────────────────

def smooth_images(rng, n, h, w, c, block):
    """Random images with block×block constant patches: pixel statistics of photos (values k/255)
    at a fraction of the entropy, so the committed inputs compress well in git."""
    small = rng.integers(0, 256, size=(n, (h + block - 1) // block, (w + block - 1) // block, c))
    big = small.repeat(block, axis=1).repeat(block, axis=2)[:, :h, :w, :]
    return (big / 255.0).astype(np.float32)


def sample(spec, rng, n):
    """Float samples of a model's input distribution."""
    kind = spec["kind"]
    shape = spec["shape"]
    if kind == "image":
        return smooth_images(rng, n, shape[0], shape[1], shape[2], spec.get("block", 2))
    if kind == "mfcc":  # MFCC-like: per-coefficient offset and spread
        base = np.linspace(-8.0, 4.0, shape[1], dtype=np.float32).reshape(shape[1], *([1] * (len(shape) - 2)))
        return (base + rng.normal(0, 3.0, size=(n, *shape))).astype(np.float32)
    if kind == "spectrum":  # log-mel frames of the AD task: around -40..+10 dB
        return rng.normal(-15.0, 8.0, size=(n, *shape)).astype(np.float32)
    return rng.normal(0.0, 1.0, size=(n, *shape)).astype(np.float32)


def quantize_like(x, scale, zero_point):
    return np.clip(np.round(x / scale) + zero_point, -128, 127).astype(np.int8)


# ───────────────────────────── MLPerf Tiny models (Keras 3) ─────────────────────────────

def keras():
    import keras as k
    return k


def randomize_batchnorm(model, rng):
    """Random BN statistics so that folding BN into convs gives realistic, non-trivial weights."""
    k = keras()
    for layer in model.layers:
        if isinstance(layer, k.layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([
                rng.uniform(0.5, 1.5, gamma.shape).astype(np.float32),
                rng.normal(0, 0.1, beta.shape).astype(np.float32),
                rng.normal(0, 0.1, mean.shape).astype(np.float32),
                rng.uniform(0.5, 2.0, var.shape).astype(np.float32),
            ])


def ds_cnn():
    """MLPerf Tiny keyword spotting DS-CNN: conv 10×4/2 64 → 4 × (dw 3×3 + pw 64) → avg-pool → FC 12."""
    k = keras()
    L = k.layers
    inp = L.Input(shape=(49, 10, 1), batch_size=1)
    x = L.Conv2D(64, (10, 4), strides=(2, 2), padding="same", use_bias=True)(inp)
    x = L.BatchNormalization()(x)
    x = L.Activation("relu")(x)
    for _ in range(4):
        x = L.DepthwiseConv2D((3, 3), padding="same")(x)
        x = L.BatchNormalization()(x)
        x = L.Activation("relu")(x)
        x = L.Conv2D(64, (1, 1), padding="same")(x)
        x = L.BatchNormalization()(x)
        x = L.Activation("relu")(x)
    x = L.AveragePooling2D(pool_size=(int(x.shape[1]), int(x.shape[2])))(x)
    x = L.Flatten()(x)
    out = L.Dense(12, activation="softmax")(x)
    return k.Model(inp, out)


def mobilenet_v1_025():
    """MLPerf Tiny visual wake words MobileNetV1 α=0.25, 96×96×3 → 2."""
    k = keras()
    L = k.layers
    inp = L.Input(shape=(96, 96, 3), batch_size=1)

    def bn_relu(x):
        return L.Activation("relu")(L.BatchNormalization()(x))

    x = bn_relu(L.Conv2D(8, 3, strides=2, padding="same")(inp))
    filters = 8
    plan = [(1, True), (2, True), (1, False), (2, True), (1, False), (2, True),
            (1, False), (1, False), (1, False), (1, False), (1, False), (2, True), (1, False)]
    for stride, double in plan:
        x = bn_relu(L.DepthwiseConv2D(3, strides=stride, padding="same")(x))
        if double:
            filters *= 2
        x = bn_relu(L.Conv2D(filters, 1, padding="same")(x))
    x = L.AveragePooling2D(pool_size=(int(x.shape[1]), int(x.shape[2])))(x)
    x = L.Flatten()(x)
    out = L.Dense(2, activation="softmax")(x)
    return k.Model(inp, out)


def resnet8():
    """MLPerf Tiny image classification ResNet-8 (EEMBC resnet_v1, 16/32/64 filters), 32×32×3 → 10."""
    k = keras()
    L = k.layers

    def conv(x, f, s, ks=3):
        return L.Conv2D(f, ks, strides=s, padding="same", kernel_initializer="he_normal")(x)

    inp = L.Input(shape=(32, 32, 3), batch_size=1)
    x = L.Activation("relu")(L.BatchNormalization()(conv(inp, 16, 1)))
    for f, s in [(16, 1), (32, 2), (64, 2)]:
        y = L.Activation("relu")(L.BatchNormalization()(conv(x, f, s)))
        y = L.BatchNormalization()(conv(y, f, 1))
        if s != 1:
            x = conv(x, f, s, ks=1)
        x = L.Activation("relu")(L.add([x, y]))
    x = L.AveragePooling2D(pool_size=int(x.shape[1]))(x)
    x = L.Flatten()(x)
    out = L.Dense(10, activation="softmax", kernel_initializer="he_normal")(x)
    return k.Model(inp, out)


def autoencoder():
    """MLPerf Tiny anomaly detection FC autoencoder 640 → 128×4 → 8 → 128×4 → 640."""
    k = keras()
    L = k.layers
    inp = L.Input(shape=(640,), batch_size=1)
    h = inp
    for units in [128, 128, 128, 128, 8, 128, 128, 128, 128]:
        h = L.Activation("relu")(L.BatchNormalization()(L.Dense(units)(h)))
    out = L.Dense(640)(h)
    return k.Model(inp, out)


MLPERF = {
    "ds_cnn": dict(build=ds_cnn, input=dict(kind="mfcc", shape=[49, 10, 1]), classes=12,
                   task="keyword spotting"),
    "mobilenet_v1_025": dict(build=mobilenet_v1_025, input=dict(kind="image", shape=[96, 96, 3], block=4),
                             classes=2, task="visual wake words"),
    "resnet8": dict(build=resnet8, input=dict(kind="image", shape=[32, 32, 3], block=2), classes=10,
                    task="image classification"),
    "autoencoder": dict(build=autoencoder, input=dict(kind="spectrum", shape=[640]), classes=None,
                        task="anomaly detection"),
}


def train_briefly(model, spec, classes, rng):
    """One short epoch on synthetic data: weights move off their initialisation, BN statistics settle."""
    k = keras()
    x = sample(spec, rng, 256)
    if classes is None:
        model.compile(optimizer=k.optimizers.Adam(1e-3), loss="mse")
        model.fit(x, x, batch_size=32, epochs=1, verbose=0)
    else:
        y = rng.integers(0, classes, size=(256,))
        model.compile(optimizer=k.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)


# ───────────────────────────── single-operator models (tf.function) ─────────────────────────────

def op_models():
    """name → (tf.function builder returning (function, [input specs])). Weights are seeded constants."""
    import tensorflow as tf

    def const(rng, shape, scale=0.3):
        return tf.constant(rng.normal(0, scale, size=shape).astype(np.float32))

    models = {}

    def add(name, description, inputs, make, spread=1.0):
        models[name] = dict(description=description, inputs=inputs, make=make, spread=spread)

    def conv(strides, padding, dilations, act, in_shape, k_shape):
        def make(rng):
            w = const(rng, k_shape)
            b = const(rng, [k_shape[3]], 0.1)

            def f(x):
                y = tf.nn.conv2d(x, w, strides=strides, padding=padding, dilations=dilations)
                return act(tf.nn.bias_add(y, b))
            return f
        return make

    ident = lambda y: y
    add("conv2d_s2_same_relu", "CONV_2D 3×3 stride 2, SAME, fused RELU",
        [[1, 7, 7, 3]], conv([1, 2, 2, 1], "SAME", None, tf.nn.relu, None, [3, 3, 3, 4]))
    add("conv2d_dil2_valid_relu6", "CONV_2D 3×3 dilation 2, VALID, fused RELU6",
        [[1, 8, 8, 2]], conv([1, 1, 1, 1], "VALID", [1, 2, 2, 1], tf.nn.relu6, None, [3, 3, 2, 3]))
    add("conv2d_s12_valid", "CONV_2D 2×3 stride (1, 2), VALID, no activation",
        [[1, 5, 7, 2]], conv([1, 1, 2, 1], "VALID", None, ident, None, [2, 3, 2, 3]))

    def dw(strides, padding, dilations, act, k_shape):
        def make(rng):
            w = const(rng, k_shape)
            b = const(rng, [k_shape[2] * k_shape[3]], 0.1)

            def f(x):
                y = tf.nn.depthwise_conv2d(x, w, strides=strides, padding=padding, dilations=dilations)
                return act(tf.nn.bias_add(y, b))
            return f
        return make

    add("depthwise_dm2_s2_same_relu", "DEPTHWISE_CONV_2D 3×3, depth multiplier 2, stride 2, SAME, fused RELU",
        [[1, 7, 7, 3]], dw([1, 2, 2, 1], "SAME", None, tf.nn.relu, [3, 3, 3, 2]))
    add("depthwise_dm1_dil2_valid", "DEPTHWISE_CONV_2D 3×3, dilation 2, VALID, no activation",
        [[1, 7, 7, 3]], dw([1, 1, 1, 1], "VALID", [2, 2], ident, [3, 3, 3, 1]))

    def fc(act, in_features, out_features):
        def make(rng):
            w = const(rng, [in_features, out_features])
            b = const(rng, [out_features], 0.1)
            return lambda x: act(tf.matmul(x, w) + b)
        return make

    add("fully_connected_relu", "FULLY_CONNECTED 20 → 16, fused RELU",
        [[1, 20]], fc(tf.nn.relu, 20, 16))
    add("fully_connected_per_tensor", "FULLY_CONNECTED 24 → 10 with per-tensor int8 weights",
        [[1, 24]], fc(ident, 24, 10))

    def fc_keep(rng):
        w = const(rng, [20, 16])
        b = const(rng, [16], 0.1)
        return lambda x: tf.einsum("btf,fo->bto", x, w) + b
    add("fully_connected_keep_num_dims", "FULLY_CONNECTED on a [1, 5, 20] input keeping its rank (keep_num_dims)",
        [[1, 5, 20]], fc_keep)

    def pool(fn, ksize, strides, padding):
        return lambda rng: (lambda x: fn(x, ksize=ksize, strides=strides, padding=padding))
    add("average_pool_3x3_s2_valid", "AVERAGE_POOL_2D 3×3 stride 2, VALID",
        [[1, 7, 7, 3]], pool(tf.nn.avg_pool2d, 3, 2, "VALID"))
    add("average_pool_3x3_s2_same", "AVERAGE_POOL_2D 3×3 stride 2, SAME (edge windows average fewer values)",
        [[1, 6, 6, 3]], pool(tf.nn.avg_pool2d, 3, 2, "SAME"))
    add("max_pool_2x2_s2_same", "MAX_POOL_2D 2×2 stride 2, SAME", [[1, 7, 7, 3]],
        pool(tf.nn.max_pool2d, 2, 2, "SAME"))
    add("mean_hw", "MEAN over H and W, keep_dims false", [[1, 4, 5, 6]],
        lambda rng: (lambda x: tf.reduce_mean(x, axis=[1, 2])))
    add("mean_hw_keepdims", "MEAN over H and W, keep_dims true", [[1, 3, 3, 4]],
        lambda rng: (lambda x: tf.reduce_mean(x, axis=[1, 2], keepdims=True)))
    add("add", "ADD of two inputs with different quantization", [[1, 4, 4, 3], [1, 4, 4, 3]],
        lambda rng: (lambda a, b: a + b))
    add("add_relu", "ADD with fused RELU", [[1, 3, 3, 4], [1, 3, 3, 4]],
        lambda rng: (lambda a, b: tf.nn.relu(a + b)))
    add("add_broadcast", "ADD broadcasting [1, 1, 1, 3] over [1, 4, 4, 3]", [[1, 4, 4, 3], [1, 1, 1, 3]],
        lambda rng: (lambda a, b: a + b))
    add("mul", "MUL of two inputs", [[1, 4, 4, 3], [1, 4, 4, 3]], lambda rng: (lambda a, b: a * b))
    add("concatenation", "CONCATENATION of [1, 3, 3, 2] and [1, 3, 3, 3] on the channel axis",
        [[1, 3, 3, 2], [1, 3, 3, 3]], lambda rng: (lambda a, b: tf.concat([a, b], axis=3)))
    add("reshape", "RESHAPE [1, 3, 3, 2] → [1, 18]", [[1, 3, 3, 2]],
        lambda rng: (lambda x: tf.reshape(x, [1, 18])))
    add("squeeze", "SQUEEZE [1, 1, 1, 10] on axes 1 and 2", [[1, 1, 1, 10]],
        lambda rng: (lambda x: tf.squeeze(x, axis=[1, 2])))
    add("pad", "PAD [1, 4, 4, 2] by (1, 2) rows and (2, 1) columns", [[1, 4, 4, 2]],
        lambda rng: (lambda x: tf.pad(x, [[0, 0], [1, 2], [2, 1], [0, 0]])))
    add("softmax", "SOFTMAX over 10 logits", [[1, 10]], lambda rng: (lambda x: tf.nn.softmax(x)), spread=3.0)
    add("logistic", "LOGISTIC", [[1, 32]], lambda rng: (lambda x: tf.math.sigmoid(x)), spread=3.0)
    add("tanh", "TANH", [[1, 32]], lambda rng: (lambda x: tf.math.tanh(x)), spread=2.0)
    add("relu", "RELU", [[1, 32]], lambda rng: (lambda x: tf.nn.relu(x)))
    add("relu6", "RELU6", [[1, 32]], lambda rng: (lambda x: tf.nn.relu6(x)), spread=4.0)
    return models


# ───────────────────────────── conversion ─────────────────────────────

def convert(source, kind, calibration, per_tensor_fc=False, float_io=False):
    """source: a Keras model or (concrete function, trackable). kind: 'float' or 'int8'."""
    import tensorflow as tf
    if isinstance(source, tuple):
        converter = tf.lite.TFLiteConverter.from_concrete_functions([source[0]], source[1])
    else:
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):  # Keras prints its captures
            converter = tf.lite.TFLiteConverter.from_keras_model(source)
            if kind == "float":
                return converter.convert()
    if kind == "int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]

        def representative():
            for i in range(len(calibration[0])):
                yield [c[i:i + 1] for c in calibration]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if not float_io:
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
        if per_tensor_fc:
            converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        return converter.convert()


# ───────────────────────────── reading a .tflite with TFLite's own schema code ─────────────────────────────

TYPE_NAMES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 5: "string", 6: "bool",
              7: "int16", 8: "complex64", 9: "int8", 10: "float64"}


def builtin_names():
    from tensorflow.lite.python import schema_py_generated as s
    return {v: k for k, v in vars(s.BuiltinOperator).items() if not k.startswith("_")}


def options_dict(op):
    """The builtin options the Swift decoder must reproduce, as plain JSON values."""
    o = op.builtinOptions
    if o is None:
        return None
    out = {}
    for key, value in vars(o).items():
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if isinstance(value, (bool, np.bool_)):
            value = bool(value)
        elif isinstance(value, (np.integer,)):
            value = int(value)
        elif isinstance(value, (float, np.floating)):
            value = float(value)
        out[key] = value
    return out


def describe(tflite_bytes):
    from tensorflow.lite.tools import flatbuffer_utils as fu
    model = fu.read_model_from_bytearray(bytearray(tflite_bytes))
    names = builtin_names()
    codes = []
    for c in model.operatorCodes:
        code = max(c.builtinCode, c.deprecatedBuiltinCode)
        codes.append(dict(builtin=names[code], builtin_code=int(code),
                          deprecated_builtin_code=int(c.deprecatedBuiltinCode), version=int(c.version)))
    sg = model.subgraphs[0]
    tensors = []
    for t in sg.tensors:
        q = t.quantization
        quant = None
        if q is not None and q.scale is not None and len(q.scale) > 0:
            quant = dict(zero_point=sorted(set(int(v) for v in q.zeroPoint)), scale_count=len(q.scale),
                         scale_sum=float(np.sum(np.asarray(q.scale, dtype=np.float64))),
                         quantized_dimension=int(q.quantizedDimension))
            if len(q.scale) <= 4:  # per-tensor (and tiny per-channel) scales in full; others summarised
                quant["scale"] = [float(v) for v in q.scale]
                quant["zero_point"] = [int(v) for v in q.zeroPoint]
        buf = model.buffers[t.buffer]
        tensors.append(dict(
            name=t.name.decode() if isinstance(t.name, bytes) else t.name,
            shape=[int(v) for v in (t.shape if t.shape is not None else [])],
            shape_signature=None if t.shapeSignature is None else [int(v) for v in t.shapeSignature],
            dtype=TYPE_NAMES.get(int(t.type), str(t.type)), buffer=int(t.buffer),
            data_bytes=0 if buf.data is None else int(len(buf.data)),
            is_variable=bool(t.isVariable), quantization=quant))
    operators = []
    for op in sg.operators:
        operators.append(dict(
            builtin=codes[op.opcodeIndex]["builtin"], opcode_index=int(op.opcodeIndex),
            inputs=[int(v) for v in op.inputs], outputs=[int(v) for v in op.outputs],
            intermediates=[] if op.intermediates is None else [int(v) for v in op.intermediates],
            options_type=int(op.builtinOptionsType), options=options_dict(op)))
    return dict(version=int(model.version), operator_codes=codes, buffers=len(model.buffers),
                subgraph_inputs=[int(v) for v in sg.inputs], subgraph_outputs=[int(v) for v in sg.outputs],
                tensors=tensors, operators=operators,
                description=model.description.decode() if isinstance(model.description, bytes) else model.description)


# ───────────────────────────── references ─────────────────────────────

def run_interpreter(tflite_bytes, inputs, reference):
    import tensorflow as tf
    kwargs = {}
    if reference:
        kwargs["experimental_op_resolver_type"] = tf.lite.experimental.OpResolverType.BUILTIN_REF
    interp = tf.lite.Interpreter(model_content=tflite_bytes, num_threads=1, **kwargs)
    interp.allocate_tensors()
    ins = interp.get_input_details()
    outs = interp.get_output_details()
    results = [[] for _ in outs]
    for i in range(len(inputs[0])):
        interp.reset_all_variables()  # stateful ops (LSTM) start every item from zero state
        for d, x in zip(ins, inputs):
            interp.set_tensor(d["index"], x[i:i + 1].reshape(d["shape"]))
        interp.invoke()
        for k, d in enumerate(outs):
            results[k].append(interp.get_tensor(d["index"]).copy())
    return [np.concatenate(r, axis=0) for r in results]


def make_inputs(desc, float_samples, rng):
    """One array per model input in its dtype: int8 inputs get the quantized samples with the last
    tenth replaced by uniform random bytes (and the extremes) so saturation paths are exercised."""
    arrays = []
    for idx, x in zip(desc["subgraph_inputs"], float_samples):
        t = desc["tensors"][idx]
        if t["dtype"] == "int8":
            q = t["quantization"]
            a = quantize_like(x, q["scale"][0], q["zero_point"][0])
            tail = max(2, len(a) // 10)
            a[-tail:] = rng.integers(-128, 128, size=a[-tail:].shape, dtype=np.int8)
            a[-1] = 127
            a[-2] = -128
            arrays.append(a)
        elif t["dtype"] == "float32":
            arrays.append(x.astype(np.float32))
        else:
            raise SystemExit(f"unsupported input dtype {t['dtype']}")
    return arrays


def tflm_arena(tflite_bytes):
    """Smallest arena with which the tflite-micro package allocates and invokes the model (bisection,
    each try in a child process so an abort cannot take this script down)."""
    code = r"""
import sys, numpy as np
from tflite_micro.python.tflite_micro import runtime
data = open(sys.argv[1], 'rb').read()
try:
    it = runtime.Interpreter.from_bytes(data, arena_size=int(sys.argv[2]))
    d = it.get_input_details(0)
    it.set_input(np.zeros(d['shape'], dtype=d['dtype']), 0)
    it.invoke()
except Exception:
    sys.exit(3)
"""
    with tempfile.NamedTemporaryFile(suffix=".tflite", delete=False) as f:
        f.write(tflite_bytes)
        path = f.name

    def ok(size):
        r = subprocess.run([sys.executable, "-c", code, path, str(size)], capture_output=True)
        return r.returncode == 0

    lo, hi = 256, 16 * 1024
    while not ok(hi):
        lo, hi = hi, hi * 2
        if hi > 64 * 1024 * 1024:
            return None
    while hi - lo > 16:
        mid = (lo + hi) // 2 // 16 * 16
        if ok(mid):
            hi = mid
        else:
            lo = mid
    os.unlink(path)
    return hi


# ───────────────────────────── fixture assembly ─────────────────────────────

class Writer:
    def __init__(self, out_dir, manifest):
        self.out = out_dir
        self.manifest = manifest

    def save(self, name, tflite_bytes, float_samples, rng, info):
        desc = describe(tflite_bytes)
        inputs = make_inputs(desc, float_samples, rng)
        outputs = run_interpreter(tflite_bytes, inputs, reference=True)
        xnn = run_interpreter(tflite_bytes, inputs, reference=False)
        diffs = [float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) for a, b in zip(outputs, xnn)]
        with open(os.path.join(self.out, f"{name}.tflite"), "wb") as f:
            f.write(tflite_bytes)
        entry = dict(name=name, file=f"{name}.tflite", bytes=len(tflite_bytes), items=len(inputs[0]), **info)
        entry["inputs"] = []
        entry["outputs"] = []
        for role, indices, arrays in [("inputs", desc["subgraph_inputs"], inputs),
                                      ("outputs", desc["subgraph_outputs"], outputs)]:
            for k, (idx, arr) in enumerate(zip(indices, arrays)):
                shared = info.get("shared_inputs") if role == "inputs" else None
                fname = shared[k] if shared else f"{name}.{role[:-1]}{k}.npy"
                if not shared:
                    np.save(os.path.join(self.out, fname), arr)
                t = desc["tensors"][idx]
                entry[role].append(dict(tensor=idx, name=t["name"], dtype=t["dtype"], shape=t["shape"],
                                        quantization=t["quantization"], file=fname,
                                        data_shape=list(arr.shape)))
        entry.pop("shared_inputs", None)
        entry["operators"] = [op["builtin"] for op in desc["operators"]]
        entry["xnnpack_matches_reference"] = all(d == 0 for d in diffs)
        entry["xnnpack_max_abs_diff"] = diffs
        entry["model"] = desc
        self.manifest[name] = entry
        print(f"  {name}: {len(tflite_bytes)} B, ops {sorted(set(entry['operators']))}, "
              f"xnnpack {'==' if entry['xnnpack_matches_reference'] else '!= ' + str(diffs)} reference", flush=True)
        return entry, inputs


def build_mlperf(writer, only, arena):
    import tensorflow as tf
    for name, cfg in MLPERF.items():
        wanted = [n for n in (f"{name}_int8", f"{name}_float", f"{name}_int8_float_io", f"{name}_int8_per_tensor_fc")
                  if only is None or n in only]
        if not wanted:
            continue
        rng = np.random.default_rng(len(name) * 7919)
        tf.keras.utils.set_random_seed(len(name))
        model = cfg["build"]()
        randomize_batchnorm(model, rng)
        train_briefly(model, cfg["input"], cfg["classes"], rng)
        calibration = [sample(cfg["input"], rng, 200)]
        test = [sample(cfg["input"], rng, ITEMS)]
        base = dict(family="mlperf-tiny", task=cfg["task"], description=model.name)
        variants = [(f"{name}_int8", "int8", {}, "full int8, int8 input and output, per-channel weights")]
        # The float VWW (850 kB of weights) and the float autoencoder (1 MB) add no operator coverage.
        if name not in ("mobilenet_v1_025", "autoencoder"):
            variants.append((f"{name}_float", "float", {}, "float32"))
        if name in ("ds_cnn", "resnet8"):
            variants.append((f"{name}_int8_float_io", "int8", dict(float_io=True),
                             "int8 with float32 input and output (QUANTIZE/DEQUANTIZE at the edges)"))
        if name == "autoencoder":  # as MLPerf's reference file, which predates per-channel FC
            variants.append((f"{name}_int8_per_tensor_fc", "int8", dict(per_tensor_fc=True),
                             "full int8 with per-tensor FULLY_CONNECTED weights"))
        float_inputs_file = None
        for vname, kind, kw, what in variants:
            if only is not None and vname not in only:
                continue
            data = convert(model, kind, calibration, **kw)
            info = dict(base, variant=what)
            if kw.get("float_io") and float_inputs_file is not None:
                info["shared_inputs"] = float_inputs_file
            entry, _ = writer.save(vname, data, test, rng, info)
            if kind == "float":
                float_inputs_file = [e["file"] for e in entry["inputs"]]
            if arena and vname in (f"{name}_int8", f"{name}_int8_per_tensor_fc"):
                entry["tflm_arena_bytes"] = tflm_arena(data)
                print(f"    TFLite Micro smallest arena: {entry['tflm_arena_bytes']} B", flush=True)


def build_ops(writer, only):
    import tensorflow as tf
    for name, cfg in op_models().items():
        for kind in ("int8", "float"):
            vname = f"{name}_{kind}"
            if only is not None and vname not in only:
                continue
            rng = np.random.default_rng(sum(map(ord, name)))
            fn = cfg["make"](rng)
            specs = [tf.TensorSpec(shape, tf.float32) for shape in cfg["inputs"]]
            concrete = tf.function(fn, input_signature=specs).get_concrete_function()
            calibration = [rng.normal(0, 1, size=(200, *s[1:])).astype(np.float32) for s in cfg["inputs"]]
            # Two-input ops see differently scaled inputs, so int8 kernels must rescale.
            calibration = [c * cfg["spread"] * (1.0 + 1.5 * k) for k, c in enumerate(calibration)]
            test = [rng.normal(0, 1, size=(ITEMS, *s[1:])).astype(np.float32) * cfg["spread"] * (1.0 + 1.5 * k)
                    for k, s in enumerate(cfg["inputs"])]
            data = convert((concrete, None), kind, calibration,
                           per_tensor_fc=(name == "fully_connected_per_tensor"))
            if name == "squeeze":
                data = reshape_to_squeeze(data, [1, 2])
            writer.save(vname, data, test, rng, dict(family="operator", description=cfg["description"],
                                                      variant="full int8" if kind == "int8" else "float32"))


def reshape_to_squeeze(data, axes):
    """The converter always rewrites tf.squeeze to RESHAPE; a SQUEEZE operator (as older converters
    and other tools write it) is made by editing the RESHAPE with TFLite's own flatbuffer utilities."""
    from tensorflow.lite.python import schema_py_generated as s
    from tensorflow.lite.tools import flatbuffer_utils as fu
    model = fu.read_model_from_bytearray(bytearray(data))
    (code,) = model.operatorCodes
    assert max(code.builtinCode, code.deprecatedBuiltinCode) == s.BuiltinOperator.RESHAPE
    code.builtinCode = code.deprecatedBuiltinCode = s.BuiltinOperator.SQUEEZE
    code.version = 1
    (op,) = model.subgraphs[0].operators
    op.inputs = np.array([op.inputs[0]], dtype=np.int32)
    op.builtinOptionsType = s.BuiltinOptions.SqueezeOptions
    op.builtinOptions = s.SqueezeOptionsT()
    op.builtinOptions.squeezeDims = axes
    return bytes(fu.convert_object_to_bytearray(model))


def build_quantize_dequantize(writer, only):
    """QUANTIZE and DEQUANTIZE alone: cut out of an int8 model with float I/O (the converter never
    emits them alone), using TFLite's own flatbuffer utilities."""
    import tensorflow as tf
    from tensorflow.lite.tools import flatbuffer_utils as fu
    names = [n for n in ("quantize_float", "dequantize_float", "quantize_int8") if only is None or n in only]
    if not names:
        return
    rng = np.random.default_rng(4242)
    spec = [tf.TensorSpec([1, 16], tf.float32)]
    concrete = tf.function(lambda x: tf.nn.relu(x), input_signature=spec).get_concrete_function()
    calibration = [rng.normal(0, 1, size=(200, 16)).astype(np.float32)]
    data = convert((concrete, None), "int8", calibration, float_io=True)
    for name in names:
        model = fu.read_model_from_bytearray(bytearray(data))
        sg = model.subgraphs[0]
        codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in model.operatorCodes]
        want = 6 if name == "dequantize_float" else 114
        ops = [op for op in sg.operators if codes[op.opcodeIndex] == want]
        assert len(ops) == 1, f"{name}: expected one operator {want}"
        op = ops[0]
        sg.operators = [op]
        sg.inputs = np.array([op.inputs[0]], dtype=np.int32)
        sg.outputs = np.array([op.outputs[0]], dtype=np.int32)
        model.signatureDefs = []
        if name == "quantize_int8":
            # int8 → int8 requantization (what the converter inserts between differently scaled
            # tensors): the float input becomes int8 with its own scale and zero point.
            from tensorflow.lite.python import schema_py_generated as s
            source = sg.tensors[op.inputs[0]]
            source.type = s.TensorType.INT8
            source.quantization = s.QuantizationParametersT()
            source.quantization.scale = [0.0137]
            source.quantization.zeroPoint = [-7]
            source.quantization.quantizedDimension = 0
            code = model.operatorCodes[op.opcodeIndex]
            code.version = 2
        edited = bytes(fu.convert_object_to_bytearray(model))
        desc = describe(edited)
        t = desc["tensors"][desc["subgraph_inputs"][0]]
        if t["dtype"] == "float32":
            test = [rng.normal(0, 1.5, size=(ITEMS, 16)).astype(np.float32)]
        else:
            test = [rng.normal(0, 1.5, size=(ITEMS, 16)).astype(np.float32)]
        what = {"quantize_float": "QUANTIZE float32 → int8", "dequantize_float": "DEQUANTIZE int8 → float32",
                "quantize_int8": "QUANTIZE int8 → int8 (requantization to another scale and zero point)"}[name]
        writer.save(name, edited, test, rng, dict(family="operator", description=what,
                                                  variant="edited from an int8 model with float I/O"))


LSTM_CHILD = r"""
import os, sys, json
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np, tensorflow as tf
import tf_keras as k
tf.random.set_seed(7)
rng = np.random.default_rng(7)
T, F, U = 12, 8, 16
inp = k.Input(shape=(T, F), batch_size=1)
x = k.layers.LSTM(U, return_sequences=True, unroll=False)(inp)
out = k.layers.Dense(4)(k.layers.Flatten()(x))
model = k.Model(inp, out)
x_train = rng.normal(0, 1, size=(256, T, F)).astype(np.float32)
y_train = rng.normal(0, 1, size=(256, 4)).astype(np.float32)
model.compile(optimizer="adam", loss="mse")
model.fit(x_train, y_train, batch_size=1, epochs=1, verbose=0)
kind = sys.argv[2]
conv = tf.lite.TFLiteConverter.from_keras_model(model)
if kind == "int8":
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    def rep():
        for i in range(200):
            yield [rng.normal(0, 1, size=(1, T, F)).astype(np.float32)]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
open(sys.argv[1], "wb").write(conv.convert())
"""


def build_lstm(writer, only):
    for kind in ("int8", "float"):
        name = f"lstm_{kind}"
        if only is not None and name not in only:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "m.tflite")
            r = subprocess.run([sys.executable, "-c", LSTM_CHILD, path, kind], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"  {name}: conversion failed (exit {r.returncode}):\n{r.stderr[-3000:]}", flush=True)
                continue
            data = open(path, "rb").read()
        rng = np.random.default_rng(77)
        test = [rng.normal(0, 1, size=(ITEMS, 12, 8)).astype(np.float32)]
        what = ("tf_keras (Keras 2) LSTM(16, return_sequences) over 12 steps of 8 features → Flatten → Dense(4); fused "
                "UNIDIRECTIONAL_SEQUENCE_LSTM, int8 weights and activations, int16 cell state"
                if kind == "int8" else "tf_keras LSTM(16) → Dense(4), float32 fused UNIDIRECTIONAL_SEQUENCE_LSTM")
        writer.save(name, data, test, rng, dict(family="operator", description=what,
                                                variant="full int8" if kind == "int8" else "float32"))


def write_readme(out_dir, doc):
    """README.md beside the fixtures: what each file covers, its size, XNNPACK agreement, arena."""
    rows = []
    differ = [f"`{x['name']}`" for x in doc["models"] if "int8" in x["name"] and not x["xnnpack_matches_reference"]]
    for x in doc["models"]:
        io = "/".join(sorted({e["dtype"] for e in x["inputs"]})) + " → " + "/".join(sorted({e["dtype"] for e in x["outputs"]}))
        xnn = "yes" if x["xnnpack_matches_reference"] else f"no (max {max(x['xnnpack_max_abs_diff']):.3g})"
        arena = f"{x['tflm_arena_bytes']:,}" if x.get("tflm_arena_bytes") else ""
        what = x["description"] if x["family"] == "operator" else f"{x['task']}: {x['variant']}"
        rows.append(f"| `{x['name']}` | {what} | {', '.join(sorted(set(x['operators'])))} | {io} | "
                    f"{x['bytes']:,} | {xnn} | {arena} |")
    total = sum(os.path.getsize(os.path.join(out_dir, f)) for f in os.listdir(out_dir) if f != "README.md")
    text = f"""# TFLite fixtures

Generated by `tools/tflite-fixtures/generate` (TensorFlow {doc['tensorflow']}, see its `--help`); never edit
by hand. `manifest.json` holds, per model, the file, its operators and options, every tensor (shape,
type, buffer, quantization; long per-channel scale lists as count and sum) as TFLite's own generated
schema code reads them, the I/O files and whether XNNPACK agrees with the reference kernels.

For each model: `NAME.tflite`, `NAME.input0.npy` (or a shared float input file named in the
manifest) and `NAME.output0.npy`, {ITEMS} items each, in the tensor's own dtype, shape
[{ITEMS}, …tensor shape without its leading 1]. Outputs come from
`tf.lite.Interpreter(experimental_op_resolver_type=BUILTIN_REF)`, state reset before every item.
int8 inputs are the quantized float samples with the last tenth replaced by uniform random bytes,
the last two items all 127 and all −128. Images are random block-constant pictures (values k/255),
so they compress in git.

"XNNPACK = ref" says whether the default interpreter (XNNPACK, 1 thread) gives the same outputs.
Of the int8 models, {', '.join(differ)} differ by 1 or 2 LSB; float models may differ by float rounding.
"TFLM arena" is the smallest arena with which the `tflite-micro` Python package allocates and
invokes the model (bisection to 16 bytes).

The MLPerf Tiny architectures follow mlcommons/tiny's training scripts. They have random weights,
random batch-norm statistics and one epoch of training on synthetic data. The float VWW (850 kB of
weights) and the float autoencoder (1 MB) are left out: smaller files cover their operators.

{len(doc['models'])} models, {total:,} bytes in this directory.

| fixture | what | operators | I/O | .tflite bytes | XNNPACK = ref | TFLM arena |
|---|---|---|---|---|---|---|
""" + "\n".join(rows) + "\n"
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write(text)


def main():
    p = argparse.ArgumentParser(description="Regenerates the TFLite fixtures.")
    p.add_argument("--only", default=None, help="comma-separated fixture names")
    p.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures", "tflite"))
    p.add_argument("--no-arena", action="store_true")
    args = p.parse_args()
    only = None if args.only is None else set(args.only.split(","))
    os.makedirs(args.out, exist_ok=True)
    manifest_path = os.path.join(args.out, "manifest.json")
    manifest = {}
    if only is None:  # a full run starts clean, so no stale fixture survives
        for f in os.listdir(args.out):
            if f.endswith((".tflite", ".npy")) or f in ("manifest.json", "README.md"):
                os.unlink(os.path.join(args.out, f))
    elif os.path.exists(manifest_path):
        manifest = {m["name"]: m for m in json.load(open(manifest_path))["models"]}
    import tensorflow as tf
    writer = Writer(args.out, manifest)
    print("== single-operator models", flush=True)
    build_ops(writer, only)
    build_quantize_dequantize(writer, only)
    build_lstm(writer, only)
    print("== MLPerf Tiny models", flush=True)
    build_mlperf(writer, only, arena=not args.no_arena)
    doc = dict(
        generator="tools/tflite-fixtures/generate",
        tensorflow=tf.__version__,
        reference="tf.lite.Interpreter(experimental_op_resolver_type=OpResolverType.BUILTIN_REF), "
                  "num_threads=1, reset_all_variables() before every item",
        items_note="inputs/outputs .npy hold [items, ...tensor shape without its batch dim of 1] in the "
                   "tensor's dtype; item i is fed as tensor shape",
        models=[manifest[k] for k in sorted(manifest)],
    )
    tmp = manifest_path + ".tmp"
    models = doc.pop("models")
    with open(tmp, "w") as f:  # one line per model keeps the file small and its diffs readable
        f.write(json.dumps(doc, sort_keys=True)[:-1] + ', "models": [\n')
        f.write(",\n".join(json.dumps(m, sort_keys=True, separators=(",", ":")) for m in models))
        f.write("\n]}\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, manifest_path)
    doc["models"] = models
    write_readme(args.out, doc)
    total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    print(f"== {len(manifest)} fixtures, {total} bytes in {args.out}")


if __name__ == "__main__":
    main()

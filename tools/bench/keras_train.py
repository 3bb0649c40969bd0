#!/usr/bin/env python3
"""Train one Minnow preset with Keras and write a timing report.

This is the peer half of `tools/bench-train`: it builds the same model as the Minnow
preset (see shared notes, targets.md), trains it on Fashion-MNIST read straight from the
local IDX files (no downloads), times every epoch with a callback, and writes a JSON report
in the same shape as `minnow train --report` (`epoch_seconds`, `test_accuracy`).

Run it with the benchmark virtual environment's Python; `tools/bench-train` does that.
"""

import argparse
import gzip
import json
import os
import sys
import time

PRESETS = ("mlp", "cnn", "lstm")

# (file name, IDX magic number, dimensions after the count)
IDX_FILES = {
    "train_images": ("train-images-idx3-ubyte.gz", 2051, (28, 28)),
    "train_labels": ("train-labels-idx1-ubyte.gz", 2049, ()),
    "test_images": ("t10k-images-idx3-ubyte.gz", 2051, (28, 28)),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", 2049, ()),
}


class DatasetError(Exception):
    """A Fashion-MNIST file is missing or malformed; the message names file and field."""


def read_idx(path, expected_magic, expected_dims):
    """Read one gzip-compressed IDX file of unsigned bytes into a numpy uint8 array."""
    import numpy as np

    if not os.path.isfile(path):
        raise DatasetError(
            f"{path}: file not found (install the data set: apt-get install dataset-fashion-mnist)"
        )
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = len(expected_dims) + 1
    header_bytes = 4 + 4 * rank
    if len(data) < header_bytes:
        raise DatasetError(f"{path}: header: expected {header_bytes} bytes, found {len(data)}")
    magic = int.from_bytes(data[0:4], "big")
    if magic != expected_magic:
        raise DatasetError(f"{path}: magic: expected {expected_magic}, found {magic}")
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank))
    if dims[1:] != expected_dims:
        raise DatasetError(f"{path}: dimensions: expected (n, {expected_dims}), found {dims}")
    count = 1
    for d in dims:
        count *= d
    body = len(data) - header_bytes
    if body != count:
        raise DatasetError(f"{path}: payload: expected {count} bytes for {dims}, found {body}")
    return np.frombuffer(data, dtype=np.uint8, offset=header_bytes).reshape(dims)


def load_fashion_mnist(data_dir):
    """Return (x_train, y_train, x_test, y_test); images float32 in [0, 1], shape (n, 28, 28)."""
    import numpy as np

    arrays = {}
    for key, (name, magic, dims) in IDX_FILES.items():
        arrays[key] = read_idx(os.path.join(data_dir, name), magic, dims)
    for split in ("train", "test"):
        n_img = arrays[f"{split}_images"].shape[0]
        n_lab = arrays[f"{split}_labels"].shape[0]
        if n_img != n_lab:
            raise DatasetError(f"{data_dir}: {split}: {n_img} images but {n_lab} labels")
    scale = np.float32(1.0 / 255.0)
    return (
        arrays["train_images"].astype(np.float32) * scale,
        arrays["train_labels"].astype(np.int32),
        arrays["test_images"].astype(np.float32) * scale,
        arrays["test_labels"].astype(np.int32),
    )


def build_model(keras, preset):
    """The Keras twin of the Minnow preset, with Keras-default initializers."""
    layers = keras.layers
    if preset == "mlp":
        return keras.Sequential([
            keras.Input(shape=(28, 28)),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(10),
        ], name="fashion_mlp")
    if preset == "cnn":
        return keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10),
        ], name="fashion_cnn")
    if preset == "lstm":
        # 28 time steps (image rows) of 28 features; Dense on the last step's output.
        return keras.Sequential([
            keras.Input(shape=(28, 28)),
            layers.LSTM(64),
            layers.Dense(10),
        ], name="fashion_lstm")
    raise ValueError(f"unknown preset {preset!r}; expected one of {', '.join(PRESETS)}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train one preset with Keras and time each epoch.")
    parser.add_argument("--preset", required=True, choices=PRESETS)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=2, help="TF intra- and inter-op threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--report", required=True, help="where to write the JSON report")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")

    try:
        x_train, y_train, x_test, y_test = load_fashion_mnist(args.data)
    except DatasetError as e:
        print(f"keras_train: {e}", file=sys.stderr)
        return 2

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    import keras

    # Threads must be fixed before TensorFlow runs its first op.
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    keras.utils.set_random_seed(args.seed)

    if args.preset == "cnn":
        x_train = x_train[..., None]
        x_test = x_test[..., None]

    model = build_model(keras, args.preset)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=args.lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )

    class EpochTimer(keras.callbacks.Callback):
        """Wall-clock seconds of each training epoch (fit loop only, no evaluation)."""

        def __init__(self):
            super().__init__()
            self.seconds = []
            self._start = 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._start)

    timer = EpochTimer()
    history = model.fit(
        x_train, y_train,
        batch_size=args.batch, epochs=args.epochs, shuffle=True,
        callbacks=[timer], verbose=0,
    )
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)

    report = {
        "framework": "keras",
        "preset": args.preset,
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "threads": args.threads,
        "parameters": int(model.count_params()),
        "epoch_seconds": timer.seconds,
        "train_loss": [float(v) for v in history.history["loss"]],
        "test_loss": float(test_loss),
        "test_accuracy": float(test_accuracy),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
    }
    with open(args.report, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

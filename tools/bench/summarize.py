#!/usr/bin/env python3
"""Combine the Keras and Minnow training reports of one benchmark run into a table or JSON.

Reads `<dir>/keras-<preset>.json` and `<dir>/minnow-<preset>.json` (either may be absent
when that side was skipped). Both hold `epoch_seconds` (one entry per epoch) and
`test_accuracy`. The headline number is the LAST epoch (steady state: Keras traces its
graph in the first one); the first epoch is shown too. Standard library only.
"""

import argparse
import json
import os
import platform
import sys


class ReportError(Exception):
    """A report file is malformed; the message names the file and field."""


def load_report(path):
    """Return the parsed report at `path`, or None if the file does not exist."""
    if not os.path.isfile(path):
        return None
    try:
        with open(path) as f:
            report = json.load(f)
    except json.JSONDecodeError as e:
        raise ReportError(f"{path}: not valid JSON ({e})")
    if not isinstance(report, dict):
        raise ReportError(f"{path}: expected a JSON object, found {type(report).__name__}")
    seconds = report.get("epoch_seconds")
    if not isinstance(seconds, list) or not seconds or not all(
        isinstance(s, (int, float)) and not isinstance(s, bool) for s in seconds
    ):
        raise ReportError(f"{path}: epoch_seconds: expected a non-empty array of numbers, found {seconds!r}")
    accuracy = report.get("test_accuracy")
    if accuracy is not None and (
        not isinstance(accuracy, (int, float)) or isinstance(accuracy, bool) or not 0 <= accuracy <= 1
    ):
        raise ReportError(f"{path}: test_accuracy: expected a fraction in [0, 1], found {accuracy!r}")
    return report


def side_summary(report):
    """The numbers of one side: first and last epoch seconds, accuracy."""
    if report is None:
        return None
    seconds = report["epoch_seconds"]
    return {
        "first_seconds": float(seconds[0]),
        "last_seconds": float(seconds[-1]),
        "epochs": len(seconds),
        "accuracy": None if report.get("test_accuracy") is None else float(report["test_accuracy"]),
    }


def summarize(directory, presets, epochs):
    rows = {}
    versions = {}
    for preset in presets:
        keras_report = load_report(os.path.join(directory, f"keras-{preset}.json"))
        minnow_report = load_report(os.path.join(directory, f"minnow-{preset}.json"))
        if keras_report and "versions" in keras_report:
            versions.update(keras_report["versions"])
        keras_side = side_summary(keras_report)
        minnow_side = side_summary(minnow_report)
        ratio = None
        first_ratio = None
        if keras_side and minnow_side and keras_side["last_seconds"] > 0:
            ratio = minnow_side["last_seconds"] / keras_side["last_seconds"]
            first_ratio = minnow_side["first_seconds"] / keras_side["first_seconds"]
        rows[preset] = {
            "keras_seconds": keras_side and keras_side["last_seconds"],
            "minnow_seconds": minnow_side and minnow_side["last_seconds"],
            "ratio": ratio,
            "keras_first_seconds": keras_side and keras_side["first_seconds"],
            "minnow_first_seconds": minnow_side and minnow_side["first_seconds"],
            "first_ratio": first_ratio,
            "keras_accuracy": keras_side and keras_side["accuracy"],
            "minnow_accuracy": minnow_side and minnow_side["accuracy"],
        }
    return {
        "epochs": epochs,
        "reported_epoch": epochs,
        "batch": 64,
        "optimizer": "adam",
        "lr": 0.001,
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()},
        "versions": versions,
        "presets": rows,
    }


def fmt(value, spec, missing="-"):
    return missing if value is None else format(value, spec)


def print_table(summary, out=sys.stdout):
    n = summary["epochs"]
    header = ["preset", "keras s/epoch", "minnow s/epoch", "minnow/keras",
              "keras 1st", "minnow 1st", "keras acc", "minnow acc"]
    lines = []
    for preset, r in summary["presets"].items():
        lines.append([
            preset,
            fmt(r["keras_seconds"], ".2f"),
            fmt(r["minnow_seconds"], ".2f"),
            fmt(r["ratio"], ".2f"),
            fmt(r["keras_first_seconds"], ".2f"),
            fmt(r["minnow_first_seconds"], ".2f"),
            fmt(None if r["keras_accuracy"] is None else 100 * r["keras_accuracy"], ".2f") + ("%" if r["keras_accuracy"] is not None else ""),
            fmt(None if r["minnow_accuracy"] is None else 100 * r["minnow_accuracy"], ".2f") + ("%" if r["minnow_accuracy"] is not None else ""),
        ])
    widths = [max(len(header[i]), *(len(l[i]) for l in lines)) for i in range(len(header))]
    print(f"Seconds per epoch: epoch {n} of {n} (steady state); '1st' = epoch 1 (includes Keras tracing).",
          file=out)
    print(f"Batch 64, Adam lr 1e-3, Fashion-MNIST 60k train; accuracy on the 10k test set after {n} epoch(s).",
          file=out)
    if summary["versions"]:
        print("Peer: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["versions"].items())), file=out)
    print(" | ".join(h.ljust(widths[i]) if i == 0 else h.rjust(widths[i]) for i, h in enumerate(header)), file=out)
    print("-|-".join("-" * w for w in widths), file=out)
    for l in lines:
        print(" | ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(l)), file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--presets", required=True, help="comma-separated, e.g. mlp,cnn,lstm")
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    presets = [p for p in args.presets.split(",") if p]
    try:
        summary = summarize(args.dir, presets, args.epochs)
    except ReportError as e:
        print(f"bench-train: {e}", file=sys.stderr)
        return 1
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_table(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Int8 GEMM speed: ONNX Runtime MatMulInteger against Minnow's Int8Gemm.run, same run, alternating.

ORT runs a one-node graph MatMulInteger(A: uint8 [M,K], B: int8 [K,N] constant) -> int32 [M,N]
with one intra-op thread, bound through IOBinding to preallocated buffers (least overhead).
Minnow is timed by the `minnow-bench` executable (stdin/stdout protocol, see its main.swift);
its figure includes the fused bias + requantization + int8 output stage.

For every round and shape: an ORT sample set, then a Minnow sample set (median of SAMPLES
samples, each timing enough back-to-back calls to last ~2 ms); the reported figure is the
median over rounds. GOP/s = 2*M*K*N / seconds.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

SHAPES = [(1, 784, 128), (1, 1024, 1024), (64, 576, 64), (256, 256, 256), (1024, 1024, 1024)]
TARGET_SAMPLE_SECONDS = 2e-3


def ort_session(m, k, n, rng):
    b = rng.integers(-127, 128, size=(k, n), dtype=np.int8)
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["A", "B"], ["Y"])],
        "gemm",
        [helper.make_tensor_value_info("A", TensorProto.UINT8, [m, k])],
        [helper.make_tensor_value_info("Y", TensorProto.INT32, [m, n])],
        initializer=[numpy_helper.from_array(b, "B")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    a = rng.integers(0, 256, size=(m, k), dtype=np.uint8)
    y = np.empty((m, n), dtype=np.int32)
    binding = session.io_binding()
    binding.bind_cpu_input("A", a)
    binding.bind_ortvalue_output("Y", ort.OrtValue.ortvalue_from_numpy(y))
    # Check against NumPy once: ORT's u8 x s8 kernel is inexact on CPUs without VNNI (its
    # vpmaddubsw saturates int16 pair sums), which the report states instead of stopping.
    session.run_with_iobinding(binding)
    out = binding.get_outputs()[0].numpy().astype(np.int64)
    exact = a.astype(np.int64) @ b.astype(np.int64)
    max_error = int(np.max(np.abs(out - exact))) if out.size else 0
    return session, binding, max_error


def cpu_model():
    """The CPU's model name, family and model, and its int8-relevant flags, from /proc/cpuinfo."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    name = fields.get("model name") or fields.get("Model name") or "unknown CPU"
    if "cpu family" in fields and "model" in fields:
        name += f" (family {fields['cpu family']}, model {fields['model']})"
    flags = set((fields.get("flags") or fields.get("Features") or "").split())
    notable = [f for f in ("avx2", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "asimddp") if f in flags]
    return name, notable


def time_ort(session, binding, calls, samples):
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        for _ in range(calls):
            session.run_with_iobinding(binding)
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minnow-bench", required=True, help="path of the minnow-bench executable")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--kernel", default=None, help="Minnow kernel family forced (informational)")
    args = parser.parse_args()

    rng = np.random.default_rng(1)
    sessions = {shape: ort_session(*shape, rng) for shape in SHAPES}
    minnow = subprocess.Popen([args.minnow_bench], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    kernel = "?"

    def time_minnow(m, k, n, calls, samples):
        nonlocal kernel
        minnow.stdin.write(f"{m} {k} {n} {calls} {samples}\n")
        minnow.stdin.flush()
        answer = minnow.stdout.readline().split()
        if len(answer) < 2 or answer[0] != "seconds":
            sys.exit(f"ort_gemm: minnow-bench failed: {' '.join(answer) or 'no answer'}")
        kernel = answer[3] if len(answer) > 3 else kernel
        return float(answer[1])

    ort_times = {shape: [] for shape in SHAPES}
    minnow_times = {shape: [] for shape in SHAPES}
    calls = {}
    for shape in SHAPES:  # warm-up and calibration
        session, binding, _ = sessions[shape]
        once = time_ort(session, binding, 1, 3)
        calls[shape] = max(1, int(TARGET_SAMPLE_SECONDS / once))
        time_minnow(*shape, 1, 1)
    for _ in range(args.rounds):
        for shape in SHAPES:
            session, binding, _ = sessions[shape]
            ort_times[shape].append(time_ort(session, binding, calls[shape], args.samples))
            minnow_times[shape].append(time_minnow(*shape, calls[shape], args.samples))
    minnow.stdin.close()
    minnow.wait()

    rows = []
    for shape in SHAPES:
        m, k, n = shape
        ops = 2.0 * m * k * n
        t_ort = statistics.median(ort_times[shape])
        t_minnow = statistics.median(minnow_times[shape])
        rows.append({"m": m, "k": k, "n": n, "ort_gops": ops / t_ort / 1e9, "minnow_gops": ops / t_minnow / 1e9,
                     "ratio": t_ort / t_minnow, "ort_us": t_ort * 1e6, "minnow_us": t_minnow * 1e6,
                     "ort_max_abs_error": sessions[shape][2]})
    cpu, flags = cpu_model()
    if args.json:
        print(json.dumps({"cpu": cpu, "cpu_flags": flags, "onnxruntime": ort.__version__, "minnow_kernel": kernel,
                          "minnow_kernel_forced": args.kernel is not None, "shapes": rows}, indent=2))
        return
    forced = " (forced with --kernel)" if args.kernel is not None else ""
    print(f"CPU: {cpu} (flags: {' '.join(flags) or 'none of avx2/avx512/vnni/asimddp'})")
    print(f"Int8 GEMM, single thread, GOP/s = 2*M*K*N/s, median of {args.rounds} alternating rounds")
    print(f"ORT {ort.__version__} MatMulInteger u8 x s8 -> s32 (int32 output only);")
    print(f"Minnow Int8Gemm.run, kernel family {kernel}{forced}: s8 x s8 -> s8 incl. fused bias + requantization + clamp.")
    print()
    print(f"| {'M, K, N':>16} | {'ORT GOP/s':>9} | {'Minnow GOP/s':>12} | {'Minnow/ORT':>10} | {'ORT us':>9} | {'Minnow us':>9} | ORT exact? |")
    print(f"|{'-' * 18}|{'-' * 11}|{'-' * 14}|{'-' * 12}|{'-' * 11}|{'-' * 11}|{'-' * 12}|")
    for r in rows:
        label = f"{r['m']},{r['k']},{r['n']}"
        exact = "yes" if r["ort_max_abs_error"] == 0 else f"NO, max abs error {r['ort_max_abs_error']}"
        print(f"| {label:>16} | {r['ort_gops']:9.1f} | {r['minnow_gops']:12.1f} | {r['ratio']:10.2f} | "
              f"{r['ort_us']:9.1f} | {r['minnow_us']:9.1f} | {exact} |")
    if any(r["ort_max_abs_error"] for r in rows):
        print()
        print("ORT's results differ from NumPy's exact int32 products on this CPU (saturating u8 x s8 kernel);")
        print("Minnow's outputs are checked against Int8Gemm.reference byte for byte.")


if __name__ == "__main__":
    main()

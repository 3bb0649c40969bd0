# Trained Fashion-MNIST models for the device tests (sourced by firmware-sim/test,
# tools/c-api-check and the examples' runners).

# ensure_fashion_models CACHE MINNOW: makes sure CACHE holds fashion-{mlp,cnn,lstm}.minnow (float,
# one epoch) and fashion-{mlp,cnn,lstm}-int8.minnow (`minnow quantize`), training and quantizing
# with the minnow binary MINNOW only what is missing or older than its source. Returns 3 (with
# the log named) when a step fails.
ensure_fashion_models() {
    local cache="$1" minnow="$2" preset out stamp
    mkdir -p "$cache"
    # Models written by an older model writer may use a format the device builds no longer read
    # (they read the current version only): start over when the writer's sources changed.
    local repo
    repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    stamp="$(cat "$repo"/Sources/MinnowRuntime/Model/ModelFormat.swift "$repo"/Sources/MinnowRuntime/Model/ModelWriter.swift | sha256sum | cut -c1-16)"
    if [ "$(cat "$cache/writer.stamp" 2>/dev/null)" != "$stamp" ]; then
        rm -f "$cache"/fashion-*.minnow
        echo "$stamp" >"$cache/writer.stamp"
    fi
    for preset in mlp cnn lstm; do
        out="$cache/fashion-$preset.minnow"
        if [ ! -f "$out" ]; then
            echo "== training fashion-$preset (1 epoch) for the device tests" >&2
            "$minnow" train --preset "fashion-$preset" --epochs 1 --data fashion-mnist:train --out "$out" \
                >"$cache/fashion-$preset.log" 2>&1 ||
                { echo "error: training fashion-$preset failed (see $cache/fashion-$preset.log)" >&2; return 3; }
        fi
    done
    for preset in mlp cnn lstm; do
        out="$cache/fashion-$preset-int8.minnow"
        if [ ! -f "$out" ] || [ "$cache/fashion-$preset.minnow" -nt "$out" ]; then
            echo "== quantizing fashion-$preset to int8 for the device tests" >&2
            "$minnow" quantize "$cache/fashion-$preset.minnow" --out "$out" >"$cache/fashion-$preset-int8.log" 2>&1 ||
                { echo "error: quantizing fashion-$preset failed (see $cache/fashion-$preset-int8.log)" >&2; return 3; }
        fi
    done
}

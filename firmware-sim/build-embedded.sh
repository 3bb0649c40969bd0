#!/usr/bin/env bash
# Compiles Sources/MinnowRuntime as Embedded Swift for a Cortex-M4/M7 (armv7em) and a bare-metal
# AArch64 target and prints each object's text size. Exits non-zero if either build fails.
#
# Usage: firmware-sim/build-embedded.sh [output-dir]   (default: .build/embedded)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/.build/embedded}"
mkdir -p "$out"

if ! command -v swiftc >/dev/null 2>&1; then
    echo "error: swiftc not found; install a Swift 6 toolchain (https://www.swift.org/install/)" >&2
    exit 1
fi

# A size tool: prefer llvm-size, then arm-none-eabi-size, then GNU size (binutils).
size_tool=""
for candidate in llvm-size arm-none-eabi-size size; do
    if command -v "$candidate" >/dev/null 2>&1; then size_tool="$candidate"; break; fi
done
if [ -z "$size_tool" ]; then
    echo "warning: no size tool found; install one with: apt-get install -y binutils-arm-none-eabi (or llvm, binutils)" >&2
fi

mapfile -t sources < <(find "$root/Sources/MinnowRuntime" -name '*.swift' | sort)
if [ "${#sources[@]}" -eq 0 ]; then
    echo "error: no sources under Sources/MinnowRuntime" >&2
    exit 1
fi

status=0
for target in armv7em-none-none-eabi aarch64-none-none-elf; do
    object="$out/MinnowRuntime-$target.o"
    echo "== $target"
    if swiftc -target "$target" \
        -enable-experimental-feature Embedded -enable-experimental-feature Extern \
        -wmo -parse-as-library -Osize -Xfrontend -disable-stack-protector \
        -module-name MinnowRuntime "${sources[@]}" -c -o "$object"; then
        if [ -n "$size_tool" ]; then
            "$size_tool" "$object"
        else
            ls -l "$object"
        fi
    else
        echo "error: Embedded Swift build for $target failed" >&2
        status=1
    fi
done
# Also report the inference-only part (reader + planner + interpreter + kernels), without the
# host-side ModelBuilder/serializer, which a device never links.
inference=()
for f in "${sources[@]}"; do
    case "$f" in */ModelBuilder.swift|*/ModelWriter.swift) ;; *) inference+=("$f") ;; esac
done
object="$out/MinnowRuntime-inference-armv7em-none-none-eabi.o"
echo "== armv7em-none-none-eabi, inference only (no ModelBuilder)"
if swiftc -target armv7em-none-none-eabi \
    -enable-experimental-feature Embedded -enable-experimental-feature Extern \
    -wmo -parse-as-library -Osize -Xfrontend -disable-stack-protector \
    -module-name MinnowRuntime "${inference[@]}" -c -o "$object"; then
    if [ -n "$size_tool" ]; then "$size_tool" "$object"; else ls -l "$object"; fi
else
    echo "error: inference-only Embedded Swift build failed" >&2
    status=1
fi
exit $status

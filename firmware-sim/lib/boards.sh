# Board definitions and toolchain checks for firmware-sim (sourced by run and build-embedded.sh).
#
# Each board sets:
#   swift_target / swift_cpu   Embedded Swift target triple and CPU for the runtime object
#   cc / cflags / ldflags      C compiler and flags for startup, main and the final link
#   emulator (array)           command that runs the image (the image path is appended)
#   size_tool                  size tool for the ELF files
#   flash_budget / ram_budget  bytes of a realistic part of this class (0 = no budget)
#   budget_part                the part those budgets come from
#   packages                   Debian packages the board needs
#   swift_board_flags          extra swiftc flags for the board (e.g. the C int8 kernels)
#   kernel_cc / kernel_cflags  compiler and flags for Sources/CMinnowInt8Kernels (empty kernel_cc:
#                              the board uses the portable Swift int8 GEMM)

# -function-sections lets the final link drop every function the image does not reach.
swift_embedded_flags=(-enable-experimental-feature Embedded -enable-experimental-feature Extern
    -wmo -parse-as-library -Xfrontend -disable-stack-protector -Xfrontend -function-sections)

# Sets the board variables for board $1; returns 1 for an unknown board.
select_board() {
    board="$1"
    swift_cpu=""
    swift_board_flags=() kernel_cc="" kernel_cflags=()
    case "$board" in
    mps2-an386)
        swift_target=armv7em-none-none-eabi; swift_cpu=cortex-m4
        cc=arm-none-eabi-gcc
        cflags=(-mcpu=cortex-m4 -mthumb -mfloat-abi=softfp -mfpu=fpv4-sp-d16 -Os
            -ffunction-sections -fdata-sections -DHEAP_FORBIDDEN)
        platform_source=platform-mps2.c
        ldflags=(-nostartfiles -T "$firmware_dir/mps2.ld" -Wl,--gc-sections -Wl,--no-enum-size-warning
            -Wl,--no-warn-rwx-segments -lm -lc -lgcc)
        emulator=(qemu-system-arm -M mps2-an386 -nographic -semihosting -icount shift=0 -kernel)
        size_tool=arm-none-eabi-size
        # STM32F407-class Cortex-M4: 1 MiB flash, 128 KiB main SRAM (the 64 KiB CCM not counted).
        flash_budget=$((1024 * 1024)); ram_budget=$((128 * 1024)); budget_part="STM32F407-class M4 (1 MiB flash, 128 KiB SRAM)"
        packages="qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi"
        ;;
    mps2-an500)
        swift_target=armv7em-none-none-eabi; swift_cpu=cortex-m7
        cc=arm-none-eabi-gcc
        cflags=(-mcpu=cortex-m7 -mthumb -mfloat-abi=softfp -mfpu=fpv5-d16 -Os
            -ffunction-sections -fdata-sections -DHEAP_FORBIDDEN)
        platform_source=platform-mps2.c
        ldflags=(-nostartfiles -T "$firmware_dir/mps2.ld" -Wl,--gc-sections -Wl,--no-enum-size-warning
            -Wl,--no-warn-rwx-segments -lm -lc -lgcc)
        emulator=(qemu-system-arm -M mps2-an500 -nographic -semihosting -icount shift=0 -kernel)
        size_tool=arm-none-eabi-size
        # STM32F746-class Cortex-M7: 1 MiB flash, 320 KiB SRAM.
        flash_budget=$((1024 * 1024)); ram_budget=$((320 * 1024)); budget_part="STM32F746-class M7 (1 MiB flash, 320 KiB SRAM)"
        packages="qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi"
        ;;
    aarch64-linux)
        swift_target=aarch64-none-none-elf
        cc=aarch64-linux-gnu-gcc
        cflags=(-O2 -ffunction-sections -fdata-sections)
        platform_source=platform-linux.c
        ldflags=(-static -fuse-ld=lld -B"$(dirname "$(command -v swiftc)")" -Wl,--gc-sections -lm)
        emulator=(qemu-aarch64-static)
        size_tool=llvm-size
        command -v "$size_tool" >/dev/null 2>&1 || size_tool=size
        flash_budget=0; ram_budget=0; budget_part="none (Linux board)"
        packages="qemu-user-static gcc-aarch64-linux-gnu"
        # The int8 GEMM goes through the C NEON kernels (sdot with a HWCAP check, smull/sadalp
        # otherwise), compiled by the toolchain's clang: its target("dotprod") attribute builds
        # the sdot kernel on an armv8-a baseline, which GCC 12 cannot.
        swift_board_flags=(-D MINNOW_C_KERNELS -Xcc -I"$root/Sources/CMinnowInt8Kernels/include")
        kernel_cc="$(dirname "$(command -v swiftc)")/clang"
        kernel_cflags=(--target=aarch64-linux-gnu -O3 -ffunction-sections -fdata-sections
            -isystem /usr/aarch64-linux-gnu/include)
        cflags+=(-DMINNOW_C_KERNELS -I"$root/Sources/CMinnowInt8Kernels/include")
        ;;
    *) return 1 ;;
    esac
}

all_boards=(mps2-an386 mps2-an500 aarch64-linux)

# Exits with an install hint when a tool the selected board needs is missing.
check_board_tools() {
    local tool missing=()
    for tool in swiftc "$cc" "${emulator[0]}" "$size_tool"; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "error: board $board needs ${missing[*]}; install with: apt-get update && apt-get install -y $packages" >&2
        echo "       (swiftc comes from a Swift 6 toolchain: https://www.swift.org/install/)" >&2
        exit 2
    fi
}

# Runtime sources compiled into firmware: everything but the host-side builder and writer.
runtime_sources() {
    find "$root/Sources/MinnowRuntime" -name '*.swift' ! -name ModelBuilder.swift ! -name ModelWriter.swift | sort
}

# Swift conditions that compile in only the kernels of the operators listed in $1 (lines
# `TYPE CODE`, e.g. `int8 conv2D`, as `minnow-sim-host prepare` prints them); see
# KernelSelection in Sources/MinnowRuntime/Operators/Operator.swift.
operator_defines() {
    echo -DMINNOW_SELECTED_OPERATORS
    awk 'NF == 2 { t = toupper($1); print "-DMINNOW_OP_" t "_" toupper($2); print "-DMINNOW_OPS_ANY_" t }' <<<"$1" |
        awk '!seen[$0]++'
}

# Compiles the C int8 kernels for the selected board (when it uses them) into $1 (one object per
# source, listed one per line in $1.list); cached by source and flags.
compile_kernels() {
    local dir="$1" src obj
    : >"$dir.list"
    [ -n "$kernel_cc" ] || return 0
    mkdir -p "$dir"
    for src in "$root"/Sources/CMinnowInt8Kernels/*.c; do
        obj="$dir/$(basename "${src%.c}").o"
        if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] ||
            [ -n "$(find "$root/Sources/CMinnowInt8Kernels" -name '*.h' -newer "$obj" | head -1)" ]; then
            "$kernel_cc" "${kernel_cflags[@]}" -I"$root/Sources/CMinnowInt8Kernels/include" -c "$src" -o "$obj" || return 1
        fi
        echo "$obj" >>"$dir.list"
    done
}

# Compiles the runtime (plus extra Swift files given as arguments) for the selected board into
# $object, reusing a cached object when sources and flags are unchanged. Needs $opt (-Osize / -O)
# and the array $runtime_defines (operator selection; empty = every operator).
compile_runtime() {
    local object="$1"; shift
    local sources
    mapfile -t sources < <(runtime_sources)
    local flags=(-target "$swift_target" "${swift_embedded_flags[@]}" "$opt" "${swift_board_flags[@]}"
        "${runtime_defines[@]}")
    [ -n "$swift_cpu" ] && flags+=(-target-cpu "$swift_cpu")
    local key
    key="$( { printf '%s\n' "${flags[@]}"; cat "${sources[@]}" "$@"; } | sha256sum | cut -c1-16)"
    if [ -f "$object" ] && [ "$(cat "$object.key" 2>/dev/null)" = "$key" ]; then return 0; fi
    swiftc "${flags[@]}" -module-name MinnowRuntime "${sources[@]}" "$@" -c -o "$object"
    echo "$key" > "$object.key"
}

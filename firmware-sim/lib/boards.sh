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

swift_embedded_flags=(-enable-experimental-feature Embedded -enable-experimental-feature Extern
    -wmo -parse-as-library -Xfrontend -disable-stack-protector)

# Sets the board variables for board $1; returns 1 for an unknown board.
select_board() {
    board="$1"
    swift_cpu=""
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

# Compiles the runtime (plus extra Swift files given as arguments) for the selected board into
# $object, reusing a cached object when sources and flags are unchanged. Needs $opt (-Osize / -O).
compile_runtime() {
    local object="$1"; shift
    local sources
    mapfile -t sources < <(runtime_sources)
    local flags=(-target "$swift_target" "${swift_embedded_flags[@]}" "$opt")
    [ -n "$swift_cpu" ] && flags+=(-target-cpu "$swift_cpu")
    local key
    key="$( { printf '%s\n' "${flags[@]}"; cat "${sources[@]}" "$@"; } | sha256sum | cut -c1-16)"
    if [ -f "$object" ] && [ "$(cat "$object.key" 2>/dev/null)" = "$key" ]; then return 0; fi
    swiftc "${flags[@]}" -module-name MinnowRuntime "${sources[@]}" "$@" -c -o "$object"
    echo "$key" > "$object.key"
}

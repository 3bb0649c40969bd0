# Board definitions and toolchain checks for firmware-sim (sourced by run and test).
#
# Each board sets:
#   lib_target                 tools/runtime-lib target of the runtime library the image links
#   cc / cflags / ldflags      C compiler and flags for startup, main and the final link
#   emulator (array)           command that runs the image (the image path is appended)
#   size_tool                  size tool for the ELF files
#   flash_budget / ram_budget  bytes of a realistic part of this class (0 = no budget)
#   budget_part                the part those budgets come from
#   packages                   Debian packages the board needs

# Sets the board variables for board $1; returns 1 for an unknown board.
select_board() {
    board="$1"
    case "$board" in
    mps2-an386)
        lib_target=cortex-m4
        cc=arm-none-eabi-gcc
        cflags=(-mcpu=cortex-m4 -mthumb -mfloat-abi=softfp -mfpu=fpv4-sp-d16 -Os
            -ffunction-sections -fdata-sections -DHEAP_FORBIDDEN)
        platform_source=platform-mps2.c
        ldflags=(-nostartfiles -T "$firmware_dir/mps2.ld" -Wl,--gc-sections -Wl,--no-warn-rwx-segments -lm -lc -lgcc)
        emulator=(qemu-system-arm -M mps2-an386 -nographic -semihosting -icount shift=0 -kernel)
        size_tool=arm-none-eabi-size
        # STM32F407-class Cortex-M4: 1 MiB flash, 128 KiB main SRAM (the 64 KiB CCM not counted).
        flash_budget=$((1024 * 1024)); ram_budget=$((128 * 1024)); budget_part="STM32F407-class M4 (1 MiB flash, 128 KiB SRAM)"
        packages="qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi"
        ;;
    mps2-an500)
        lib_target=cortex-m7
        cc=arm-none-eabi-gcc
        cflags=(-mcpu=cortex-m7 -mthumb -mfloat-abi=softfp -mfpu=fpv5-d16 -Os
            -ffunction-sections -fdata-sections -DHEAP_FORBIDDEN)
        platform_source=platform-mps2.c
        ldflags=(-nostartfiles -T "$firmware_dir/mps2.ld" -Wl,--gc-sections -Wl,--no-warn-rwx-segments -lm -lc -lgcc)
        emulator=(qemu-system-arm -M mps2-an500 -nographic -semihosting -icount shift=0 -kernel)
        size_tool=arm-none-eabi-size
        # STM32F746-class Cortex-M7: 1 MiB flash, 320 KiB SRAM.
        flash_budget=$((1024 * 1024)); ram_budget=$((320 * 1024)); budget_part="STM32F746-class M7 (1 MiB flash, 320 KiB SRAM)"
        packages="qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi"
        ;;
    aarch64-linux)
        lib_target=aarch64-linux
        cc=aarch64-linux-gnu-gcc
        cflags=(-O2 -ffunction-sections -fdata-sections)
        platform_source=platform-linux.c
        ldflags=(-static -Wl,--gc-sections -lm)
        emulator=(qemu-aarch64-static)
        size_tool=llvm-size
        command -v "$size_tool" >/dev/null 2>&1 || size_tool=size
        flash_budget=0; ram_budget=0; budget_part="none (Linux board)"
        packages="qemu-user-static gcc-aarch64-linux-gnu"
        # The library's int8 GEMM runs the C NEON kernels (sdot with a HWCAP check, smull/sadalp
        # otherwise; tools/runtime-lib compiles them with the toolchain's clang).
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

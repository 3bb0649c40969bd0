/// Common deployment targets and their nominal memory (datasheet figures of the usual
/// configuration; RAM is what a program can use, flash is where the model lives).
public struct Board: Sendable, Equatable {
    public var name: String
    public var description: String
    public var ramBytes: Int
    public var flashBytes: Int

    public static let all: [Board] = [
        Board(name: "stm32f4", description: "STM32F407 (Cortex-M4F, 168 MHz): 192 KiB SRAM, 1 MiB flash",
              ramBytes: 192 * 1024, flashBytes: 1024 * 1024),
        Board(name: "stm32f411", description: "STM32F411 (Cortex-M4F, 100 MHz): 128 KiB SRAM, 512 KiB flash",
              ramBytes: 128 * 1024, flashBytes: 512 * 1024),
        Board(name: "nrf52840", description: "nRF52840 (Cortex-M4F, 64 MHz): 256 KiB RAM, 1 MiB flash",
              ramBytes: 256 * 1024, flashBytes: 1024 * 1024),
        Board(name: "rp2040", description: "Raspberry Pi Pico RP2040 (Cortex-M0+, 133 MHz): 264 KiB SRAM, 2 MiB flash",
              ramBytes: 264 * 1024, flashBytes: 2 * 1024 * 1024),
        Board(name: "esp32-s3", description: "ESP32-S3 (Xtensa LX7, 240 MHz): 512 KiB SRAM, 8 MiB flash",
              ramBytes: 512 * 1024, flashBytes: 8 * 1024 * 1024),
        Board(name: "mps2-an386", description: "Arm MPS2 AN386 (Cortex-M4, the firmware-sim board): 4 MiB SRAM, 4 MiB code memory",
              ramBytes: 4 * 1024 * 1024, flashBytes: 4 * 1024 * 1024),
        Board(name: "rpi-zero-2w", description: "Raspberry Pi Zero 2 W (Cortex-A53, AArch64 Linux): 512 MiB RAM, SD card",
              ramBytes: 512 * 1024 * 1024, flashBytes: 8 * 1024 * 1024 * 1024),
        Board(name: "rpi4", description: "Raspberry Pi 4 (Cortex-A72): 1 GiB RAM (smallest model), SD card",
              ramBytes: 1024 * 1024 * 1024, flashBytes: 8 * 1024 * 1024 * 1024),
        Board(name: "rpi5", description: "Raspberry Pi 5 (Cortex-A76): 2 GiB RAM (smallest model), SD card",
              ramBytes: 2 * 1024 * 1024 * 1024, flashBytes: 8 * 1024 * 1024 * 1024),
    ]

    public static func named(_ name: String) -> Board? {
        all.first { $0.name == name.lowercased() }
    }

    /// Whether `ram` and `flash` bytes fit, with the margins (negative when they do not).
    public func fit(ramBytes ram: Int, flashBytes flash: Int) -> BoardFit {
        BoardFit(board: self, ramMargin: ramBytes - ram, flashMargin: flashBytes - flash)
    }
}

public struct BoardFit: Sendable, Equatable {
    public var board: Board
    public var ramMargin: Int
    public var flashMargin: Int
    public var fits: Bool { ramMargin >= 0 && flashMargin >= 0 }
}

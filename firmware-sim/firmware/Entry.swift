// C-callable entry points of the firmware image. Compiled into the same module as
// Sources/MinnowRuntime (one Embedded Swift object), but it uses only the runtime's public API.
// All state lives in one static slot that the C side owns; nothing here allocates.

/// Status codes returned to C (0 = success). Kept in step with `firmware/main.c`.
enum FirmwareStatus {
    static let ok: Int32 = 0
    static let badModel: Int32 = 1
    static let arenaTooSmall: Int32 = 2
    static let unsupportedOperator: Int32 = 3
    static let notInitialized: Int32 = 4
    static let badIndex: Int32 = 5
    static let unsupportedType: Int32 = 6
    static let slotTooSmall: Int32 = 8
}

/// The interpreter built by `minnow_fw_init` in the caller's slot, or nil before that.
///
/// A pointer (nil is all-zero bytes, so it lives in .bss) rather than an `Interpreter?`, whose
/// nil needs initialized .data: under --gc-sections that section would pull in everything
/// else the object keeps in .data, down to the standard library's array metadata and its
/// vtable functions, which this firmware never calls.
nonisolated(unsafe) var firmwareInterpreter: UnsafeMutablePointer<Interpreter>? = nil

/// Validates the model and plans it into the arena; the interpreter itself goes into `slot`
/// (`slotCount` bytes, 16-byte aligned). On `arenaTooSmall`, `*required` gets the figure; on
/// `slotTooSmall`, the slot bytes needed.
@_cdecl("minnow_fw_init")
public func minnowFirmwareInit(_ bytes: UnsafeRawPointer, _ count: Int,
                               _ arena: UnsafeMutableRawPointer, _ arenaCount: Int,
                               _ slot: UnsafeMutableRawPointer, _ slotCount: Int,
                               _ required: UnsafeMutablePointer<Int>) -> Int32 {
    firmwareInterpreter?.deinitialize(count: 1)
    firmwareInterpreter = nil
    guard MemoryLayout<Interpreter>.size <= slotCount && MemoryLayout<Interpreter>.alignment <= 16 else {
        required.pointee = MemoryLayout<Interpreter>.size
        return FirmwareStatus.slotTooSmall
    }
    let model: Model
    do { model = try Model(bytes: UnsafeRawBufferPointer(start: bytes, count: count)) } catch {
        // A build with operator selection rejects operators it has no kernel for here, at load.
        if case .unsupportedOperator = error { return FirmwareStatus.unsupportedOperator }
        return FirmwareStatus.badModel
    }
    do {
        let interpreter = try Interpreter(model: model, arena: UnsafeMutableRawBufferPointer(start: arena, count: arenaCount))
        required.pointee = interpreter.usedArenaBytes
        let stored = slot.bindMemory(to: Interpreter.self, capacity: 1)
        stored.initialize(to: interpreter)
        firmwareInterpreter = stored
        return FirmwareStatus.ok
    } catch {
        switch error {
        case let .arenaTooSmall(needed, _):
            required.pointee = needed
            return FirmwareStatus.arenaTooSmall
        case .unsupportedOperator:
            return FirmwareStatus.unsupportedOperator
        }
    }
}

/// Raw bytes of model input (`isOutput == 0`) or output `index`; element type code in `*type`
/// (the model format's ElementType raw value): float32 or int8 (the host quantizes int8 inputs
/// exactly as `Interpreter.setInput` does and writes those bytes into the input blob).
@_cdecl("minnow_fw_tensor")
public func minnowFirmwareTensor(_ isOutput: Int32, _ index: Int, _ byteCount: UnsafeMutablePointer<Int>,
                                 _ type: UnsafeMutablePointer<Int32>) -> UnsafeMutableRawPointer? {
    guard let interpreter = firmwareInterpreter?.pointee else { return nil }
    let model = interpreter.model
    let list = isOutput != 0 ? model.outputs : model.inputs
    guard index >= 0 && index < list.count else { return nil }
    // Model edges are float32 or quantized int8 (checked at load), so the raw bytes of the
    // tensor are all the firmware needs: one path for both types.
    let t = list[index]
    type.pointee = Int32(model.tensorType(t).rawValue)
    byteCount.pointee = model.tensorByteCount(t)
    return interpreter.pointer(t)
}

/// Number of model inputs (`isOutput == 0`) or outputs, or -1 before `minnow_fw_init`.
@_cdecl("minnow_fw_tensor_count")
public func minnowFirmwareTensorCount(_ isOutput: Int32) -> Int {
    guard let interpreter = firmwareInterpreter?.pointee else { return -1 }
    return isOutput != 0 ? interpreter.model.outputs.count : interpreter.model.inputs.count
}

/// Runs one inference on the current inputs.
@_cdecl("minnow_fw_invoke")
public func minnowFirmwareInvoke() -> Int32 {
    guard let interpreter = firmwareInterpreter?.pointee else { return FirmwareStatus.notInitialized }
    do { try interpreter.invoke() } catch { return FirmwareStatus.unsupportedOperator }
    return FirmwareStatus.ok
}

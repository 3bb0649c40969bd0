// The C API of minnow.h, as @_cdecl functions over the runtime's public API. tools/runtime-lib
// compiles this file with Sources/MinnowRuntime into one Embedded Swift object
// (-D MINNOW_SINGLE_MODULE); nothing here allocates, and all state lives in the caller's arena.
import CMinnow
#if !MINNOW_SINGLE_MODULE
import MinnowRuntime
#endif
#if MINNOW_C_KERNELS
import CMinnowInt8Kernels
#endif

/// What `minnow_init` places at the start of the caller's arena; `minnow_interpreter *` points
/// here. The tag lets every call reject a pointer `minnow_init` did not return.
struct MinnowHandle {
    static let expectedTag: UInt32 = 0x4D4E_5749  // "MNWI"
    var tag: UInt32
    /// Bytes from the caller's arena start to the interpreter's own arena (alignment padding
    /// plus this handle).
    var interpreterArenaOffset: Int
    var interpreter: Interpreter

    /// Bytes the handle takes at the start of an arena (a multiple of 16, so the interpreter's
    /// own arena that follows starts aligned).
    static var reservedBytes: Int { (MemoryLayout<MinnowHandle>.size &+ 15) & ~15 }
}

@inline(__always) func status(_ code: Int) -> Int32 { Int32(truncatingIfNeeded: code) }

/// The status for a model the runtime rejected.
func status(for error: ModelError) -> Int32 {
    switch error {
    case .misalignedBuffer: return status(MINNOW_MISALIGNED)
    case .unsupportedVersion: return status(MINNOW_UNSUPPORTED_VERSION)
    case .unsupportedOperator: return status(MINNOW_UNSUPPORTED_OPERATOR)
    default: return status(MINNOW_INVALID_MODEL)
    }
}

func status(for error: RuntimeError) -> Int32 {
    switch error {
    case .arenaTooSmall: return status(MINNOW_ARENA_TOO_SMALL)
    case .unsupportedOperator: return status(MINNOW_UNSUPPORTED_OPERATOR)
    }
}

/// Validates the model arguments and loads the model; nil with `failure` set otherwise.
func loadModel(_ bytes: UnsafeRawPointer?, _ count: Int, failure: inout Int32) -> Model? {
    guard let bytes, count > 0 else {
        failure = status(MINNOW_BAD_ARGUMENT)
        return nil
    }
    do {
        return try Model(bytes: UnsafeRawBufferPointer(start: bytes, count: count))
    } catch {
        failure = status(for: error)
        return nil
    }
}

/// The handle behind a C interpreter pointer, or nil when the pointer is NULL, misaligned or
/// does not carry the tag `minnow_init` writes.
func handle(_ pointer: OpaquePointer?) -> UnsafeMutablePointer<MinnowHandle>? {
    guard let pointer else { return nil }
    let raw = UnsafeMutableRawPointer(pointer)
    guard UInt(bitPattern: raw) % UInt(MemoryLayout<MinnowHandle>.alignment) == 0 else { return nil }
    let h = raw.assumingMemoryBound(to: MinnowHandle.self)
    return h.pointee.tag == MinnowHandle.expectedTag ? h : nil
}

@_cdecl("minnow_required_arena_bytes_with_options")
public func minnowRequiredArenaBytesWithOptions(_ model: UnsafeRawPointer?, _ modelBytes: Int, _ options: UInt32,
                                                _ arenaBytes: UnsafeMutablePointer<Int>?) -> Int32 {
    guard let arenaBytes else { return status(MINNOW_BAD_ARGUMENT) }
    var failure = status(MINNOW_OK)
    guard let m = loadModel(model, modelBytes, failure: &failure) else { return failure }
    let streaming = options & UInt32(MINNOW_OPTION_STREAMING) != 0
    arenaBytes.pointee = MinnowHandle.reservedBytes &+ Interpreter.requiredArenaBytes(for: m, streaming: streaming)
    return status(MINNOW_OK)
}

@_cdecl("minnow_required_arena_bytes")
public func minnowRequiredArenaBytes(_ model: UnsafeRawPointer?, _ modelBytes: Int,
                                     _ arenaBytes: UnsafeMutablePointer<Int>?) -> Int32 {
    minnowRequiredArenaBytesWithOptions(model, modelBytes, 0, arenaBytes)
}

@_cdecl("minnow_init_with_options")
public func minnowInitWithOptions(_ result: UnsafeMutablePointer<OpaquePointer?>?, _ model: UnsafeRawPointer?,
                                  _ modelBytes: Int, _ arena: UnsafeMutableRawPointer?, _ arenaBytes: Int,
                                  _ options: UInt32) -> Int32 {
    guard let result else { return status(MINNOW_BAD_ARGUMENT) }
    result.pointee = nil
    guard let arena, arenaBytes >= 0 else { return status(MINNOW_BAD_ARGUMENT) }
    var failure = status(MINNOW_OK)
    guard let m = loadModel(model, modelBytes, failure: &failure) else { return failure }
    let address = UInt(bitPattern: arena)
    let padding = Int((16 &- address % 16) % 16)
    let start = padding &+ MinnowHandle.reservedBytes
    guard start <= arenaBytes else { return status(MINNOW_ARENA_TOO_SMALL) }
    let interpreter: Interpreter
    do {
        interpreter = try Interpreter(model: m, arena: UnsafeMutableRawBufferPointer(start: arena + start, count: arenaBytes &- start),
                                      streaming: options & UInt32(MINNOW_OPTION_STREAMING) != 0)
    } catch {
        return status(for: error)
    }
    let h = (arena + padding).bindMemory(to: MinnowHandle.self, capacity: 1)
    h.initialize(to: MinnowHandle(tag: MinnowHandle.expectedTag, interpreterArenaOffset: start, interpreter: interpreter))
    result.pointee = OpaquePointer(h)
    return status(MINNOW_OK)
}

@_cdecl("minnow_init")
public func minnowInit(_ result: UnsafeMutablePointer<OpaquePointer?>?, _ model: UnsafeRawPointer?, _ modelBytes: Int,
                       _ arena: UnsafeMutableRawPointer?, _ arenaBytes: Int) -> Int32 {
    minnowInitWithOptions(result, model, modelBytes, arena, arenaBytes, 0)
}

/// Fills `tensor` with model input (`output == false`) or output `index`.
func describe(_ pointer: OpaquePointer?, output: Bool, _ index: Int32,
              _ tensor: UnsafeMutablePointer<minnow_tensor>?) -> Int32 {
    guard let h = handle(pointer), let tensor else { return status(MINNOW_BAD_ARGUMENT) }
    let interpreter = h.pointee.interpreter
    let model = interpreter.model
    let list = output ? model.outputs : model.inputs
    let i = Int(index)
    guard i >= 0 && i < list.count else { return status(MINNOW_BAD_ARGUMENT) }
    let t = list[i]
    let type = model.tensorType(t)
    let shape = model.tensorShape(t)
    var description = minnow_tensor()
    switch type {
    case .int8:
        description.data = UnsafeMutableRawPointer(output ? interpreter.outputInt8(i).baseAddress : interpreter.inputInt8(i).baseAddress)
    case .float32:
        description.data = UnsafeMutableRawPointer(output ? interpreter.outputFloats(i).baseAddress : interpreter.inputFloats(i).baseAddress)
    default:
        return status(MINNOW_INVALID_MODEL)  // the loader admits only float32 and int8 edges
    }
    description.bytes = model.tensorByteCount(t)
    description.type = Int32(type.rawValue)
    description.rank = Int32(truncatingIfNeeded: shape.rank)
    withUnsafeMutableBytes(of: &description.dims) { raw in
        let dims = raw.bindMemory(to: Int32.self)
        for axis in 0..<dims.count { dims[axis] = axis < shape.rank ? Int32(truncatingIfNeeded: shape[axis]) : 0 }
    }
    if let q = model.quantization(t) {
        description.scale = q.scale()
        description.zero_point = q.zeroPoint()
    }
    tensor.pointee = description
    return status(MINNOW_OK)
}

@_cdecl("minnow_input")
public func minnowInput(_ interpreter: OpaquePointer?, _ index: Int32, _ tensor: UnsafeMutablePointer<minnow_tensor>?) -> Int32 {
    describe(interpreter, output: false, index, tensor)
}

@_cdecl("minnow_output")
public func minnowOutput(_ interpreter: OpaquePointer?, _ index: Int32, _ tensor: UnsafeMutablePointer<minnow_tensor>?) -> Int32 {
    describe(interpreter, output: true, index, tensor)
}

@_cdecl("minnow_input_count")
public func minnowInputCount(_ interpreter: OpaquePointer?) -> Int32 {
    guard let h = handle(interpreter) else { return -1 }
    return Int32(truncatingIfNeeded: h.pointee.interpreter.model.inputs.count)
}

@_cdecl("minnow_output_count")
public func minnowOutputCount(_ interpreter: OpaquePointer?) -> Int32 {
    guard let h = handle(interpreter) else { return -1 }
    return Int32(truncatingIfNeeded: h.pointee.interpreter.model.outputs.count)
}

@_cdecl("minnow_invoke")
public func minnowInvoke(_ interpreter: OpaquePointer?) -> Int32 {
    guard let h = handle(interpreter) else { return status(MINNOW_BAD_ARGUMENT) }
    do {
        try h.pointee.interpreter.invoke()
    } catch {
        return status(for: error)
    }
    return status(MINNOW_OK)
}

@_cdecl("minnow_reset_state")
public func minnowResetState(_ interpreter: OpaquePointer?) -> Int32 {
    guard let h = handle(interpreter) else { return status(MINNOW_BAD_ARGUMENT) }
    h.pointee.interpreter.resetState()
    return status(MINNOW_OK)
}

@_cdecl("minnow_arena_used")
public func minnowArenaUsed(_ interpreter: OpaquePointer?, _ bytes: UnsafeMutablePointer<Int>?) -> Int32 {
    guard let h = handle(interpreter), let bytes else { return status(MINNOW_BAD_ARGUMENT) }
    // From the arena's first byte: alignment padding and the handle come before the
    // interpreter's own arena (its `usedArenaBytes` counts from there).
    bytes.pointee = h.pointee.interpreterArenaOffset &+ h.pointee.interpreter.usedArenaBytes
    return status(MINNOW_OK)
}

@_cdecl("minnow_status_message")
public func minnowStatusMessage(_ code: Int32) -> UnsafePointer<CChar> {
    let message: StaticString
    switch Int(code) {
    case MINNOW_OK: message = "ok"
    case MINNOW_ARENA_TOO_SMALL: message = "arena too small for this model (see minnow_required_arena_bytes)"
    case MINNOW_INVALID_MODEL: message = "invalid model (truncated, corrupted or not a .minnow file)"
    case MINNOW_UNSUPPORTED_OPERATOR: message = "the model uses an operator this library was built without"
    case MINNOW_MISALIGNED: message = "model bytes are not 4-byte aligned (align the array to 16 bytes)"
    case MINNOW_BAD_ARGUMENT: message = "bad argument (NULL pointer, index out of range, or not an interpreter from minnow_init)"
    case MINNOW_UNSUPPORTED_VERSION: message = "unsupported model file format version"
    default: message = "unknown status code"
    }
    return UnsafeRawPointer(message.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("minnow_int8_kernel_name")
public func minnowInt8KernelName() -> UnsafePointer<CChar> {
    #if MINNOW_C_KERNELS
    if let name = minnow_qgemm_kernel_name(minnow_qgemm_best_kernel()) { return name }
    #endif
    let portable: StaticString = "portable"
    return UnsafeRawPointer(portable.utf8Start).assumingMemoryBound(to: CChar.self)
}

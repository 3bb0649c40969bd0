#if !hasFeature(Embedded)
/// Host convenience: an interpreter over an arena taken from the heap (evaluation, calibration,
/// parity and profiling tools). Devices size a static arena with `requiredArenaBytes` instead
/// and call `init(model:arena:)`.
extension Interpreter {
    /// Plans `model` into a fresh heap arena of exactly `requiredArenaBytes` (64-byte aligned),
    /// runs `body` with the interpreter, and frees the arena afterwards.
    ///
    /// - Parameter startFailure: turns the error of starting the interpreter into the caller's
    ///   own error (with the file and what failed); errors thrown by `body` pass through.
    public static func withHeapArena<Result>(
        for model: Model, preservingAllTensors: Bool = false, kernels: KernelPath = .native,
        startFailure: (RuntimeError) -> any Error,
        _ body: (Interpreter) throws -> Result
    ) throws -> Result {
        let bytes = requiredArenaBytes(for: model, preservingAllTensors: preservingAllTensors, kernels: kernels)
        let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes, 1), alignment: 64)
        defer { arena.deallocate() }
        let interpreter: Interpreter
        do {
            interpreter = try Interpreter(model: model, arena: arena, preservingAllTensors: preservingAllTensors,
                                          kernels: kernels)
        } catch {
            throw startFailure(error)
        }
        return try body(interpreter)
    }
}
#endif

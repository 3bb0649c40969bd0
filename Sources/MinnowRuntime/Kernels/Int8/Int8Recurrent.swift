// Hooks between the interpreter and the int8 LSTM/GRU kernels. The interpreter validates the
// common operand structure, asks for scratch bytes when planning, and calls `invoke*` per op.
// (Placeholder bodies: the int8 recurrent kernels replace them.)

/// Int8 LSTM and GRU over a whole sequence, int16 cell state.
public enum Int8Recurrent {
    /// Checks the operator's constants and shapes; called once at model load.
    public static func validate(model: Model, op: Int) -> Bool { false }

    /// Arena bytes the op needs besides its input and output tensors (state, gate buffers).
    public static func scratchBytes(model: Model, op: Int) -> Int { 0 }

    /// Runs the op. `input`/`output` point at the op's int8 tensors in the arena; `scratch` at
    /// `scratchBytes` bytes of arena (16-byte aligned). `state` is the LSTM/GRU state area inside
    /// `scratch`, which the interpreter zeroes before the call unless streaming is requested.
    public static func invoke(model: Model, op: Int, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
                              scratch: UnsafeMutableRawPointer) {}
}

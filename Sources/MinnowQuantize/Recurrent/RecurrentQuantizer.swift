import MinnowRuntime

/// Converts float LSTM/GRU operators to their int8 form (int8 weights, int16 cell state).
/// (Placeholder: the int8 recurrent work replaces the bodies; the signatures are the contract
/// the graph converter calls.)
public enum RecurrentQuantizer {
    /// Appends an int8 LSTM reading int8 tensor `input` (`[1, steps, features]`, quantized with
    /// `inputQuantization`) and returns the index of its int8 output tensor (`[1, units]` or
    /// `[1, steps, units]`), whose quantization this function chooses.
    /// Float weights follow the float `.lstm` conventions (gate order i, f, g, o).
    public static func emitLSTM(
        into builder: inout ModelBuilder, input: Int, inputQuantization: QuantizationParameters,
        inputWeights: [Float], recurrentWeights: [Float], bias: [Float],
        units: Int, steps: Int, features: Int, returnSequences: Bool, name: String
    ) throws -> Int {
        throw QuantizationError("\(name): int8 LSTM is not available yet")
    }

    /// As `emitLSTM`, for GRU (gate order z, r, n; reset-after form).
    public static func emitGRU(
        into builder: inout ModelBuilder, input: Int, inputQuantization: QuantizationParameters,
        inputWeights: [Float], recurrentWeights: [Float], inputBias: [Float], recurrentBias: [Float],
        units: Int, steps: Int, features: Int, returnSequences: Bool, name: String
    ) throws -> Int {
        throw QuantizationError("\(name): int8 GRU is not available yet")
    }
}

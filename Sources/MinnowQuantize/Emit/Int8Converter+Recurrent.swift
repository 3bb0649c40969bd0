import MinnowRuntime

/// LSTM and GRU: delegated to `RecurrentQuantizer`, which appends the int8 operator and
/// chooses its output parameters (recorded here as the tensor's int8 form).
extension Int8Converter {
    mutating func emitRecurrent(_ op: FloatGraph.Operator) throws {
        let name = op.name(in: graph)
        let x = try int8Input(op.inputs[0])
        let shape = graph.tensors[op.inputs[0]].shape
        guard shape.count == 3 else { throw QuantizationError.recurrent(layer: "\(op.code) '\(name)'", detail: "input shape \(shape), expected [1, steps, features]") }
        let units = Int(op.options.units)
        let output: Int
        if op.code == .lstm {
            output = try RecurrentQuantizer.emitLSTM(
                into: &builder, input: x, inputQuantization: plan.parameters(op.inputs[0]),
                inputWeights: try constant(op.inputs[1], of: op), recurrentWeights: try constant(op.inputs[2], of: op),
                bias: try constant(op.inputs[3], of: op), units: units, steps: shape[1], features: shape[2],
                returnSequences: op.options.returnSequences, name: name)
        } else {
            output = try RecurrentQuantizer.emitGRU(
                into: &builder, input: x, inputQuantization: plan.parameters(op.inputs[0]),
                inputWeights: try constant(op.inputs[1], of: op), recurrentWeights: try constant(op.inputs[2], of: op),
                inputBias: try constant(op.inputs[3], of: op), recurrentBias: try constant(op.inputs[4], of: op),
                units: units, steps: shape[1], features: shape[2],
                returnSequences: op.options.returnSequences, name: name)
        }
        int8Form[op.outputs[0]] = output
    }
}

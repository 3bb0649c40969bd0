import MinnowRuntime

/// Softmax, logistic, tanh (fixed output ranges: 1/256 with zero point −128 for softmax and
/// logistic, 1/128 with 0 for tanh) and add (calibrated output range): int8 inputs, int8 output;
/// the kernels derive their rescaling from the tensors' parameters.
extension Int8Converter {
    mutating func emitElementwise(_ op: FloatGraph.Operator) throws {
        var inputs: [Int] = []
        for t in op.inputs { inputs.append(try int8Input(t)) }
        let y = addInt8Output(op.outputs[0])
        builder.addOperator(op.code, inputs: inputs, outputs: [y], options: op.options)
    }
}

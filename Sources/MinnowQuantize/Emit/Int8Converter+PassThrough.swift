import MinnowRuntime

/// Max/average pooling, reshape, global average pooling, standalone ReLU/ReLU6: one int8
/// input, int8 output with the input's scale and zero point (the plan copies them), same options.
extension Int8Converter {
    mutating func emitPassThrough(_ op: FloatGraph.Operator) throws {
        let x = try int8Input(op.inputs[0])
        let y = addInt8Output(op.outputs[0])
        builder.addOperator(op.code, inputs: [x], outputs: [y], options: op.options)
    }
}

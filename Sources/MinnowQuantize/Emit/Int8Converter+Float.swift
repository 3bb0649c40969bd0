import MinnowRuntime

/// Operators kept in float (`--keep-float`, or no int8 form): float inputs (dequantized on
/// demand), float constants copied unchanged, float output (quantized on demand for int8 users).
extension Int8Converter {
    mutating func emitFloat(_ op: FloatGraph.Operator) throws {
        var inputs: [Int] = []
        for t in op.inputs {
            let tensor = graph.tensors[t]
            if let values = tensor.constant {
                inputs.append(builder.addConstant(name: tensor.name, shape: tensor.shape, floats: values))
            } else {
                inputs.append(try floatInput(t))
            }
        }
        let out = graph.tensors[op.outputs[0]]
        let y = builder.addTensor(name: out.name, shape: out.shape)
        floatForm[op.outputs[0]] = y
        builder.addOperator(op.code, inputs: inputs, outputs: [y], options: op.options)
    }
}

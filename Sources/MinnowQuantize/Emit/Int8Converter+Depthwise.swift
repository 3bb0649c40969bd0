import MinnowRuntime

/// Depthwise conv 2D (multiplier 1).
///
/// Operands: `[x int8, weights int8 [1, kH, kW, C] (per-channel scales on axis 3, plain
/// layout), foldedBias int32 [C] = bias − z_in·Σw (no +128: depthwise does not use the GEMM),
/// multipliers int32 [C], shifts int32 [C]]` → int8 output.
extension Int8Converter {
    mutating func emitDepthwise(_ op: FloatGraph.Operator, index: Int) throws {
        let name = op.name(in: graph)
        let x = try int8Input(op.inputs[0])
        let inputParameters = plan.parameters(op.inputs[0])
        let outputParameters = plan.parameters(op.outputs[0])
        let shape = graph.tensors[op.inputs[1]].shape
        _ = try constant(op.inputs[1], of: op)
        _ = try constant(op.inputs[2], of: op)
        guard let weights = plan.weights(of: index, axis: 3), let bias = plan.bias(of: index) else {
            throw QuantizationError.missingWeights(layer: name)
        }
        let channels = shape[3]
        let w = addInt8Constant(name: "\(name)/weights", shape: shape, values: weights.values, quantization: weights.parameters)

        let sIn = inputParameters.scales[0], zIn = inputParameters.zeroPoints[0]
        var sums = [Int32](repeating: 0, count: channels)
        for (i, q) in weights.values.enumerated() { sums[i % channels] += Int32(q) }
        let biasQ = BiasQuantization.quantize(bias, inputScale: sIn, weightScales: weights.scales)
        // Folded as for the GEMM ops (Graph.swift): bias − (z_in + 128)·Σw.
        let folded = WeightPacking.foldedBias(biasQ, channelSums: sums, inputZeroPoint: zIn)
        let b = addInt32Constant(name: "\(name)/folded_bias", values: folded,
                                 quantization: QuantizationParameters(scales: weights.scales.map { sIn * $0 },
                                                                      zeroPoints: [Int32](repeating: 0, count: channels)))
        let rq = addRequantization(name: name, inputScale: sIn, weightScales: weights.scales,
                                   outputScale: outputParameters.scales[0])
        let y = addInt8Output(op.outputs[0])
        builder.addOperator(.depthwiseConv2D, inputs: [x, w, b, rq], outputs: [y], options: op.options)
    }
}

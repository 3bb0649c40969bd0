import MinnowRuntime

/// Fully connected and conv 2D: the GEMM-backed int8 ops.
///
/// Operands: `[x int8, weights int8 packed n16k4 (logical [O, K…], per-channel scales on axis 0,
/// zero points 0), foldedBias int32 [O] (scale s_in·s_w[c]), multipliers int32 [O],
/// shifts int32 [O]]` → int8 output. `K` is the product of the non-channel weight dims
/// (`in` for FC, `kH·kW·C` for conv). Options (fused activation, geometry) are copied.
extension Int8Converter {
    mutating func emitGemm(_ op: FloatGraph.Operator, index: Int) throws {
        let name = op.name(in: graph)
        let x = try int8Input(op.inputs[0])
        let inputParameters = plan.parameters(op.inputs[0])
        let outputParameters = plan.parameters(op.outputs[0])
        let shape = graph.tensors[op.inputs[1]].shape
        _ = try constant(op.inputs[1], of: op)
        _ = try constant(op.inputs[2], of: op)
        guard let weights = plan.weights(of: index, axis: 0), let bias = plan.bias(of: index) else {
            throw QuantizationError.missingWeights(layer: name)
        }
        let channels = shape[0], depth = shape.dropFirst().reduce(1, *)

        let w = builder.addPackedWeights(name: "\(name)/weights", shape: shape, values: weights.values,
                                         quantization: weights.parameters)

        let sIn = inputParameters.scales[0]
        let biasQ = BiasQuantization.quantize(bias, inputScale: sIn, weightScales: weights.scales)
        let folded = WeightPacking.foldedBias(
            biasQ, channelSums: WeightPacking.channelSums(weights.values, channels: channels, depth: depth),
            inputZeroPoint: inputParameters.zeroPoints[0])
        let biasScales = weights.scales.map { sIn * $0 }
        let b = addInt32Constant(name: "\(name)/folded_bias", values: folded,
                                 quantization: QuantizationParameters(scales: biasScales, zeroPoints: [Int32](repeating: 0, count: channels)))
        let rq = addRequantization(name: name, inputScale: sIn, weightScales: weights.scales,
                                   outputScale: outputParameters.scales[0])
        let y = addInt8Output(op.outputs[0])
        builder.addOperator(op.code, inputs: [x, w, b, rq], outputs: [y], options: op.options)
    }
}

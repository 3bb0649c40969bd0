import MinnowRuntime
/// How int8 weight values are chosen once their per-channel scales are fixed.
public enum WeightRounding: String, CaseIterable, Sendable {
    /// Each weight to its nearest int8 value.
    case nearest
    /// GPTQ: sequential rounding with error compensation through the input Hessian
    /// (fully connected and conv 2D layers with calibration inputs; others stay nearest).
    case gptq
}

/// Chooses the int8 weights (and corrected float biases) of the plan's GEMM layers from the
/// calibration inputs: GPTQ rounding and/or bias correction. Scales are untouched.
public enum WeightRoundingPass {
    /// Fills `plan.int8Weights` / `plan.int8Biases` for every int8 fully connected or conv 2D
    /// operator whose input was recorded in `layerInputs` (by tensor index, one array per item).
    public static func apply(to plan: inout QuantizationPlan, layerInputs: [Int: [[Float]]],
                             rounding: WeightRounding, biasCorrection: Bool) throws {
        guard rounding != .nearest || biasCorrection else { return }
        let graph = plan.graph
        for (index, op) in graph.operators.enumerated()
        where (op.code == .fullyConnected || op.code == .conv2D) && !plan.floatOperators.contains(index) {
            guard let items = layerInputs[op.inputs[0]], !items.isEmpty,
                  let w = graph.tensors[op.inputs[1]].constant, let bias = graph.tensors[op.inputs[2]].constant
            else { continue }
            let shape = graph.tensors[op.inputs[1]].shape
            let rows = shape[0], depth = shape.dropFirst().reduce(1, *)
            var window: WindowGeometry? = nil
            if op.code == .conv2D {
                let x = graph.tensors[op.inputs[0]].shape
                guard x.count == 4, let g = WindowGeometry(
                    inputHeight: x[1], inputWidth: x[2], channels: x[3], kernelHeight: shape[1], kernelWidth: shape[2],
                    strideHeight: Int(op.options.strideHeight), strideWidth: Int(op.options.strideWidth),
                    padding: op.options.padding) else {
                    throw QuantizationError.weightRounding(layer: op.name(in: graph), detail: "window \(shape[1])x\(shape[2]) does not fit input \(x)")
                }
                window = g
            } else if items[0].count != depth {
                throw QuantizationError.weightRounding(layer: op.name(in: graph), detail: "recorded input has \(items[0].count) values, weights expect \(depth)")
            }
            let stats = LayerInputStatistics(items: items, depth: depth, window: window, input: plan.parameters(op.inputs[0]))
            var weights = ChannelQuantizedWeights(weights: w, shape: shape, axis: 0)
            if rounding == .gptq {
                weights.values = GPTQRounding.quantize(weights: w, rows: rows, depth: depth, hessian: stats.gram, scales: weights.scales)
            }
            plan.int8Weights[index] = weights
            if biasCorrection {
                // The int8 layer computes W_q·x_q; the float one W·x. Remove the mean difference.
                var corrected = bias
                for r in 0..<rows {
                    var shift = 0.0
                    let s = Double(weights.scales[r])
                    for i in 0..<depth {
                        let quantized: Double = Double(weights.values[r * depth + i]) * s * stats.mean[i]
                        let float: Double = Double(w[r * depth + i]) * stats.floatMean[i]
                        shift += quantized - float
                    }
                    corrected[r] = Float(Double(bias[r]) - shift)
                }
                plan.int8Biases[index] = corrected
            }
        }
    }
}

import MinnowRuntime

/// Multiply-accumulate counts per operator, as profilers and papers count them (one MAC per
/// weight use; pooling and element-wise ops count 0).
public enum OperatorCost {
    public static func macs(_ model: Model, op: Int) -> Int {
        let inputs = model.operatorInputs(op)
        let outputs = model.operatorOutputs(op)
        guard let first = inputs.first, let out = outputs.first else { return 0 }
        let inShape = model.tensorShape(first)
        let outShape = model.tensorShape(out)
        let options = model.operatorOptions(op)
        switch model.operatorCode(op) {
        case .fullyConnected:
            return inShape.elementCount * outShape.last
        case .conv2D:
            guard inputs.count > 1 else { return 0 }
            let w = model.tensorShape(inputs[1])  // [O, kH, kW, C]
            guard w.rank == 4 else { return 0 }
            return outShape.elementCount * w[1] * w[2] * w[3]
        case .depthwiseConv2D:
            guard inputs.count > 1 else { return 0 }
            let w = model.tensorShape(inputs[1])  // [1, kH, kW, C]
            guard w.rank == 4 else { return 0 }
            return outShape.elementCount * w[1] * w[2]
        case .lstm, .gru:
            // Every step multiplies [x_t, h_{t−1}] by the gate matrices.
            guard inShape.rank == 3 else { return 0 }
            let steps = inShape[1], features = inShape[2]
            let units = Int(options.units)
            let gates = model.operatorCode(op) == .lstm ? 4 : 3
            return steps * gates * units * (features + units)
        default:
            return 0
        }
    }
}

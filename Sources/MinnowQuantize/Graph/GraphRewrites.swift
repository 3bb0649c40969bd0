import MinnowRuntime

/// Float-graph rewrites applied before quantization; each keeps the graph's float function.
extension FloatGraph {
    /// Folds every `batchNorm` that directly follows a weighted operator (`weightChannelAxis`)
    /// operator with no fused activation (and whose output nothing else reads) into that
    /// operator's weights and bias: `w'[c] = w[c]·scale[c]`, `b'[c] = b[c]·scale[c] + offset[c]`.
    /// The producer then writes the batch-norm's output tensor, so calibration of that tensor
    /// (post-BN values) applies unchanged. Returns the names of the folded batch-norms.
    @discardableResult
    public mutating func foldBatchNorms() -> [String] {
        var folded: [String] = []
        var op = 0
        while op < operators.count {
            defer { op += 1 }
            let bn = operators[op]
            guard bn.code == .batchNorm,
                  let scale = tensors[bn.inputs[1]].constant, let offset = tensors[bn.inputs[2]].constant,
                  let p = operators.firstIndex(where: { $0.outputs.contains(bn.inputs[0]) }),
                  let axis = operators[p].code.weightChannelAxis,
                  operators[p].options.activation == .none,
                  consumers(of: bn.inputs[0]) == [op], !outputs.contains(bn.inputs[0]),
                  let weights = tensors[operators[p].inputs[1]].constant,
                  let bias = tensors[operators[p].inputs[2]].constant,
                  bias.count == scale.count
            else { continue }
            let producer = operators[p]
            let channels = scale.count
            var w = weights
            // Scale each output channel along the weights' channel axis (the last axis, or the first).
            if axis != 0 {
                for i in w.indices { w[i] *= scale[i % channels] }
            } else {
                let perChannel = w.count / channels
                for i in w.indices { w[i] *= scale[i / perChannel] }
            }
            let b = (0..<channels).map { bias[$0] * scale[$0] + offset[$0] }
            let name = tensors[bn.outputs[0]].name
            let wIndex = addConstant(name: "\(name)/folded_weights", shape: tensors[producer.inputs[1]].shape, values: w)
            let bIndex = addConstant(name: "\(name)/folded_bias", shape: [channels], values: b)
            operators[p].inputs = [producer.inputs[0], wIndex, bIndex]
            operators[p].outputs = bn.outputs
            operators.remove(at: op)
            op -= 1
            folded.append(name)
        }
        return folded
    }

    /// Fuses a standalone `relu`/`relu6` into the weighted operator (`weightChannelAxis`) that
    /// produces its input (when that operator has no activation and nothing else reads its
    /// output). The producer then writes the activation's output tensor, so the calibrated
    /// range is the post-activation one. Returns the names of the fused activations.
    @discardableResult
    public mutating func fuseActivations() -> [String] {
        var fused: [String] = []
        var op = 0
        while op < operators.count {
            defer { op += 1 }
            let act = operators[op]
            guard act.code == .relu || act.code == .relu6,
                  let p = operators.firstIndex(where: { $0.outputs.contains(act.inputs[0]) }),
                  operators[p].code.weightChannelAxis != nil,
                  operators[p].options.activation == .none,
                  consumers(of: act.inputs[0]) == [op], !outputs.contains(act.inputs[0])
            else { continue }
            operators[p].options.activation = act.code == .relu ? .relu : .relu6
            operators[p].outputs = act.outputs
            operators.remove(at: op)
            op -= 1
            fused.append(tensors[act.outputs[0]].name)
        }
        return fused
    }
}

// Operand rules of the int8 operators (conventions in Graph.swift, "Int8 operators").

extension Model {
    /// Checks an operator whose first input is int8 (or a quantize/dequantize operator).
    func validateInt8Operands(_ op: Int, code: OperatorCode, inputCount: Int, outputCount: Int) throws(ModelError) {
        func arity(_ expectedInputs: Int) throws(ModelError) {
            guard inputCount == expectedInputs, outputCount == 1 else { throw .operatorArity(op: op, code: code) }
        }
        switch code {
        case .fullyConnected, .conv2D, .depthwiseConv2D: try arity(4)
        case .add, .softmax, .logistic, .tanh: try arity(2)
        case .maxPool2D, .averagePool2D, .globalAveragePool, .reshape, .relu, .relu6, .quantize, .dequantize: try arity(1)
        case .lstm, .gru:
            guard outputCount == 1, inputCount >= 1 else { throw .operatorArity(op: op, code: code) }
        case .batchNorm: throw .unsupportedOperator(op: op, code: code)
        }
        let ins = operatorInputs(op)
        let outs = operatorOutputs(op)
        let x = tensorShape(ins[0])
        let y = tensorShape(outs[0])
        let options = operatorOptions(op)
        func check(_ condition: Bool, _ detail: ShapeCheck) throws(ModelError) {
            guard condition else { throw .shapeMismatch(op: op, detail: detail) }
        }
        func type(_ t: Int, _ expected: ElementType) throws(ModelError) {
            guard tensorType(t) == expected else { throw .elementTypeMismatch(op: op, tensor: t) }
        }
        func constant(_ t: Int, _ expected: ElementType) throws(ModelError) {
            try type(t, expected)
            guard isConstant(t) else { throw .elementTypeMismatch(op: op, tensor: t) }
        }
        /// Per-tensor parameters present.
        @discardableResult
        func perTensor(_ t: Int) throws(ModelError) -> TensorQuantization {
            guard let q = quantization(t), q.count == 1 else { throw .badQuantization(tensor: t, detail: .missing) }
            return q
        }
        func sameMapping(_ a: Int, _ b: Int) throws(ModelError) {
            let qa = try perTensor(a), qb = try perTensor(b)
            guard qa.sameMapping(as: qb) else { throw .badQuantization(tensor: b, detail: .mismatch) }
        }
        func fixedRange(_ t: Int, scale: Float, zeroPoint: Int32) throws(ModelError) {
            let q = try perTensor(t)
            guard q.scale() == scale, q.zeroPoint() == zeroPoint else { throw .badQuantization(tensor: t, detail: .fixedRange) }
        }
        /// Weights (symmetric, optional parameters), folded int32 bias and requantization of `channels`.
        func gemmConstants(channels: Int, packed: Bool) throws(ModelError) {
            let w = ins[1]
            try constant(w, .int8)
            guard tensorLayout(w) == (packed ? .n16k4 : .dense) else { throw .tensorOutOfRange(tensor: w, field: .layout) }
            if let q = quantization(w) {
                guard q.count == 1 || q.count == channels else { throw .badQuantization(tensor: w, detail: .channelCount) }
                for i in 0..<q.count where q.zeroPoint(i) != 0 { throw .badQuantization(tensor: w, detail: .zeroPoint) }
            }
            try constant(ins[2], .int32)
            try check(tensorShape(ins[2]).equals(channels), .biasShape)
            try constant(ins[3], .int32)
            try check(tensorShape(ins[3]).equals(2, channels), .biasShape)
            let requant = constantData(ins[3]).unsafelyUnwrapped
            for c in 0..<channels {
                let m = requant.baseAddress.unsafelyUnwrapped.readLE(4 * c, as: Int32.self)
                let s = requant.baseAddress.unsafelyUnwrapped.readLE(4 * (channels + c), as: Int32.self)
                guard m >= 0, s >= -31, s <= 30 else { throw .badRequantization(op: op, index: c) }
            }
        }

        switch code {
        case .quantize:
            try type(ins[0], .float32)
            try type(outs[0], .int8)
            try perTensor(outs[0])
            try check(y == x, .outputShape)
            return
        case .dequantize:
            try type(ins[0], .int8)
            try perTensor(ins[0])
            try type(outs[0], .float32)
            try check(y == x, .outputShape)
            return
        default:
            break
        }
        try type(ins[0], .int8)
        try type(outs[0], .int8)
        try perTensor(ins[0])
        try perTensor(outs[0])

        switch code {
        case .fullyConnected:
            guard OperatorSelection.includes(.fullyConnected, int8: true) else { break }  // compiled out: rejected above
            try check(x.rank >= 2 && x[0] == 1, .inputRank)
            let w = tensorShape(ins[1])
            try check(w.rank == 2 && w[1] == x.elementCount, .weightsShape)
            try check(y.equals(1, w[0]), .outputShape)
            try gemmConstants(channels: w[0], packed: true)

        case .conv2D, .depthwiseConv2D:
            guard OperatorSelection.includes(.conv2D, int8: true) || OperatorSelection.includes(.depthwiseConv2D, int8: true) else { break }  // compiled out: rejected above
            try check(x.rank == 4 && x[0] == 1, .inputRank)
            let w = tensorShape(ins[1])
            let depthwise = code == .depthwiseConv2D
            try check(w.rank == 4 && w[3] == x[3] && (!depthwise || w[0] == 1), .weightsShape)
            let channels = depthwise ? x[3] : w[0]
            try check((options.kernelHeight == 0 || Int(options.kernelHeight) == w[1])
                      && (options.kernelWidth == 0 || Int(options.kernelWidth) == w[2]), .kernelSize)
            let g = try window(op, x: x, kernelHeight: w[1], kernelWidth: w[2], options: options)
            try check(y.equals(1, g.outputHeight, g.outputWidth, channels), .outputShape)
            try gemmConstants(channels: channels, packed: !depthwise)

        case .maxPool2D, .averagePool2D:
            guard OperatorSelection.includes(.maxPool2D, int8: true) || OperatorSelection.includes(.averagePool2D, int8: true) else { break }  // compiled out: rejected above
            try check(x.rank == 4 && x[0] == 1, .inputRank)
            guard options.kernelHeight >= 1, options.kernelWidth >= 1,
                  options.kernelHeight <= 65535, options.kernelWidth <= 65535 else {
                throw .badOptions(op: op, field: .kernelSize)
            }
            let g = try window(op, x: x, kernelHeight: Int(options.kernelHeight),
                               kernelWidth: Int(options.kernelWidth), options: options)
            try check(y.equals(1, g.outputHeight, g.outputWidth, x[3]), .outputShape)
            try sameMapping(ins[0], outs[0])

        case .globalAveragePool:
            guard OperatorSelection.includes(.globalAveragePool, int8: true) else { break }  // compiled out: rejected above
            try check(x.rank == 4 && x[0] == 1, .inputRank)
            try check(y.equals(1, x[3]), .outputShape)
            try sameMapping(ins[0], outs[0])

        case .add:
            guard OperatorSelection.includes(.add, int8: true) else { break }  // compiled out: rejected above
            try type(ins[1], .int8)
            try perTensor(ins[1])
            try check(tensorShape(ins[1]) == x, .operandShapes)
            try check(y == x, .outputShape)

        case .reshape:
            guard OperatorSelection.includes(.reshape, int8: true) else { break }  // compiled out: rejected above
            try check(y.elementCount == x.elementCount, .elementCount)
            try sameMapping(ins[0], outs[0])

        case .relu, .relu6:
            guard OperatorSelection.includes(.relu, int8: true) || OperatorSelection.includes(.relu6, int8: true) else { break }  // compiled out: rejected above
            try check(y == x, .outputShape)
            try sameMapping(ins[0], outs[0])

        case .softmax:
            guard OperatorSelection.includes(.softmax, int8: true) else { break }  // compiled out: rejected above
            try check(y == x, .outputShape)
            try constant(ins[1], .int32)
            try check(tensorShape(ins[1]).equals(256), .weightsShape)
            try fixedRange(outs[0], scale: 1.0 / 256, zeroPoint: -128)

        case .logistic, .tanh:
            guard OperatorSelection.includes(.logistic, int8: true) || OperatorSelection.includes(.tanh, int8: true) else { break }  // compiled out: rejected above
            try check(y == x, .outputShape)
            try constant(ins[1], .int8)
            try check(tensorShape(ins[1]).equals(256), .weightsShape)
            if code == .logistic {
                try fixedRange(outs[0], scale: 1.0 / 256, zeroPoint: -128)
            } else {
                try fixedRange(outs[0], scale: 1.0 / 128, zeroPoint: 0)
            }

        case .lstm, .gru:
            // (Folds away in a build without int8 recurrent kernels; such models were rejected above.)
            guard OperatorSelection.includes(.lstm, int8: true) || OperatorSelection.includes(.gru, int8: true),
                  Int8Recurrent.validate(model: self, op: op) else { throw .unsupportedOperator(op: op, code: code) }

        case .batchNorm, .quantize, .dequantize:
            break
        }
    }
}

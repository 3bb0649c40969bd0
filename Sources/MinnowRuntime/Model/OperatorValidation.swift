// Per-operator operand rules, following the conventions documented on `OperatorCode`.

extension Model {
    /// Checks arity, element types, options and operand shapes of operator `op`.
    func validateOperands(_ op: Int, code: OperatorCode, inputCount: Int, outputCount: Int) throws(ModelError) {
        // Dispatch by the first input's element type: int8 operators have their own rules.
        let int8Path = code == .quantize || code == .dequantize
            || (inputCount >= 1 && outputCount >= 1 && tensorType(operatorInputs(op)[0]) == .int8)
        // A build that compiled this kernel out (`OperatorSelection`) rejects the model at load;
        // the rules of a path with no kernels at all fold away.
        guard OperatorSelection.includes(code, int8: int8Path) else { throw .unsupportedOperator(op: op, code: code) }
        if int8Path {
            guard OperatorSelection.includesInt8Path else { throw .unsupportedOperator(op: op, code: code) }
            return try validateInt8Operands(op, code: code, inputCount: inputCount, outputCount: outputCount)
        }
        guard OperatorSelection.includesFloatPath else { throw .unsupportedOperator(op: op, code: code) }
        func arity(_ expectedInputs: Int, _ expectedOutputs: Int = 1) throws(ModelError) {
            guard inputCount == expectedInputs, outputCount == expectedOutputs else {
                throw .operatorArity(op: op, code: code)
            }
        }
        switch code {
        case .fullyConnected, .conv2D, .depthwiseConv2D, .batchNorm: try arity(3)
        case .lstm: try arity(4)
        case .gru: try arity(5)
        case .add: try arity(2)
        case .maxPool2D, .averagePool2D, .globalAveragePool, .reshape, .softmax, .logistic, .tanh,
             .relu, .relu6: try arity(1)
        case .quantize, .dequantize: throw .unsupportedOperator(op: op, code: code)
        }
        for t in operatorInputs(op) where quantization(t) != nil { throw .badQuantization(tensor: t, detail: .elementType) }
        for t in operatorInputs(op) where tensorLayout(t) != .dense { throw .tensorOutOfRange(tensor: t, field: .layout) }

        let ins = operatorInputs(op)
        let outs = operatorOutputs(op)
        for t in ins where tensorType(t) != .float32 { throw .elementTypeMismatch(op: op, tensor: t) }
        for t in outs where tensorType(t) != .float32 { throw .elementTypeMismatch(op: op, tensor: t) }

        let options = operatorOptions(op)
        let x = tensorShape(ins[0])
        let y = tensorShape(outs[0])
        func check(_ condition: Bool, _ detail: ShapeCheck) throws(ModelError) {
            guard condition else { throw .shapeMismatch(op: op, detail: detail) }
        }

        switch code {
        case .fullyConnected:
            try check(x.rank >= 2 && x[0] == 1, .inputRank)
            let w = tensorShape(ins[1])
            try check(w.rank == 2 && w[1] == x.elementCount, .weightsShape)
            try check(tensorShape(ins[2]).equals(w[0]), .biasShape)
            try check(y.equals(1, w[0]), .outputShape)

        case .conv2D, .depthwiseConv2D:
            try check(x.rank == 4 && x[0] == 1, .inputRank)
            let w = tensorShape(ins[1])
            let depthwise = code == .depthwiseConv2D
            try check(w.rank == 4 && w[3] == x[3] && (!depthwise || w[0] == 1), .weightsShape)
            let channels = depthwise ? x[3] : w[0]
            try check(tensorShape(ins[2]).equals(channels), .biasShape)
            try check((options.kernelHeight == 0 || Int(options.kernelHeight) == w[1])
                      && (options.kernelWidth == 0 || Int(options.kernelWidth) == w[2]), .kernelSize)
            let g = try window(op, x: x, kernelHeight: w[1], kernelWidth: w[2], options: options)
            try check(y.equals(1, g.outputHeight, g.outputWidth, channels), .outputShape)

        case .maxPool2D, .averagePool2D:
            try check(x.rank == 4 && x[0] == 1, .inputRank)
            // Bounded so window arithmetic cannot overflow on 32-bit targets.
            guard options.kernelHeight >= 1, options.kernelWidth >= 1,
                  options.kernelHeight <= 65535, options.kernelWidth <= 65535 else {
                throw .badOptions(op: op, field: .kernelSize)
            }
            let g = try window(op, x: x, kernelHeight: Int(options.kernelHeight),
                               kernelWidth: Int(options.kernelWidth), options: options)
            try check(y.equals(1, g.outputHeight, g.outputWidth, x[3]), .outputShape)

        case .globalAveragePool:
            try check(x.rank == 4 && x[0] == 1, .inputRank)
            try check(y.equals(1, x[3]), .outputShape)

        case .add:
            try check(tensorShape(ins[1]) == x, .operandShapes)
            try check(y == x, .outputShape)

        case .reshape:
            try check(y.elementCount == x.elementCount, .elementCount)

        case .softmax, .logistic, .tanh, .relu, .relu6:
            try check(y == x, .outputShape)

        case .batchNorm:
            try check(x.rank >= 1, .inputRank)
            try check(tensorShape(ins[1]).equals(x.last) && tensorShape(ins[2]).equals(x.last), .biasShape)
            try check(y == x, .outputShape)

        case .lstm, .gru:
            let gates = code == .lstm ? 4 : 3
            try check(x.rank == 3 && x[0] == 1, .inputRank)
            let wh = tensorShape(ins[2])
            try check(wh.rank == 2 && wh[0] == gates * wh[1], .weightsShape)
            let hidden = wh[1]
            guard Int(options.units) == hidden else { throw .badOptions(op: op, field: .units) }
            try check(tensorShape(ins[1]).equals(gates * hidden, x[2]), .weightsShape)
            try check(tensorShape(ins[3]).equals(gates * hidden), .biasShape)
            if code == .gru { try check(tensorShape(ins[4]).equals(gates * hidden), .biasShape) }
            try check(options.returnSequences ? y.equals(1, x[1], hidden) : y.equals(1, hidden), .outputShape)

        case .quantize, .dequantize:
            break
        }
    }

    /// Window geometry of a conv or pool operator; throws when strides or sizes are invalid.
    func window(_ op: Int, x: TensorShape, kernelHeight: Int, kernelWidth: Int,
                options: OperatorOptions) throws(ModelError) -> WindowGeometry {
        guard options.strideHeight >= 1, options.strideWidth >= 1,
              options.strideHeight <= 65535, options.strideWidth <= 65535 else {
            throw .badOptions(op: op, field: .stride)
        }
        guard let rows = AxisGeometry(input: x[1], kernel: kernelHeight, stride: Int(options.strideHeight),
                                      padding: options.padding),
              let cols = AxisGeometry(input: x[2], kernel: kernelWidth, stride: Int(options.strideWidth),
                                      padding: options.padding) else {
            throw .shapeMismatch(op: op, detail: .outputShape)
        }
        return WindowGeometry(
            inputHeight: x[1], inputWidth: x[2], channels: x[3],
            kernelHeight: kernelHeight, kernelWidth: kernelWidth,
            strideHeight: Int(options.strideHeight), strideWidth: Int(options.strideWidth),
            outputHeight: rows.outputSize, outputWidth: cols.outputSize,
            padTop: rows.padBefore, padLeft: cols.padBefore)
    }
}

// The int8 half of the interpreter: typed access to int8 tensors and the int8 operator dispatch.

extension Interpreter {
    // MARK: int8 tensor access

    /// Model input `index` as int8, to fill before `invoke()` (quantize with `inputQuantization`).
    public func inputInt8(_ index: Int) -> UnsafeMutableBufferPointer<Int8> {
        precondition(index >= 0 && index < model.inputs.count, "Interpreter: input index out of range")
        return activationInt8(model.inputs[index])
    }

    /// Model output `index` as int8, valid after `invoke()` (dequantize with `outputQuantization`).
    public func outputInt8(_ index: Int) -> UnsafeMutableBufferPointer<Int8> {
        precondition(index >= 0 && index < model.outputs.count, "Interpreter: output index out of range")
        return activationInt8(model.outputs[index])
    }

    /// Quantization of model input `index` (`nil` for a float input).
    public func inputQuantization(_ index: Int) -> TensorQuantization? {
        precondition(index >= 0 && index < model.inputs.count, "Interpreter: input index out of range")
        return model.quantization(model.inputs[index])
    }

    /// Quantization of model output `index` (`nil` for a float output).
    public func outputQuantization(_ index: Int) -> TensorQuantization? {
        precondition(index >= 0 && index < model.outputs.count, "Interpreter: output index out of range")
        return model.quantization(model.outputs[index])
    }

    func activationInt8(_ t: Int) -> UnsafeMutableBufferPointer<Int8> {
        precondition(model.tensorType(t) == .int8, "Interpreter: tensor is not int8")
        return UnsafeMutableBufferPointer(start: int8s(t), count: model.tensorShape(t).elementCount)
    }

    /// Any int8 tensor's current data by tensor index, read-only (see `tensorFloats`).
    public func tensorInt8(_ tensorIndex: Int) -> UnsafeBufferPointer<Int8> {
        precondition(tensorIndex >= 0 && tensorIndex < model.tensorCount, "Interpreter: tensor index out of range")
        precondition(model.tensorType(tensorIndex) == .int8, "Interpreter: tensor is not int8")
        if !model.isConstant(tensorIndex) && arenaOffset(tensorIndex) < 0 {
            return UnsafeBufferPointer(start: nil, count: 0)
        }
        return UnsafeBufferPointer(start: int8s(tensorIndex), count: model.storedByteCount(tensorIndex))
    }

    @inline(__always) func int8s(_ t: Int) -> UnsafeMutablePointer<Int8> { pointer(t).assumingMemoryBound(to: Int8.self) }
    @inline(__always) func int32s(_ t: Int) -> UnsafePointer<Int32> {
        UnsafePointer(pointer(t).assumingMemoryBound(to: Int32.self))
    }

    /// Per-tensor quantization of a tensor validated to have it.
    @inline(__always) func quant(_ t: Int) -> TensorQuantization { model.quantization(t).unsafelyUnwrapped }

    // MARK: int8 execution

    /// Output stage of a GEMM-backed or depthwise operator: bias input 2, requantization input 3.
    func outputStage(_ op: Int, channels: Int, output: Int) -> (Int8OutputStage, Int8ActivationRange) {
        let ins = model.operatorInputs(op)
        let q = quant(output)
        let range = Int8ActivationRange(model.operatorOptions(op).activation, scale: q.scale(), zeroPoint: q.zeroPoint())
        let requant = int32s(ins[3])
        return (Int8OutputStage(bias: int32s(ins[2]), multipliers: requant, shifts: requant + channels,
                                outputZeroPoint: q.zeroPoint(), lowerBound: range.lower, upperBound: range.upper), range)
    }

    /// Runs int8 (or quantize/dequantize) operator `op`; everything was validated at load.
    func runInt8(_ op: Int) {
        let code = model.operatorCode(op)
        let ins = model.operatorInputs(op)
        let output = model.operatorOutputs(op)[0]
        let options = model.operatorOptions(op)
        let xShape = model.tensorShape(ins[0])
        let count = model.tensorShape(output).elementCount

        switch code {
        case .quantize:
            guard OperatorSelection.includes(.quantize, int8: true) else { return }
            let q = quant(output)
            quantizeInt8(floats(ins[0]), output: int8s(output), count: count, scale: q.scale(), zeroPoint: q.zeroPoint())
            return
        case .dequantize:
            guard OperatorSelection.includes(.dequantize, int8: true) else { return }
            let q = quant(ins[0])
            dequantizeInt8(int8s(ins[0]), output: floats(output), count: count, scale: q.scale(), zeroPoint: q.zeroPoint())
            return
        default:
            break
        }
        let x = UnsafePointer(int8s(ins[0]))
        let y = int8s(output)

        switch code {
        case .fullyConnected:
            guard OperatorSelection.includes(.fullyConnected, int8: true) else { return }
            let n = model.tensorShape(ins[1])[0]
            let (stage, _) = outputStage(op, channels: n, output: output)
            fullyConnectedInt8(input: x, depth: xShape.elementCount, packedWeights: int8s(ins[1]), channels: n,
                               stage: stage, output: y, gemmScratch: data + arenaOffset(model.tensorCount &+ op),
                               gemmScratchBytes: MemoryPlanner.gemmScratchBytes(model, op: op))
        case .conv2D:
            guard OperatorSelection.includes(.conv2D, int8: true) else { return }
            let w = model.tensorShape(ins[1])
            let (stage, _) = outputStage(op, channels: w[0], output: output)
            let pointwise = MemoryPlanner.isPointwise(model, op: op)
            let scratchStart = data + arenaOffset(model.tensorCount &+ op)
            let im2colBytes = MemoryPlanner.im2colBytes(model, op: op)
            let scratch: UnsafeMutablePointer<Int8>? = pointwise ? nil : scratchStart.assumingMemoryBound(to: Int8.self)
            conv2DInt8(input: x, packedWeights: int8s(ins[1]), outputChannels: w[0], stage: stage,
                       inputZeroPoint: quant(ins[0]).zeroPoint(),
                       geometry: windowGeometry(op, input: xShape, kernelHeight: w[1], kernelWidth: w[2]),
                       output: y, scratch: scratch, blockPixels: pointwise ? 0 : MemoryPlanner.im2colPixels(model, op: op),
                       gemmScratch: scratchStart + im2colBytes, gemmScratchBytes: MemoryPlanner.gemmScratchBytes(model, op: op))
        case .depthwiseConv2D:
            guard OperatorSelection.includes(.depthwiseConv2D, int8: true) else { return }
            let w = model.tensorShape(ins[1])
            let (stage, _) = outputStage(op, channels: xShape[3], output: output)
            depthwiseConv2DInt8(input: x, weights: int8s(ins[1]), stage: stage, inputZeroPoint: quant(ins[0]).zeroPoint(),
                                geometry: windowGeometry(op, input: xShape, kernelHeight: w[1], kernelWidth: w[2]),
                                output: y)
        case .maxPool2D, .averagePool2D:
            guard OperatorSelection.includes(.maxPool2D, int8: true) || OperatorSelection.includes(.averagePool2D, int8: true) else { return }
            let q = quant(output)
            pool2DInt8(input: x, output: y,
                       geometry: windowGeometry(op, input: xShape, kernelHeight: Int(options.kernelHeight),
                                                kernelWidth: Int(options.kernelWidth)),
                       isMax: code == .maxPool2D,
                       range: Int8ActivationRange(options.activation, scale: q.scale(), zeroPoint: q.zeroPoint()))
        case .globalAveragePool:
            guard OperatorSelection.includes(.globalAveragePool, int8: true) else { return }
            globalAveragePoolInt8(input: x, output: y, positions: xShape[1] &* xShape[2], channels: xShape[3])
        case .add:
            guard OperatorSelection.includes(.add, int8: true) else { return }
            let qa = quant(ins[0]), qb = quant(ins[1]), qy = quant(output)
            let parameters = Int8AddParameters(scaleA: qa.scale(), zeroPointA: qa.zeroPoint(), scaleB: qb.scale(),
                                               zeroPointB: qb.zeroPoint(), scaleOutput: qy.scale(), zeroPointOutput: qy.zeroPoint())
            addInt8(x, int8s(ins[1]), output: y, count: count, parameters: parameters,
                    range: Int8ActivationRange(options.activation, scale: qy.scale(), zeroPoint: qy.zeroPoint()))
        case .reshape:
            guard OperatorSelection.includes(.reshape, int8: true) else { return }
            if UnsafeMutablePointer(mutating: x) != y { y.update(from: x, count: count) }
        case .relu, .relu6:
            guard OperatorSelection.includes(.relu, int8: true) || OperatorSelection.includes(.relu6, int8: true) else { return }
            let q = quant(output)
            clampInt8(x, output: y, count: count,
                      range: Int8ActivationRange(code == .relu ? .relu : .relu6, scale: q.scale(), zeroPoint: q.zeroPoint()))
        case .logistic, .tanh:
            guard OperatorSelection.includes(.logistic, int8: true) || OperatorSelection.includes(.tanh, int8: true) else { return }
            lookupInt8(x, table: int8s(ins[1]), output: y, count: count)
        case .softmax:
            guard OperatorSelection.includes(.softmax, int8: true) else { return }
            softmaxInt8(x, table: int32s(ins[1]), output: y, rows: count / xShape.last, depth: xShape.last)
        case .lstm, .gru:
            guard OperatorSelection.includes(.lstm, int8: true) || OperatorSelection.includes(.gru, int8: true) else { return }
            let scratch = data + max(arenaOffset(model.tensorCount &+ op), 0)
            if !streaming {
                scratch.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryPlanner.scratchBytes(model, op: op))
            }
            Int8Recurrent.invoke(model: model, op: op, input: x, output: y, scratch: scratch)
        case .batchNorm, .quantize, .dequantize:
            break
        }
    }
}

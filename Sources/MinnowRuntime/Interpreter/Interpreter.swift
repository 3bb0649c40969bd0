/// Runs a validated `Model` (float or int8) inside one caller-provided arena, without heap
/// allocation: neither `init(model:arena:)` nor `invoke()` allocates.
///
/// The arena holds, from its first 16-byte boundary: one Int32 arena offset per tensor and per
/// operator (scratch), then the tensor data laid out by `MemoryPlanner`. Planning runs inside
/// the arena too (its work columns use the data area before the data exists).
/// The interpreter is a value over borrowed memory: the model bytes and the arena must outlive
/// it, and copies share the same arena (do not invoke two copies concurrently).
///
/// Recurrent state (LSTM/GRU, float and int8): by default it starts at zero on every
/// `invoke()`. With `streaming`, it carries over from one `invoke()` to the next (one time step
/// chunk after another) until `resetState()`: feeding a sequence one step per invoke (a model
/// exported with `minnow export --streaming`) gives the full-sequence model's outputs.
public struct Interpreter: @unchecked Sendable {
    /// The model being executed.
    public let model: Model
    let offsets: UnsafeMutablePointer<Int32>
    let data: UnsafeMutableRawPointer
    /// Bytes of the arena the interpreter uses, counted from the arena's first byte.
    public let usedArenaBytes: Int
    /// Whether recurrent state persists between invocations.
    public let streaming: Bool

    /// Exact arena bytes `init(model:arena:)` needs for `model` when the arena starts on a
    /// 16-byte boundary (add up to 15 bytes otherwise): offset table plus planned tensor data
    /// (or the planning work area, if that is larger).
    ///
    /// With `preservingAllTensors`, no activation memory is reused, so every intermediate
    /// tensor can be inspected after `invoke()` (per-layer debugging), at the cost of memory.
    /// This host-side sizing query plans in temporary stack memory; on a device, size the arena
    /// with the host figure and call `init(model:arena:)`, which plans inside the arena.
    public static func requiredArenaBytes(for model: Model, preservingAllTensors: Bool = false,
                                          streaming: Bool = false) -> Int {
        let count = MemoryPlanner.bufferCount(model)
        let dataBytes = withUnsafeTemporaryAllocation(of: Int32.self, capacity: max(count * (1 + MemoryPlanner.workColumns), 1)) { slots in
            MemoryPlanner.plan(model, preservingAllTensors: preservingAllTensors, streaming: streaming,
                               offsets: slots.baseAddress!, work: slots.baseAddress! + count)
        }
        return MemoryPlanner.bookkeepingBytes(model) + max(dataBytes, MemoryPlanner.workBytes(model))
    }

    /// Plans `model` into `arena`; throws `.arenaTooSmall` with the exact figure when it does
    /// not fit. Activation memory (and recurrent state) is zeroed.
    public init(model: Model, arena: UnsafeMutableRawBufferPointer,
                preservingAllTensors: Bool = false, streaming: Bool = false) throws(RuntimeError) {
        let address = arena.baseAddress.map { UInt(bitPattern: $0) } ?? 0
        let padding = Int((UInt(MemoryPlanner.alignment) &- address % UInt(MemoryPlanner.alignment)) % UInt(MemoryPlanner.alignment))
        let bookkeeping = MemoryPlanner.bookkeepingBytes(model)
        let work = MemoryPlanner.workBytes(model)
        guard let start = arena.baseAddress, padding + bookkeeping + work <= arena.count else {
            let required = padding + Interpreter.requiredArenaBytes(
                for: model, preservingAllTensors: preservingAllTensors, streaming: streaming)
            throw .arenaTooSmall(required: required, provided: arena.count)
        }
        let count = MemoryPlanner.bufferCount(model)
        let offsets = (start + padding).bindMemory(to: Int32.self, capacity: count)
        let data = start + padding + bookkeeping
        let workColumns = data.bindMemory(to: Int32.self, capacity: count * MemoryPlanner.workColumns)
        let dataBytes = MemoryPlanner.plan(model, preservingAllTensors: preservingAllTensors, streaming: streaming,
                                           offsets: offsets, work: workColumns)
        let required = padding + bookkeeping + max(dataBytes, work)
        guard required <= arena.count else { throw .arenaTooSmall(required: required, provided: arena.count) }
        self.model = model
        self.offsets = offsets
        self.data = data
        self.usedArenaBytes = required
        self.streaming = streaming
        data.initializeMemory(as: UInt8.self, repeating: 0, count: max(dataBytes, work))
    }

    // MARK: Tensor access

    /// Byte offset of tensor or scratch buffer `b` in the data area, or a negative value when it
    /// has no arena memory.
    @inline(__always) func arenaOffset(_ b: Int) -> Int { Int(offsets[b]) }

    /// Raw pointer to tensor `t`: into the arena for activations, into the model for constants.
    @inline(__always) func pointer(_ t: Int) -> UnsafeMutableRawPointer {
        let offset = arenaOffset(t)
        if offset >= 0 { return data + offset }
        return UnsafeMutableRawPointer(mutating: model.constantData(t).unsafelyUnwrapped.baseAddress.unsafelyUnwrapped)
    }

    /// Float pointer to tensor `t`: into the arena for activations, into the model for constants.
    @inline(__always) func floats(_ t: Int) -> UnsafeMutablePointer<Float> {
        pointer(t).assumingMemoryBound(to: Float.self)
    }

    /// Model input `index` as floats, to fill before every `invoke()`: the memory plan may reuse
    /// an input's bytes once the operators that read it have run.
    public func inputFloats(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(index >= 0 && index < model.inputs.count, "Interpreter: input index out of range")
        return activationFloats(model.inputs[index])
    }

    /// Model output `index` as floats, valid after `invoke()`.
    public func outputFloats(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(index >= 0 && index < model.outputs.count, "Interpreter: output index out of range")
        return activationFloats(model.outputs[index])
    }

    func activationFloats(_ t: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(model.tensorType(t) == .float32, "Interpreter: tensor is not float32")
        return UnsafeMutableBufferPointer(start: floats(t), count: model.tensorShape(t).elementCount)
    }

    /// Any tensor's current data by tensor index, read-only: constants point into the model,
    /// activations into the arena (empty for a tensor nothing references). Unless the
    /// interpreter preserves all tensors, an intermediate's memory may have been reused by a
    /// later operator by the time `invoke()` returns.
    public func tensorFloats(_ tensorIndex: Int) -> UnsafeBufferPointer<Float> {
        precondition(tensorIndex >= 0 && tensorIndex < model.tensorCount, "Interpreter: tensor index out of range")
        precondition(model.tensorType(tensorIndex) == .float32, "Interpreter: tensor is not float32")
        if !model.isConstant(tensorIndex) && arenaOffset(tensorIndex) < 0 {
            return UnsafeBufferPointer(start: nil, count: 0)
        }
        return UnsafeBufferPointer(start: floats(tensorIndex), count: model.tensorShape(tensorIndex).elementCount)
    }

    // MARK: Execution

    /// Runs every operator in order. Recurrent state starts at zero on each call unless the
    /// interpreter is `streaming`.
    public func invoke() throws(RuntimeError) {
        for op in 0..<model.operatorCount { try invokeOperator(op) }
    }

    /// Zeroes the recurrent state of every LSTM/GRU (for `streaming` interpreters: starts a new
    /// sequence).
    public func resetState() {
        for op in 0..<model.operatorCount {
            let code = model.operatorCode(op)
            guard code == .lstm || code == .gru else { continue }
            let offset = arenaOffset(model.tensorCount &+ op)
            if offset >= 0 {
                (data + offset).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryPlanner.scratchBytes(model, op: op))
            }
        }
    }

    /// Geometry of conv/pool operator `op` (validated when the model was loaded).
    func windowGeometry(_ op: Int, input: TensorShape, kernelHeight: Int, kernelWidth: Int) -> WindowGeometry {
        let options = model.operatorOptions(op)
        let rows = AxisGeometry(input: input[1], kernel: kernelHeight, stride: Int(options.strideHeight),
                                padding: options.padding).unsafelyUnwrapped
        let cols = AxisGeometry(input: input[2], kernel: kernelWidth, stride: Int(options.strideWidth),
                                padding: options.padding).unsafelyUnwrapped
        return WindowGeometry(
            inputHeight: input[1], inputWidth: input[2], channels: input[3],
            kernelHeight: kernelHeight, kernelWidth: kernelWidth,
            strideHeight: Int(options.strideHeight), strideWidth: Int(options.strideWidth),
            outputHeight: rows.outputSize, outputWidth: cols.outputSize,
            padTop: rows.padBefore, padLeft: cols.padBefore)
    }

    func run(_ op: Int) throws(RuntimeError) {
        let code = model.operatorCode(op)
        let ins = model.operatorInputs(op)
        let output = model.operatorOutputs(op)[0]
        let options = model.operatorOptions(op)
        let x = UnsafePointer(floats(ins[0]))
        let y = floats(output)
        let xShape = model.tensorShape(ins[0])
        let count = model.tensorShape(output).elementCount

        switch code {
        case .fullyConnected:
            guard OperatorSelection.includes(.fullyConnected, int8: false) else { return }
            fullyConnectedFloat(input: x, inputSize: xShape.elementCount,
                                weights: floats(ins[1]), bias: floats(ins[2]),
                                output: y, outputSize: count)
        case .conv2D:
            guard OperatorSelection.includes(.conv2D, int8: false) else { return }
            let w = model.tensorShape(ins[1])
            conv2DFloat(input: x, weights: floats(ins[1]), bias: floats(ins[2]), output: y,
                        outputChannels: w[0],
                        geometry: windowGeometry(op, input: xShape, kernelHeight: w[1], kernelWidth: w[2]))
        case .depthwiseConv2D:
            guard OperatorSelection.includes(.depthwiseConv2D, int8: false) else { return }
            let w = model.tensorShape(ins[1])
            depthwiseConv2DFloat(input: x, weights: floats(ins[1]), bias: floats(ins[2]), output: y,
                                 geometry: windowGeometry(op, input: xShape, kernelHeight: w[1], kernelWidth: w[2]))
        case .maxPool2D, .averagePool2D:
            guard OperatorSelection.includes(.maxPool2D, int8: false) || OperatorSelection.includes(.averagePool2D, int8: false) else { return }
            pool2DFloat(input: x, output: y,
                        geometry: windowGeometry(op, input: xShape, kernelHeight: Int(options.kernelHeight),
                                                 kernelWidth: Int(options.kernelWidth)),
                        isMax: code == .maxPool2D)
        case .globalAveragePool:
            guard OperatorSelection.includes(.globalAveragePool, int8: false) else { return }
            globalAveragePoolFloat(input: x, output: y, positions: xShape[1] &* xShape[2], channels: xShape[3])
        case .add:
            guard OperatorSelection.includes(.add, int8: false) else { return }
            addFloat(x, floats(ins[1]), output: y, count: count)
        case .reshape:
            guard OperatorSelection.includes(.reshape, int8: false) else { return }
            if UnsafeMutablePointer(mutating: x) != y { reshapeFloat(x, output: y, count: count) }
        case .softmax:
            guard OperatorSelection.includes(.softmax, int8: false) else { return }
            softmaxFloat(x, output: y, rows: count / xShape.last, depth: xShape.last)
        case .logistic:
            guard OperatorSelection.includes(.logistic, int8: false) else { return }
            logisticFloat(x, output: y, count: count)
        case .tanh:
            guard OperatorSelection.includes(.tanh, int8: false) else { return }
            tanhFloat(x, output: y, count: count)
        case .relu:
            guard OperatorSelection.includes(.relu, int8: false) else { return }
            reluFloat(x, output: y, count: count)
        case .relu6:
            guard OperatorSelection.includes(.relu6, int8: false) else { return }
            relu6Float(x, output: y, count: count)
        case .batchNorm:
            guard OperatorSelection.includes(.batchNorm, int8: false) else { return }
            batchNormFloat(x, scale: floats(ins[1]), offset: floats(ins[2]), output: y,
                           rows: count / xShape.last, channels: xShape.last)
        case .lstm:
            guard OperatorSelection.includes(.lstm, int8: false) else { return }
            if !streaming { scratch(op).update(repeating: 0, count: 2 &* Int(options.units)) }  // h, c
            lstmFloat(input: x, steps: xShape[1], features: xShape[2],
                      inputWeights: floats(ins[1]), recurrentWeights: floats(ins[2]), bias: floats(ins[3]),
                      hidden: Int(options.units), returnSequences: options.returnSequences,
                      output: y, scratch: scratch(op))
        case .gru:
            guard OperatorSelection.includes(.gru, int8: false) else { return }
            if !streaming { scratch(op).update(repeating: 0, count: Int(options.units)) }  // h
            gruFloat(input: x, steps: xShape[1], features: xShape[2],
                     inputWeights: floats(ins[1]), recurrentWeights: floats(ins[2]),
                     inputBias: floats(ins[3]), recurrentBias: floats(ins[4]),
                     hidden: Int(options.units), returnSequences: options.returnSequences,
                     output: y, scratch: scratch(op))
        case .quantize, .dequantize:
            throw .unsupportedOperator(op: op, code: code)
        }
        applyActivation(options.activation, y, count: count)
    }

    /// Scratch floats of operator `op` in the arena.
    func scratch(_ op: Int) -> UnsafeMutablePointer<Float> {
        (data + arenaOffset(model.tensorCount &+ op)).assumingMemoryBound(to: Float.self)
    }
}

/// LSTM over a whole sequence, gate order i, f, g (cell candidate), o; sigmoid gates, tanh cell.
///
/// - Float: `[x [1,T,F], inputWeights [4H, F], recurrentWeights [4H, H], bias [4H]]` → `[1, H]` (last
///   step) or `[1, T, H]` (`returnSequences`); per step `z = Wx·x_t + Wh·h + b`, `c = f⊙c + i⊙g`,
///   `h = o⊙tanh(c)`. Scratch: `6H` floats (h, c, z); the state (h, c) is zeroed on every
///   invocation, or kept between invocations of a streaming interpreter until `resetState()`.
/// - Int8: `[x, inputWeights, recurrentWeights, bias, rowExponents, parameters]` with int16 cell
///   state: the fixed-point contract on `Int8LSTMKernel`, checked by `Int8RecurrentLayout`. Its state
///   lives in scratch: zeroed on every invocation, or kept between invocations of a streaming
///   interpreter until `resetState()`.
/// - Options: units (H), return sequences.
public enum LSTMOperator: OperatorDefinition {
    public static let code = OperatorCode.lstm
    static let gates = 4

    public static var kernels: KernelSelection {
        #if MINNOW_SELECTED_OPERATORS
        var selection = KernelSelection(float: false, int8: false)
        #if MINNOW_OP_FLOAT32_LSTM
        selection.float = true
        #endif
        #if MINNOW_OP_INT8_LSTM
        selection.int8 = true
        #endif
        return selection
        #else
        return .all
        #endif
    }

    public static func decodeOptions(_ bytes: OptionBytes, op: Int) throws(ModelError) -> OperatorOptions {
        try OptionLayout.decodeRecurrent(bytes, op: op)
    }
    public static func encodeOptions(_ options: OperatorOptions, into bytes: inout OptionWriter) {
        OptionLayout.encodeRecurrent(options, into: &bytes)
    }

    public static func validate(_ node: OperatorNode) throws(ModelError) {
        let int8 = try path(node)
        let options = Self.options(node)
        if int8 {
            guard node.outputs.count == 1, node.inputs.count >= 1 else { throw .operatorArity(op: node.index, code: code) }
            try node.requireInt8Edges()
            if let problem = Int8RecurrentLayout.check(
                isLSTM: code == .lstm, inputCount: node.inputs.count, input: { recurrentOperand(node, node.input($0)) },
                output: recurrentOperand(node, node.output), units: Int(options.units),
                returnSequences: options.returnSequences) {
                throw .badRecurrentOperand(op: node.index, operand: problem.operand, field: problem.field)
            }
            return
        }
        try node.requireArity(4)
        try node.requireFloatOperands()
        let x = node.shape(node.input(0))
        try node.require(x.rank == 3 && x[0] == 1, .inputRank)
        let wh = node.shape(node.input(2))
        try node.require(wh.rank == 2 && wh[0] == gates &* wh[1], .weightsShape)
        let hidden = wh[1], rows = gates &* hidden
        guard Int(options.units) == hidden else { throw .badOptions(op: node.index, field: .units) }
        try node.require(node.shape(node.input(1)).equals(rows, x[2]), .weightsShape)
        try node.require(node.shape(node.input(3)).equals(rows), .biasShape)
        try node.require(options.returnSequences ? node.shape(node.output).equals(1, x[1], hidden)
                         : node.shape(node.output).equals(1, hidden), .outputShape)
    }

    /// One operand as the recurrent contract's check reads it.
    static func recurrentOperand(_ node: OperatorNode, _ t: Int) -> Int8RecurrentLayout.Operand {
        let q = node.model.quantization(t)
        return Int8RecurrentLayout.Operand(
            type: node.type(t), shape: node.shape(t), constant: node.model.constantData(t), layout: node.model.tensorLayout(t),
            quantization: q.map { ($0.scale(), $0.zeroPoint()) })
    }

    public static func scratch(_ node: OperatorNode, kernels path: KernelPath) -> ScratchRequest {
        let units = Int(Self.options(node).units)
        if node.isInt8 {
            return ScratchRequest(bytes: Int8LSTMKernel.scratchBytes(units: units, features: node.shape(node.input(0))[2]), isState: true)
        }
        return ScratchRequest(bytes: 6 &* units &* 4, isState: true)
    }

    public static func invoke(_ node: OperatorNode, _ context: InvocationContext) {
        let options = Self.options(node)
        let x = node.shape(node.input(0))
        let units = Int(options.units)
        if node.isInt8 {
            guard kernels.int8 else { return }
            let scratch = context.scratch(node.index)
            if !context.streaming {
                scratch.initializeMemory(as: UInt8.self, repeating: 0, count: Int8LSTMKernel.scratchBytes(units: units, features: x[2]))
            }
            func constant<T>(_ i: Int, _ type: T.Type) -> UnsafePointer<T> {
                UnsafePointer(context.raw(node.input(i)).assumingMemoryBound(to: T.self))
            }
            let k = Int8LSTMKernel.Configuration(
                steps: x[1], features: x[2], units: units, returnSequences: options.returnSequences,
                inputWeights: constant(1, Int8.self), recurrentWeights: constant(2, Int8.self),
                bias: constant(3, Int32.self), rowExponents: constant(4, UInt8.self), parameters: constant(5, Int32.self))
            Int8LSTMKernel.run(context.kernels, k, input: context.int8s(node.input(0)), output: context.int8s(node.output), scratch: scratch)
        } else {
            guard kernels.float else { return }
            let state = context.scratch(node.index).assumingMemoryBound(to: Float.self)
            if !context.streaming { state.update(repeating: 0, count: 2 &* units) }  // h, c
            lstmFloat(input: context.floats(node.input(0)), steps: x[1], features: x[2],
                      inputWeights: context.floats(node.input(1)), recurrentWeights: context.floats(node.input(2)),
                      bias: context.floats(node.input(3)), hidden: units, returnSequences: options.returnSequences,
                      output: context.floats(node.output), scratch: context.scratch(node.index).assumingMemoryBound(to: Float.self))
        }
    }

    public static func cost(_ node: OperatorNode) -> OperatorCost {
        // Every step multiplies [x_t, h_{t−1}] by the gate matrices.
        let x = node.shape(node.input(0))
        let units = Int(Self.options(node).units)
        let macs = saturatingProduct(saturatingProduct(x[1], gates &* units), x[2] &+ units)
        return OperatorCost(macs: macs, operations: macs)
    }

    public static func role(ofInput position: Int) -> OperandRole {
        position == 1 || position == 2 ? .weights : (position == 3 || (code == .gru && position == 4)) ? .bias : .quantization
    }
}

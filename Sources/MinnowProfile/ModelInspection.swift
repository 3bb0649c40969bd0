import MinnowRuntime

/// A readable description of a model file: one entry per operator with shapes, types,
/// parameters, MACs and quantization (what `minnow inspect` prints).
public struct ModelInspection: Sendable {
    public struct TensorInfo: Sendable, Equatable {
        public var index: Int
        public var name: String
        public var type: ElementType
        public var shape: [Int]
        public var isConstant: Bool
        public var byteCount: Int
        /// Quantization as text, e.g. "s=0.0039 z=-128" or "per-channel (16)"; empty for float.
        public var quantization: String
    }

    public struct OperatorInfo: Sendable {
        public var index: Int
        /// The operator's name: its first output tensor's name (the trainer names it after the layer).
        public var name: String
        public var code: OperatorCode
        public var inputs: [TensorInfo]
        public var outputs: [TensorInfo]
        public var options: OperatorOptions
        /// Elements in the operator's constant inputs (weights, biases, tables).
        public var parameterCount: Int
        public var macs: Int
    }

    public var operators: [OperatorInfo]
    public var inputs: [TensorInfo]
    public var outputs: [TensorInfo]
    public var fileBytes: Int

    public var parameterCount: Int { operators.reduce(0) { $0 + $1.parameterCount } }
    public var macs: Int { operators.reduce(0) { $0 + $1.macs } }

    public init(_ model: Model) {
        func info(_ t: Int) -> TensorInfo {
            TensorInfo(index: t, name: model.tensorName(t), type: model.tensorType(t),
                       shape: model.tensorShape(t).dimensions, isConstant: model.isConstant(t),
                       byteCount: model.storedByteCount(t), quantization: Self.describeQuantization(model, t))
        }
        var counted = Set<Int>()
        operators = (0..<model.operatorCount).map { op in
            let ins = model.operatorInputs(op).map(info)
            let outs = model.operatorOutputs(op).map(info)
            var parameters = 0
            let code = model.operatorCode(op)
            for (position, t) in ins.enumerated() where t.isConstant && !counted.contains(t.index) {
                counted.insert(t.index)
                // Parameters are the trained values (weights and biases), as Keras counts them;
                // float batch-norm scale/offset count too.
                let role = code.role(ofInput: position)
                if role != .quantization || code == .batchNorm { parameters += t.shape.reduce(1, *) }
            }
            return OperatorInfo(index: op, name: outs.first?.name ?? "op\(op)", code: model.operatorCode(op),
                                inputs: ins, outputs: outs, options: model.operatorOptions(op),
                                parameterCount: parameters, macs: model.operatorCost(op).macs)
        }
        inputs = model.inputs.map(info)
        outputs = model.outputs.map(info)
        fileBytes = model.byteCount
    }

    static func describeQuantization(_ model: Model, _ t: Int) -> String {
        guard let q = model.quantization(t) else { return "" }
        if q.count == 1 { return "s=\(q.scale()) z=\(q.zeroPoint())" }
        return "per-channel (\(q.count), axis \(q.axis))"
    }

    /// The text table `minnow inspect` prints.
    public func table() -> String {
        var lines: [String] = []
        lines.append("#   name                      op                 output shape      type     params      MACs  output quantization")
        for op in operators {
            let out = op.outputs.first
            lines.append(
                "\(op.index)".padded(4) + op.name.padded(26) + "\(op.code)".padded(19)
                + "\(out?.shape ?? [])".padded(18) + "\(out?.type ?? .float32)".padded(9)
                + "\(op.parameterCount)".leftPadded(6) + "\(op.macs)".leftPadded(10) + "  " + (out?.quantization ?? ""))
        }
        lines.append("inputs: " + inputs.map { "\($0.name) \($0.shape) \($0.type) \($0.quantization)" }.joined(separator: ", "))
        lines.append("outputs: " + outputs.map { "\($0.name) \($0.shape) \($0.type)" }.joined(separator: ", "))
        lines.append("total: \(operators.count) operators, \(parameterCount) parameters, \(macs) MACs, \(fileBytes) file bytes")
        return lines.joined(separator: "\n")
    }
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
    func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}

import MinnowRuntime

/// Emits the int8 model of a `QuantizationPlan` into a `ModelBuilder`.
///
/// Each float tensor may exist in the output in int8 form, float form, or both; an operator
/// asks for its inputs in the form it runs in, and `int8Input`/`floatInput` insert the
/// quantize/dequantize operators on demand (edges, `--keep-float` layers). The op families
/// live in one file each (`Int8Converter+*.swift`) so the operand conventions are easy to adapt.
public struct Int8Converter {
    public let plan: QuantizationPlan
    public var builder: ModelBuilder = {
        // Deployment files: activation names stay (layers are matched by them), constant names go.
        var b = ModelBuilder()
        b.includesConstantNames = false
        return b
    }()
    /// Emitted index of each graph tensor's int8 and float forms.
    var int8Form: [Int: Int] = [:]
    var floatForm: [Int: Int] = [:]

    var graph: FloatGraph { plan.graph }

    /// Converts `plan` into an int8 model (int8 input/output unless `floatIO`).
    public static func convert(_ plan: QuantizationPlan, floatIO: Bool) throws -> ModelBuilder {
        var converter = Int8Converter(plan: plan)
        try converter.run(floatIO: floatIO)
        return converter.builder
    }

    init(plan: QuantizationPlan) { self.plan = plan }

    mutating func run(floatIO: Bool) throws {
        for t in graph.inputs {
            let tensor = graph.tensors[t]
            if floatIO {
                floatForm[t] = builder.addTensor(name: tensor.name, shape: tensor.shape)
            } else {
                int8Form[t] = builder.addTensor(name: tensor.name, type: .int8, shape: tensor.shape, quantization: plan.parameters(t))
            }
        }
        builder.inputs = graph.inputs.map { floatIO ? floatForm[$0]! : int8Form[$0]! }
        for (i, op) in graph.operators.enumerated() {
            if plan.floatOperators.contains(i) {
                try emitFloat(op)
            } else {
                try emitInt8(op, index: i)
            }
        }
        builder.outputs = try graph.outputs.map { floatIO ? try floatInput($0) : try int8Input($0) }
    }

    mutating func emitInt8(_ op: FloatGraph.Operator, index: Int) throws {
        switch op.code {
        case .fullyConnected, .conv2D: try emitGemm(op, index: index)
        case .depthwiseConv2D: try emitDepthwise(op, index: index)
        case .maxPool2D, .averagePool2D, .reshape, .globalAveragePool, .relu, .relu6: try emitPassThrough(op)
        case .softmax, .logistic, .tanh, .add: try emitElementwise(op)
        case .lstm, .gru: try emitRecurrent(op)
        case .batchNorm, .quantize, .dequantize:
            throw QuantizationError.noInt8Form(op: index, name: op.name(in: graph), code: op.code)
        }
    }

    // MARK: Tensor forms

    /// The int8 form of graph tensor `t`, quantizing its float form if needed.
    mutating func int8Input(_ t: Int) throws -> Int {
        if let q = int8Form[t] { return q }
        guard let f = floatForm[t] else { throw QuantizationError.usedBeforeComputed(tensor: t, name: graph.tensors[t].name) }
        let tensor = graph.tensors[t]
        let q = builder.addTensor(name: "\(tensor.name)/quantized", type: .int8, shape: tensor.shape, quantization: plan.parameters(t))
        builder.addOperator(.quantize, inputs: [f], outputs: [q])
        int8Form[t] = q
        return q
    }

    /// The float form of graph tensor `t`, dequantizing its int8 form if needed.
    mutating func floatInput(_ t: Int) throws -> Int {
        if let f = floatForm[t] { return f }
        guard let q = int8Form[t] else { throw QuantizationError.usedBeforeComputed(tensor: t, name: graph.tensors[t].name) }
        let tensor = graph.tensors[t]
        let f = builder.addTensor(name: "\(tensor.name)/dequantized", shape: tensor.shape)
        builder.addOperator(.dequantize, inputs: [q], outputs: [f])
        floatForm[t] = f
        return f
    }

    /// Adds the int8 output tensor of graph tensor `t` with its planned parameters.
    mutating func addInt8Output(_ t: Int) -> Int {
        let tensor = graph.tensors[t]
        let q = builder.addTensor(name: tensor.name, type: .int8, shape: tensor.shape, quantization: plan.parameters(t))
        int8Form[t] = q
        return q
    }

    // MARK: Constant helpers

    mutating func addInt8Constant(name: String, shape: [Int], values: [Int8], quantization: QuantizationParameters) -> Int {
        builder.addConstant(name: name, type: .int8, shape: shape, bytes: values.map { UInt8(bitPattern: $0) }, quantization: quantization)
    }

    mutating func addInt32Constant(name: String, values: [Int32], quantization: QuantizationParameters? = nil) -> Int {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for v in values {
            let u = UInt32(bitPattern: v)
            bytes += [UInt8(truncatingIfNeeded: u), UInt8(truncatingIfNeeded: u >> 8),
                      UInt8(truncatingIfNeeded: u >> 16), UInt8(truncatingIfNeeded: u >> 24)]
        }
        return builder.addConstant(name: name, type: .int32, shape: [values.count], bytes: bytes, quantization: quantization)
    }

    /// Multiplier and shift constants for `s_in · s_w[c] / s_out` per channel.
    /// The `[2, n]` requantization constant (multipliers, then shifts) of a weighted int8 operator.
    mutating func addRequantization(name: String, inputScale: Float, weightScales: [Float], outputScale: Float) -> Int {
        let multipliers = weightScales.map { QuantizedMultiplier(Double(inputScale) * Double($0) / Double(outputScale)) }
        return builder.addRequantization(name: "\(name)/requantization", multipliers)
    }

    func constant(_ t: Int, of op: FloatGraph.Operator) throws -> [Float] {
        guard let values = graph.tensors[t].constant else {
            throw QuantizationError.notConstant(layer: op.name(in: graph), operand: graph.tensors[t].name)
        }
        return values
    }
}

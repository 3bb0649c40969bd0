import Foundation
import MinnowRuntime

/// Float simulation of the int8 model a `QuantizationPlan` describes ("fake quantization"):
/// every int8 operator reads inputs rounded to their int8 grid, uses per-channel int8 weights
/// and int32 biases turned back into reals, and rounds (and clamps) its output to the output's
/// int8 grid. With no operator quantized it is the float model itself.
///
/// It predicts the int8 model's outputs up to the integer kernels' rounding, so it serves as
/// the test oracle and as the engine of the sensitivity report.
public struct FakeQuantSimulator: Sendable {
    public let plan: QuantizationPlan
    /// Fake-quantized weight (and bias) constants of each int8-capable operator, by op index.
    let quantizedConstants: [Int: [Int: [Float]]]

    public init(plan: QuantizationPlan) {
        self.plan = plan
        var constants: [Int: [Int: [Float]]] = [:]
        let graph = plan.graph
        for (i, op) in graph.operators.enumerated() {
            var replaced: [Int: [Float]] = [:]
            switch op.code {
            case .fullyConnected, .conv2D, .depthwiseConv2D:
                guard let q = plan.weights(of: i, axis: op.code == .depthwiseConv2D ? 3 : 0), let b = plan.bias(of: i) else { continue }
                let shape = graph.tensors[op.inputs[1]].shape
                replaced[op.inputs[1]] = q.dequantized(shape: shape)
                if let p = plan.activations[op.inputs[0]] {
                    let sIn = p.scales[0]
                    let bq = BiasQuantization.quantize(b, inputScale: sIn, weightScales: q.scales)
                    replaced[op.inputs[2]] = bq.enumerated().map { c, v in Float(Double(v) * Double(sIn) * Double(q.scales[c])) }
                }
            case .lstm, .gru:
                for t in op.inputs[1...2] {
                    guard let w = graph.tensors[t].constant else { continue }
                    let shape = graph.tensors[t].shape
                    replaced[t] = ChannelQuantizedWeights(weights: w, shape: shape, axis: 0).dequantized(shape: shape)
                }
            default: break
            }
            constants[i] = replaced
        }
        self.quantizedConstants = constants
    }

    /// Operators that are int8 in the converted model.
    public var int8Operators: Set<Int> {
        Set(plan.graph.operators.indices).subtracting(plan.floatOperators)
    }

    /// Runs one item (`input` = the model input's values) and returns the model output's values.
    /// - Parameter quantized: operators to simulate in int8 (`int8Operators` for the converted
    ///   model, `[]` for the float model, one operator for a sensitivity probe).
    public func run(_ input: [Float], quantized: Set<Int>) throws -> [Float] {
        let graph = plan.graph
        var values = [Int: [Float]]()
        values[graph.inputs[0]] = input
        for (i, op) in graph.operators.enumerated() {
            let isQuantized = quantized.contains(i)
            func operand(_ k: Int) throws -> [Float] {
                let t = op.inputs[k]
                if isQuantized, let q = quantizedConstants[i]?[t] { return q }
                if let c = graph.tensors[t].constant { return c }
                guard let v = values[t] else { throw QuantizationError("simulation: tensor '\(graph.tensors[t].name)' used before computed") }
                return isQuantized ? fakeQuantize(v, plan.parameters(t)) : v
            }
            var y = try compute(op, operand)
            if isQuantized { y = fakeQuantize(y, plan.parameters(op.outputs[0])) }
            values[op.outputs[0]] = y
        }
        guard let output = values[graph.outputs[0]] else { throw QuantizationError("simulation: the model output is never computed") }
        return output
    }

    func fakeQuantize(_ v: [Float], _ p: QuantizationParameters) -> [Float] {
        let s = p.scales[0], z = p.zeroPoints[0]
        return v.map { ActivationQuantization.fakeQuantize($0, scale: s, zeroPoint: z) }
    }

    func compute(_ op: FloatGraph.Operator, _ operand: (Int) throws -> [Float]) throws -> [Float] {
        let graph = plan.graph
        let xShape = graph.tensors[op.inputs[0]].shape
        let o = op.options
        var y: [Float]
        switch op.code {
        case .fullyConnected:
            y = FloatReferenceKernels.fullyConnected(try operand(0), weights: try operand(1), bias: try operand(2))
        case .conv2D, .depthwiseConv2D:
            let w = graph.tensors[op.inputs[1]].shape
            let window = try FloatReferenceKernels.Window(input: xShape, kernelHeight: w[1], kernelWidth: w[2], options: o)
            y = op.code == .conv2D
                ? FloatReferenceKernels.conv2D(try operand(0), window: window, weights: try operand(1), bias: try operand(2))
                : FloatReferenceKernels.depthwise(try operand(0), window: window, weights: try operand(1), bias: try operand(2))
        case .maxPool2D, .averagePool2D:
            let window = try FloatReferenceKernels.Window(input: xShape, kernelHeight: Int(o.kernelHeight), kernelWidth: Int(o.kernelWidth), options: o)
            y = FloatReferenceKernels.pool(try operand(0), window: window, isMax: op.code == .maxPool2D)
        case .globalAveragePool:
            y = FloatReferenceKernels.globalAveragePool(try operand(0), channels: xShape.last!)
        case .add:
            y = zip(try operand(0), try operand(1)).map(+)
        case .reshape:
            y = try operand(0)
        case .softmax:
            y = FloatReferenceKernels.softmax(try operand(0), depth: xShape.last!)
        case .logistic:
            y = try operand(0).map(FloatReferenceKernels.sigmoid)
        case .tanh:
            y = try operand(0).map { Foundation.tanh($0) }
        case .relu:
            y = try operand(0).map { max($0, 0) }
        case .relu6:
            y = try operand(0).map { min(max($0, 0), 6) }
        case .batchNorm:
            let scale = try operand(1), offset = try operand(2), c = scale.count
            y = try operand(0).enumerated().map { i, v in v * scale[i % c] + offset[i % c] }
        case .lstm:
            y = FloatReferenceKernels.lstm(try operand(0), steps: xShape[1], features: xShape[2], wx: try operand(1),
                                           wh: try operand(2), bias: try operand(3), units: Int(o.units),
                                           returnSequences: o.returnSequences)
        case .gru:
            y = FloatReferenceKernels.gru(try operand(0), steps: xShape[1], features: xShape[2], wx: try operand(1),
                                          wh: try operand(2), inputBias: try operand(3), recurrentBias: try operand(4),
                                          units: Int(o.units), returnSequences: o.returnSequences)
        case .quantize, .dequantize:
            throw QuantizationError("simulation: \(op.code) is not a float-model operator")
        }
        FloatReferenceKernels.activate(&y, o.activation)
        return y
    }
}

/// Signal-to-quantization-noise ratio in dB: `10·log10(Σ ref² / Σ (ref − test)²)`
/// (`+∞` when identical).
public func signalToQuantizationNoise(reference: [Float], test: [Float]) -> Double {
    var signal = 0.0, noise = 0.0
    for (r, t) in zip(reference, test) {
        signal += Double(r) * Double(r)
        noise += Double(r - t) * Double(r - t)
    }
    guard noise > 0 else { return .infinity }
    return 10 * Foundation.log10(signal / noise)
}

import Foundation
import MinnowRuntime

/// Float simulation of the int8 model a `QuantizationPlan` describes ("fake quantization"), run by
/// the runtime's own float kernels: every simulated operator reads inputs rounded to their int8
/// grid (a `quantize` → `dequantize` pair), uses per-channel int8 weights and int32 biases turned
/// back into reals, and rounds its output to the output's int8 grid the same way. With no operator
/// quantized it is the float model itself.
///
/// It predicts the int8 model's outputs up to the integer kernels' rounding, so it serves as the
/// test oracle and as the engine of the sensitivity report. Build a `FakeQuantSession` once per
/// set of quantized operators and run many items through it.
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
            case _ where op.code.weightChannelAxis != nil:
                guard let q = plan.weights(of: i, axis: op.code.weightChannelAxis ?? 0), let b = plan.bias(of: i) else { continue }
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

    /// The float model that simulates the operators in `quantized` in int8: the plan's graph with
    /// their constants replaced and a `quantize` → `dequantize` pair before each of their
    /// activation inputs and after their output.
    public func simulationModel(quantized: Set<Int>) -> ModelBuilder {
        let graph = plan.graph
        var builder = graph.floatBuilder()
        let operators = builder.operators
        builder.removeAllOperators()
        /// `t` rounded to its int8 grid: a new float tensor.
        func roundTrip(_ t: Int, name: String, into builder: inout ModelBuilder) -> Int {
            let shape = graph.tensors[t].shape
            let q = builder.addTensor(name: "\(name)/q", type: .int8, shape: shape, quantization: plan.parameters(t))
            builder.addOperator(.quantize, inputs: [t], outputs: [q])
            let f = builder.addTensor(name: "\(name)/fq", shape: shape)
            builder.addOperator(.dequantize, inputs: [q], outputs: [f])
            return f
        }
        for (i, var op) in operators.enumerated() {
            guard quantized.contains(i) else {
                builder.addOperator(op.code, inputs: op.inputs, outputs: op.outputs, options: op.options)
                continue
            }
            let name = graph.operators[i].name(in: graph)
            for (k, t) in op.inputs.enumerated() {
                if let values = quantizedConstants[i]?[t] {
                    op.inputs[k] = builder.addConstant(name: "\(name)/fq_constant\(k)", shape: graph.tensors[t].shape, floats: values)
                } else if graph.tensors[t].constant == nil {
                    op.inputs[k] = roundTrip(t, name: "\(name)/in\(k)", into: &builder)
                }
            }
            let y = op.outputs[0]
            let raw = builder.addTensor(name: "\(name)/unrounded", shape: graph.tensors[y].shape)
            builder.addOperator(op.code, inputs: op.inputs, outputs: [raw], options: op.options)
            let rounded = builder.addTensor(name: "\(name)/rounded", type: .int8, shape: graph.tensors[y].shape,
                                            quantization: plan.parameters(y))
            builder.addOperator(.quantize, inputs: [raw], outputs: [rounded])
            builder.addOperator(.dequantize, inputs: [rounded], outputs: [y])
        }
        return builder
    }

    /// A runnable simulation with the operators in `quantized` in int8.
    public func session(quantized: Set<Int>) throws(QuantizationError) -> FakeQuantSession {
        try FakeQuantSession(simulationModel(quantized: quantized).serializedBytes())
    }

    /// Runs one item (`input` = the model input's values) and returns the model output's values.
    /// Builds the simulation for this one call: use `session(quantized:)` for many items.
    /// - Parameter quantized: operators to simulate in int8 (`int8Operators` for the converted
    ///   model, `[]` for the float model, one operator for a sensitivity probe).
    public func run(_ input: [Float], quantized: Set<Int>) throws(QuantizationError) -> [Float] {
        try session(quantized: quantized).run(input)
    }
}

/// A simulation model loaded into the runtime with its own arena; not for concurrent use.
public final class FakeQuantSession {
    private let bytes: UnsafeMutableRawBufferPointer
    private let arena: UnsafeMutableRawBufferPointer
    private let interpreter: Interpreter

    init(_ file: [UInt8]) throws(QuantizationError) {
        bytes = .allocate(byteCount: file.count, alignment: 16)
        bytes.copyBytes(from: file)
        let model: Model
        do {
            model = try Model(bytes: UnsafeRawBufferPointer(bytes), limits: ModelLimits(maxArenaBytes: .max, maxOperations: .max))
        } catch {
            bytes.deallocate()
            throw .simulation(detail: "the simulation model is invalid: \(error)")
        }
        arena = .allocate(byteCount: max(Interpreter.requiredArenaBytes(for: model), 1), alignment: 64)
        do {
            interpreter = try Interpreter(model: model, arena: arena)
        } catch {
            bytes.deallocate()
            arena.deallocate()
            throw .simulation(detail: "cannot start the simulation: \(error)")
        }
    }

    deinit {
        bytes.deallocate()
        arena.deallocate()
    }

    /// The model output for one item.
    public func run(_ input: [Float]) throws(QuantizationError) -> [Float] {
        let destination = interpreter.inputFloats(0)
        guard input.count == destination.count else {
            throw .simulation(detail: "input has \(input.count) values, the model takes \(destination.count)")
        }
        _ = destination.update(from: input)
        do { try interpreter.invoke() } catch { throw .simulation(detail: "\(error)") }
        return Array(interpreter.outputFloats(0))
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

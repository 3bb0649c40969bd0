import Foundation
import MinnowRuntime

/// Element-wise activation as a layer of its own (Keras `Activation("relu")`, `ReLU()`, …).
///
/// Use the named subclasses (`ReLU`, `ReLU6`, `Sigmoid`, `Tanh`) or `ActivationLayer(.tanh)`
/// directly. Exports as the runtime's standalone operator (`relu`, `relu6`, `logistic`,
/// `tanh`); a `.linear` activation exports nothing.
public class ActivationLayer: Layer {
    public var name: String
    public let activation: Activation
    public var kind: String {
        switch activation {
        case .linear: return "Linear"
        case .relu: return "ReLU"
        case .relu6: return "ReLU6"
        case .sigmoid: return "Sigmoid"
        case .tanh: return "Tanh"
        }
    }
    private var itemShape: [Int] = []
    private var cachedOutput: [Float] = []

    public init(_ activation: Activation, name: String? = nil) {
        self.activation = activation
        self.name = name ?? activation.rawValue
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        itemShape = inputShape
        return inputShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let output = ElementwiseKernels.activate(activation, input.data)
        cachedOutput = output
        return Tensor(shape: input.shape, data: output)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        precondition(outputGradient.count == cachedOutput.count, "\(kind) '\(name)': backward before forward or shape mismatch")
        let gradient = ElementwiseKernels.activationGradient(activation, output: cachedOutput, outputGradient: outputGradient.data)
        return Tensor(shape: outputGradient.shape, data: gradient)
    }

    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        activation.exportStandalone(to: &builder, input: input, name: name)
    }
}

/// `max(x, 0)`.
public final class ReLU: ActivationLayer {
    public init(name: String = "relu") { super.init(.relu, name: name) }
}

/// `min(max(x, 0), 6)`, the MobileNet activation.
public final class ReLU6: ActivationLayer {
    public init(name: String = "relu6") { super.init(.relu6, name: name) }
}

/// `1 / (1 + e^(−x))`; exported as the runtime's `logistic` operator.
public final class Sigmoid: ActivationLayer {
    public init(name: String = "sigmoid") { super.init(.sigmoid, name: name) }
}

/// Hyperbolic tangent.
public final class Tanh: ActivationLayer {
    public init(name: String = "tanh") { super.init(.tanh, name: name) }
}

/// Softmax over the last axis. Its backward pass is the full Jacobian-vector product
/// `dx = y ⊙ (dy − ⟨dy, y⟩)` per row, so it is correct on its own; for training a classifier
/// prefer a linear last layer with `SoftmaxCrossEntropy`, which is more stable.
public final class Softmax: Layer {
    public var name: String
    public var kind: String { "Softmax" }
    private var cachedOutput: [Float] = []

    public init(name: String = "softmax") { self.name = name }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        guard let last = inputShape.last, last > 0 else {
            throw TrainError.invalidLayer(layer: "Softmax '\(name)'", reason: "needs a non-empty last axis, got input shape \(inputShape)")
        }
        return inputShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let width = input.shape.last ?? 1
        let rows = input.count / width
        var output = [Float](repeating: 0, count: input.count)
        input.data.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                let xp = x.baseAddress!, yp = y.baseAddress!
                Parallel.forEachChunk(rows, minimumChunk: max(1, 16_384 / width)) { range in
                    for r in range {
                        let base = r * width
                        var maximum = xp[base]
                        for j in 1..<width where xp[base + j] > maximum { maximum = xp[base + j] }
                        var sum: Float = 0
                        for j in 0..<width {
                            let e = Foundation.exp(xp[base + j] - maximum)
                            yp[base + j] = e
                            sum += e
                        }
                        let inverse = 1 / sum
                        for j in 0..<width { yp[base + j] *= inverse }
                    }
                }
            }
        }
        cachedOutput = output
        return Tensor(shape: input.shape, data: output)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        precondition(outputGradient.count == cachedOutput.count, "Softmax '\(name)': backward before forward or shape mismatch")
        let width = outputGradient.shape.last ?? 1
        let rows = outputGradient.count / width
        var inputGradient = [Float](repeating: 0, count: outputGradient.count)
        cachedOutput.withUnsafeBufferPointer { y in
            outputGradient.data.withUnsafeBufferPointer { dy in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    let yp = y.baseAddress!, dyp = dy.baseAddress!, dxp = dx.baseAddress!
                    Parallel.forEachChunk(rows, minimumChunk: max(1, 16_384 / width)) { range in
                        for r in range {
                            let base = r * width
                            var dot: Float = 0
                            for j in 0..<width { dot += dyp[base + j] * yp[base + j] }
                            for j in 0..<width { dxp[base + j] = yp[base + j] * (dyp[base + j] - dot) }
                        }
                    }
                }
            }
        }
        return Tensor(shape: outputGradient.shape, data: inputGradient)
    }

    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        let output = builder.addTensor(name: name, shape: builder.tensors[input].shape)
        builder.addOperator(.softmax, inputs: [input], outputs: [output])
        return output
    }
}

/// Tight loops for element-wise activations, split over cores only when the tensor is large
/// (each element is independent, so the result never depends on the split).
enum ElementwiseKernels {
    /// Elements below which a loop stays on the calling thread.
    static let parallelThreshold = 1 << 16

    static func forEachRange(_ count: Int, _ body: (Range<Int>) -> Void) {
        if count < parallelThreshold {
            if count > 0 { body(0..<count) }
        } else {
            Parallel.forEachChunk(count, minimumChunk: parallelThreshold / 2, body)
        }
    }

    /// Returns `activation(values)`.
    static func activate(_ activation: Activation, _ values: [Float]) -> [Float] {
        if activation == .linear || values.isEmpty { return values }
        return [Float](unsafeUninitializedCapacity: values.count) { y, initialized in
            values.withUnsafeBufferPointer { x in
                let xp = x.baseAddress!, yp = y.baseAddress!
                forEachRange(values.count) { range in
                    switch activation {
                    case .linear: for i in range { yp[i] = xp[i] }
                    case .relu: for i in range { yp[i] = max(xp[i], 0) }
                    case .relu6: for i in range { yp[i] = min(max(xp[i], 0), 6) }
                    case .sigmoid: for i in range { yp[i] = 1 / (1 + Foundation.exp(-xp[i])) }
                    case .tanh: for i in range { yp[i] = Foundation.tanh(xp[i]) }
                    }
                }
            }
            initialized = values.count
        }
    }

    /// Applies `activation` in place.
    static func activateInPlace(_ activation: Activation, _ values: inout [Float]) {
        if activation == .linear || values.isEmpty { return }
        let count = values.count
        values.withUnsafeMutableBufferPointer { v in
            let p = v.baseAddress!
            forEachRange(count) { range in
                switch activation {
                case .linear: return
                case .relu: for i in range { p[i] = max(p[i], 0) }
                case .relu6: for i in range { p[i] = min(max(p[i], 0), 6) }
                case .sigmoid: for i in range { p[i] = 1 / (1 + Foundation.exp(-p[i])) }
                case .tanh: for i in range { p[i] = Foundation.tanh(p[i]) }
                }
            }
        }
    }

    /// Returns `outputGradient ⊙ activation′`, with the derivative written in terms of the
    /// activation's output `y` (ReLU: y > 0; ReLU6: 0 < y < 6; sigmoid: y(1 − y); tanh: 1 − y²).
    static func activationGradient(_ activation: Activation, output: [Float], outputGradient: [Float]) -> [Float] {
        if activation == .linear || outputGradient.isEmpty { return outputGradient }
        return [Float](unsafeUninitializedCapacity: outputGradient.count) { dx, initialized in
            output.withUnsafeBufferPointer { y in
                outputGradient.withUnsafeBufferPointer { dy in
                    let yp = y.baseAddress!, dyp = dy.baseAddress!, dxp = dx.baseAddress!
                    forEachRange(outputGradient.count) { range in
                        switch activation {
                        case .linear: for i in range { dxp[i] = dyp[i] }
                        case .relu: for i in range { dxp[i] = yp[i] > 0 ? dyp[i] : 0 }
                        case .relu6: for i in range { dxp[i] = (yp[i] > 0 && yp[i] < 6) ? dyp[i] : 0 }
                        case .sigmoid: for i in range { dxp[i] = dyp[i] * yp[i] * (1 - yp[i]) }
                        case .tanh: for i in range { dxp[i] = dyp[i] * (1 - yp[i] * yp[i]) }
                        }
                    }
                }
            }
            initialized = outputGradient.count
        }
    }
}

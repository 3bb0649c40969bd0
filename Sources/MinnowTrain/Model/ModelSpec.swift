import Foundation
import MinnowRuntime

/// A model architecture described in JSON, for custom networks from the command line:
///
/// ```json
/// { "input": [32, 32, 3],
///   "layers": [
///     {"type": "conv2d", "name": "stem", "filters": 16, "kernel": 3, "padding": "same", "activation": "relu"},
///     {"type": "conv2d", "filters": 16, "kernel": 3, "padding": "same", "activation": "relu"},
///     {"type": "conv2d", "name": "branch", "filters": 16, "kernel": 3, "padding": "same"},
///     {"type": "add", "inputs": ["stem", "branch"]},
///     {"type": "relu"},
///     {"type": "global_avgpool"},
///     {"type": "dense", "units": 10, "activation": "softmax"}
///   ],
///   "training": {"optimizer": "sgd", "lr": 0.01, "momentum": 0.9, "l2": 0.0001} }
/// ```
///
/// Every layer may have a `name` and `inputs` (names of earlier layers, or `"input"` for the
/// model input; by default the previous layer). The last layer is the output. The optional
/// `training` object holds the settings Keras' `compile`/`fit` would (`minnow train` options
/// override them). Every key is checked: errors name the file, the layer (index, name, type)
/// and the key, and suggest the closest known key.
public struct ModelSpec: Sendable, Equatable {
    /// One layer as written in the spec; `fields` holds the checked values of its other keys.
    public struct LayerSpec: Sendable, Equatable {
        public var type: String
        public var name: String?
        /// Names of the layers this one reads; `nil` means the previous layer.
        public var inputs: [String]?
        public var fields: [String: Value]

        public init(type: String, name: String? = nil, inputs: [String]? = nil, fields: [String: Value] = [:]) {
            self.type = type
            self.name = name
            self.inputs = inputs
            self.fields = fields
        }
    }

    /// A checked spec value.
    public enum Value: Sendable, Equatable {
        case integer(Int)
        case integers([Int])
        case number(Float)
        case text(String)
        case flag(Bool)
    }

    public var input: [Int]
    public var layers: [LayerSpec]
    /// Training settings from the spec's `training` object.
    public var training: SpecTrainingSettings
    /// Free text from the spec's `description`.
    public var description: String?
    /// Names the spec in messages (its path).
    public var source: String

    public init(input: [Int], layers: [LayerSpec], training: SpecTrainingSettings = SpecTrainingSettings(),
                description: String? = nil, source: String = "model spec") {
        self.input = input
        self.layers = layers
        self.training = training
        self.description = description
        self.source = source
    }

    /// Reads and checks a spec file.
    public static func load(path: String) throws -> ModelSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            throw TrainError.invalidSpec(location: "model spec \(path)", reason: reason)
        }
        return try parse(data, source: "model spec \(path)")
    }

    /// Parses and checks spec JSON; `source` names it in errors (e.g. "model spec m.json").
    public static func parse(_ data: Data, source: String = "model spec") throws -> ModelSpec {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey].map { "\($0)" } ?? error.localizedDescription
            throw TrainError.invalidSpec(location: source, reason: "not valid JSON: \(detail)")
        }
        guard let top = object as? [String: Any] else {
            throw TrainError.invalidSpec(location: source, reason: "must be a JSON object with \"input\" and \"layers\"")
        }
        try SpecKeys.checkKeys(top.keys, allowed: SpecKeys.topLevel, location: source, what: "top-level key")
        guard let rawInput = top["input"] else {
            throw TrainError.invalidSpec(location: source, reason: "missing key 'input' (the per-item input shape, e.g. [28, 28, 1])")
        }
        guard let input = SpecKeys.integers(rawInput), !input.isEmpty, input.allSatisfy({ $0 > 0 }) else {
            throw TrainError.invalidSpec(location: "\(source): key 'input'", reason: "must be a non-empty list of positive sizes, e.g. [28, 28, 1], got \(SpecKeys.show(rawInput))")
        }
        guard let rawLayers = top["layers"] else {
            throw TrainError.invalidSpec(location: source, reason: "missing key 'layers' (a list of layer objects)")
        }
        guard let layerObjects = rawLayers as? [Any], !layerObjects.isEmpty else {
            throw TrainError.invalidSpec(location: "\(source): key 'layers'", reason: "must be a non-empty list of layer objects")
        }
        var layers: [LayerSpec] = []
        for (index, raw) in layerObjects.enumerated() {
            layers.append(try SpecKeys.layer(raw, index: index, source: source))
        }
        var description: String?
        if let raw = top["description"] {
            guard let text = raw as? String else {
                throw TrainError.invalidSpec(location: "\(source): key 'description'", reason: "must be a string")
            }
            description = text
        }
        let training = try top["training"].map { try SpecTrainingSettings(json: $0, source: source) } ?? SpecTrainingSettings()
        return ModelSpec(input: input, layers: layers, training: training, description: description, source: source)
    }

    /// Builds the (unbuilt) model this spec describes.
    public func makeModel() throws -> FunctionalModel {
        var built: [Layer] = []
        var inputs: [[Int]] = []
        var specIndex: [Int] = []
        var byName: [String: Int] = [:]
        var previous = FunctionalModel.modelInput
        for (index, spec) in layers.enumerated() {
            let location = spec.location(index: index, source: source)
            let made = try spec.makeLayers(index: index, source: source)
            let sources: [Int]
            if let names = spec.inputs {
                sources = try names.map { name in
                    if name == "input" { return FunctionalModel.modelInput }
                    guard let found = byName[name] else {
                        let later = layers[index...].contains { $0.name == name }
                        let known = byName.keys.sorted()
                        throw TrainError.invalidSpec(
                            location: "\(location): key 'inputs'",
                            reason: later ? "'\(name)' is defined later; a layer must come after the layers it reads"
                                : "no earlier layer is named '\(name)' (named so far: \(known.isEmpty ? "none" : known.joined(separator: ", ")); \"input\" is the model input)")
                    }
                    return found
                }
            } else {
                sources = [previous]
            }
            let merges = spec.type == "add" || spec.type == "concat"
            if merges, sources.count < 2 {
                throw TrainError.invalidSpec(location: "\(location): key 'inputs'",
                                             reason: "\(spec.type) needs at least two inputs, e.g. \"inputs\": [\"a\", \"b\"]")
            }
            if !merges, sources.count != 1 {
                throw TrainError.invalidSpec(location: "\(location): key 'inputs'",
                                             reason: "\(spec.type) reads one layer, found \(sources.count) (add or concat combine several)")
            }
            for (k, layer) in made.enumerated() {
                built.append(layer)
                inputs.append(k == 0 ? sources : [built.count - 2])
                specIndex.append(index)
            }
            previous = built.count - 1
            if let name = spec.name {
                guard name != "input" else {
                    throw TrainError.invalidSpec(location: "\(location): key 'name'", reason: "'input' is reserved for the model input")
                }
                guard byName[name] == nil else {
                    throw TrainError.invalidSpec(location: "\(location): key 'name'", reason: "another layer is already named '\(name)'")
                }
                byName[name] = previous
            }
        }
        // Every layer must feed the output (the last one); name the first that does not.
        var used = [Bool](repeating: false, count: built.count)
        used[built.count - 1] = true
        for i in stride(from: built.count - 1, through: 0, by: -1) where used[i] {
            for source in inputs[i] where source >= 0 { used[source] = true }
        }
        if let unused = used.firstIndex(of: false) {
            let index = specIndex[unused]
            throw TrainError.invalidSpec(
                location: layers[index].location(index: index, source: source),
                reason: "does not feed the model's output (the last layer); remove it or name it in a later layer's \"inputs\"")
        }
        guard input.allSatisfy({ $0 > 0 }), !input.isEmpty else {
            throw TrainError.invalidSpec(location: source, reason: "'input' must be a non-empty list of positive sizes, got \(input)")
        }
        do {
            return try FunctionalModel(inputShape: input, layers: built, inputs: inputs)
        } catch TrainError.invalidSpec(let location, let reason) {
            throw TrainError.invalidSpec(location: "\(source): \(location)", reason: reason)
        }
    }
}

extension ModelSpec.LayerSpec {
    /// "model spec m.json: layer 3 'stem' (conv2d)".
    func location(index: Int, source: String) -> String {
        "\(source): layer \(index)\(name.map { " '\($0)'" } ?? "") (\(type))"
    }

    func integer(_ key: String) -> Int? { if case .integer(let v)? = fields[key] { return v }; return nil }
    func integers(_ key: String) -> [Int]? { if case .integers(let v)? = fields[key] { return v }; return nil }
    func number(_ key: String) -> Float? { if case .number(let v)? = fields[key] { return v }; return nil }
    func text(_ key: String) -> String? { if case .text(let v)? = fields[key] { return v }; return nil }
    func flag(_ key: String) -> Bool? { if case .flag(let v)? = fields[key] { return v }; return nil }

    /// The layer (and, for `activation: softmax`, the Softmax layer after it) this spec describes.
    func makeLayers(index: Int, source: String) throws -> [Layer] {
        let location = location(index: index, source: source)
        func fail(_ key: String, _ message: String) -> TrainError {
            .invalidSpec(location: "\(location): key '\(key)'", reason: message)
        }
        func required(_ key: String) throws -> Int {
            guard let value = integer(key) else {
                throw TrainError.invalidSpec(location: location, reason: "needs a positive '\(key)'")
            }
            guard value > 0 else { throw fail(key, "must be positive, got \(value)") }
            return value
        }
        func pair(_ key: String, default fallback: (Int, Int)?) throws -> (Int, Int) {
            guard let value = integers(key) else {
                if let fallback { return fallback }
                throw TrainError.invalidSpec(location: location, reason: "needs '\(key)' as [height, width] (or one size for both)")
            }
            if value.count == 1, value[0] > 0 { return (value[0], value[0]) }
            guard value.count == 2, value.allSatisfy({ $0 > 0 }) else { throw fail(key, "must be [height, width] of positive sizes, got \(value)") }
            return (value[0], value[1])
        }
        func single(_ key: String, default fallback: Int?) throws -> Int {
            guard let value = integers(key) else {
                if let fallback { return fallback }
                throw TrainError.invalidSpec(location: location, reason: "needs '\(key)' (a positive size)")
            }
            guard value.count == 1, value[0] > 0 else { throw fail(key, "must be one positive size, got \(value)") }
            return value[0]
        }
        func rate(_ key: String) throws -> Float {
            guard let value = number(key) else { return 0 }
            guard value >= 0, value < 1 else { throw fail(key, "must lie in [0, 1), got \(value)") }
            return value
        }
        /// The activation, with softmax split off into its own layer.
        func activationValue() throws -> (Activation, softmax: Bool) {
            guard let activation = text("activation") else { return (.linear, false) }
            if activation == "softmax" { return (.linear, true) }
            guard let a = Activation(rawValue: activation) else {
                throw fail("activation", "unknown activation '\(activation)' (expected one of \((Activation.allCases.map(\.rawValue) + ["softmax"]).joined(separator: ", ")))")
            }
            return (a, false)
        }
        func paddingValue() throws -> Padding {
            switch text("padding") {
            case nil, "valid": return .valid
            case "same": return .same
            case let other?: throw fail("padding", "unknown padding '\(other)' (expected same or valid)")
            }
        }
        /// A layer with an activation: named as the spec says, or split as NAME_logits + NAME for softmax.
        func withActivation(_ make: (Activation, String?) -> Layer) throws -> [Layer] {
            let (activation, softmax) = try activationValue()
            guard softmax else { return [named(make(activation, name), name)] }
            let logits = make(.linear, name.map { "\($0)_logits" })
            return [named(logits, name.map { "\($0)_logits" }), named(Softmax(), name)]
        }
        func named(_ layer: Layer, _ explicit: String? = nil) -> Layer {
            if let explicit { layer.name = explicit }
            return layer
        }

        switch type {
        case "dense":
            let units = try required("units")
            return try withActivation { activation, _ in Dense(units: units, activation: activation) }
        case "conv2d":
            let filters = try required("filters")
            let kernel = try pair("kernel", default: nil)
            let strides = try pair("strides", default: (1, 1))
            let padding = try paddingValue()
            return try withActivation { activation, _ in
                Conv2D(filters: filters, kernelSize: kernel, strides: strides, padding: padding, activation: activation)
            }
        case "conv1d":
            let filters = try required("filters")
            let kernel = try single("kernel", default: nil)
            let stride = try single("strides", default: 1)
            let padding = try paddingValue()
            return try withActivation { activation, _ in
                Conv1D(filters: filters, kernelSize: kernel, stride: stride, padding: padding, activation: activation)
            }
        case "depthwise_conv2d":
            let kernel = try pair("kernel", default: nil)
            let strides = try pair("strides", default: (1, 1))
            let padding = try paddingValue()
            let multiplier = integer("depth_multiplier") ?? 1
            guard multiplier > 0 else { throw fail("depth_multiplier", "must be positive, got \(multiplier)") }
            return try withActivation { activation, _ in
                DepthwiseConv2D(kernelSize: kernel, strides: strides, padding: padding, activation: activation, depthMultiplier: multiplier)
            }
        case "maxpool2d", "avgpool2d":
            let pool = try pair("pool", default: (2, 2))
            let strides = try pair("strides", default: pool)
            let padding = try paddingValue()
            return [named(type == "maxpool2d" ? MaxPool2D(poolSize: pool, strides: strides, padding: padding)
                          : AveragePool2D(poolSize: pool, strides: strides, padding: padding), name)]
        case "global_avgpool": return [named(GlobalAveragePool(), name)]
        case "flatten": return [named(Flatten(), name)]
        case "reshape":
            guard let shape = integers("shape") else { throw TrainError.invalidSpec(location: location, reason: "needs 'shape', the per-item target shape") }
            guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else { throw fail("shape", "must be a list of positive sizes, got \(shape)") }
            return [named(Reshape(shape), name)]
        case "relu": return [named(ReLU(), name)]
        case "relu6": return [named(ReLU6(), name)]
        case "sigmoid": return [named(Sigmoid(), name)]
        case "tanh": return [named(Tanh(), name)]
        case "softmax": return [named(Softmax(), name)]
        case "activation":
            guard text("activation") != nil else { throw TrainError.invalidSpec(location: location, reason: "needs 'activation' (relu, relu6, sigmoid, tanh, softmax, linear)") }
            let (activation, softmax) = try activationValue()
            if softmax { return [named(Softmax(), name)] }
            return [named(ActivationLayer(activation), name)]
        case "lstm", "gru":
            let units = try required("units")
            let sequences = flag("return_sequences") ?? false
            let (dropout, recurrent) = (try rate("dropout"), try rate("recurrent_dropout"))
            return [named(type == "lstm"
                          ? LSTM(units: units, returnSequences: sequences, dropout: dropout, recurrentDropout: recurrent)
                          : GRU(units: units, returnSequences: sequences, dropout: dropout, recurrentDropout: recurrent), name)]
        case "dropout":
            guard let rate = number("rate") else { throw TrainError.invalidSpec(location: location, reason: "needs 'rate' in [0, 1)") }
            guard rate >= 0, rate < 1 else { throw fail("rate", "needs 'rate' in [0, 1), got \(rate)") }
            return [named(Dropout(rate: rate), name)]
        case "batchnorm":
            let momentum = number("momentum") ?? 0.99
            guard momentum >= 0, momentum <= 1 else { throw fail("momentum", "must lie in [0, 1], got \(momentum)") }
            let epsilon = number("epsilon") ?? 1e-3
            guard epsilon > 0 else { throw fail("epsilon", "must be positive, got \(epsilon)") }
            return [named(BatchNorm(momentum: momentum, epsilon: epsilon), name)]
        case "add":
            return [named(Add(), name)]
        case "concat":
            if let axis = integer("axis"), axis != -1 {
                throw fail("axis", "only the last axis (-1) is supported, got \(axis)")
            }
            return [named(Concatenate(), name)]
        case "embedding":
            let vocabulary = try required("vocab")
            let dimension = try required("dim")
            return [named(Embedding(vocabularySize: vocabulary, dimension: dimension), name)]
        case "rescaling":
            guard let scale = number("scale") else { throw TrainError.invalidSpec(location: location, reason: "needs 'scale' (e.g. 0.00392156862745098 for 1/255)") }
            return [named(Rescaling(scale: scale, offset: number("offset") ?? 0), name)]
        default:
            throw TrainError.invalidSpec(location: location, reason: "unknown layer type")  // checked when parsed
        }
    }
}

/// Training settings a spec may carry in its `training` object (the spec's `compile`/`fit`).
public struct SpecTrainingSettings: Sendable, Equatable {
    public var loss: LossKind?
    public var optimizer: TrainingConfiguration.OptimizerKind?
    public var schedule: TrainingConfiguration.ScheduleKind?
    public var learningRate: Float?
    public var momentum: Float?
    public var l1: Float?
    public var l2: Float?
    public var batchSize: Int?
    public var epochs: Int?
    public var validationSplit: Float?
    public var patience: Int?
    /// "input" to reconstruct the input (autoencoder).
    public var target: String?

    public init() {}

    init(json: Any, source: String) throws {
        let location = "\(source): key 'training'"
        guard let object = json as? [String: Any] else {
            throw TrainError.invalidSpec(location: location, reason: "must be an object, e.g. {\"optimizer\": \"sgd\", \"lr\": 0.01}")
        }
        try SpecKeys.checkKeys(object.keys, allowed: SpecKeys.trainingKeys, location: location, what: "training setting")
        func fail(_ key: String, _ reason: String) -> TrainError { .invalidSpec(location: "\(location), setting '\(key)'", reason: reason) }
        func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws -> T? where T.RawValue == String {
            guard let raw = object[key] else { return nil }
            guard let text = raw as? String, let value = T(rawValue: text) else {
                throw fail(key, "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got \(SpecKeys.show(raw))")
            }
            return value
        }
        func number(_ key: String, _ range: ClosedRange<Float>) throws -> Float? {
            guard let raw = object[key] else { return nil }
            guard let value = SpecKeys.number(raw), range.contains(value) else {
                throw fail(key, "must be a number in [\(range.lowerBound), \(range.upperBound)], got \(SpecKeys.show(raw))")
            }
            return value
        }
        func count(_ key: String, minimum: Int) throws -> Int? {
            guard let raw = object[key] else { return nil }
            guard let value = SpecKeys.integer(raw), value >= minimum else {
                throw fail(key, "must be a whole number ≥ \(minimum), got \(SpecKeys.show(raw))")
            }
            return value
        }
        loss = try choice("loss", LossKind.self)
        optimizer = try choice("optimizer", TrainingConfiguration.OptimizerKind.self)
        schedule = try choice("schedule", TrainingConfiguration.ScheduleKind.self)
        learningRate = try number("lr", Float.leastNonzeroMagnitude...10)
        momentum = try number("momentum", 0...1)
        l1 = try number("l1", 0...1000)
        l2 = try number("l2", 0...1000)
        batchSize = try count("batch", minimum: 1)
        epochs = try count("epochs", minimum: 1)
        validationSplit = try number("validation_split", 0...0.99)
        patience = try count("patience", minimum: 0)
        if let raw = object["target"] {
            guard let text = raw as? String, text == "input" || text == "labels" else {
                throw fail("target", "must be \"input\" (reconstruct the input) or \"labels\", got \(SpecKeys.show(raw))")
            }
            target = text
        }
    }

    /// Copies the settings the spec gives into `configuration`.
    public func apply(to configuration: inout TrainingConfiguration) {
        if let loss { configuration.loss = loss }
        if let optimizer { configuration.optimizer = optimizer }
        if let schedule { configuration.schedule = schedule }
        if let learningRate { configuration.learningRate = learningRate }
        if let momentum { configuration.momentum = momentum }
        if let l1 { configuration.l1 = l1 }
        if let l2 { configuration.l2 = l2 }
        if let batchSize { configuration.batchSize = batchSize }
        if let epochs { configuration.epochs = epochs }
        if let validationSplit { configuration.validationSplit = validationSplit }
        if let patience { configuration.patience = patience }
    }
}

/// The keys a spec may use, their value types, and the checks with suggestions.
enum SpecKeys {
    enum Kind { case integer, sizes, number, text, flag, names }

    static let topLevel: Set<String> = ["input", "layers", "training", "description"]
    static let trainingKeys: Set<String> = ["loss", "optimizer", "schedule", "lr", "momentum", "l1", "l2", "batch", "epochs",
                                            "validation_split", "patience", "target"]
    static let common: Set<String> = ["type", "name", "inputs"]

    static let kinds: [String: Kind] = [
        "units": .integer, "filters": .integer, "kernel": .sizes, "strides": .sizes, "pool": .sizes, "padding": .text,
        "activation": .text, "rate": .number, "return_sequences": .flag, "vocab": .integer, "dim": .integer,
        "scale": .number, "offset": .number, "depth_multiplier": .integer, "dropout": .number,
        "recurrent_dropout": .number, "momentum": .number, "epsilon": .number, "shape": .sizes, "axis": .integer,
    ]

    /// The keys each layer type accepts besides type, name and inputs.
    static let layerKeys: [String: Set<String>] = [
        "dense": ["units", "activation"],
        "conv2d": ["filters", "kernel", "strides", "padding", "activation"],
        "conv1d": ["filters", "kernel", "strides", "padding", "activation"],
        "depthwise_conv2d": ["kernel", "strides", "padding", "activation", "depth_multiplier"],
        "maxpool2d": ["pool", "strides", "padding"],
        "avgpool2d": ["pool", "strides", "padding"],
        "global_avgpool": [], "flatten": [], "reshape": ["shape"],
        "relu": [], "relu6": [], "sigmoid": [], "tanh": [], "softmax": [], "activation": ["activation"],
        "lstm": ["units", "return_sequences", "dropout", "recurrent_dropout"],
        "gru": ["units", "return_sequences", "dropout", "recurrent_dropout"],
        "dropout": ["rate"],
        "batchnorm": ["momentum", "epsilon"],
        "add": [], "concat": ["axis"],
        "embedding": ["vocab", "dim"],
        "rescaling": ["scale", "offset"],
    ]

    static func layer(_ raw: Any, index: Int, source: String) throws -> ModelSpec.LayerSpec {
        guard let object = raw as? [String: Any] else {
            throw TrainError.invalidSpec(location: "\(source): layer \(index)", reason: "must be an object like {\"type\": \"dense\", \"units\": 10}")
        }
        let name = object["name"] as? String
        let label = "\(source): layer \(index)\(name.map { " '\($0)'" } ?? "")"
        guard let rawType = object["type"] else {
            throw TrainError.invalidSpec(location: label, reason: "missing key 'type' (one of \(layerKeys.keys.sorted().joined(separator: ", ")))")
        }
        guard let type = (rawType as? String)?.lowercased() else {
            throw TrainError.invalidSpec(location: "\(label): key 'type'", reason: "must be a string, got \(show(rawType))")
        }
        let location = "\(label) (\(type))"
        guard let allowed = layerKeys[type] else {
            let hint = suggestion(for: type, among: Set(layerKeys.keys)).map { "; did you mean '\($0)'?" } ?? ""
            throw TrainError.invalidSpec(location: location,
                                         reason: "unknown layer type\(hint) (expected one of \(layerKeys.keys.sorted().joined(separator: ", ")))")
        }
        if let rawName = object["name"], name == nil || name!.isEmpty {
            throw TrainError.invalidSpec(location: "\(location): key 'name'", reason: "must be a non-empty string, got \(show(rawName))")
        }
        for key in object.keys.sorted() where !common.contains(key) && !allowed.contains(key) {
            let hint: String
            if kinds[key] != nil {
                let owners = layerKeys.filter { $0.value.contains(key) }.map(\.key).sorted()
                hint = " for \(type) layers (it applies to \(owners.joined(separator: ", ")))"
            } else if let close = suggestion(for: key, among: allowed.union(common)) {
                hint = "; did you mean '\(close)'?"
            } else {
                hint = ""
            }
            let accepted = (Array(common) + Array(allowed)).sorted().joined(separator: ", ")
            throw TrainError.invalidSpec(location: "\(location): key '\(key)'", reason: "unknown key\(hint) (\(type) accepts \(accepted))")
        }
        var inputs: [String]?
        if let raw = object["inputs"] {
            guard let names = raw as? [Any], !names.isEmpty, names.allSatisfy({ $0 is String }) else {
                throw TrainError.invalidSpec(location: "\(location): key 'inputs'", reason: "must be a non-empty list of layer names, got \(show(raw))")
            }
            inputs = names.map { $0 as! String }
        }
        var fields: [String: ModelSpec.Value] = [:]
        for key in allowed {
            guard let value = object[key] else { continue }
            let kind = kinds[key]!
            let checked: ModelSpec.Value?
            switch kind {
            case .integer: checked = integer(value).map { .integer($0) }
            case .sizes: checked = (integer(value).map { [$0] } ?? integers(value)).map { .integers($0) }
            case .number: checked = number(value).map { .number($0) }
            case .text: checked = (value as? String).map { .text($0.lowercased()) }
            case .flag: checked = isBoolean(value) ? .flag((value as! NSNumber).boolValue) : nil
            case .names: checked = nil
            }
            guard let checked else {
                let expected: String
                switch kind {
                case .integer: expected = "a whole number"
                case .sizes: expected = "a size or a list of sizes"
                case .number: expected = "a number"
                case .text: expected = "a string"
                case .flag: expected = "true or false"
                case .names: expected = "a list of names"
                }
                throw TrainError.invalidSpec(location: "\(location): key '\(key)'", reason: "must be \(expected), got \(show(value))")
            }
            fields[key] = checked
        }
        return ModelSpec.LayerSpec(type: type, name: name, inputs: inputs, fields: fields)
    }

    static func checkKeys<Keys: Sequence<String>>(_ keys: Keys, allowed: Set<String>, location: String, what: String) throws {
        for key in keys.sorted() where !allowed.contains(key) {
            let hint = suggestion(for: key, among: allowed).map { "; did you mean '\($0)'?" } ?? ""
            throw TrainError.invalidSpec(location: "\(location): key '\(key)'",
                                         reason: "unknown \(what)\(hint) (expected \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    /// JSON `true`/`false` (Foundation bridges 0 and 1 to `Bool` too, so check the number's type).
    static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    static func integer(_ value: Any) -> Int? {
        guard !isBoolean(value), let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double == double.rounded(), abs(double) < 1e15 else { return nil }
        return Int(double)
    }

    static func integers(_ value: Any) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        let values = list.compactMap(integer)
        return values.count == list.count ? values : nil
    }

    static func number(_ value: Any) -> Float? {
        guard !isBoolean(value), let number = value as? NSNumber else { return nil }
        let float = Float(number.doubleValue)
        return float.isFinite ? float : nil
    }

    static func show(_ value: Any) -> String {
        if let text = value as? String { return "\"\(text)\"" }
        if isBoolean(value) { return "\((value as! NSNumber).boolValue)" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]),
           let text = String(data: data, encoding: .utf8) { return text }
        return "\(value)"
    }

    /// The closest of `candidates` within two edits (or a prefix match), if any.
    static func suggestion(for word: String, among candidates: Set<String>) -> String? {
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0)) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in 1...b.count {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}

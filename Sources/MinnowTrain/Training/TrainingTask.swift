import MinnowMetrics

/// How targets are handed to the loss.
enum TargetEncoding: Equatable, Sendable {
    /// Class indices, as `LossTargets.classes` (softmax cross-entropy; 0/1 for binary cross-entropy).
    case classIndices
    /// A class label as the one float target of a one-output model.
    case labelValues
    /// A class label as a one-hot row (MSE or MAE on a classifier).
    case oneHot(Int)
    /// Float targets as given.
    case values
    /// The input itself.
    case inputs
}

/// What the trainer does with a final activation that the loss applies itself.
enum OutputHandling: Equatable, Sendable {
    /// The model's output goes to the loss as it is.
    case asIs
    /// The last layer (a Softmax or Sigmoid layer) is skipped in training: the loss gets its input.
    case skipOutputLayer
    /// The last layer is a Dense with a sigmoid activation: it runs linear in training.
    case linearOutputDense
}

/// How a model, a loss and a data set fit together: the task (which decides the metrics), how
/// targets reach the loss, and whether a final softmax or sigmoid is the loss's own.
///
/// A model ending in `Softmax` (Keras' `Dense(10, activation="softmax")`) trained with softmax
/// cross-entropy, or ending in a sigmoid trained with binary cross-entropy, gets what a Keras
/// user expects from `from_logits=False`: the activation is applied once, by the loss, on the
/// logits (numerically stable, as Keras' TensorFlow backend does), and the saved model still
/// ends in the activation, so it outputs probabilities.
public struct TrainingTask: Sendable, Equatable {
    public var task: MetricTask
    public var loss: LossKind
    /// Values the model outputs per item.
    public var outputCount: Int
    /// One line for logs, e.g. "10-class classification, softmax cross-entropy on logits".
    public var summary: String
    var encoding: TargetEncoding
    var outputHandling: OutputHandling

    /// Checks that `model`, `loss` and `data` fit together and says how to train them.
    ///
    /// - Throws: `TrainError.invalidData` naming the data source, the item and the value for
    ///   labels outside the loss's range, token ids outside an embedding's vocabulary and targets
    ///   of the wrong shape; `TrainError.invalidConfiguration` for a loss that cannot work with
    ///   the model's output (softmax cross-entropy on one unit).
    public static func plan(model: FunctionalModel, loss: LossKind, data: TrainingSet, role: String = "training") throws -> TrainingTask {
        guard model.isBuilt else { throw TrainError.notBuilt("task planning") }
        let source = "\(role) data \(data.sourceDescription)"
        guard data.itemSize == model.inputShape.reduce(1, *) else {
            throw TrainError.invalidData(source: source, item: nil,
                                         reason: "items have shape \(data.itemShape) but the model expects \(model.inputShape)")
        }
        guard data.count > 0 else { throw TrainError.invalidData(source: source, item: nil, reason: "has no items") }
        try checkTokenIDs(model: model, data: data, source: source)

        let outputShape = model.outputShape
        let outputs = outputShape.reduce(1, *)
        let last = model.layers[model.layers.count - 1]
        var handling = OutputHandling.asIs
        switch loss.outputActivation {
        case .softmax?:
            if last is Softmax { handling = .skipOutputLayer }
        case .sigmoid?:
            if let activation = last as? ActivationLayer, activation.activation == .sigmoid { handling = .skipOutputLayer }
            if let dense = last as? Dense, dense.activation == .sigmoid { handling = .linearOutputDense }
        case nil: break
        }
        let activationNote: String
        switch handling {
        case .asIs: activationNote = loss.outputActivation == nil ? "" : " on logits"
        case .skipOutputLayer, .linearOutputDense:
            activationNote = ", the final \(loss == .softmaxCrossEntropy ? "softmax" : "sigmoid") applied once, by the loss"
        }
        let lossName = loss.displayName
        func mismatch(_ reason: String) -> TrainError { .invalidData(source: source, item: nil, reason: reason) }

        switch (loss, data.targets) {
        case (.softmaxCrossEntropy, .classes(let labels)):
            guard outputShape.count == 1 else {
                throw mismatch("the model outputs \(outputShape) per item; class labels need one score per class (end with a Dense layer, or an LSTM/GRU without return_sequences)")
            }
            guard outputs > 1 else {
                throw TrainError.invalidConfiguration(
                    "the model has a one-unit output: softmax cross-entropy over one class is always 0 and learns nothing; for a yes/no target use --loss binary_crossentropy (a sigmoid on that unit, 0/1 labels), or give the last layer one unit per class")
            }
            try checkLabels(labels, below: outputs, source: data.targetSource, role: role,
                            what: "the model has \(outputs) outputs, so labels must lie in 0..<\(outputs)")
            return TrainingTask(task: .classification, loss: loss, outputCount: outputs,
                                summary: "\(outputs)-class classification, \(lossName)\(activationNote)",
                                encoding: .classIndices, outputHandling: handling)
        case (.softmaxCrossEntropy, .values(let values, let shape)):
            try checkTargetShape(shape, outputShape: outputShape, source: data.targetSource)
            guard outputs > 1 else { throw TrainError.invalidConfiguration("the model has a one-unit output: softmax cross-entropy needs one unit per class") }
            try checkRange(values, 0...1, source: data.targetSource, per: outputs, what: "probability targets")
            return TrainingTask(task: .classification, loss: loss, outputCount: outputs,
                                summary: "\(outputs)-class classification on probability targets, \(lossName)\(activationNote)",
                                encoding: .values, outputHandling: handling)
        case (.binaryCrossEntropy, .classes(let labels)):
            guard outputs == 1 else {
                throw mismatch("binary cross-entropy with one class label per item needs a one-unit output, the model has \(outputs) outputs; for \(outputs) classes use --loss softmax_crossentropy, for several yes/no outputs give N×\(outputs) 0/1 targets")
            }
            try checkLabels(labels, below: 2, source: data.targetSource, role: role,
                            what: "binary cross-entropy needs 0/1 labels")
            return TrainingTask(task: .binary, loss: loss, outputCount: 1,
                                summary: "binary classification (0/1 labels), \(lossName)\(activationNote)",
                                encoding: .classIndices, outputHandling: handling)
        case (.binaryCrossEntropy, .values(let values, let shape)):
            try checkTargetShape(shape, outputShape: outputShape, source: data.targetSource)
            try checkRange(values, 0...1, source: data.targetSource, per: outputs, what: "binary cross-entropy targets")
            return TrainingTask(task: outputs == 1 ? .binary : .regression, loss: loss, outputCount: outputs,
                                summary: "\(outputs == 1 ? "binary classification" : "\(outputs) yes/no outputs") (targets in [0, 1]), \(lossName)\(activationNote)",
                                encoding: .values, outputHandling: handling)
        case (.binaryCrossEntropy, .inputs):
            guard outputs == data.itemSize else { throw reconstructionMismatch(outputShape, data) }
            try checkRange(data.features, 0...1, source: data.sourceDescription, per: outputs, what: "inputs reconstructed with binary cross-entropy")
            return TrainingTask(task: .reconstruction, loss: loss, outputCount: outputs,
                                summary: "reconstruction of the input (\(outputs) values), \(lossName)\(activationNote)",
                                encoding: .inputs, outputHandling: handling)
        case (.meanSquaredError, .classes(let labels)), (.meanAbsoluteError, .classes(let labels)):
            if outputs == 1 {
                return TrainingTask(task: .regression, loss: loss, outputCount: 1,
                                    summary: "regression onto the label value, \(lossName)", encoding: .labelValues, outputHandling: .asIs)
            }
            guard outputShape.count == 1 else {
                throw mismatch("the model outputs \(outputShape) per item; class labels need one score per class")
            }
            try checkLabels(labels, below: outputs, source: data.targetSource, role: role,
                            what: "the model has \(outputs) outputs, so labels (one-hot encoded for \(lossName)) must lie in 0..<\(outputs)")
            return TrainingTask(task: .classification, loss: loss, outputCount: outputs,
                                summary: "\(outputs)-class classification, \(lossName) on one-hot labels",
                                encoding: .oneHot(outputs), outputHandling: .asIs)
        case (.meanSquaredError, .values(_, let shape)), (.meanAbsoluteError, .values(_, let shape)):
            try checkTargetShape(shape, outputShape: outputShape, source: data.targetSource)
            return TrainingTask(task: .regression, loss: loss, outputCount: outputs,
                                summary: "regression (\(outputs) value\(outputs == 1 ? "" : "s") per item), \(lossName)",
                                encoding: .values, outputHandling: .asIs)
        case (.meanSquaredError, .inputs), (.meanAbsoluteError, .inputs):
            guard outputs == data.itemSize else { throw reconstructionMismatch(outputShape, data) }
            return TrainingTask(task: .reconstruction, loss: loss, outputCount: outputs,
                                summary: "reconstruction of the input (\(outputs) values), \(lossName)",
                                encoding: .inputs, outputHandling: .asIs)
        case (.softmaxCrossEntropy, .inputs):
            throw TrainError.invalidConfiguration("reconstructing the input (--target input) needs --loss mse, mae or binary_crossentropy, not softmax cross-entropy")
        }
    }

    /// The threshold that splits a binary output the trainer sees: it always scores logits
    /// when the loss applies the sigmoid, and probabilities otherwise.
    var binaryThreshold: Float {
        loss == .binaryCrossEntropy ? 0 : 0.5
    }

    static func reconstructionMismatch(_ outputShape: [Int], _ data: TrainingSet) -> TrainError {
        .invalidConfiguration("the model outputs \(outputShape.reduce(1, *)) values per item (\(outputShape)) but reconstructing the input needs \(data.itemSize) (\(data.itemShape)): end the model with a layer of \(data.itemSize) units")
    }

    static func checkLabels(_ labels: [Int32], below limit: Int, source: String, role: String, what: String) throws {
        if let bad = labels.firstIndex(where: { $0 < 0 || Int($0) >= limit }) {
            throw TrainError.invalidData(source: "\(role) labels \(source)", item: bad, reason: "label \(labels[bad]) is out of range: \(what)")
        }
    }

    static func checkTargetShape(_ shape: [Int], outputShape: [Int], source: String) throws {
        guard shape.reduce(1, *) == outputShape.reduce(1, *) else {
            throw TrainError.invalidData(source: source, item: nil,
                                         reason: "targets have shape \(shape) per item (\(shape.reduce(1, *)) values) but the model outputs \(outputShape) (\(outputShape.reduce(1, *)) values)")
        }
    }

    static func checkRange(_ values: [Float], _ range: ClosedRange<Float>, source: String, per size: Int, what: String) throws {
        if let bad = values.firstIndex(where: { !range.contains($0) }) {
            throw TrainError.invalidData(source: source, item: bad / max(1, size),
                                         reason: "value \(values[bad]) at position \(bad % max(1, size)) is outside [\(range.lowerBound), \(range.upperBound)]: \(what) must be probabilities")
        }
    }

    /// Embedding layers that read the model input need whole-number ids below their vocabulary.
    static func checkTokenIDs(model: FunctionalModel, data: TrainingSet, source: String) throws {
        for (i, layer) in model.layers.enumerated() {
            guard let embedding = layer as? Embedding, model.layerInputs[i] == [FunctionalModel.modelInput] else { continue }
            let size = data.itemSize
            if let bad = data.features.firstIndex(where: { !($0 >= 0 && $0 < Float(embedding.vocabularySize) && $0 == $0.rounded()) }) {
                throw TrainError.invalidData(
                    source: source, item: bad / size,
                    reason: "token id \(data.features[bad]) at position \(bad % size) is not a whole number in 0..<\(embedding.vocabularySize), the vocabulary of layer '\(embedding.name)' (Embedding)")
            }
        }
    }
}

extension LossKind {
    /// "softmax cross-entropy", "binary cross-entropy", "MSE", "MAE".
    public var displayName: String {
        switch self {
        case .softmaxCrossEntropy: return "softmax cross-entropy"
        case .binaryCrossEntropy: return "binary cross-entropy"
        case .meanSquaredError: return "MSE"
        case .meanAbsoluteError: return "MAE"
        }
    }
}

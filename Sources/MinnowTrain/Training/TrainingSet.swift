import MinnowData

/// Items and what the model should produce for each: class labels, float targets, or the
/// item itself (an autoencoder).
public struct TrainingSet: Sendable {
    public enum Targets: Sendable, Equatable {
        /// One class index per item (multi-class, or 0/1 for a binary output).
        case classes([Int32])
        /// `shape` float values per item (regression, multi-label, probability rows).
        case values([Float], shape: [Int])
        /// Reconstruct the item itself.
        case inputs
    }

    public var features: [Float]
    /// Shape of one item, without the batch dimension.
    public var itemShape: [Int]
    public var count: Int
    public var targets: Targets
    /// Where the items come from, e.g. "Fashion-MNIST test (10,000 images, …)".
    public var sourceDescription: String
    /// The file holding the targets, named in messages about them.
    public var targetSource: String

    public init(features: [Float], itemShape: [Int], targets: Targets, sourceDescription: String, targetSource: String? = nil) {
        let itemSize = itemShape.reduce(1, *)
        precondition(itemSize > 0 && features.count % itemSize == 0, "TrainingSet: \(features.count) values do not divide into items of \(itemShape)")
        self.features = features
        self.itemShape = itemShape
        self.count = features.count / itemSize
        self.targets = targets
        self.sourceDescription = sourceDescription
        self.targetSource = targetSource ?? sourceDescription
        switch targets {
        case .classes(let labels): precondition(labels.count == count, "TrainingSet: \(labels.count) labels for \(count) items")
        case .values: break  // counts and shapes are checked by TrainingTask.plan, which names the files
        case .inputs: break
        }
    }

    /// A classification set: the dataset's labels are the targets.
    public init(_ data: LabeledDataset) {
        self.init(features: data.features, itemShape: data.itemShape, targets: .classes(data.labels),
                  sourceDescription: data.sourceDescription)
    }

    /// Float targets, or the items themselves when the data has no targets.
    public init(_ data: RegressionDataset) {
        let targets: Targets = data.targets.map { .values($0, shape: data.targetShape) } ?? .inputs
        self.init(features: data.features, itemShape: data.itemShape, targets: targets,
                  sourceDescription: data.sourceDescription, targetSource: data.targetSource)
    }

    /// The dataset's items as their own targets (labels are ignored): autoencoder training.
    public init(reconstructing data: LabeledDataset) {
        self.init(features: data.features, itemShape: data.itemShape, targets: .inputs, sourceDescription: data.sourceDescription)
    }

    public var itemSize: Int { itemShape.reduce(1, *) }

    /// Target values per item (the item size for `.inputs`, 1 for class labels).
    public var targetSize: Int {
        switch targets {
        case .classes: return 1
        case .values(_, let shape): return shape.reduce(1, *)
        case .inputs: return itemSize
        }
    }

    /// Items `range`, in order (Keras' `validation_split` takes the last ones).
    public func slice(_ range: Range<Int>) -> TrainingSet {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "TrainingSet.slice: \(range) outside 0..<\(count)")
        let size = itemSize
        var result = self
        result.features = Array(features[(range.lowerBound * size)..<(range.upperBound * size)])
        result.count = range.count
        switch targets {
        case .classes(let labels): result.targets = .classes(Array(labels[range]))
        case .values(let values, let shape):
            let t = shape.reduce(1, *)
            result.targets = .values(Array(values[(range.lowerBound * t)..<(range.upperBound * t)]), shape: shape)
        case .inputs: break
        }
        return result
    }

    /// The items at `indices` as one batch `[n] + shape`.
    func inputBatch<C: Collection>(_ indices: C, shape: [Int]) -> Tensor where C.Element == Int {
        let size = itemSize
        let values = uninitializedFloats(count: indices.count * size) { target in
            features.withUnsafeBufferPointer { source in
                for (row, index) in indices.enumerated() {
                    (target + row * size).update(from: source.baseAddress! + index * size, count: size)
                }
            }
        }
        return Tensor(shape: [indices.count] + shape, data: values)
    }

    /// The targets of the items at `indices`, encoded for the loss.
    func targetBatch<C: Collection>(_ indices: C, encoding: TargetEncoding, outputShape: [Int]) -> LossTargets where C.Element == Int {
        let n = indices.count
        switch (targets, encoding) {
        case (.classes(let labels), .classIndices):
            return .classes(indices.map { labels[$0] })
        case (.classes(let labels), .labelValues):
            return .values(Tensor(shape: [n] + outputShape, data: indices.map { Float(labels[$0]) }))
        case (.classes(let labels), .oneHot(let classes)):
            var values = [Float](repeating: 0, count: n * classes)
            for (row, index) in indices.enumerated() { values[row * classes + Int(labels[index])] = 1 }
            return .values(Tensor(shape: [n] + outputShape, data: values))
        case (.values(let values, let shape), _):
            let t = shape.reduce(1, *)
            let batch = uninitializedFloats(count: n * t) { target in
                values.withUnsafeBufferPointer { source in
                    for (row, index) in indices.enumerated() {
                        (target + row * t).update(from: source.baseAddress! + index * t, count: t)
                    }
                }
            }
            return .values(Tensor(shape: [n] + outputShape, data: batch))
        case (.inputs, _):
            return .values(inputBatch(indices, shape: outputShape))
        case (.classes(let labels), _):
            return .classes(indices.map { labels[$0] })
        }
    }
}

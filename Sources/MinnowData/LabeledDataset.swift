/// A classification dataset held in memory: one flat row-major feature array plus an
/// integer label per item.
///
/// Item `i` occupies `features[i * itemSize ..< (i + 1) * itemSize]` and has shape
/// `itemShape` (no batch dimension; images are NHWC, e.g. [28, 28, 1]).
public struct LabeledDataset: Sendable {
    public var features: [Float]
    /// Shape of one item, without the batch dimension.
    public var itemShape: [Int]
    public var labels: [Int32]
    /// Number of items.
    public var count: Int
    /// Number of classes; labels lie in `0..<classCount`.
    public var classCount: Int
    /// Human-readable origin, e.g. "Fashion-MNIST test (10,000 images, /usr/share/datasets/fashion-mnist)".
    public var sourceDescription: String

    /// Creates a dataset after checking that features, labels and shape agree.
    ///
    /// - Parameter classCount: the number of classes, or `nil` for `max(labels) + 1`.
    public init(features: [Float], itemShape: [Int], labels: [Int32], classCount: Int? = nil,
                sourceDescription: String) throws(DataError) {
        guard !itemShape.isEmpty, itemShape.allSatisfy({ $0 > 0 }), let itemSize = checkedProduct(itemShape),
              case let (needed, overflow) = labels.count.multipliedReportingOverflow(by: itemSize), !overflow else {
            throw DataError(.shapeMismatch, file: sourceDescription, "item shape \(itemShape) must have positive dimensions whose product fits in memory")
        }
        guard features.count == needed else {
            throw DataError(.shapeMismatch, file: sourceDescription,
                            "\(labels.count) labels with item shape \(itemShape) need \(needed) feature values, found \(features.count)")
        }
        if let negative = labels.firstIndex(where: { $0 < 0 }) {
            throw DataError(.invalidValue, file: sourceDescription, "label of item \(negative) is negative (\(labels[negative]))")
        }
        let maximum = Int(labels.max() ?? -1)
        if let classCount, maximum >= classCount {
            throw DataError(.invalidValue, file: sourceDescription, "label \(maximum) is out of range for \(classCount) classes")
        }
        self.features = features
        self.itemShape = itemShape
        self.labels = labels
        self.count = labels.count
        self.classCount = classCount ?? (maximum + 1)
        self.sourceDescription = sourceDescription
    }

    /// Number of feature values per item (the product of `itemShape`).
    public var itemSize: Int { itemShape.reduce(1, *) }

    /// The features of item `index`.
    public func features(at index: Int) -> ArraySlice<Float> {
        precondition(index >= 0 && index < count, "item index \(index) out of range 0..<\(count)")
        return features[(index * itemSize)..<((index + 1) * itemSize)]
    }

    /// The features and label of item `index`.
    public func item(at index: Int) -> (features: ArraySlice<Float>, label: Int32) {
        (features(at: index), labels[index])
    }

    /// The first `n` items (or all, if there are fewer).
    public func prefix(_ n: Int) -> LabeledDataset {
        subset(0..<min(max(n, 0), count))
    }

    /// The items at `indices`, in that order (indices may repeat, e.g. for a shuffled epoch).
    public func subset<Indices: Sequence<Int>>(_ indices: Indices) -> LabeledDataset {
        let size = itemSize
        var newFeatures: [Float] = []
        var newLabels: [Int32] = []
        newFeatures.reserveCapacity(indices.underestimatedCount * size)
        features.withUnsafeBufferPointer { source in
            for index in indices {
                precondition(index >= 0 && index < count, "item index \(index) out of range 0..<\(count)")
                newFeatures.append(contentsOf: source[(index * size)..<((index + 1) * size)])
                newLabels.append(labels[index])
            }
        }
        var result = self
        result.features = newFeatures
        result.labels = newLabels
        result.count = newLabels.count
        return result
    }

    /// The same data viewed with another item shape of the same size (e.g. [784] → [28, 28, 1]).
    public func reshaped(to newItemShape: [Int]) throws(DataError) -> LabeledDataset {
        guard !newItemShape.isEmpty, newItemShape.allSatisfy({ $0 > 0 }), checkedProduct(newItemShape) == itemSize else {
            throw DataError(.shapeMismatch, file: sourceDescription,
                            "cannot reshape items of shape \(itemShape) (\(itemSize) values) to \(newItemShape)")
        }
        var result = self
        result.itemShape = newItemShape
        return result
    }

    /// Throws unless the labels of the first `limit` items (all by default) lie in
    /// `0..<classCount`, the classes of `model`'s output; the error names the data, the row
    /// and the value. Call it before sizing anything by the number of classes.
    public func checkLabels(classCount: Int, of model: String, limit: Int? = nil) throws(DataError) {
        let checked = labels.prefix(min(max(limit ?? count, 0), count))
        guard let bad = checked.firstIndex(where: { $0 < 0 || Int($0) >= classCount }) else { return }
        let range = classCount > 0 ? "the \(classCount) classes 0…\(classCount - 1)" : "any class (the output has none)"
        throw DataError(.invalidValue, file: sourceDescription,
                        "data row \(bad + 1) (item \(bad)) has label \(labels[bad]), outside \(range) of \(model)")
    }

    /// How many items carry each label, indexed by class.
    public func labelHistogram() -> [Int] {
        var histogram = [Int](repeating: 0, count: classCount)
        for label in labels { histogram[Int(label)] += 1 }
        return histogram
    }
}

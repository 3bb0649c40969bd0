extension LabeledDataset {
    /// Loads features and labels from two `.npy` files.
    ///
    /// The features array is N×… (e.g. N×T×F for sequences); its trailing dimensions are the
    /// default item shape (`[1]` for a 1-D array). Labels must be N or N×1.
    /// - Parameter scaleBytesToUnitRange: divide `|u1` features by 255 (other dtypes convert by value).
    public static func loadNumpy(features featuresPath: String, labels labelsPath: String, itemShape: [Int]? = nil,
                                 scaleBytesToUnitRange: Bool = false, classCount: Int? = nil) throws(DataError) -> LabeledDataset {
        let features = try NumpyReader.read(path: featuresPath)
        let labels = try NumpyReader.read(path: labelsPath)
        guard let itemCount = features.shape.first else {
            throw DataError(.shapeMismatch, file: featuresPath, "features must have at least one dimension (N × …), found a 0-d array")
        }
        guard labels.shape.count == 1 || (labels.shape.count == 2 && labels.shape[1] == 1) else {
            throw DataError(.shapeMismatch, file: labelsPath, "labels must have shape (N,) or (N, 1), found \(labels.shape)")
        }
        guard labels.shape[0] == itemCount else {
            throw DataError(.shapeMismatch, file: labelsPath,
                            "\(labels.shape[0]) labels but \(featuresPath) has \(itemCount) items (shape \(features.shape))")
        }
        let trailing = Array(features.shape.dropFirst())
        let naturalShape = trailing.isEmpty ? [1] : trailing
        let shape = itemShape ?? naturalShape
        guard shape.reduce(1, *) == naturalShape.reduce(1, *) else {
            throw DataError(.shapeMismatch, file: featuresPath,
                            "item shape \(shape) has \(shape.reduce(1, *)) values but items of shape \(trailing) have \(naturalShape.reduce(1, *))")
        }
        let dims = features.shape.map(String.init).joined(separator: "×")
        return try LabeledDataset(
            features: features.floatValues(scaleBytesToUnitRange: scaleBytesToUnitRange), itemShape: shape,
            labels: try labels.labelValues(source: labelsPath), classCount: classCount,
            sourceDescription: "NumPy \(featuresPath) (\(dims) \(features.elementType.rawValue)), \(labelsPath)")
    }
}

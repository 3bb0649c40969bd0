extension LabeledDataset {
    /// Loads features and labels from two `.npy` files.
    ///
    /// The features array is N×… (e.g. N×T×F for sequences); its trailing dimensions are the
    /// default item shape (`[1]` for a 1-D array). Labels must be N or N×1. Features must be
    /// finite: NaN and infinity (including float64 values beyond Float's range) are refused, as
    /// the CSV reader refuses them.
    /// - Parameter scaleBytesToUnitRange: divide `|u1` features by 255 (other dtypes convert by value).
    public static func loadNumpy(features featuresPath: String, labels labelsPath: String, itemShape: [Int]? = nil,
                                 scaleBytesToUnitRange: Bool = false, classCount: Int? = nil,
                                 limits: DataLimits = .fromEnvironment) throws(DataError) -> LabeledDataset {
        let features = try NumpyReader.read(path: featuresPath, limits: limits)
        let labels = try NumpyReader.read(path: labelsPath, limits: limits)
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
        let naturalSize = naturalShape.reduce(1, *) // bounded: the reader checked the whole product
        guard checkedProduct(shape) == naturalSize else {
            throw DataError(.shapeMismatch, file: featuresPath,
                            "item shape \(shape) does not hold the \(naturalSize) values of items of shape \(trailing)")
        }
        let values = features.floatValues(scaleBytesToUnitRange: scaleBytesToUnitRange)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            let item = naturalSize > 0 ? bad / naturalSize : 0
            let position = naturalSize > 0 ? bad % naturalSize : 0
            let why = features.elementType == .float64 && !values[bad].isNaN ? " (a float64 value beyond Float's range)" : ""
            throw DataError(.invalidValue, file: featuresPath,
                            "element \(bad) (item \(item), value \(position) of the item) is \(values[bad])\(why); features must be finite numbers")
        }
        let dims = features.shape.map(String.init).joined(separator: "×")
        return try LabeledDataset(
            features: values, itemShape: shape,
            labels: try labels.labelValues(source: labelsPath), classCount: classCount,
            sourceDescription: "NumPy \(featuresPath) (\(dims) \(features.elementType.rawValue)), \(labelsPath)")
    }
}

/// Features with float targets (regression, multi-label), or features alone (an autoencoder
/// reconstructs its input): the data that integer class labels cannot describe.
///
/// Item `i` has features `features[i·itemSize ..< (i+1)·itemSize]` and, when present, targets
/// `targets[i·targetSize ..< (i+1)·targetSize]`.
public struct RegressionDataset: Sendable {
    public var features: [Float]
    /// Shape of one item, without the batch dimension.
    public var itemShape: [Int]
    /// Number of items.
    public var count: Int
    /// `targetShape` values per item; `nil` when the data names features only.
    public var targets: [Float]?
    /// Shape of one item's targets (`[1]` for a scalar target).
    public var targetShape: [Int]
    /// Human-readable origin of the features (and targets).
    public var sourceDescription: String
    /// The file the targets come from, for messages about them.
    public var targetSource: String

    /// Creates a dataset after checking that features, targets and shapes agree.
    public init(features: [Float], itemShape: [Int], targets: [Float]?, targetShape: [Int],
                sourceDescription: String, targetSource: String) throws(DataError) {
        let itemSize = itemShape.reduce(1, *)
        guard !itemShape.isEmpty, itemShape.allSatisfy({ $0 > 0 }), features.count % itemSize == 0 else {
            throw DataError(.shapeMismatch, file: sourceDescription,
                            "\(features.count) feature values do not divide into items of shape \(itemShape)")
        }
        let count = features.count / itemSize
        if let targets {
            let targetSize = targetShape.reduce(1, *)
            guard targetShape.allSatisfy({ $0 > 0 }), targets.count == count * targetSize else {
                throw DataError(.shapeMismatch, file: targetSource,
                                "\(count) items with target shape \(targetShape) need \(count * targetSize) target values, found \(targets.count)")
            }
            if let bad = targets.firstIndex(where: { !$0.isFinite }) {
                throw DataError(.invalidValue, file: targetSource,
                                "target value \(bad % targetSize) of item \(bad / targetSize) is \(targets[bad]), not a finite number")
            }
        }
        self.features = features
        self.itemShape = itemShape
        self.count = count
        self.targets = targets
        self.targetShape = targetShape
        self.sourceDescription = sourceDescription
        self.targetSource = targetSource
    }

    /// Target values per item.
    public var targetSize: Int { targetShape.reduce(1, *) }

    /// Loads features with float targets, or features alone:
    ///
    ///     npy:X.npy          features only (for an autoencoder)
    ///     npy:X.npy,Y.npy    Y holds N × … float targets (any dtype; converted by value)
    ///     csv:PATH           numeric columns; the column named "target" or "label" (else the last) is the target
    ///
    /// Other specs (`fashion-mnist:…`, `idx:…`) load through `LabeledDataset` with each label as
    /// a one-value float target.
    ///
    /// - Parameter scaleBytesToUnitRange: divide `uint8` NumPy features by 255.
    public static func load(spec: String, itemShape: [Int]? = nil, scaleBytesToUnitRange: Bool = false) throws(DataError) -> RegressionDataset {
        if spec.lowercased().hasPrefix("npy:"), !spec.contains(",") {
            let path = String(spec.dropFirst(4))
            guard !path.isEmpty else { throw DataError(.invalidSpec, file: spec, "expected npy:FEATURES.npy or npy:FEATURES.npy,TARGETS.npy") }
            return try loadNumpy(features: path, targets: nil, itemShape: itemShape, scaleBytesToUnitRange: scaleBytesToUnitRange)
        }
        switch try DataSpec(parsing: spec) {
        case .numpy(let features, let targets):
            return try loadNumpy(features: features, targets: targets, itemShape: itemShape, scaleBytesToUnitRange: scaleBytesToUnitRange)
        case .csv(let path):
            return try loadCSV(path: path, itemShape: itemShape)
        case .fashionMNIST, .idx:
            let labeled = try LabeledDataset.load(spec: spec, itemShape: itemShape, scaleBytesToUnitRange: scaleBytesToUnitRange)
            return try RegressionDataset(features: labeled.features, itemShape: labeled.itemShape,
                                         targets: labeled.labels.map { Float($0) }, targetShape: [1],
                                         sourceDescription: labeled.sourceDescription, targetSource: spec)
        }
    }

    /// Features from a `.npy` file (N × …) and, optionally, targets from another (N × …).
    public static func loadNumpy(features featuresPath: String, targets targetsPath: String?, itemShape: [Int]? = nil,
                                 scaleBytesToUnitRange: Bool = false) throws(DataError) -> RegressionDataset {
        let features = try NumpyReader.read(path: featuresPath)
        guard let itemCount = features.shape.first else {
            throw DataError(.shapeMismatch, file: featuresPath, "features must have at least one dimension (N × …), found a 0-d array")
        }
        let trailing = Array(features.shape.dropFirst())
        let naturalShape = trailing.isEmpty ? [1] : trailing
        let shape = itemShape ?? naturalShape
        guard shape.reduce(1, *) == naturalShape.reduce(1, *) else {
            throw DataError(.shapeMismatch, file: featuresPath,
                            "item shape \(shape) has \(shape.reduce(1, *)) values but items of shape \(trailing) have \(naturalShape.reduce(1, *))")
        }
        let dims = features.shape.map(String.init).joined(separator: "×")
        var description = "NumPy \(featuresPath) (\(dims) \(features.elementType.rawValue))"
        var targetValues: [Float]?
        var targetShape = [1]
        if let targetsPath {
            let targets = try NumpyReader.read(path: targetsPath)
            guard let targetCount = targets.shape.first else {
                throw DataError(.shapeMismatch, file: targetsPath, "targets must have at least one dimension (N × …), found a 0-d array")
            }
            guard targetCount == itemCount else {
                throw DataError(.shapeMismatch, file: targetsPath,
                                "\(targetCount) target rows but \(featuresPath) has \(itemCount) items (shape \(features.shape))")
            }
            targetShape = targets.shape.count > 1 ? Array(targets.shape.dropFirst()) : [1]
            targetValues = targets.floatValues()
            description += ", targets \(targetsPath) (\(targets.shape.map(String.init).joined(separator: "×")) \(targets.elementType.rawValue))"
        }
        return try RegressionDataset(features: features.floatValues(scaleBytesToUnitRange: scaleBytesToUnitRange), itemShape: shape,
                                     targets: targetValues, targetShape: targetShape,
                                     sourceDescription: description, targetSource: targetsPath ?? featuresPath)
    }

    /// A CSV of numbers whose target is the column named "target" or "label" (case-insensitive),
    /// else the last column; every other column is a feature.
    public static func loadCSV(path: String, itemShape: [Int]? = nil) throws(DataError) -> RegressionDataset {
        let table = try CSVTable.load(path: path)
        guard table.columnCount >= 2 else {
            throw DataError(.shapeMismatch, file: path, "CSV needs at least one feature column and a target column, found \(table.columnCount) column")
        }
        let named = table.header?.firstIndex { ["target", "label"].contains($0.lowercased()) }
        let targetColumn = named ?? table.columnCount - 1
        let featureCount = table.columnCount - 1
        var features = [Float]()
        features.reserveCapacity(table.rowCount * featureCount)
        var targets = [Float]()
        targets.reserveCapacity(table.rowCount)
        for row in 0..<table.rowCount {
            for column in 0..<table.columnCount {
                let value = table.values[row * table.columnCount + column]
                if column == targetColumn { targets.append(value) } else { features.append(value) }
            }
        }
        let shape = itemShape ?? [featureCount]
        guard shape.reduce(1, *) == featureCount else {
            throw DataError(.shapeMismatch, file: path,
                            "item shape \(shape) has \(shape.reduce(1, *)) values but the CSV has \(featureCount) feature columns")
        }
        let targetName = table.header.map { "'\($0[targetColumn])'" } ?? "\(targetColumn + 1)"
        return try RegressionDataset(features: features, itemShape: shape, targets: targets, targetShape: [1],
                                     sourceDescription: "CSV \(path) (\(groupedDigits(table.rowCount)) rows, \(featureCount) features, target column \(targetName))",
                                     targetSource: path)
    }
}

import Foundation

/// Turns data spec strings into datasets, finding Fashion-MNIST on this machine.
///
/// `fashion-mnist:SPLIT` looks, in order, in `$MINNOW_DATA_DIR` (or its `fashion-mnist`
/// subfolder) when that variable is set, else in `/usr/share/datasets/fashion-mnist`, else
/// falls back to the embedded subset. An explicitly set `MINNOW_DATA_DIR` without the files is
/// an error rather than a silent fallback. `fashion-mnist-full:SPLIT` never falls back.
public struct DatasetResolver: Sendable {
    /// `$MINNOW_DATA_DIR`, if set.
    public var dataDirectory: String?
    /// Where the system package installs Fashion-MNIST.
    public var systemDirectory: String
    /// Directory of the embedded subset; `nil` disables the fallback.
    public var embeddedDirectory: String?
    /// How much memory and work a data file may claim (see `DataLimits`).
    public var limits: DataLimits

    public init(dataDirectory: String? = ProcessInfo.processInfo.environment[FashionMNIST.directoryVariable],
                systemDirectory: String = FashionMNIST.systemDirectory,
                embeddedDirectory: String? = FashionMNIST.embeddedDirectory,
                limits: DataLimits = .fromEnvironment) {
        self.dataDirectory = dataDirectory.flatMap { $0.isEmpty ? nil : $0 }
        self.systemDirectory = systemDirectory
        self.embeddedDirectory = embeddedDirectory
        self.limits = limits
    }

    /// Loads the dataset named by `spec`.
    ///
    /// - Parameters:
    ///   - itemShape: shape of one item for user data (e.g. `[T, F]` for sequences); defaults to
    ///     what the file implies. For Fashion-MNIST it may reshape [28, 28, 1] (e.g. to [784]).
    ///   - scaleBytesToUnitRange: divide `uint8` NumPy features by 255.
    public func load(_ spec: String, itemShape: [Int]? = nil, scaleBytesToUnitRange: Bool = false) throws(DataError) -> LabeledDataset {
        try load(DataSpec(parsing: spec), itemShape: itemShape, scaleBytesToUnitRange: scaleBytesToUnitRange)
    }

    /// Loads the dataset described by `spec`.
    public func load(_ spec: DataSpec, itemShape: [Int]? = nil, scaleBytesToUnitRange: Bool = false) throws(DataError) -> LabeledDataset {
        switch spec {
        case .fashionMNIST(let split, let requireFullSet):
            let dataset = try loadFashionMNIST(split, requireFullSet: requireFullSet)
            return try itemShape.map { (shape) throws(DataError) in try dataset.reshaped(to: shape) } ?? dataset
        case .csv(let path):
            return try CSVReader.load(path: path, itemShape: itemShape, limits: limits)
        case .numpy(let features, let labels):
            return try LabeledDataset.loadNumpy(features: features, labels: labels, itemShape: itemShape,
                                                scaleBytesToUnitRange: scaleBytesToUnitRange, limits: limits)
        case .idx(let images, let labels):
            return try LabeledDataset.loadIDX(images: images, labels: labels, itemShape: itemShape, limits: limits)
        }
    }

    /// Where the full Fashion-MNIST split would be read from, or `nil` if it is not installed.
    public func fullSetDirectory(_ split: DataSpec.Split) -> String? {
        let candidates = dataDirectory.map { [$0, ($0 as NSString).appendingPathComponent("fashion-mnist")] } ?? [systemDirectory]
        return candidates.first { locate(split, in: $0) != nil }
    }

    func loadFashionMNIST(_ split: DataSpec.Split, requireFullSet: Bool) throws(DataError) -> LabeledDataset {
        let (imagesName, labelsName) = FashionMNIST.fileNames(split)
        let splitName = "Fashion-MNIST \(split.rawValue)"
        if let directory = fullSetDirectory(split), let files = locate(split, in: directory) {
            var dataset = try LabeledDataset.loadIDX(images: files.images, labels: files.labels,
                                                     classCount: FashionMNIST.classCount, sourceDescription: splitName,
                                                     limits: limits)
            dataset.sourceDescription = "\(splitName) (\(groupedDigits(dataset.count)) images, \(directory))"
            return dataset
        }
        let wanted = "\(imagesName)(.gz) and \(labelsName)(.gz)"
        if let dataDirectory {
            throw DataError(.datasetNotInstalled, file: dataDirectory,
                            "\(FashionMNIST.directoryVariable)=\(dataDirectory) does not contain \(wanted) (also looked in its fashion-mnist subfolder); unset \(FashionMNIST.directoryVariable) to use \(systemDirectory)\(requireFullSet ? "" : " or the embedded subset")")
        }
        if requireFullSet {
            throw DataError(.datasetNotInstalled, file: systemDirectory,
                            "the full \(splitName) set is not installed (looked for \(wanted)); install it with: \(FashionMNIST.installCommand) (or set \(FashionMNIST.directoryVariable) to a directory with the files)")
        }
        guard let embeddedDirectory, let files = locate(split, in: embeddedDirectory) else {
            throw DataError(.datasetNotInstalled, file: systemDirectory,
                            "\(splitName) is not installed and the embedded subset is missing; install the full set with: \(FashionMNIST.installCommand)")
        }
        // The description needs the count, which is known only after reading.
        var dataset = try LabeledDataset.loadIDX(images: files.images, labels: files.labels,
                                                 classCount: FashionMNIST.classCount, sourceDescription: splitName,
                                                 limits: limits)
        dataset.sourceDescription = "\(splitName), embedded subset (\(groupedDigits(dataset.count)) of \(groupedDigits(FashionMNIST.fullCount(split))) images; for the full set: \(FashionMNIST.installCommand))"
        return dataset
    }

    /// The image and label files of `split` in `directory`, preferring raw over `.gz`.
    private func locate(_ split: DataSpec.Split, in directory: String) -> (images: String, labels: String)? {
        let (imagesName, labelsName) = FashionMNIST.fileNames(split)
        func find(_ name: String) -> String? {
            let base = (directory as NSString).appendingPathComponent(name)
            return [base, base + ".gz"].first { FileManager.default.fileExists(atPath: $0) }
        }
        guard let images = find(imagesName), let labels = find(labelsName) else { return nil }
        return (images, labels)
    }
}

extension LabeledDataset {
    /// Loads the dataset named by a spec string with the default resolver
    /// (`$MINNOW_DATA_DIR`, the system package, then the embedded subset).
    public static func load(spec: String, itemShape: [Int]? = nil, scaleBytesToUnitRange: Bool = false) throws(DataError) -> LabeledDataset {
        try DatasetResolver().load(spec, itemShape: itemShape, scaleBytesToUnitRange: scaleBytesToUnitRange)
    }
}

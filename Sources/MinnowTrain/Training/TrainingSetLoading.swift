import MinnowData

extension TrainingSet {
    /// What the targets of a data spec should be read as.
    public enum TargetReading: Sendable, Equatable {
        /// Integer class labels (softmax cross-entropy): `LabeledDataset`'s readers.
        case classLabels
        /// Float targets from NumPy and CSV files (regression, binary cross-entropy); Fashion-MNIST
        /// and IDX keep their class labels. A single whole-number target per item becomes a
        /// class label when the model has several outputs (one-hot for MSE, as Keras users
        /// write `to_categorical`).
        case values(modelOutputs: Int?)
        /// The items themselves (an autoencoder); `npy:X.npy` alone is enough.
        case input
    }

    /// Loads the data a spec names, with targets read as `reading` says.
    public static func load(spec: String, reading: TargetReading) throws -> TrainingSet {
        let kind = spec.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        let fileBased = kind == "npy" || kind == "csv"
        switch reading {
        case .classLabels:
            if kind == "npy", !spec.contains(",") {
                throw DataError(.invalidSpec, file: spec,
                                "npy:X.npy has no labels: give npy:X.npy,LABELS.npy, or --target input to reconstruct the input")
            }
            return TrainingSet(try LabeledDataset.load(spec: spec))
        case .input:
            if fileBased {
                var data = TrainingSet(try RegressionDataset.load(spec: spec))
                data.targets = .inputs
                data.targetSource = data.sourceDescription
                return data
            }
            return TrainingSet(reconstructing: try LabeledDataset.load(spec: spec))
        case .values(let outputs):
            guard fileBased else { return TrainingSet(try LabeledDataset.load(spec: spec)) }
            if kind == "npy", !spec.contains(",") {
                throw DataError(.invalidSpec, file: spec,
                                "npy:X.npy has no targets: give npy:X.npy,TARGETS.npy, or --target input to reconstruct the input")
            }
            let data = try RegressionDataset.load(spec: spec)
            var set = TrainingSet(data)
            if let targets = data.targets, data.targetSize == 1, (outputs ?? 1) > 1,
               targets.allSatisfy({ $0 >= 0 && $0 == $0.rounded() && $0 < Float(Int32.max) }) {
                set.targets = .classes(targets.map { Int32($0) })
            }
            return set
        }
    }
}

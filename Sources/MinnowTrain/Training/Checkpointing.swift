/// How `Trainer.fit` saves and resumes: what to resume from, where checkpoints go, and which
/// model they belong to.
public struct Checkpointing {
    /// The checkpoint to continue from, or nil for a fresh run.
    public var resumeFrom: TrainingCheckpoint?
    /// Resume even when numeric settings or data differ from the checkpoint's (for example a
    /// lower learning rate after a divergence). The run continues from the saved state with
    /// the new settings, so it no longer matches any uninterrupted run. The optimizer kind can
    /// never change: its saved state would not fit.
    public var allowsSettingChanges: Bool
    /// Stamped into every checkpoint and compared on resume, e.g. "preset fashion-lstm".
    public var modelIdentity: String
    /// Names the checkpoint in messages (usually its path).
    public var source: String
    /// Called after every finished epoch with a finite checkpoint; typically writes it
    /// atomically with `TrainingCheckpoint.write(to:)`.
    public var save: (TrainingCheckpoint) throws -> Void

    public init(resumeFrom: TrainingCheckpoint? = nil, allowsSettingChanges: Bool = false, modelIdentity: String = "",
                source: String = "the checkpoint", save: @escaping (TrainingCheckpoint) throws -> Void = { _ in }) {
        self.resumeFrom = resumeFrom
        self.allowsSettingChanges = allowsSettingChanges
        self.modelIdentity = modelIdentity
        self.source = source
        self.save = save
    }

    /// Writes every checkpoint to `path` atomically; resumes from `resumeFrom` when given.
    public static func file(_ path: String, resumeFrom: TrainingCheckpoint? = nil, allowsSettingChanges: Bool = false,
                            modelIdentity: String = "") -> Checkpointing {
        Checkpointing(resumeFrom: resumeFrom, allowsSettingChanges: allowsSettingChanges, modelIdentity: modelIdentity,
                      source: path, save: { try $0.write(to: path) })
    }

    /// Checks that `checkpoint` belongs to this model, settings and data, then restores the
    /// model's parameters and layer state and the optimizer's state from it.
    func prepareResume(from checkpoint: TrainingCheckpoint, model: FunctionalModel, optimizer: StatefulOptimizer,
                       configuration: TrainingConfiguration, data: DataFingerprint) throws {
        try checkpoint.checkModelIdentity(modelIdentity, source: source)
        let differences = checkpoint.differences(from: configuration, data: data)
        if let optimizerChange = differences.first(where: { $0.setting == "--optimizer" }) {
            throw CheckpointError(.settingMismatch,
                "cannot resume from \(source): \(optimizerChange); the optimizer's saved state only fits the same optimizer")
        }
        if !differences.isEmpty, !allowsSettingChanges {
            throw CheckpointError(.settingMismatch,
                "cannot resume from \(source) with different settings: \(differences.map(\.description).joined(separator: "; ")). Use the checkpoint's settings to reproduce the run exactly, or add --allow-setting-change to continue with the new ones")
        }
        guard checkpoint.history.epochs.count == checkpoint.completedEpochs else {
            throw CheckpointError(.corrupted, "\(source): records \(checkpoint.completedEpochs) completed epochs but \(checkpoint.history.epochs.count) in its history")
        }
        try checkpoint.restore(into: model, source: source)
        do {
            try optimizer.restore(checkpoint.optimizer, for: model.parameters)
        } catch let error as TrainError {
            throw CheckpointError(.incompatibleModel, "\(source): \(error.description)")
        }
    }
}

import Foundation
import MinnowData
import MinnowMetrics

/// Identifies the training data a run used: its size, item shape and a CRC-32 of every value
/// and label. Resuming on other data would not reproduce the run.
public struct DataFingerprint: Equatable, Sendable {
    public var count: Int
    public var itemShape: [Int]
    public var checksum: UInt32

    public init(count: Int, itemShape: [Int], checksum: UInt32) {
        self.count = count
        self.itemShape = itemShape
        self.checksum = checksum
    }

    public init(_ data: LabeledDataset) {
        self.init(TrainingSet(data))
    }

    /// The features, then the targets' bytes (labels as Int32, float targets as Float32).
    public init(_ data: TrainingSet) {
        var crc = data.features.withUnsafeBytes { CRC32.checksum($0) }
        switch data.targets {
        case .classes(let labels): crc = labels.withUnsafeBytes { CRC32.checksum($0, continuing: crc) }
        case .values(let values, _): crc = values.withUnsafeBytes { CRC32.checksum($0, continuing: crc) }
        case .inputs: break
        }
        self.init(count: data.count, itemShape: data.itemShape, checksum: crc)
    }
}

/// The saved state of one layer: parameter values with names and shapes, and any extra
/// training state (`StatefulLayer`).
public struct LayerSnapshot: Equatable, Sendable {
    public struct ParameterValues: Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
    }

    public var name: String
    public var kind: String
    public var parameters: [ParameterValues]
    public var state: [LayerStateEntry]

    /// Every layer of `model` as it stands now.
    public static func capture(_ model: FunctionalModel) -> [LayerSnapshot] {
        model.layers.map { layer in
            LayerSnapshot(
                name: layer.name, kind: layer.kind,
                parameters: layer.parameters.map { .init(name: $0.name, shape: $0.shape, values: $0.value) },
                state: (layer as? StatefulLayer)?.trainingState ?? [])
        }
    }

    /// Copies parameters and layer state into `model` (built, same architecture). Checks the
    /// whole structure first, so a mismatch leaves the model untouched.
    public static func restore(_ layers: [LayerSnapshot], into model: FunctionalModel, source: String) throws {
        guard model.isBuilt else { throw TrainError.notBuilt("restore") }
        func mismatch(_ what: String) -> CheckpointError {
            CheckpointError(.incompatibleModel, "\(source) does not fit this model: \(what)")
        }
        guard layers.count == model.layers.count else {
            throw mismatch("it has \(layers.count) layers (\(layers.map(\.kind).joined(separator: ", "))), the model has \(model.layers.count) (\(model.layers.map(\.kind).joined(separator: ", ")))")
        }
        for (saved, layer) in zip(layers, model.layers) {
            guard saved.kind == layer.kind, saved.name == layer.name else {
                throw mismatch("layer '\(saved.name)' (\(saved.kind)) where the model has '\(layer.name)' (\(layer.kind))")
            }
            let parameters = layer.parameters
            guard saved.parameters.count == parameters.count else {
                throw mismatch("layer '\(saved.name)' has \(saved.parameters.count) parameters, the model's has \(parameters.count)")
            }
            for (values, parameter) in zip(saved.parameters, parameters) {
                guard values.name == parameter.name, values.shape == parameter.shape, values.values.count == parameter.value.count else {
                    throw mismatch("layer '\(saved.name)' parameter '\(values.name)' has shape \(values.shape), the model's '\(parameter.name)' has shape \(parameter.shape)")
                }
            }
            if layer as? StatefulLayer == nil, !saved.state.isEmpty {
                throw mismatch("layer '\(saved.name)' has saved state \(saved.state.map(\.name)) the model's layer does not keep")
            }
        }
        for (saved, layer) in zip(layers, model.layers) {
            for (values, parameter) in zip(saved.parameters, layer.parameters) { parameter.value = values.values }
            if let stateful = layer as? StatefulLayer {
                do { try stateful.restoreTrainingState(saved.state) } catch let error as TrainError { throw mismatch(error.description) }
            }
        }
    }
}

/// Everything needed to continue a training run after its last finished epoch and end with
/// exactly the weights of an uninterrupted run: parameters, layer state, optimizer state, the
/// epochs done with their figures, and the settings and data that determine the numbers.
///
/// File layout (little-endian): magic `MNCK`, format version (UInt32), payload length
/// (UInt64), CRC-32 of the payload (UInt32), payload. Written atomically (`AtomicFile`), so a
/// crash leaves the previous checkpoint or the new one, never a mix.
public struct TrainingCheckpoint: Equatable, Sendable {
    public static let magic: [UInt8] = Array("MNCK".utf8)
    /// Version 2 adds the loss, validation split, patience, per-task metrics and early-stopping
    /// state; version 1 files (classification only) are still read.
    public static let formatVersion: UInt32 = 2
    static let headerSize = 4 + 4 + 8 + 4

    /// Who made the model, e.g. "preset fashion-lstm" or "spec model.json (crc32 1a2b3c4d)";
    /// checked on resume so that another model of the same shapes is refused too.
    public var modelIdentity: String
    public var layers: [LayerSnapshot]
    public var optimizer: OptimizerState
    public var completedEpochs: Int
    public var history: TrainingHistory
    public var configuration: TrainingConfiguration
    public var data: DataFingerprint

    /// Captures `model` and `optimizer` as they stand after `completedEpochs` epochs.
    public init(model: FunctionalModel, optimizer: StatefulOptimizer, completedEpochs: Int, history: TrainingHistory,
                configuration: TrainingConfiguration, data: DataFingerprint, modelIdentity: String = "") {
        self.modelIdentity = modelIdentity
        layers = LayerSnapshot.capture(model)
        self.optimizer = optimizer.state(for: model.parameters)
        self.completedEpochs = completedEpochs
        self.history = history
        self.configuration = configuration
        self.data = data
    }

    /// Whether every parameter, moving statistic and optimizer slot is finite.
    public var isFinite: Bool {
        optimizer.isFinite && layers.allSatisfy { layer in
            layer.parameters.allSatisfy { $0.values.allSatisfy(\.isFinite) }
                && layer.state.allSatisfy { entry in
                    if case .floats(let values) = entry.value { return values.allSatisfy(\.isFinite) }
                    return true
                }
        }
    }

    // MARK: Restoring

    /// Refuses a checkpoint written for another model (identity as given by the caller).
    public func checkModelIdentity(_ identity: String, source: String) throws {
        guard identity == modelIdentity else {
            throw CheckpointError(.incompatibleModel,
                "\(source) was written for model \(modelIdentity.isEmpty ? "(unnamed)" : modelIdentity), not \(identity.isEmpty ? "(unnamed)" : identity); resume with the same --preset or --spec, or start a fresh run without --resume")
        }
    }

    /// Copies parameters and layer state into `model` (built, same architecture). Checks the
    /// whole structure first, so a mismatch leaves the model untouched.
    public func restore(into model: FunctionalModel, source: String = "checkpoint") throws {
        try LayerSnapshot.restore(layers, into: model, source: source)
    }

    /// A training setting that differs between the checkpoint and the run that wants to resume.
    public struct SettingDifference: Equatable, Sendable, CustomStringConvertible {
        /// The CLI option, e.g. "--lr", or "training data".
        public var setting: String
        public var saved: String
        public var requested: String
        public var description: String { "\(setting) is \(requested), the checkpoint was trained with \(saved)" }
    }

    /// The settings and data of `configuration`/`data` that differ from the checkpoint's.
    public func differences(from configuration: TrainingConfiguration, data: DataFingerprint) -> [SettingDifference] {
        let saved = self.configuration
        var result: [SettingDifference] = []
        func compare<T: Equatable>(_ setting: String, _ a: T, _ b: T, _ show: (T) -> String = { "\($0)" }) {
            if a != b { result.append(SettingDifference(setting: setting, saved: show(a), requested: show(b))) }
        }
        let bits: (Float) -> UInt32 = { $0.bitPattern }
        let showBits: (UInt32) -> String = { "\(Float(bitPattern: $0))" }
        compare("--seed", saved.seed, configuration.seed)
        compare("--epochs", saved.epochs, configuration.epochs)
        compare("--batch", saved.batchSize, configuration.batchSize)
        compare("--optimizer", saved.optimizer.rawValue, configuration.optimizer.rawValue)
        compare("--lr", bits(saved.learningRate), bits(configuration.learningRate), showBits)
        compare("--schedule", saved.schedule.rawValue, configuration.schedule.rawValue)
        compare("--momentum", bits(saved.momentum), bits(configuration.momentum), showBits)
        compare("--l1", bits(saved.l1), bits(configuration.l1), showBits)
        compare("--l2", bits(saved.l2), bits(configuration.l2), showBits)
        compare("decay factor", bits(saved.decayFactor), bits(configuration.decayFactor), showBits)
        compare("decay epochs", saved.decayEpochs, configuration.decayEpochs)
        compare("final learning-rate fraction", bits(saved.minimumLearningRateFraction), bits(configuration.minimumLearningRateFraction), showBits)
        compare("--loss", saved.loss.rawValue, configuration.loss.rawValue)
        compare("--validation-split", bits(saved.validationSplit), bits(configuration.validationSplit), showBits)
        compare("--patience", saved.patience, configuration.patience)
        if self.data != data {
            result.append(SettingDifference(
                setting: "training data",
                saved: "\(self.data.count) items of \(self.data.itemShape) (crc32 \(hex(self.data.checksum)))",
                requested: "\(data.count) items of \(data.itemShape) (crc32 \(hex(data.checksum)))"))
        }
        return result
    }

    // MARK: Encoding

    /// The checkpoint file's bytes (always the current format version).
    public func serializedBytes() -> [UInt8] {
        var w = CheckpointWriter()
        w.write(modelIdentity)
        w.write(layers)
        w.write(optimizer.kind)
        w.write(optimizer.iterations)
        w.write(optimizer.slots.count)
        for slot in optimizer.slots {
            w.write(slot.first)
            w.write(slot.second)
        }
        w.write(completedEpochs)
        w.write(history.epochs.count)
        for e in history.epochs {
            w.write(e.epoch)
            w.write(e.trainLoss)
            w.write(e.trainMetrics)
            w.write(e.validationLoss)
            w.write(e.validationMetrics)
            w.write(e.testLoss)
            w.write(e.testMetrics)
            w.write(e.seconds)
            w.write(e.learningRate)
        }
        w.write(history.stoppedEarly)
        w.write(history.earlyStopping != nil)
        if let best = history.earlyStopping {
            w.write(best.bestEpoch)
            w.write(best.bestLoss)
            w.write(best.epochsWithoutImprovement)
            w.write(best.bestLayers)
        }
        let c = configuration
        w.write(c.epochs)
        w.write(c.batchSize)
        w.write(c.learningRate)
        w.write(c.optimizer.rawValue)
        w.write(c.momentum)
        w.write(c.schedule.rawValue)
        w.write(c.decayFactor)
        w.write(c.decayEpochs)
        w.write(c.minimumLearningRateFraction)
        w.write(c.l1)
        w.write(c.l2)
        w.write(c.seed)
        w.write(c.loss.rawValue)
        w.write(c.validationSplit)
        w.write(c.patience)
        w.write(data.count)
        w.write(data.itemShape)
        w.write(data.checksum)

        let payload = w.bytes
        var header = CheckpointWriter()
        header.write(Self.formatVersion)
        header.write(payload.count)
        header.write(payload.withUnsafeBytes { CRC32.checksum($0) })
        return Self.magic + header.bytes + payload
    }

    /// Decodes a checkpoint file (format version 1 or 2); `source` (usually the path) names it in errors.
    public init(bytes: [UInt8], source: String) throws {
        guard bytes.count >= Self.headerSize else {
            throw CheckpointError(.corrupted, "\(source): \(bytes.count) bytes is too short for a checkpoint (header alone is \(Self.headerSize))")
        }
        guard Array(bytes[0..<4]) == Self.magic else {
            throw CheckpointError(.corrupted, "\(source) is not a Minnow training checkpoint (magic \(bytes[0..<4].map { hex($0) }.joined(separator: " ")), expected 'MNCK')")
        }
        var header = CheckpointReader(bytes: bytes, offset: 4, source: source)
        let version = try header.uint32("version")
        guard version == 1 || version == Self.formatVersion else {
            throw CheckpointError(.corrupted, "\(source): checkpoint format version \(version), this minnow reads versions 1 and \(Self.formatVersion)")
        }
        let length = try header.uint64("payload length")
        let expectedCRC = try header.uint32("checksum")
        let actualLength = bytes.count - Self.headerSize
        guard length == UInt64(actualLength) else {
            throw CheckpointError(.corrupted, "\(source) is truncated or damaged: the header promises \(length) payload bytes, the file holds \(actualLength)")
        }
        let actualCRC = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[Self.headerSize...])) }
        guard actualCRC == expectedCRC else {
            throw CheckpointError(.corrupted, "\(source) is damaged: CRC-32 of the contents is \(hex(actualCRC)), the header says \(hex(expectedCRC))")
        }

        var r = CheckpointReader(bytes: bytes, offset: Self.headerSize, source: source)
        modelIdentity = try r.string("model identity")
        layers = try r.layers("layers")
        let optimizerKind = try r.string("optimizer kind")
        let iterations = try r.int("optimizer iterations")
        let slotCount = try r.count("optimizer slot count", elementSize: 16)
        var slots: [OptimizerState.Slots] = []
        for i in 0..<slotCount {
            slots.append(.init(first: try r.floats("optimizer slot \(i) first"), second: try r.floats("optimizer slot \(i) second")))
        }
        optimizer = OptimizerState(kind: optimizerKind, iterations: iterations, slots: slots)
        completedEpochs = try r.int("completed epochs")
        let epochCount = try r.count("history length", elementSize: 1)
        history = TrainingHistory()
        for _ in 0..<epochCount {
            let epoch = try r.int("history epoch")
            let loss = try r.float("history train loss")
            if version == 1 {
                // Version 1 kept only accuracies (every run was a classifier).
                let accuracy = try r.float("history train accuracy")
                let hasTest = try r.bool("history has test accuracy")
                let test = try r.float("history test accuracy")
                let seconds = try r.double("history seconds")
                let rate = try r.float("history learning rate")
                func report(_ value: Float) -> MetricReport {
                    MetricReport(task: .classification, count: 0, metrics: [Metric(.accuracy, Double(value))])
                }
                history.epochs.append(EpochResult(epoch: epoch, trainLoss: loss, trainMetrics: report(accuracy),
                                                  testMetrics: hasTest ? report(test) : nil, seconds: seconds, learningRate: rate))
                continue
            }
            let trainMetrics = try r.metricReport("history train metrics")
            let validationLoss = try r.optionalFloat("history validation loss")
            let validationMetrics = try r.optionalMetricReport("history validation metrics")
            let testLoss = try r.optionalFloat("history test loss")
            let testMetrics = try r.optionalMetricReport("history test metrics")
            let seconds = try r.double("history seconds")
            let rate = try r.float("history learning rate")
            history.epochs.append(EpochResult(epoch: epoch, trainLoss: loss, trainMetrics: trainMetrics,
                                              validationLoss: validationLoss, validationMetrics: validationMetrics,
                                              testLoss: testLoss, testMetrics: testMetrics, seconds: seconds, learningRate: rate))
        }
        if version >= 2 {
            history.stoppedEarly = try r.bool("stopped early")
            if try r.bool("has early-stopping state") {
                history.earlyStopping = EarlyStoppingState(
                    bestEpoch: try r.int("best epoch"), bestLoss: try r.float("best validation loss"),
                    epochsWithoutImprovement: try r.int("epochs without improvement"),
                    bestLayers: try r.layers("best epoch's layers"))
            }
        }
        var c = TrainingConfiguration()
        c.epochs = try r.int("epochs")
        c.batchSize = try r.int("batch size")
        c.learningRate = try r.float("learning rate")
        let optimizerName = try r.string("optimizer")
        guard let optimizerChoice = TrainingConfiguration.OptimizerKind(rawValue: optimizerName) else {
            throw CheckpointError(.corrupted, "\(source): unknown optimizer '\(optimizerName)'")
        }
        c.optimizer = optimizerChoice
        c.momentum = try r.float("momentum")
        let scheduleName = try r.string("schedule")
        guard let scheduleChoice = TrainingConfiguration.ScheduleKind(rawValue: scheduleName) else {
            throw CheckpointError(.corrupted, "\(source): unknown schedule '\(scheduleName)'")
        }
        c.schedule = scheduleChoice
        c.decayFactor = try r.float("decay factor")
        c.decayEpochs = try r.int("decay epochs")
        c.minimumLearningRateFraction = try r.float("final learning-rate fraction")
        c.l1 = try r.float("l1")
        c.l2 = try r.float("l2")
        c.seed = try r.uint64("seed")
        if version >= 2 {
            let lossName = try r.string("loss")
            guard let loss = LossKind(rawValue: lossName) else {
                throw CheckpointError(.corrupted, "\(source): unknown loss '\(lossName)'")
            }
            c.loss = loss
            c.validationSplit = try r.float("validation split")
            c.patience = try r.int("patience")
        }
        configuration = c
        data = DataFingerprint(count: try r.int("data count"), itemShape: try r.ints("data item shape"), checksum: try r.uint32("data checksum"))
        guard r.isAtEnd else {
            throw CheckpointError(.corrupted, "\(source): \(bytes.count - r.offset) unexpected bytes after the contents")
        }
    }

    /// Reads the checkpoint at `path`.
    public static func load(path: String) throws -> TrainingCheckpoint {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CheckpointError(.missing, "no checkpoint at \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError(.corrupted, "cannot read checkpoint \(path)")
        }
        return try TrainingCheckpoint(bytes: [UInt8](data), source: path)
    }

    /// Writes the checkpoint to `path` atomically: a crash leaves the old file or the new one.
    public func write(to path: String) throws {
        try AtomicFile.write(serializedBytes(), to: path)
    }
}

private func hex<T: BinaryInteger>(_ value: T) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, MemoryLayout<T>.size * 2 - digits.count)) + digits
}

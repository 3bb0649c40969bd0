import Foundation
import MinnowData
import MinnowRuntime
import MinnowTrain
import XCTest

/// Resumable training: a run interrupted after any epoch and resumed from its checkpoint in a
/// fresh process (here: a fresh model object) ends bit for bit where the uninterrupted run ends.
final class CheckpointTests: XCTestCase {
    private struct Interrupted: Error {}

    /// Dense → BatchNorm → Dropout → Dense: parameters, moving statistics and a dropout stream.
    private func makeModel(hidden: Int = 8) -> Sequential {
        Sequential(inputShape: [4, 4, 1], layers: [
            Flatten(),
            Dense(units: hidden, activation: .relu),
            BatchNorm(momentum: 0.9),
            Dropout(rate: 0.3),
            Dense(units: 3),
        ])
    }

    private func configuration(_ optimizer: TrainingConfiguration.OptimizerKind, epochs: Int = 4) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.epochs = epochs
        c.batchSize = 16
        c.optimizer = optimizer
        c.learningRate = optimizer == .adam ? 0.01 : 0.05
        c.momentum = 0.9
        c.schedule = .cosine
        c.seed = 7
        return c
    }

    /// Every value that training changes, as bit patterns: parameters, then BN moving statistics.
    private func trainedBits(_ model: Sequential) -> [[UInt32]] {
        var result = model.parameters.map { $0.value.map(\.bitPattern) }
        for case let bn as BatchNorm in model.layers {
            result.append(bn.movingMean.map(\.bitPattern))
            result.append(bn.movingVariance.map(\.bitPattern))
        }
        return result
    }

    /// Trains with `configuration` and returns the checkpoint after epoch `stopAfter`, stopping there.
    private func checkpoint(after stopAfter: Int, configuration: TrainingConfiguration, train: LabeledDataset,
                            modelIdentity: String = "test model") throws -> TrainingCheckpoint {
        let model = makeModel()
        try model.build(seed: 3)
        var saved: TrainingCheckpoint?
        let checkpointing = Checkpointing(modelIdentity: modelIdentity) { checkpoint in
            if checkpoint.completedEpochs == stopAfter { saved = checkpoint; throw Interrupted() }
        }
        XCTAssertThrowsError(try Trainer(configuration: configuration).fit(model, train: train, test: nil, checkpointing: checkpointing))
        return try XCTUnwrap(saved)
    }

    /// A model built with another seed (so nothing is inherited but what the checkpoint holds),
    /// resumed from `bytes` and trained to the end.
    private func resumed(from bytes: [UInt8], configuration: TrainingConfiguration, train: LabeledDataset,
                         edit: (inout TrainingCheckpoint) -> Void = { _ in }) throws -> (Sequential, TrainingHistory) {
        var checkpoint = try TrainingCheckpoint(bytes: bytes, source: "memory")
        edit(&checkpoint)
        let model = makeModel()
        try model.build(seed: 99)
        let history = try Trainer(configuration: configuration).fit(
            model, train: train, test: nil,
            checkpointing: Checkpointing(resumeFrom: checkpoint, modelIdentity: "test model"))
        return (model, history)
    }

    private func checkResumeIsBitExact(_ optimizer: TrainingConfiguration.OptimizerKind) throws {
        let train = try makeStripesDataset(count: 100, seed: 1)
        let config = configuration(optimizer)
        let straight = makeModel()
        try straight.build(seed: 3)
        let straightHistory = try Trainer(configuration: config).fit(straight, train: train, test: nil)

        let saved = try checkpoint(after: 2, configuration: config, train: train)
        XCTAssertEqual(saved.completedEpochs, 2)
        XCTAssertEqual(saved.optimizer.iterations, 2 * 7)  // ceil(100 / 16) updates per epoch
        let bytes = saved.serializedBytes()
        let (model, history) = try resumed(from: bytes, configuration: config, train: train)

        XCTAssertEqual(trainedBits(model), trainedBits(straight), "\(optimizer): resumed weights differ from the uninterrupted run")
        XCTAssertEqual(history.epochs.count, 4)
        XCTAssertEqual(history.epochs.map(\.trainLoss), straightHistory.epochs.map(\.trainLoss))
        XCTAssertEqual(Array(history.epochs.prefix(2)), saved.history.epochs, "resumed history keeps the saved epochs")

        // Controls: the comparison is sensitive to the state a checkpoint must carry.
        let model2 = makeModel()
        try model2.build(seed: 3)
        XCTAssertNotEqual(trainedBits(model2), trainedBits(straight), "training must change the weights")
        let (noDropoutState, _) = try resumed(from: bytes, configuration: config, train: train) { checkpoint in
            let i = checkpoint.layers.firstIndex { $0.kind == "Dropout" }!
            checkpoint.layers[i].state = [LayerStateEntry(name: "generator", value: .words([12345]))]
        }
        XCTAssertNotEqual(trainedBits(noDropoutState), trainedBits(straight), "another dropout stream must change the result")
        let (noOptimizerState, _) = try resumed(from: bytes, configuration: config, train: train) { checkpoint in
            for i in checkpoint.optimizer.slots.indices {
                checkpoint.optimizer.slots[i] = .init(first: [], second: [])
            }
        }
        XCTAssertNotEqual(trainedBits(noOptimizerState), trainedBits(straight), "lost optimizer slots must change the result")
    }

    func testAdamResumeAfterTwoEpochsIsBitIdenticalToFourStraightEpochs() throws {
        try checkResumeIsBitExact(.adam)
    }

    func testSGDMomentumResumeIsBitIdenticalToFourStraightEpochs() throws {
        try checkResumeIsBitExact(.sgd)
    }

    func testCheckpointRoundTripsThroughBytesAndAFile() throws {
        let train = try makeStripesDataset(count: 50, seed: 1)
        let saved = try checkpoint(after: 1, configuration: configuration(.adam), train: train)
        let decoded = try TrainingCheckpoint(bytes: saved.serializedBytes(), source: "memory")
        XCTAssertEqual(decoded, saved)
        XCTAssertEqual(decoded.layers.map(\.kind), ["Flatten", "Dense", "BatchNorm", "Dropout", "Dense"])
        XCTAssertEqual(decoded.layers[2].state.map(\.name), ["moving_mean", "moving_variance"])
        XCTAssertEqual(decoded.optimizer.slots.count, 6)  // 2 Dense × 2 + BN gamma, beta
        XCTAssertEqual(decoded.optimizer.slots[0].second.count, 16 * 8)

        let path = NSTemporaryDirectory() + "minnow-checkpoint-\(getpid()).ckpt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try saved.write(to: path)
        XCTAssertEqual(try TrainingCheckpoint.load(path: path), saved)
        XCTAssertThrowsError(try TrainingCheckpoint.load(path: path + ".missing")) { error in
            XCTAssertEqual((error as? CheckpointError)?.kind, .missing, "\(error)")
        }
    }

    func testDamagedCheckpointsAreRefusedWithTheReason() throws {
        let train = try makeStripesDataset(count: 50, seed: 1)
        let bytes = try checkpoint(after: 1, configuration: configuration(.adam), train: train).serializedBytes()
        func expectCorrupted(_ damaged: [UInt8], _ phrase: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try TrainingCheckpoint(bytes: damaged, source: "run.checkpoint"), file: file, line: line) { error in
                XCTAssertEqual((error as? CheckpointError)?.kind, .corrupted, "\(error)", file: file, line: line)
                XCTAssertTrue("\(error)".contains("run.checkpoint"), "\(error)", file: file, line: line)
                XCTAssertTrue("\(error)".contains(phrase), "\(error)", file: file, line: line)
            }
        }
        for position in [30, bytes.count / 2, bytes.count - 1] {
            var flipped = bytes
            flipped[position] ^= 0x10
            expectCorrupted(flipped, "CRC-32")
        }
        expectCorrupted(Array(bytes.prefix(bytes.count - 7)), "truncated")
        expectCorrupted(Array(bytes.prefix(10)), "too short")
        expectCorrupted(bytes + [0], "truncated")
        var magic = bytes
        magic[0] = UInt8(ascii: "X")
        expectCorrupted(magic, "not a Minnow training checkpoint")
        var version = bytes
        version[4] = 9
        expectCorrupted(version, "version 9")
    }

    func testACheckpointOfAnotherModelIsRefused() throws {
        let train = try makeStripesDataset(count: 50, seed: 1)
        let config = configuration(.adam)
        let saved = try checkpoint(after: 1, configuration: config, train: train)
        let wider = makeModel(hidden: 9)
        try wider.build(seed: 1)
        let before = trainedBits(wider)
        XCTAssertThrowsError(try saved.restore(into: wider, source: "run.checkpoint")) { error in
            XCTAssertEqual((error as? CheckpointError)?.kind, .incompatibleModel, "\(error)")
            XCTAssertTrue("\(error)".contains("layer 'dense' parameter"), "\(error)")
            XCTAssertTrue("\(error)".contains("[8, 16]") && "\(error)".contains("[9, 16]"), "\(error)")
        }
        XCTAssertEqual(trainedBits(wider), before, "a refused restore leaves the model untouched")

        let shorter = Sequential(inputShape: [4, 4, 1], layers: [Flatten(), Dense(units: 3)])
        try shorter.build(seed: 1)
        XCTAssertThrowsError(try saved.restore(into: shorter)) { error in
            XCTAssertEqual((error as? CheckpointError)?.kind, .incompatibleModel, "\(error)")
            XCTAssertTrue("\(error)".contains("5 layers"), "\(error)")
        }

        let same = makeModel()
        try same.build(seed: 1)
        let checkpointing = Checkpointing(resumeFrom: saved, modelIdentity: "another model", source: "run.checkpoint")
        XCTAssertThrowsError(try Trainer(configuration: config).fit(same, train: train, test: nil, checkpointing: checkpointing)) { error in
            XCTAssertEqual((error as? CheckpointError)?.kind, .incompatibleModel, "\(error)")
            XCTAssertTrue("\(error)".contains("test model") && "\(error)".contains("another model"), "\(error)")
        }
    }

    func testResumingWithOtherSettingsIsRefusedUnlessAllowed() throws {
        let train = try makeStripesDataset(count: 50, seed: 1)
        let config = configuration(.adam)
        let saved = try checkpoint(after: 1, configuration: config, train: train)
        func resume(_ changed: TrainingConfiguration, data: LabeledDataset? = nil, allow: Bool = false) throws -> TrainingHistory {
            let model = makeModel()
            try model.build(seed: 3)
            return try Trainer(configuration: changed).fit(model, train: data ?? train, test: nil, checkpointing: Checkpointing(
                resumeFrom: saved, allowsSettingChanges: allow, modelIdentity: "test model", source: "run.checkpoint"))
        }
        var lower = config
        lower.learningRate = 0.001
        XCTAssertThrowsError(try resume(lower)) { error in
            XCTAssertEqual((error as? CheckpointError)?.kind, .settingMismatch, "\(error)")
            XCTAssertTrue("\(error)".contains("--lr is 0.001, the checkpoint was trained with 0.01"), "\(error)")
            XCTAssertTrue("\(error)".contains("--allow-setting-change"), "\(error)")
        }
        var longer = config
        longer.epochs = 6
        longer.seed = 8
        XCTAssertThrowsError(try resume(longer)) { error in
            XCTAssertTrue("\(error)".contains("--epochs is 6") && "\(error)".contains("--seed is 8"), "\(error)")
        }
        XCTAssertThrowsError(try resume(config, data: try makeStripesDataset(count: 50, seed: 2))) { error in
            XCTAssertEqual((error as? CheckpointError)?.kind, .settingMismatch, "\(error)")
            XCTAssertTrue("\(error)".contains("training data"), "\(error)")
        }
        var sgd = config
        sgd.optimizer = .sgd
        XCTAssertThrowsError(try resume(sgd, allow: true)) { error in
            XCTAssertTrue("\(error)".contains("--optimizer is sgd"), "\(error)")
        }
        let history = try resume(lower, allow: true)
        XCTAssertEqual(history.epochs.count, 4)
        XCTAssertEqual(history.epochs[0], saved.history.epochs[0])
        XCTAssertLessThan(history.epochs[1].learningRate, 0.001 * 1.0001)
    }

    func testDivergenceKeepsTheLastGoodCheckpointOnDisk() throws {
        let train = try makeStripesDataset(count: 100, seed: 1)
        let config = configuration(.adam)
        let path = NSTemporaryDirectory() + "minnow-diverge-\(getpid()).ckpt"
        defer { try? FileManager.default.removeItem(atPath: path) }

        // A NaN weight after batch 2 of epoch 3: the loss of batch 3 is NaN.
        let model = makeModel()
        try model.build(seed: 3)
        var afterEpoch2: [UInt8] = []
        XCTAssertThrowsError(try Trainer(configuration: config).fit(
            model, train: train, test: nil, checkpointing: .file(path, modelIdentity: "test model")) { event in
                switch event {
                case let .batch(epoch, batch, _, _, _, _) where epoch == 3 && batch == 2:
                    afterEpoch2 = (try? Data(contentsOf: URL(fileURLWithPath: path))).map { [UInt8]($0) } ?? []
                    model.parameters[0].value[0] = .nan
                default: break
                }
            }
        ) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("diverged") && text.contains("epoch 3, batch 3"), text)
            XCTAssertTrue(text.contains("after epoch 2") && text.contains(path) && text.contains("--resume"), text)
        }
        let kept = try TrainingCheckpoint.load(path: path)
        XCTAssertEqual(kept.completedEpochs, 2)
        XCTAssertTrue(kept.isFinite)
        XCTAssertFalse(afterEpoch2.isEmpty)
        XCTAssertEqual(kept.serializedBytes(), afterEpoch2, "the file is the epoch-2 checkpoint, untouched")

        // A NaN weight after the last batch of epoch 2 (the loss never saw it): the epoch-2
        // checkpoint is not written, the epoch-1 one stays.
        let model2 = makeModel()
        try model2.build(seed: 3)
        XCTAssertThrowsError(try Trainer(configuration: config).fit(
            model2, train: train, test: nil, checkpointing: .file(path, modelIdentity: "test model")) { event in
                if case let .batch(epoch, batch, batches, _, _, _) = event, epoch == 2, batch == batches {
                    model2.parameters[2].value[1] = .infinity
                }
            }
        ) { error in
            XCTAssertTrue("\(error)".contains("non-finite during epoch 2") && "\(error)".contains("after epoch 1"), "\(error)")
        }
        let kept1 = try TrainingCheckpoint.load(path: path)
        XCTAssertEqual(kept1.completedEpochs, 1)
        XCTAssertTrue(kept1.isFinite)
    }

    func testDropoutStateContinuesTheSameMaskStream() throws {
        // A layer restored to the saved generator position draws exactly the masks the original
        // layer draws after that point.
        let input = Tensor(shape: [2, 50], data: [Float](repeating: 1, count: 100))
        let original = Dropout(rate: 0.5)
        var generator = SeededGenerator(seed: 4)
        _ = try original.build(inputShape: [50], generator: &generator)
        _ = original.forward(input, training: true)
        let state = original.trainingState
        let next = [original.forward(input, training: true).data, original.forward(input, training: true).data]
        XCTAssertTrue(next[0].contains(0) && next[0].contains(2) && next[0] != next[1], "real, changing masks at rate 0.5")

        let copy = Dropout(rate: 0.5)
        var other = SeededGenerator(seed: 5)
        _ = try copy.build(inputShape: [50], generator: &other)
        try copy.restoreTrainingState(state)
        XCTAssertEqual([copy.forward(input, training: true).data, copy.forward(input, training: true).data], next)
        XCTAssertThrowsError(try copy.restoreTrainingState([])) { error in
            XCTAssertTrue("\(error)".contains("generator"), "\(error)")
        }
    }
}

/// A checkpoint written by the previous format (version 1: classification only) still resumes.
final class CheckpointVersionOneTests: XCTestCase {
    /// Little-endian writer following the version-1 layout, independent of the code under test.
    private struct Writer {
        var bytes: [UInt8] = []
        mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
        mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
        mutating func int(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
        mutating func float(_ v: Float) { u32(v.bitPattern) }
        mutating func string(_ s: String) { int(s.utf8.count); bytes += Array(s.utf8) }
        mutating func floats(_ v: [Float]) { int(v.count); v.forEach { float($0) } }
        mutating func ints(_ v: [Int]) { int(v.count); v.forEach { int($0) } }
    }

    func testVersionOneCheckpointResumes() throws {
        let train = try makeStripesDataset(count: 64, seed: 1)
        var configuration = TrainingConfiguration()
        configuration.epochs = 3
        configuration.batchSize = 16
        let model = Sequential(inputShape: [4, 4, 1], layers: [Flatten(), Dense(units: 3)])
        try model.build(seed: 2)
        var saved: TrainingCheckpoint?
        _ = try Trainer(configuration: configuration).fit(model, train: train, test: nil,
                                                          checkpointing: Checkpointing(save: { if saved == nil { saved = $0 } }))
        let current = try XCTUnwrap(saved)
        XCTAssertEqual(current.completedEpochs, 1)

        var w = Writer()
        w.string(current.modelIdentity)
        w.int(current.layers.count)
        for layer in current.layers {
            w.string(layer.name); w.string(layer.kind)
            w.int(layer.parameters.count)
            for p in layer.parameters { w.string(p.name); w.ints(p.shape); w.floats(p.values) }
            w.int(0)
        }
        w.string(current.optimizer.kind); w.int(current.optimizer.iterations)
        w.int(current.optimizer.slots.count)
        for slot in current.optimizer.slots { w.floats(slot.first); w.floats(slot.second) }
        w.int(1)                                    // completed epochs
        w.int(1)                                    // history: one epoch
        w.int(1); w.float(0.5); w.float(0.75); w.bytes.append(0); w.float(0); w.u64(Double(1.5).bitPattern); w.float(0.003)
        w.int(3); w.int(16); w.float(configuration.learningRate); w.string("adam"); w.float(configuration.momentum)
        w.string("cosine"); w.float(configuration.decayFactor); w.int(configuration.decayEpochs)
        w.float(configuration.minimumLearningRateFraction); w.float(0); w.float(0); w.u64(1)
        w.int(current.data.count); w.ints(current.data.itemShape); w.u32(current.data.checksum)
        var header = Writer()
        header.u32(1)
        header.u64(UInt64(w.bytes.count))
        header.u32(w.bytes.withUnsafeBytes { CRC32.checksum($0) })
        let bytes = Array("MNCK".utf8) + header.bytes + w.bytes

        let old = try TrainingCheckpoint(bytes: bytes, source: "v1.checkpoint")
        XCTAssertEqual(old.configuration.loss, .softmaxCrossEntropy)
        XCTAssertEqual(old.history.epochs.first?.trainAccuracy, 0.75)
        XCTAssertNil(old.history.epochs.first?.testMetrics)
        let resumed = Sequential(inputShape: [4, 4, 1], layers: [Flatten(), Dense(units: 3)])
        try resumed.build(seed: 9)
        let history = try Trainer(configuration: configuration).fit(resumed, train: train, test: nil,
                                                                    checkpointing: Checkpointing(resumeFrom: old))
        XCTAssertEqual(history.epochs.map(\.epoch), [1, 2, 3])
        let straight = Sequential(inputShape: [4, 4, 1], layers: [Flatten(), Dense(units: 3)])
        try straight.build(seed: 2)
        _ = try Trainer(configuration: configuration).fit(straight, train: train, test: nil)
        XCTAssertEqual(resumed.parameters.map { $0.value.map(\.bitPattern) }, straight.parameters.map { $0.value.map(\.bitPattern) })
    }
}

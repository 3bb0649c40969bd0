import Foundation
import MinnowData
import MinnowMetrics
import MinnowRuntime
import MinnowTrain
import XCTest

/// Losses and tasks beyond softmax classification: MAE, binary, regression, reconstruction;
/// Keras' final softmax/sigmoid; bad data named by item and value; validation split and early
/// stopping; metrics per task.
final class TaskTrainingTests: XCTestCase {
    private func random(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.uniform(low, high) })
    }

    /// y = 2·x0 − x1 + 0.5·x2 + 0.3 with a little noise.
    private func linearData(count: Int, seed: UInt64) -> TrainingSet {
        var generator = SeededGenerator(seed: seed)
        var features = [Float](), targets = [Float]()
        for _ in 0..<count {
            let x = (0..<3).map { _ in generator.uniform(-1, 1) }
            features += x
            targets.append(2 * x[0] - x[1] + 0.5 * x[2] + 0.3 + generator.uniform(-0.05, 0.05))
        }
        return TrainingSet(features: features, itemShape: [3], targets: .values(targets, shape: [1]), sourceDescription: "linear")
    }

    /// Label 1 when x0 + x1 > 0.
    private func binaryData(count: Int, seed: UInt64) -> TrainingSet {
        var generator = SeededGenerator(seed: seed)
        var features = [Float](), labels = [Int32]()
        for _ in 0..<count {
            let x = (0..<2).map { _ in generator.uniform(-1, 1) }
            features += x
            labels.append(x[0] + x[1] > 0 ? 1 : 0)
        }
        return TrainingSet(features: features, itemShape: [2], targets: .classes(labels), sourceDescription: "halves")
    }

    private func configuration(_ loss: LossKind, epochs: Int = 20, lr: Float = 0.02) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.loss = loss
        c.epochs = epochs
        c.batchSize = 16
        c.learningRate = lr
        c.schedule = .constant
        return c
    }

    func testMeanAbsoluteErrorValueAndGradient() throws {
        let p = Tensor(shape: [2, 2], data: [1, -2, 0.5, 3])
        let t = Tensor(shape: [2, 2], data: [0, -1, 0.5, 5])
        let result = try MeanAbsoluteError().evaluate(predictions: p, targets: .values(t))
        XCTAssertEqual(result.loss, (1 + 1 + 0 + 2) / 4)
        XCTAssertEqual(result.gradient.data, [0.25, -0.25, 0, -0.25])
        // Away from the kink, central differences agree.
        let q = random([3, 2], seed: 3)
        let base = try MeanAbsoluteError().evaluate(predictions: q, targets: .values(Tensor(zeros: [3, 2]))).gradient
        for i in 0..<6 {
            var plus = q, minus = q
            plus.data[i] += 1e-3; minus.data[i] -= 1e-3
            let up = try MeanAbsoluteError().evaluate(predictions: plus, targets: .values(Tensor(zeros: [3, 2]))).loss
            let down = try MeanAbsoluteError().evaluate(predictions: minus, targets: .values(Tensor(zeros: [3, 2]))).loss
            XCTAssertEqual(base.data[i], (up - down) / 2e-3, accuracy: 1e-3)
        }
    }

    func testRegressionLearnsWithMSEAndMAE() throws {
        for loss in [LossKind.meanSquaredError, .meanAbsoluteError] {
            let model = Sequential(inputShape: [3], layers: [Dense(units: 8, activation: .tanh), Dense(units: 1)])
            try model.build(seed: 1)
            let history = try Trainer(configuration: configuration(loss)).fit(
                model, train: linearData(count: 400, seed: 1), test: linearData(count: 100, seed: 2))
            let test = try XCTUnwrap(history.epochs.last?.testMetrics)
            XCTAssertEqual(test.task, .regression)
            XCTAssertGreaterThan(test[.rSquared] ?? 0, 0.95, "\(loss): \(test.summary)")
            XCTAssertNil(test[.accuracy])
            XCTAssertNil(history.epochs.last?.testAccuracy)
        }
    }

    func testBinaryCrossEntropyOnOneUnitLearnsAndScoresAUC() throws {
        let model = Sequential(inputShape: [2], layers: [Dense(units: 1)])
        try model.build(seed: 2)
        let history = try Trainer(configuration: configuration(.binaryCrossEntropy, lr: 0.05)).fit(
            model, train: binaryData(count: 400, seed: 3), test: binaryData(count: 200, seed: 4))
        let test = try XCTUnwrap(history.epochs.last?.testMetrics)
        XCTAssertEqual(test.task, .binary)
        XCTAssertGreaterThan(test[.binaryAccuracy] ?? 0, 0.95, test.summary)
        XCTAssertGreaterThan(test[.auc] ?? 0, 0.99, test.summary)
        XCTAssertNil(test[.accuracy], "no top-1 accuracy for one output")
    }

    /// Keras' `Dense(10, activation="softmax")` with cross-entropy: the softmax is applied once,
    /// by the loss, so training matches a linear output bit for bit; the saved model keeps it.
    func testFinalSoftmaxIsTheLossOwn() throws {
        let train = try makeStripesDataset(count: 120, seed: 1)
        func trained(_ layers: [Layer]) throws -> FunctionalModel {
            let model = Sequential(inputShape: [4, 4, 1], layers: layers)
            try model.build(seed: 3)
            _ = try Trainer(configuration: configuration(.softmaxCrossEntropy, epochs: 3)).fit(model, train: train, test: nil)
            return model
        }
        let withSoftmax = try trained([Flatten(), Dense(units: 8, activation: .relu), Dense(units: 3), Softmax()])
        let logits = try trained([Flatten(), Dense(units: 8, activation: .relu), Dense(units: 3)])
        XCTAssertEqual(withSoftmax.parameters.map { $0.value.map(\.bitPattern) }, logits.parameters.map { $0.value.map(\.bitPattern) })
        let x = random([2, 4, 4, 1], seed: 9)
        let probabilities = withSoftmax.forward(x, training: false)
        XCTAssertEqual(probabilities.data[0..<3].reduce(0, +), 1, accuracy: 1e-5, "the model outputs probabilities")
        let task = try TrainingTask.plan(model: withSoftmax, loss: .softmaxCrossEntropy, data: TrainingSet(train))
        XCTAssertTrue(task.summary.contains("applied once, by the loss"), task.summary)
    }

    func testFinalSigmoidIsTheLossOwnForBinaryCrossEntropy() throws {
        let data = binaryData(count: 160, seed: 5)
        func trained(_ layers: [Layer]) throws -> FunctionalModel {
            let model = Sequential(inputShape: [2], layers: layers)
            try model.build(seed: 4)
            _ = try Trainer(configuration: configuration(.binaryCrossEntropy, epochs: 3)).fit(model, train: data, test: nil)
            return model
        }
        let bits = { (m: FunctionalModel) in m.parameters.map { $0.value.map(\.bitPattern) } }
        let logit = try trained([Dense(units: 4, activation: .tanh), Dense(units: 1)])
        let layer = try trained([Dense(units: 4, activation: .tanh), Dense(units: 1), Sigmoid()])
        let fused = try trained([Dense(units: 4, activation: .tanh), Dense(units: 1, activation: .sigmoid)])
        XCTAssertEqual(bits(layer), bits(logit))
        XCTAssertEqual(bits(fused), bits(logit))
        let p = fused.forward(random([3, 2], seed: 1), training: false)
        XCTAssertTrue(p.data.allSatisfy { $0 > 0 && $0 < 1 }, "the Dense keeps its sigmoid after training")
    }

    func testAutoencoderReconstructsItsInput() throws {
        var generator = SeededGenerator(seed: 7)
        // 8 values on a 2-D subspace: a 2-unit bottleneck can reconstruct them.
        var features = [Float]()
        for _ in 0..<300 {
            let (a, b) = (generator.uniform(-1, 1), generator.uniform(-1, 1))
            features += (0..<8).map { a * Float($0 % 3) * 0.4 + b * (Float($0) / 8 - 0.4) }
        }
        let data = TrainingSet(features: features, itemShape: [8], targets: .inputs, sourceDescription: "subspace")
        let model = Sequential(inputShape: [8], layers: [Dense(units: 2), Dense(units: 8)])
        try model.build(seed: 1)
        let history = try Trainer(configuration: configuration(.meanSquaredError, epochs: 30)).fit(model, train: data, test: data)
        let test = try XCTUnwrap(history.epochs.last?.testMetrics)
        XCTAssertEqual(test.task, .reconstruction)
        XCTAssertGreaterThan(test[.rSquared] ?? 0, 0.95, test.summary)
        XCTAssertLessThan(history.epochs.last!.trainLoss, history.epochs.first!.trainLoss / 5)
    }

    func testMSEOnClassLabelsUsesOneHotTargets() throws {
        let train = try makeStripesDataset(count: 150, seed: 1)
        let model = Sequential(inputShape: [4, 4, 1], layers: [Flatten(), Dense(units: 3)])
        try model.build(seed: 1)
        let task = try TrainingTask.plan(model: model, loss: .meanSquaredError, data: TrainingSet(train))
        XCTAssertEqual(task.task, .classification)
        let history = try Trainer(configuration: configuration(.meanSquaredError, epochs: 10, lr: 0.05)).fit(model, train: train, test: train)
        XCTAssertGreaterThan(history.finalTestAccuracy ?? 0, 0.95)
    }

    // MARK: Bad input

    private func assertInvalidData(_ body: @autoclosure () throws -> Any, contains parts: [String],
                                   file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            for part in parts { XCTAssertTrue("\(error)".contains(part), "'\(part)' missing from: \(error)", file: file, line: line) }
        }
    }

    func testBadLabelsTokensAndTargetsAreNamedByItemAndValue() throws {
        let classifier = Sequential(inputShape: [2], layers: [Dense(units: 3)])
        try classifier.build(seed: 1)
        let labels = TrainingSet(features: [Float](repeating: 0, count: 10), itemShape: [2], targets: .classes([0, 1, 2, 5, 1]),
                                 sourceDescription: "labels.npy")
        assertInvalidData(try TrainingTask.plan(model: classifier, loss: .softmaxCrossEntropy, data: labels),
                          contains: ["labels.npy", "item 3", "label 5", "0..<3"])

        let oneUnit = Sequential(inputShape: [2], layers: [Dense(units: 1)])
        try oneUnit.build(seed: 1)
        assertInvalidData(try TrainingTask.plan(model: oneUnit, loss: .softmaxCrossEntropy, data: labels),
                          contains: ["one-unit output", "binary_crossentropy"])
        assertInvalidData(try TrainingTask.plan(model: oneUnit, loss: .binaryCrossEntropy, data: labels),
                          contains: ["item 2", "label 2", "0/1"])

        let embedding = Sequential(inputShape: [3], layers: [Embedding(vocabularySize: 10, dimension: 2), Flatten(), Dense(units: 1)])
        try embedding.build(seed: 1)
        let tokens = TrainingSet(features: [1, 2, 3, 4, 5, 6, 7, 12, 9], itemShape: [3], targets: .classes([0, 1, 0]),
                                 sourceDescription: "tokens.npy")
        assertInvalidData(try TrainingTask.plan(model: embedding, loss: .binaryCrossEntropy, data: tokens),
                          contains: ["tokens.npy", "item 2", "token id 12.0", "position 1", "0..<10", "'embedding'"])
        let fractional = TrainingSet(features: [1, 2.5, 3], itemShape: [3], targets: .classes([0]), sourceDescription: "ids.npy")
        assertInvalidData(try TrainingTask.plan(model: embedding, loss: .binaryCrossEntropy, data: fractional),
                          contains: ["item 0", "token id 2.5"])

        let regression = Sequential(inputShape: [2], layers: [Dense(units: 2)])
        try regression.build(seed: 1)
        let targets = TrainingSet(features: [0, 0, 1, 1], itemShape: [2], targets: .values([1, 2, 3], shape: [3]),
                                  sourceDescription: "x.npy", targetSource: "y.npy")
        assertInvalidData(try TrainingTask.plan(model: regression, loss: .meanSquaredError, data: targets),
                          contains: ["y.npy", "[3]", "outputs [2]"])
        let probabilities = TrainingSet(features: [0, 0, 1, 1], itemShape: [2], targets: .values([0, 1, 1, 1.5], shape: [2]),
                                        sourceDescription: "x.npy", targetSource: "p.npy")
        assertInvalidData(try TrainingTask.plan(model: regression, loss: .binaryCrossEntropy, data: probabilities),
                          contains: ["p.npy", "item 1", "value 1.5"])
    }

    // MARK: Validation split and early stopping

    /// Noise labels: the model can only memorize, so the validation loss rises after a few epochs.
    private func noise(count: Int) -> TrainingSet {
        var generator = SeededGenerator(seed: 21)
        let features = (0..<(count * 6)).map { _ in generator.uniform(-1, 1) }
        let labels = (0..<count).map { _ in Int32(generator.next() % 3) }
        return TrainingSet(features: features, itemShape: [6], targets: .classes(labels), sourceDescription: "noise")
    }

    func testValidationSplitHoldsOutTheLastItems() throws {
        var configuration = configuration(.softmaxCrossEntropy, epochs: 1)
        configuration.validationSplit = 0.25
        let model = Sequential(inputShape: [6], layers: [Dense(units: 3)])
        try model.build(seed: 1)
        var batches = 0
        let history = try Trainer(configuration: configuration).fit(model, train: noise(count: 100), test: nil) { event in
            if case .batch = event { batches += 1 }
        }
        XCTAssertEqual(batches, 5, "75 training items in batches of 16")
        XCTAssertEqual(history.epochs[0].validationMetrics?.count, 25)
        XCTAssertNotNil(history.epochs[0].validationLoss)
        configuration.validationSplit = 0.001
        XCTAssertThrowsError(try Trainer(configuration: configuration).fit(model, train: noise(count: 100), test: nil)) { error in
            XCTAssertTrue("\(error)".contains("leaves 0 for validation"), "\(error)")
        }
    }

    func testEarlyStoppingKeepsTheBestEpochsWeights() throws {
        var configuration = configuration(.softmaxCrossEntropy, epochs: 40, lr: 0.05)
        configuration.validationSplit = 0.3
        configuration.patience = 3
        let data = noise(count: 120)
        let layers: () -> [Layer] = { [Dense(units: 32, activation: .relu), Dense(units: 3)] }
        let model = Sequential(inputShape: [6], layers: layers())
        try model.build(seed: 5)
        let history = try Trainer(configuration: configuration).fit(model, train: data, test: nil)
        let best = try XCTUnwrap(history.earlyStopping)
        XCTAssertTrue(history.stoppedEarly, "noise labels overfit within 40 epochs")
        XCTAssertEqual(history.epochs.count, best.bestEpoch + 3)
        let losses = history.epochs.compactMap(\.validationLoss)
        XCTAssertEqual(best.bestLoss, losses.min())
        // The same run cut at the best epoch (constant rate, same shuffles) has exactly these weights.
        var shorter = configuration
        shorter.epochs = best.bestEpoch
        shorter.patience = 0
        let reference = Sequential(inputShape: [6], layers: layers())
        try reference.build(seed: 5)
        _ = try Trainer(configuration: shorter).fit(reference, train: data, test: nil)
        XCTAssertEqual(model.parameters.map { $0.value.map(\.bitPattern) }, reference.parameters.map { $0.value.map(\.bitPattern) })
        var noValidation = configuration
        noValidation.validationSplit = 0
        XCTAssertThrowsError(try Trainer(configuration: noValidation).fit(model, train: data, test: nil)) { error in
            XCTAssertTrue("\(error)".contains("validation split"), "\(error)")
        }
    }

    func testCheckpointKeepsMetricsAndEarlyStoppingState() throws {
        var configuration = configuration(.softmaxCrossEntropy, epochs: 4, lr: 0.05)
        configuration.validationSplit = 0.3
        configuration.patience = 10
        let model = Sequential(inputShape: [6], layers: [Dense(units: 8, activation: .relu), Dropout(rate: 0.2), Dense(units: 3)])
        try model.build(seed: 5)
        var saved: TrainingCheckpoint?
        _ = try Trainer(configuration: configuration).fit(model, train: noise(count: 90), test: noise(count: 30),
                                                          checkpointing: Checkpointing(save: { saved = $0 }))
        let checkpoint = try XCTUnwrap(saved)
        let decoded = try TrainingCheckpoint(bytes: checkpoint.serializedBytes(), source: "memory")
        XCTAssertEqual(decoded, checkpoint)
        XCTAssertEqual(decoded.configuration.loss, .softmaxCrossEntropy)
        XCTAssertEqual(decoded.configuration.patience, 10)
        XCTAssertNotNil(decoded.history.earlyStopping)
        XCTAssertNotNil(decoded.history.epochs.last?.validationMetrics?[.accuracy])
        XCTAssertNotNil(decoded.history.epochs.last?.testMetrics?[.accuracy])
    }

    // MARK: Runtime evaluation per task

    func testRuntimeEvaluationScoresEachTask() throws {
        let binary = Sequential(inputShape: [2], layers: [Dense(units: 1), Sigmoid()])
        try binary.build(seed: 2)
        _ = try Trainer(configuration: configuration(.binaryCrossEntropy, epochs: 10, lr: 0.05)).fit(
            binary, train: binaryData(count: 300, seed: 3), test: nil)
        let binaryResult = try RuntimeEvaluation.run(modelBytes: binary.modelFileBytes(), on: binaryData(count: 200, seed: 4))
        XCTAssertEqual(binaryResult.task, .binary)
        XCTAssertTrue(binaryResult.outputIsProbability)
        XCTAssertNil(binaryResult.metrics[.accuracy])
        XCTAssertGreaterThan(binaryResult.metrics[.binaryAccuracy] ?? 0, 0.9)
        XCTAssertGreaterThan(binaryResult.metrics[.auc] ?? 0, 0.95)
        let trainer = try Trainer.evaluate(binary, on: binaryData(count: 200, seed: 4),
                                           task: TrainingTask.plan(model: binary, loss: .binaryCrossEntropy, data: binaryData(count: 10, seed: 1)))
        XCTAssertEqual(trainer.predictions, binaryResult.predictions, "the trainer (on logits) and the runtime (on probabilities) agree")

        let regression = Sequential(inputShape: [3], layers: [Dense(units: 1)])
        try regression.build(seed: 1)
        _ = try Trainer(configuration: configuration(.meanSquaredError)).fit(regression, train: linearData(count: 300, seed: 1), test: nil)
        let result = try RuntimeEvaluation.run(modelBytes: regression.modelFileBytes(), on: linearData(count: 100, seed: 2))
        XCTAssertEqual(result.task, .regression)
        XCTAssertNil(result.metrics[.accuracy])
        XCTAssertGreaterThan(result.metrics[.rSquared] ?? 0, 0.95)
        XCTAssertTrue(result.predictions.isEmpty)
        XCTAssertTrue(result.accuracy.isNaN)
    }
}

import Foundation
import MinnowData
import MinnowRuntime
import MinnowTrain
import XCTest

/// A 3-class problem of 4×4×1 "images": class c lights up row c (plus noise).
func makeStripesDataset(count: Int, seed: UInt64) throws -> LabeledDataset {
    var generator = SeededGenerator(seed: seed)
    var features = [Float]()
    var labels = [Int32]()
    for i in 0..<count {
        let label = i % 3
        for row in 0..<4 {
            for _ in 0..<4 {
                features.append((row == label ? 0.8 : 0.1) + generator.uniform(-0.1, 0.1))
            }
        }
        labels.append(Int32(label))
    }
    return try LabeledDataset(features: features, itemShape: [4, 4, 1], labels: labels, sourceDescription: "stripes")
}

final class TrainerTests: XCTestCase {
    private func smallCNN() -> Sequential {
        Sequential(inputShape: [4, 4, 1], layers: [
            Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, activation: .relu),
            MaxPool2D(poolSize: (2, 2)),
            Flatten(),
            Dense(units: 8, activation: .relu),
            Dense(units: 3),
        ])
    }

    func testTrainingLearnsAndReportsEveryEpoch() throws {
        let train = try makeStripesDataset(count: 300, seed: 1)
        let test = try makeStripesDataset(count: 90, seed: 2)
        let model = smallCNN()
        try model.build(seed: 3)
        var configuration = TrainingConfiguration()
        configuration.epochs = 4
        configuration.batchSize = 16
        configuration.learningRate = 0.01
        var batchEvents = 0
        let history = try Trainer(configuration: configuration).fit(model, train: train, test: test) { event in
            if case .batch = event { batchEvents += 1 }
        }
        XCTAssertEqual(history.epochs.count, 4)
        XCTAssertEqual(batchEvents, 4 * 19)  // ceil(300 / 16) batches per epoch
        XCTAssertGreaterThan(history.finalTestAccuracy ?? 0, 0.95)
        XCTAssertLessThan(history.epochs.last!.trainLoss, history.epochs.first!.trainLoss)
    }

    func testSameSeedGivesIdenticalWeightsAndDifferentSeedDoesNot() throws {
        let train = try makeStripesDataset(count: 120, seed: 1)
        func trainedWeights(seed: UInt64) throws -> [[Float]] {
            let model = smallCNN()
            try model.build(seed: 5)
            var configuration = TrainingConfiguration()
            configuration.epochs = 2
            configuration.batchSize = 8
            configuration.seed = seed
            _ = try Trainer(configuration: configuration).fit(model, train: train, test: nil)
            return model.parameters.map(\.value)
        }
        let a = try trainedWeights(seed: 11)
        let b = try trainedWeights(seed: 11)
        let c = try trainedWeights(seed: 12)
        XCTAssertEqual(a.map { $0.map(\.bitPattern) }, b.map { $0.map(\.bitPattern) })
        XCTAssertNotEqual(a, c, "a different shuffling seed must change the result")
    }

    func testNonFiniteLossStopsWithAClearError() throws {
        var train = try makeStripesDataset(count: 64, seed: 1)
        train.features[5 * 16 + 3] = .nan  // one corrupt value in item 5
        let model = Sequential(inputShape: [4, 4, 1], layers: [Flatten(), Dense(units: 3)])
        try model.build(seed: 1)
        var configuration = TrainingConfiguration()
        configuration.batchSize = 64
        configuration.epochs = 3
        XCTAssertThrowsError(try Trainer(configuration: configuration).fit(model, train: train, test: nil)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("diverged"), text)
            XCTAssertTrue(text.contains("epoch"), text)
        }
    }

    func testDataOfTheWrongShapeIsRefused() throws {
        let train = try makeStripesDataset(count: 12, seed: 1)
        let model = Sequential(inputShape: [5, 5, 1], layers: [Flatten(), Dense(units: 3)])
        try model.build(seed: 1)
        XCTAssertThrowsError(try Trainer(configuration: TrainingConfiguration()).fit(model, train: train, test: nil)) { error in
            XCTAssertTrue("\(error)".contains("[4, 4, 1]"), "\(error)")
        }
    }

    func testBuildNamesLayersUniquelyAndChainsShapes() throws {
        let model = smallCNN()
        try model.build(seed: 1)
        XCTAssertEqual(Set(model.layers.map(\.name)).count, model.layers.count)
        XCTAssertEqual(model.layerOutputShapes, [[4, 4, 4], [2, 2, 4], [16], [8], [3]])
        XCTAssertEqual(model.parameterCount, (9 * 4 + 4) + (16 * 8 + 8) + (8 * 3 + 3))
    }

    func testPresetsHaveTheKerasParameterCounts() throws {
        // Keras: MLP 101,770; CNN 105,866; LSTM 24,458 parameters.
        let expected: [Preset: Int] = [.fashionMLP: 101_770, .fashionCNN: 105_866, .fashionLSTM: 24_458]
        for (preset, count) in expected {
            let model = preset.makeModel()
            try model.build(seed: 1)
            XCTAssertEqual(model.parameterCount, count, preset.rawValue)
            XCTAssertEqual(model.outputShape, [10], preset.rawValue)
        }
    }
}

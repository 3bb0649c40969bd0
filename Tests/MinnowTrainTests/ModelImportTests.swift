import Foundation
import MinnowData
import MinnowRuntime
import MinnowTrain
import XCTest

/// `--from`: a saved float model read back into trainer layers gives the same file when
/// exported again, computes the same outputs, and trains further.
final class ModelImportTests: XCTestCase {
    private func trainedABit(_ model: FunctionalModel, seed: UInt64 = 1) throws -> FunctionalModel {
        try model.build(seed: seed)
        var generator = SeededGenerator(seed: seed + 7)
        let shape = [6] + model.inputShape
        let input = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.uniform(-1, 1) })
        let optimizer = Adam(learningRate: 0.01)
        for _ in 0..<2 {
            for p in model.parameters { p.zeroGradient() }
            let out = model.forward(input, training: true)
            model.backward(Tensor(shape: out.shape, data: (0..<out.count).map { _ in generator.uniform(-1, 1) }))
            optimizer.step(model.parameters)
        }
        return model
    }

    private func assertRoundTrip(_ model: FunctionalModel, file: StaticString = #filePath, line: UInt = #line) throws {
        let bytes = try model.modelFileBytes()
        let imported = try FunctionalModel.load(modelFile: bytes, path: "model.minnow")
        XCTAssertTrue(imported.isBuilt, file: file, line: line)
        XCTAssertEqual(imported.inputShape, model.inputShape, file: file, line: line)
        XCTAssertEqual(try imported.modelFileBytes(), bytes, "exporting the imported model gives the same file", file: file, line: line)
        var generator = SeededGenerator(seed: 99)
        let shape = [4] + model.inputShape
        let x = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.uniform(-1, 1) })
        XCTAssertEqual(imported.forward(x, training: false).data.map(\.bitPattern), model.forward(x, training: false).data.map(\.bitPattern),
                       file: file, line: line)
    }

    func testPresetsRoundTrip() throws {
        for preset in Preset.allCases {
            try assertRoundTrip(try trainedABit(preset.makeModel()))
        }
    }

    func testEveryExportableLayerRoundTrips() throws {
        try assertRoundTrip(try trainedABit(Sequential(inputShape: [8, 8, 1], layers: [
            Rescaling(scale: 0.5, offset: -0.25),
            Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, activation: .sigmoid),
            BatchNorm(),
            DepthwiseConv2D(kernelSize: (3, 3), strides: (2, 2), padding: .same, activation: .relu6),
            MaxPool2D(poolSize: (2, 2)),
            Conv2D(filters: 3, kernelSize: (1, 1), activation: .tanh),
            AveragePool2D(poolSize: (2, 2), padding: .same),
            Flatten(),
            Dense(units: 5, activation: .tanh),
            Dense(units: 4, activation: .relu),
            ReLU6(),
            Dense(units: 3, activation: .sigmoid),
            Softmax(),
        ])))
        try assertRoundTrip(try trainedABit(Sequential(inputShape: [5, 3], layers: [
            GRU(units: 4, returnSequences: true), LSTM(units: 3, returnSequences: true), Flatten(), Reshape([5, 3]), LSTM(units: 2), Dense(units: 2),
        ])))
        let input = SymbolicTensor(inputShape: [6, 6, 2])
        let stem = Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, activation: .relu, name: "stem")(input)
        let branch = Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, name: "branch")(stem)
        let sum = Add(name: "sum")(stem, branch)
        try assertRoundTrip(try trainedABit(try FunctionalModel(input: input, output: Dense(units: 3)(GlobalAveragePool()(ReLU()(sum))))))
    }

    func testBatchNormComesBackFrozenWithTheFoldedValues() throws {
        let model = try trainedABit(Sequential(inputShape: [4], layers: [Dense(units: 3), BatchNorm(), Dense(units: 2)]))
        let imported = try FunctionalModel.load(modelFile: model.modelFileBytes(), path: "m.minnow")
        let norm = try XCTUnwrap(imported.layers[1] as? BatchNorm)
        XCTAssertTrue(norm.freezesStatistics)
        let original = model.layers[1] as! BatchNorm
        XCTAssertEqual(norm.foldedScaleAndOffset.scale, original.foldedScaleAndOffset.scale)
        XCTAssertEqual(norm.foldedScaleAndOffset.offset, original.foldedScaleAndOffset.offset)
    }

    func testImportedModelTrainsFurther() throws {
        let train = try makeStripesDataset(count: 150, seed: 1)
        let model = Sequential(inputShape: [4, 4, 1], layers: [Flatten(), Dense(units: 8, activation: .relu), Dropout(rate: 0.2), Dense(units: 3)])
        try model.build(seed: 2)
        var configuration = TrainingConfiguration()
        configuration.epochs = 1
        configuration.batchSize = 16
        configuration.learningRate = 0.01
        _ = try Trainer(configuration: configuration).fit(model, train: train, test: nil)
        let imported = try FunctionalModel.load(modelFile: model.modelFileBytes(), path: "m.minnow")
        XCTAssertEqual(imported.layers.map(\.kind), ["Flatten", "Dense", "Dense"], "dropout is not in the file")
        let before = Trainer.evaluate(imported, on: train).accuracy
        configuration.epochs = 4
        let history = try Trainer(configuration: configuration).fit(imported, train: train, test: train)
        XCTAssertGreaterThan(history.finalTestAccuracy ?? 0, before)
        XCTAssertGreaterThan(history.finalTestAccuracy ?? 0, 0.95)
    }

    func testDamagedAndForeignFilesAreRefused() throws {
        XCTAssertThrowsError(try FunctionalModel.load(modelFile: [1, 2, 3], path: "junk.minnow")) { error in
            guard case TrainError.invalidModelFile(let path, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "junk.minnow")
        }
    }
}

import Foundation
import MinnowMetrics
import MinnowTrain
import XCTest

/// Every spec in examples/specs parses, builds, trains a few steps on data of its shape, and
/// either exports or refuses with the typed "no runtime operator" error.
final class ShippedSpecTests: XCTestCase {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../examples/specs").standardized.path

    /// Spec file → the layer kind that keeps it from exporting today (nil: it exports).
    static let expected: [String: String?] = [
        "ds-cnn-kws.json": nil,
        "mobilenet-v1-0.25-vww.json": nil,
        "resnet8-cifar.json": nil,
        "fc-autoencoder-ad.json": nil,
        "mlp-sgd-crossentropy.json": nil,
        "mlp-sgd-mse.json": nil,
        "lenet-cifar.json": nil,
        "embedding-lstm-sentiment.json": "embedding",
        "gru-classifier.json": nil,
    ]

    func testTheShippedSpecsAreTheOnesTested() throws {
        let found = try FileManager.default.contentsOfDirectory(atPath: Self.directory).filter { $0.hasSuffix(".json") }
        XCTAssertEqual(Set(found), Set(Self.expected.keys))
    }

    func testMLPerfTinyArchitecturesHaveTheirShapes() throws {
        func built(_ name: String) throws -> FunctionalModel {
            let model = try ModelSpec.load(path: "\(Self.directory)/\(name)").makeModel()
            try model.build(seed: 1)
            return model
        }
        let kws = try built("ds-cnn-kws.json")
        XCTAssertEqual(kws.inputShape, [49, 10, 1])
        XCTAssertEqual(kws.outputShape, [12])
        XCTAssertEqual(kws.layers.filter { $0 is DepthwiseConv2D }.count, 4)
        let vww = try built("mobilenet-v1-0.25-vww.json")
        XCTAssertEqual(vww.inputShape, [96, 96, 3])
        XCTAssertEqual(vww.layers.filter { $0 is DepthwiseConv2D }.count, 13)
        XCTAssertEqual(vww.layerOutputShapes[vww.layers.count - 4], [3, 3, 256], "α = 0.25: 1024 × 0.25 channels at 3×3")
        let resnet = try built("resnet8-cifar.json")
        XCTAssertEqual(resnet.layers.filter { $0 is Add }.count, 3)
        XCTAssertEqual(resnet.layers.filter { $0 is Conv2D }.count, 9, "stem + 3 × 2 + 2 projections")
        let ad = try built("fc-autoencoder-ad.json")
        XCTAssertEqual(ad.inputShape, [640])
        XCTAssertEqual(ad.outputShape, [640])
        XCTAssertEqual(ad.layerOutputShapes.filter { $0 == [8] }.count, 3, "bottleneck of 8: dense, batch norm, relu")
    }

    func testEveryShippedSpecTrainsAFewStepsAndExportsOrRefuses() throws {
        for (name, blocker) in Self.expected.sorted(by: { $0.key < $1.key }) {
            let spec = try ModelSpec.load(path: "\(Self.directory)/\(name)")
            let model = try spec.makeModel()
            try model.build(seed: 1)
            var configuration = TrainingConfiguration()
            spec.training.apply(to: &configuration)
            configuration.epochs = 1
            configuration.batchSize = 4
            let data = syntheticData(for: model, reconstruct: spec.training.target == "input", loss: configuration.loss)
            let before = model.parameters.map(\.value)
            let history = try Trainer(configuration: configuration).fit(model, train: data, test: data)
            XCTAssertTrue(history.epochs[0].trainLoss.isFinite, name)
            XCTAssertNotEqual(model.parameters.map(\.value), before, "\(name): training changed nothing")
            XCTAssertNotNil(history.epochs[0].testMetrics?.headline, name)
            if let blocker {
                XCTAssertThrowsError(try model.modelFileBytes(), name) { error in
                    guard case TrainError.unsupportedExport(_, let kind, _) = error else { return XCTFail("\(name): \(error)") }
                    XCTAssertEqual(kind, blocker, name)
                }
            } else {
                XCTAssertNoThrow(try model.modelFileBytes(), name)
            }
        }
    }

    /// Eight items of the model's input shape with targets the spec's loss accepts.
    private func syntheticData(for model: FunctionalModel, reconstruct: Bool, loss: LossKind) -> TrainingSet {
        var generator = SeededGenerator(seed: 3)
        let count = 8
        let size = model.inputShape.reduce(1, *)
        let vocabulary = (model.layers.first as? Embedding)?.vocabularySize
        let features = (0..<(count * size)).map { _ in
            vocabulary.map { Float(generator.next() % UInt64($0)) } ?? generator.uniform(0, 1)
        }
        let outputs = model.outputShape.reduce(1, *)
        let targets: TrainingSet.Targets
        if reconstruct {
            targets = .inputs
        } else if loss == .binaryCrossEntropy {
            targets = .classes((0..<count).map { Int32($0 % 2) })
        } else {
            targets = .classes((0..<count).map { Int32($0 % outputs) })
        }
        return TrainingSet(features: features, itemShape: model.inputShape, targets: targets, sourceDescription: "synthetic")
    }
}

import MinnowData
import MinnowQuantize
import MinnowRuntime
import MinnowTrain
import XCTest

final class SimulationTests: XCTestCase {
    /// Toy images: 4x4, the bright row is the label (as the trainer's tests).
    func stripes(count: Int, seed: UInt64) throws -> LabeledDataset {
        var r = TestRandom(seed)
        var features: [Float] = [], labels: [Int32] = []
        for i in 0..<count {
            let label = i % 3
            for row in 0..<4 { for _ in 0..<4 { features.append((row == label ? 0.8 : 0.1) + r.next(-0.1, 0.1)) } }
            labels.append(Int32(label))
        }
        return try LabeledDataset(features: features, itemShape: [4, 4, 1], labels: labels, sourceDescription: "stripes")
    }

    func testFakeQuantAgreesWithFloatOnATrainedCNN() throws {
        let model = Sequential(inputShape: [4, 4, 1], layers: [
            Conv2D(filters: 4, kernelSize: (3, 3), padding: .same),
            BatchNorm(), ReLU(),
            MaxPool2D(poolSize: (2, 2)),
            Flatten(),
            Dense(units: 8, activation: .relu),
            Dense(units: 3),
        ])
        try model.build(seed: 3)
        var configuration = TrainingConfiguration()
        configuration.epochs = 3
        configuration.batchSize = 16
        configuration.learningRate = 0.01
        configuration.schedule = .constant
        let train = try stripes(count: 240, seed: 1), test = try stripes(count: 90, seed: 2)
        _ = try Trainer(configuration: configuration).fit(model, train: train, test: nil)
        let bytes = try model.modelFileBytes()

        for method in CalibrationMethod.allCases {
            let result = try Quantizer.quantize(modelBytes: bytes, calibration: train, dataName: "stripes", sampleCount: 100,
                                                // The SQNR check below needs unclipped logits (the decision range clips
                                                // logits far below the runner-up by design).
                                                options: QuantizationOptions(method: method, outputRange: method == .minMax ? .calibrated : .decision))
            XCTAssertEqual(result.foldedBatchNorms.count, 1)
            let simulator = FakeQuantSimulator(plan: result.plan)
            let items = (0..<test.count).map { Array(test.features(at: $0)) }
            // Unquantized simulation is the float model (the runtime's own kernels).
            if method == .minMax {
                for item in items.prefix(10) {
                    let a = try simulator.run(item, quantized: [])
                    let b = try runFloatModel(bytes, item)
                    for i in a.indices { XCTAssertEqual(a[i], b[i], accuracy: 1e-4) }
                }
                let report = try simulator.sensitivity(items: Array(items.prefix(30)))
                XCTAssertEqual(report.map(\.code), [.conv2D, .maxPool2D, .reshape, .fullyConnected, .fullyConnected])
                XCTAssertEqual(report.filter { $0.code == .conv2D || $0.code == .fullyConnected }.count, 3)
                XCTAssert(report.allSatisfy { $0.sqnr > 20 }, "\(report)")
            }
            let r = try simulator.agreement(items: items, labels: test.labels)
            XCTAssertGreaterThanOrEqual(r.agreement, 0.97, "\(method)")
            XCTAssertGreaterThanOrEqual(r.int8Accuracy, r.floatAccuracy - 0.03, "\(method)")
            // Quantization really happened: outputs differ from float somewhere.
            let q = try simulator.run(items[0], quantized: simulator.int8Operators)
            XCTAssertNotEqual(q, try simulator.run(items[0], quantized: []))
        }
    }
}

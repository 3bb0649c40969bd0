import MinnowData
import MinnowParity
import MinnowQuantize
import MinnowRuntime
import MinnowTrain
import XCTest

/// `ParityRunner` refuses what it cannot compare honestly: models that do not correspond,
/// labels outside the models' classes, and more classes than a confusion matrix holds.
final class ParityRunnerTests: XCTestCase {
    /// Deterministic features in [0, 1) and labels in 0..<classes.
    private func dataset(count: Int, itemShape: [Int], classes: Int, labels: [Int32]? = nil) throws -> LabeledDataset {
        var state: UInt64 = 0x1234_5678
        let size = itemShape.reduce(1, *)
        let features = (0..<(count * size)).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24)
        }
        return try LabeledDataset(features: features, itemShape: itemShape,
                                  labels: labels ?? (0..<count).map { Int32($0 % classes) },
                                  sourceDescription: "toy data")
    }

    private func floatBytes(_ inputShape: [Int], _ layers: [any Layer], seed: UInt64 = 1) throws -> [UInt8] {
        let model = Sequential(inputShape: inputShape, layers: layers)
        try model.build(seed: seed)
        return try model.modelFileBytes()
    }

    private func int8Bytes(_ floatBytes: [UInt8], calibration: LabeledDataset) throws -> [UInt8] {
        try Quantizer.quantize(modelBytes: floatBytes, calibration: calibration, dataName: "toy", sampleCount: 32,
                               options: QuantizationOptions()).builder.serializedBytes()
    }

    private func mlp(classes: Int = 3, inputShape: [Int] = [4, 4, 1]) throws -> [UInt8] {
        try floatBytes(inputShape, [Flatten(), Dense(units: 8, activation: .relu), Dense(units: classes)])
    }

    private func cnn() throws -> [UInt8] {
        try floatBytes([4, 4, 1], [Conv2D(filters: 2, kernelSize: (3, 3), padding: .same, activation: .relu),
                                   MaxPool2D(poolSize: (2, 2)), Flatten(), Dense(units: 3)])
    }

    private func failure(_ body: () throws -> ParityReport) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            XCTAssertTrue(error is ParityRunner.Failure, "\(type(of: error)): \(error)")
            return "\(error)"
        }
    }

    func testAConversionOfTheSameModelRuns() throws {
        let data = try dataset(count: 40, itemShape: [4, 4, 1], classes: 3)
        let float = try mlp()
        let report = try ParityRunner.run(floatModel: float, floatPath: "f.minnow", int8Model: try int8Bytes(float, calibration: data),
                                          int8Path: "q.minnow", data: data)
        XCTAssertEqual(report.count, 40)
        XCTAssertEqual(report.floatConfusion.classCount, 3)
        XCTAssertEqual(report.layers.map(\.name), ["flatten", "dense", "dense_1"])
    }

    func testAnMLPAgainstACNNIsRefused() throws {
        let data = try dataset(count: 20, itemShape: [4, 4, 1], classes: 3)
        // Same input and output shapes; the graphs share only the name "flatten" (of another size).
        let message = failure {
            try ParityRunner.run(floatModel: try mlp(), floatPath: "mlp.minnow",
                                 int8Model: try int8Bytes(try cnn(), calibration: data), int8Path: "cnn-int8.minnow", data: data)
        }
        XCTAssertEqual(message, "cnn-int8.minnow is not a conversion of mlp.minnow: no corresponding layers: none of the int8 model's 4 layers has a float activation of the same name and shape (conv2d (conv2D), max_pool2d (maxPool2D), flatten (reshape, shape [1, 8] but [1, 16] in the float model), dense (fullyConnected, shape [1, 3] but [1, 8] in the float model))")
    }

    func testDifferentInputOrOutputShapesAreRefused() throws {
        let data = try dataset(count: 20, itemShape: [4, 4, 1], classes: 3)
        let flatData = try data.reshaped(to: [16])
        let inputMessage = failure {
            try ParityRunner.run(floatModel: try mlp(inputShape: [16]), floatPath: "a.minnow",
                                 int8Model: try int8Bytes(try mlp(), calibration: data), int8Path: "b.minnow", data: flatData)
        }
        XCTAssertEqual(inputMessage, "b.minnow is not a conversion of a.minnow: input shape differs: [1, 16] in the float model, [1, 4, 4, 1] in the int8 model")
        let outputMessage = failure {
            try ParityRunner.run(floatModel: try mlp(classes: 4), floatPath: "a.minnow",
                                 int8Model: try int8Bytes(try mlp(), calibration: data), int8Path: "b.minnow", data: data)
        }
        XCTAssertEqual(outputMessage, "b.minnow is not a conversion of a.minnow: output shape differs: [1, 4] in the float model, [1, 3] in the int8 model")
    }

    func testLabelsOutsideTheModelsClassesAreRefused() throws {
        let calibration = try dataset(count: 20, itemShape: [4, 4, 1], classes: 3)
        let float = try mlp(), int8 = try int8Bytes(float, calibration: calibration)
        // A label of Int32.max used to size the confusion matrix (2^62 cells, wrapping).
        for label: Int32 in [3, Int32.max] {
            let data = try dataset(count: 5, itemShape: [4, 4, 1], classes: 3, labels: [0, 1, 2, label, 0])
            let message = failure {
                try ParityRunner.run(floatModel: float, floatPath: "f.minnow", int8Model: int8, int8Path: "q.minnow", data: data)
            }
            XCTAssertEqual(message, "toy data: data row 4 (item 3) has label \(label), outside the 3 classes 0…2 of f.minnow and q.minnow")
        }
        // Labels beyond a --limit are not looked at.
        let data = try dataset(count: 5, itemShape: [4, 4, 1], classes: 3, labels: [0, 1, 2, Int32.max, 0])
        XCTAssertEqual(try ParityRunner.run(floatModel: float, floatPath: "f", int8Model: int8, int8Path: "q", data: data, limit: 3).count, 3)
    }

    func testMoreClassesThanAConfusionMatrixHoldsIsRefused() throws {
        let data = try dataset(count: 4, itemShape: [2], classes: 2)
        let float = try floatBytes([2], [Dense(units: ConfusionMatrix.maximumClassCount + 1)])
        let message = failure {
            try ParityRunner.run(floatModel: float, floatPath: "wide.minnow", int8Model: float, int8Path: "wide.minnow", data: data)
        }
        XCTAssertEqual(message, "wide.minnow: the output has 1025 values; parity compares classifiers of at most 1024 classes")
    }

    func testHTMLSizesItsPicturesToTheirLabels() throws {
        let data = try dataset(count: 10, itemShape: [4, 4, 1], classes: 3)
        let float = try mlp()
        var report = try ParityRunner.run(floatModel: float, floatPath: "f", int8Model: try int8Bytes(float, calibration: data),
                                          int8Path: "q", data: data)
        report.layers[0].name = String(repeating: "n", count: 60)
        report.layers[1].error = LayerError() // exact: the longest bar, with "exact · cos 1.00000" after it
        let html = ParityHTML.render(report, classNames: ["a", "b"]) // wrong count: numbered classes instead
        XCTAssertTrue(html.contains(">0</text>") && html.contains(">2</text>"))
        // Every label of the SQNR picture ends inside it (11 px text is at most 7 px a character).
        let svg = html.components(separatedBy: "<svg width=\"")[1].components(separatedBy: "</svg>")[0]
        let width = Double(svg.prefix { $0.isNumber })!
        for text in svg.components(separatedBy: "<text x=\"").dropFirst() {
            let x = Double(text.prefix { $0.isNumber || $0 == "." })!
            let content = text.components(separatedBy: ">")[1].components(separatedBy: "<")[0]
            let anchor = text.contains("text-anchor=\"middle\"") ? 0.5 : 1
            XCTAssertLessThanOrEqual(x + anchor * Double(content.count) * 7, width, "'\(content)' is clipped")
        }
    }
}

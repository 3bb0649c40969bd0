import Foundation
import MinnowTrain
import XCTest

final class ModelSpecTests: XCTestCase {
    private func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "spec-\(UUID().uuidString).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testSpecBuildsTheDescribedNetwork() throws {
        let path = try write("""
        {"input": [28, 28, 1], "layers": [
          {"type": "conv2d", "filters": 16, "kernel": [3, 3], "padding": "same", "activation": "relu", "name": "c1"},
          {"type": "maxpool2d", "pool": [2, 2]},
          {"type": "depthwise_conv2d", "kernel": [3, 3], "activation": "relu6"},
          {"type": "batchnorm"},
          {"type": "global_avgpool"},
          {"type": "dropout", "rate": 0.25},
          {"type": "dense", "units": 10}
        ]}
        """)
        let model = try ModelSpec.load(path: path).makeModel()
        try model.build(seed: 1)
        XCTAssertEqual(model.layers.first?.name, "c1")
        XCTAssertEqual(model.layerOutputShapes, [[28, 28, 16], [14, 14, 16], [12, 12, 16], [12, 12, 16], [16], [16], [10]])
        XCTAssertEqual(model.parameterCount, (9 * 16 + 16) + (9 * 16 + 16) + 2 * 16 + (16 * 10 + 10))
    }

    func testRecurrentSpec() throws {
        let path = try write("""
        {"input": [10, 3], "layers": [{"type": "gru", "units": 8, "return_sequences": true}, {"type": "lstm", "units": 4}, {"type": "dense", "units": 2}]}
        """)
        let model = try ModelSpec.load(path: path).makeModel()
        try model.build(seed: 1)
        XCTAssertEqual(model.layerOutputShapes, [[10, 8], [4], [2]])
    }

    func testBadSpecsNameTheLayerAndField() throws {
        let cases: [(String, String)] = [
            (#"{"input": [4], "layers": [{"type": "dense"}]}"#, "layer 0 (dense): needs a positive 'units'"),
            (#"{"input": [4], "layers": [{"type": "dense", "units": 3}, {"type": "wobble"}]}"#, "layer 1 (wobble): unknown layer type"),
            (#"{"input": [4, 4, 1], "layers": [{"type": "conv2d", "filters": 2, "kernel": [3, 3], "padding": "full"}]}"#, "unknown padding 'full'"),
            (#"{"input": [4], "layers": [{"type": "dense", "units": 3, "activation": "gelu"}]}"#, "unknown activation 'gelu'"),
            (#"{"layers": []}"#, "missing key 'input'"),
            (#"{"input": [4], "layers": [{"type": "dropout", "rate": 1.5}]}"#, "needs 'rate' in [0, 1)"),
        ]
        for (json, expected) in cases {
            let path = try write(json)
            XCTAssertThrowsError(try ModelSpec.load(path: path).makeModel()) { error in
                XCTAssertTrue("\(error)".contains(expected), "expected '\(expected)' in: \(error)")
            }
        }
    }

    func testMissingSpecFileIsNamed() {
        XCTAssertThrowsError(try ModelSpec.load(path: "/nonexistent/spec.json")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/spec.json"), "\(error)")
        }
    }
}

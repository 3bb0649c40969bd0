import Foundation
import MinnowData
import MinnowRuntime
import MinnowTrain
import XCTest

/// Graph models: the functional builder, JSON specs with names and inputs, gradients through
/// shared outputs, export of residual graphs to the runtime's `add`, and spec errors.
final class GraphModelTests: XCTestCase {
    private func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.uniform(-1, 1) })
    }

    /// A residual block: the stem's output is read twice (by the branch and by the add).
    private func residualModel() throws -> FunctionalModel {
        let input = SymbolicTensor(inputShape: [6, 6, 2])
        let stem = Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, activation: .tanh, name: "stem")(input)
        let branch = Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, activation: .tanh, name: "branch_a")(stem)
        let branch2 = Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, name: "branch_b")(branch)
        let sum = Add(name: "sum")(stem, branch2)
        let pooled = GlobalAveragePool()(Tanh()(sum))
        return try FunctionalModel(input: input, output: Dense(units: 3)(pooled))
    }

    func testFunctionalBuilderOrdersLayersAndRecordsInputs() throws {
        let model = try residualModel()
        XCTAssertEqual(model.layers.map(\.name), ["stem", "branch_a", "branch_b", "sum", "tanh", "global_average_pool", "dense"])
        XCTAssertEqual(model.layerInputs, [[-1], [0], [1], [0, 2], [3], [4], [5]])
        XCTAssertFalse(model.isSequential)
        try model.build(seed: 1)
        XCTAssertEqual(model.layerOutputShapes[3], [6, 6, 4])
        let summary = model.summary()
        XCTAssertTrue(summary.contains("inputs") && summary.contains("stem, branch_b"), summary)
    }

    /// The whole model's parameter gradients (through the fan-out of `stem`) against central
    /// differences of `Σ output ⊙ R`.
    func testGradientsThroughAResidualGraph() throws {
        let model = try residualModel()
        try model.build(seed: 2)
        let x = random([3, 6, 6, 2], seed: 3)
        let output = model.forward(x, training: true)
        let weights = random(output.shape, seed: 4)
        func loss() -> Double {
            let y = model.forward(x, training: false)
            return zip(y.data, weights.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        for p in model.parameters { p.zeroGradient() }
        _ = model.forward(x, training: true)
        model.backward(weights)
        var worst: Float = 0
        var checked = 0
        for parameter in model.parameters {
            let analytic = parameter.gradient
            for i in stride(from: 0, to: parameter.value.count, by: max(1, parameter.value.count / 12)) {
                let saved = parameter.value[i]
                parameter.value[i] = saved + 1e-2; let plus = loss()
                parameter.value[i] = saved - 1e-2; let minus = loss()
                parameter.value[i] = saved
                let numeric = Float((plus - minus) / 2e-2)
                worst = max(worst, abs(analytic[i] - numeric) / max(1, abs(analytic[i]), abs(numeric)))
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 60)
        XCTAssertLessThan(worst, 1e-2)
        // The stem's gradient is the sum of both paths: dropping the skip must change it.
        let stemGradient = model.layers[0].parameters[0].gradient
        let plain = Sequential(inputShape: [6, 6, 2], layers: [
            Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, activation: .tanh, name: "stem"),
            Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, activation: .tanh, name: "branch_a"),
            Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, name: "branch_b"),
            Tanh(), GlobalAveragePool(), Dense(units: 3),
        ])
        try plain.build(seed: 2)
        for p in plain.parameters { p.zeroGradient() }
        _ = plain.forward(x, training: true)
        plain.backward(weights)
        XCTAssertNotEqual(plain.layers[0].parameters[0].gradient, stemGradient)
    }

    func testResidualGraphRunsInTheRuntime() throws {
        let model = try residualModel()
        try model.build(seed: 5)
        try assertRuntimeAgrees(model, seed: 5)
        let bytes = try model.modelFileBytes()
        try bytes.withUnsafeBytes { raw in
            let file = try Model(bytes: raw)
            let codes = (0..<file.operatorCount).map { file.operatorCode($0) }
            XCTAssertEqual(codes.filter { $0 == .add }.count, 1)
        }
    }

    func testThreeWayAddExportsAChainOfAdds() throws {
        let input = SymbolicTensor(inputShape: [5])
        let a = Dense(units: 4, name: "a")(input), b = Dense(units: 4, name: "b")(input), c = Dense(units: 4, name: "c")(input)
        let model = try FunctionalModel(input: input, output: Dense(units: 2)(Add(name: "sum")(a, b, c)))
        try model.build(seed: 6)
        try assertRuntimeAgrees(model, seed: 6)
    }

    // MARK: Specs

    private func spec(_ json: String) throws -> ModelSpec {
        try ModelSpec.parse(Data(json.utf8), source: "model spec test.json")
    }

    func testSpecGraphWithNamesAndInputs() throws {
        let model = try spec("""
        {"input": [8, 8, 1], "layers": [
          {"type": "rescaling", "scale": 0.00392156862745098, "name": "scaled"},
          {"type": "conv2d", "filters": 4, "kernel": 3, "padding": "same", "activation": "relu", "name": "stem"},
          {"type": "conv2d", "filters": 4, "kernel": [3, 3], "padding": "same"},
          {"type": "batchnorm", "momentum": 0.9, "epsilon": 0.001, "name": "bn"},
          {"type": "add", "inputs": ["stem", "bn"]},
          {"type": "relu"},
          {"type": "global_avgpool", "name": "pool"},
          {"type": "flatten", "inputs": ["scaled"], "name": "raw"},
          {"type": "dense", "units": 4, "name": "wide"},
          {"type": "concat", "inputs": ["pool", "wide"]},
          {"type": "dense", "units": 10, "activation": "softmax", "name": "out"}
        ]}
        """).makeModel()
        try model.build(seed: 1)
        XCTAssertEqual(model.layers.map(\.name),
                       ["scaled", "stem", "conv2d", "bn", "add", "relu", "pool", "raw", "wide", "concatenate", "out_logits", "out"])
        XCTAssertEqual(model.layerInputs[4], [1, 3])
        XCTAssertEqual(model.layerInputs[7], [0])
        XCTAssertEqual(model.layerInputs[9], [6, 8])
        XCTAssertEqual(model.layerOutputShapes[9], [8])
        XCTAssertTrue(model.layers.last is Softmax)
        XCTAssertEqual((model.layers[3] as? BatchNorm)?.momentum, 0.9)
    }

    func testSpecTrainingSettings() throws {
        let parsed = try spec("""
        {"input": [4], "layers": [{"type": "dense", "units": 1}],
         "training": {"loss": "mse", "optimizer": "sgd", "lr": 0.05, "momentum": 0.8, "l2": 0.0001, "batch": 16,
                      "epochs": 3, "validation_split": 0.2, "patience": 2}}
        """)
        var configuration = TrainingConfiguration()
        parsed.training.apply(to: &configuration)
        XCTAssertEqual(configuration.loss, .meanSquaredError)
        XCTAssertEqual(configuration.optimizer, .sgd)
        XCTAssertEqual(configuration.learningRate, 0.05)
        XCTAssertEqual(configuration.momentum, 0.8)
        XCTAssertEqual(configuration.l2, 0.0001)
        XCTAssertEqual(configuration.batchSize, 16)
        XCTAssertEqual(configuration.epochs, 3)
        XCTAssertEqual(configuration.validationSplit, 0.2)
        XCTAssertEqual(configuration.patience, 2)
    }

    func testSpecErrorsNameTheLayerAndTheKey() throws {
        let cases: [(String, String)] = [
            (#"{"input": [4, 4, 1], "layers": [{"type": "conv2d", "filters": 2, "kernel": 3, "paddding": "same"}]}"#,
             "model spec test.json: layer 0 (conv2d): key 'paddding': unknown key; did you mean 'padding'?"),
            (#"{"input": [4], "layers": [{"type": "dense", "units": 3, "name": "head", "rate": 0.5}]}"#,
             "layer 0 'head' (dense): key 'rate': unknown key for dense layers (it applies to dropout)"),
            (#"{"input": [4], "layers": [{"type": "dense", "units": "ten"}]}"#,
             "layer 0 (dense): key 'units': must be a whole number, got \"ten\""),
            (#"{"input": [4], "layers": [{"type": "dense", "units": 3.5}]}"#, "key 'units': must be a whole number, got 3.5"),
            (#"{"input": [4], "layers": [{"type": "lstm", "units": 3, "return_sequences": 1}]}"#,
             "key 'return_sequences': must be true or false, got 1"),
            (#"{"input": [4], "layers": [{"type": "dense", "units": 3}, {"type": "dens", "units": 2}]}"#,
             "layer 1 (dens): unknown layer type; did you mean 'dense'?"),
            (#"{"input": [4], "layers": [{"type": "dense", "units": 3}, {"type": "add", "inputs": ["nope", "input"]}]}"#,
             "layer 1 (add): key 'inputs': no earlier layer is named 'nope'"),
            (#"{"input": [4], "layers": [{"type": "add", "inputs": ["input", "later"]}, {"type": "dense", "units": 4, "name": "later"}]}"#,
             "'later' is defined later"),
            (#"{"input": [4], "layers": [{"type": "dense", "units": 3, "name": "a"}, {"type": "dense", "units": 3, "name": "a"}]}"#,
             "layer 1 'a' (dense): key 'name': another layer is already named 'a'"),
            (#"{"input": [4], "layers": [{"type": "dense", "units": 3, "name": "side"}, {"type": "dense", "units": 2, "inputs": ["input"]}]}"#,
             "layer 0 'side' (dense): does not feed the model's output"),
            (#"{"input": [4], "layers": [{"type": "dense", "units": 3, "name": "a"}, {"type": "dense", "units": 3, "inputs": ["a", "input"]}]}"#,
             "layer 1 (dense): key 'inputs': dense reads one layer, found 2"),
            (#"{"input": [4], "layers": [{"type": "dense", "units": 3}, {"type": "add"}]}"#,
             "layer 1 (add): key 'inputs': add needs at least two inputs"),
            (#"{"input": [4], "layers": [{"type": "dense", "units": 2}], "trainng": {}}"#,
             "key 'trainng': unknown top-level key; did you mean 'training'?"),
            (#"{"input": [4], "layers": [{"type": "dense", "units": 2}], "training": {"los": "mse"}}"#,
             "key 'los': unknown training setting; did you mean 'loss'?"),
            (#"{"input": [4], "layers": [{"type": "dense", "units": 2}], "training": {"loss": "hinge"}}"#,
             "setting 'loss': must be one of softmax_crossentropy, binary_crossentropy, mse, mae, got \"hinge\""),
            (#"{"input": [4], "layers": [{"type": "lstm", "units": 2, "dropout": 1.5}]}"#, "key 'dropout': must lie in [0, 1), got 1.5"),
            (#"{"input": [4], "layers": [{"type": "concat", "axis": 1}]}"#, "key 'axis': only the last axis (-1) is supported"),
            (#"{"input": [4], "layers": [{"type": "embedding", "vocab": 10}]}"#, "layer 0 (embedding): needs a positive 'dim'"),
            (#"{"input": [4], "layers": [{"type": "dense", "units": 3}"#, "not valid JSON"),
        ]
        for (json, expected) in cases {
            XCTAssertThrowsError(try spec(json).makeModel(), json) { error in
                XCTAssertTrue("\(error)".contains(expected), "expected '\(expected)' in: \(error)")
                guard case TrainError.invalidSpec = error else { return XCTFail("not invalidSpec: \(error)") }
            }
        }
    }

    func testBuildErrorsNameTheLayerAndItsInputs() throws {
        let model = try spec(#"{"input": [4, 4, 1], "layers": [{"type": "conv2d", "filters": 2, "kernel": 3, "name": "c"}, {"type": "flatten", "name": "f", "inputs": ["input"]}, {"type": "add", "inputs": ["c", "f"]}]}"#).makeModel()
        XCTAssertThrowsError(try model.build(seed: 1)) { error in
            XCTAssertTrue("\(error)".contains("layer 'add' (Add) with input shapes [2, 2, 2], [16]"), "\(error)")
        }
    }
}

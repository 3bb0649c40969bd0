import Foundation
import MinnowRuntime
import MinnowTrain
import XCTest

/// The layers added for real models: finite-difference gradient checks, forward values from
/// the definitions, and the typed refusal to export what the runtime cannot run yet.
final class NewLayerTests: XCTestCase {
    private func random(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.uniform(low, high) })
    }

    private func built<L: Layer>(_ layer: L, _ shape: [Int], seed: UInt64 = 1) throws -> L {
        var generator = SeededGenerator(seed: seed)
        _ = try layer.build(inputShape: shape, generator: &generator)
        return layer
    }

    private func assertNoRuntimeOperator(_ model: FunctionalModel, layer: String, kind: String,
                                         file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try model.modelFileBytes(), file: file, line: line) { error in
            guard case TrainError.unsupportedExport(let name, let found, _) = error else {
                return XCTFail("expected unsupportedExport, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(name, layer, file: file, line: line)
            XCTAssertEqual(found, kind, file: file, line: line)
            XCTAssertEqual("\(error)", "layer \(layer) (\(kind)): the runtime has no operator for it yet", file: file, line: line)
        }
    }

    // MARK: Merge layers

    func testAddSumsAndPassesTheGradientToEveryInput() throws {
        let add = Add()
        var generator = SeededGenerator(seed: 1)
        XCTAssertEqual(try add.build(inputShapes: [[2, 3], [2, 3], [2, 3]], generator: &generator), [2, 3])
        let inputs = (0..<3).map { random([4, 2, 3], seed: UInt64(10 + $0)) }
        let sum = add.forward(inputs, training: true)
        for i in 0..<sum.count {
            XCTAssertEqual(sum.data[i], inputs[0].data[i] + inputs[1].data[i] + inputs[2].data[i], accuracy: 1e-6)
        }
        let result = GradientCheck.run(merge: add, inputs: inputs)
        XCTAssertLessThan(result.maxRelativeError, 1e-3, "\(result)")
        XCTAssertEqual(result.checkedEntries, 3 * 24)
        XCTAssertThrowsError(try add.build(inputShapes: [[2, 3], [3, 2]], generator: &generator)) { error in
            XCTAssertTrue("\(error)".contains("[2, 3], [3, 2]"), "\(error)")
        }
    }

    func testConcatenateJoinsTheLastAxisAndSplitsTheGradient() throws {
        let concat = Concatenate()
        var generator = SeededGenerator(seed: 1)
        XCTAssertEqual(try concat.build(inputShapes: [[3, 2], [3, 4]], generator: &generator), [3, 6])
        let a = random([2, 3, 2], seed: 3), b = random([2, 3, 4], seed: 4)
        let y = concat.forward([a, b], training: false)
        XCTAssertEqual(y.shape, [2, 3, 6])
        // Row r of the output is row r of a followed by row r of b.
        for r in 0..<6 {
            XCTAssertEqual(Array(y.data[(r * 6)..<(r * 6 + 2)]), Array(a.data[(r * 2)..<(r * 2 + 2)]))
            XCTAssertEqual(Array(y.data[(r * 6 + 2)..<(r * 6 + 6)]), Array(b.data[(r * 4)..<(r * 4 + 4)]))
        }
        let result = GradientCheck.run(merge: concat, inputs: [a, b])
        XCTAssertLessThan(result.maxRelativeError, 1e-3, "\(result)")
        XCTAssertThrowsError(try concat.build(inputShapes: [[3, 2], [4, 2]], generator: &generator))
    }

    // MARK: Embedding

    func testEmbeddingLooksUpRowsAndAccumulatesRepeatedIDs() throws {
        let embedding = try built(Embedding(vocabularySize: 5, dimension: 3), [4])
        XCTAssertEqual(embedding.embeddings.shape, [5, 3])
        XCTAssertTrue(embedding.embeddings.value.allSatisfy { abs($0) <= 0.05 }, "Keras' uniform(-0.05, 0.05) start")
        embedding.embeddings.value = (0..<15).map { Float($0) }
        let ids = Tensor(shape: [2, 4], data: [0, 4, 2, 2, 1, 1, 3, 0])
        let y = embedding.forward(ids, training: true)
        XCTAssertEqual(y.shape, [2, 4, 3])
        XCTAssertEqual(Array(y.data[0..<6]), [0, 1, 2, 12, 13, 14])
        let gradient = Tensor(shape: y.shape, data: (0..<24).map { Float($0) })
        let dx = embedding.backward(gradient)
        XCTAssertEqual(dx.shape, [2, 4])
        XCTAssertTrue(dx.data.allSatisfy { $0 == 0 }, "ids have no gradient")
        // id 2 appears at positions 2 and 3, id 1 at 4 and 5, id 0 at 0 and 7.
        let rows: [[Float]] = [[0 + 21, 1 + 22, 2 + 23], [12 + 15, 13 + 16, 14 + 17], [6 + 9, 7 + 10, 8 + 11]]
        for (id, row) in rows.enumerated() {
            XCTAssertEqual(Array(embedding.embeddings.gradient[(id * 3)..<(id * 3 + 3)]), row, "id \(id)")
        }
    }

    func testEmbeddingGradientCheck() throws {
        let embedding = try built(Embedding(vocabularySize: 7, dimension: 4), [5])
        let ids = Tensor(shape: [3, 5], data: [0, 6, 3, 3, 1, 2, 2, 5, 4, 0, 6, 1, 1, 3, 2])
        // ±h on an id rounds back to the same id: the input entries check the zero gradient.
        let result = GradientCheck.run(layer: embedding, input: ids, step: 1e-2)
        XCTAssertLessThan(result.maxRelativeError, 1e-3, "\(result)")
    }

    func testEmbeddingRefusesToExport() throws {
        let model = Sequential(inputShape: [6], layers: [Embedding(vocabularySize: 10, dimension: 4), Flatten(), Dense(units: 1)])
        try model.build(seed: 1)
        assertNoRuntimeOperator(model, layer: "embedding", kind: "embedding")
    }

    // MARK: Rescaling, Reshape, Conv1D

    func testRescalingForwardAndGradient() throws {
        let layer = try built(Rescaling(scale: 1.0 / 255, offset: -0.5), [2, 2, 1])
        let x = Tensor(shape: [1, 2, 2, 1], data: [0, 255, 51, 102])
        for (found, expected) in zip(layer.forward(x, training: false).data, [Float(-0.5), 0.5, -0.3, -0.1]) {
            XCTAssertEqual(found, expected, accuracy: 1e-6)
        }
        let result = GradientCheck.run(layer: layer, input: random([3, 2, 2, 1], seed: 2, low: 0, high: 255), step: 0.5)
        XCTAssertLessThan(result.maxRelativeError, 1e-3, "\(result)")
    }

    func testReshapeGradientAndBadShape() throws {
        let layer = try built(Reshape([3, 4]), [12])
        let result = GradientCheck.run(layer: layer, input: random([2, 12], seed: 3))
        XCTAssertLessThan(result.maxRelativeError, 1e-4, "\(result)")
        XCTAssertThrowsError(try built(Reshape([5, 2]), [12])) { error in
            XCTAssertTrue("\(error)".contains("[12]") && "\(error)".contains("[5, 2]"), "\(error)")
        }
    }

    func testConv1DMatchesTheDefinition() throws {
        let conv = try built(Conv1D(filters: 2, kernelSize: 3, stride: 2, padding: .valid), [7, 2])
        let x = random([1, 7, 2], seed: 5)
        let y = conv.forward(x, training: false)
        XCTAssertEqual(y.shape, [1, 3, 2])
        let w = conv.parameters[0].value, b = conv.parameters[1].value  // [2, 1, 3, 2], [2]
        XCTAssertEqual(conv.parameters[0].shape, [2, 1, 3, 2])
        for t in 0..<3 {
            for o in 0..<2 {
                var sum = Double(b[o])
                for k in 0..<3 { for f in 0..<2 { sum += Double(w[(o * 3 + k) * 2 + f]) * Double(x.data[(2 * t + k) * 2 + f]) } }
                XCTAssertEqual(Double(y.data[t * 2 + o]), sum, accuracy: 1e-5)
            }
        }
    }

    func testConv1DGradientCheck() throws {
        for padding in [Padding.same, .valid] {
            for activation in [Activation.linear, .tanh] {
                let conv = try built(Conv1D(filters: 3, kernelSize: 3, padding: padding, activation: activation), [6, 2])
                let result = GradientCheck.run(layer: conv, input: random([2, 6, 2], seed: 7))
                XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(padding) \(activation): \(result)")
            }
        }
    }

    // MARK: Depthwise with a depth multiplier

    func testDepthwiseMultiplierMatchesTheDefinition() throws {
        let layer = try built(DepthwiseConv2D(kernelSize: (2, 2), padding: .valid, depthMultiplier: 3), [3, 3, 2])
        XCTAssertEqual(layer.weights.shape, [1, 2, 2, 6])
        layer.bias.value = (0..<6).map { Float($0) / 10 }
        let x = random([1, 3, 3, 2], seed: 8)
        let y = layer.forward(x, training: false)
        XCTAssertEqual(y.shape, [1, 2, 2, 6])
        let w = layer.weights.value
        for oy in 0..<2 {
            for ox in 0..<2 {
                for c in 0..<2 {
                    for m in 0..<3 {
                        let o = c * 3 + m
                        var sum = Double(layer.bias.value[o])
                        for ky in 0..<2 { for kx in 0..<2 {
                            sum += Double(w[(ky * 2 + kx) * 6 + o]) * Double(x.data[((oy + ky) * 3 + ox + kx) * 2 + c])
                        } }
                        XCTAssertEqual(Double(y.data[(oy * 2 + ox) * 6 + o]), sum, accuracy: 1e-5, "output channel \(o)")
                    }
                }
            }
        }
    }

    func testDepthwiseMultiplierGradientCheckAndExportRefusal() throws {
        for padding in [Padding.same, .valid] {
            let layer = try built(DepthwiseConv2D(kernelSize: (3, 3), strides: (2, 1), padding: padding, activation: .tanh,
                                                  depthMultiplier: 2), [5, 4, 3])
            let result = GradientCheck.run(layer: layer, input: random([2, 5, 4, 3], seed: 9))
            XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(padding): \(result)")
        }
        let model = Sequential(inputShape: [5, 5, 2], layers: [DepthwiseConv2D(kernelSize: (3, 3), depthMultiplier: 2)])
        try model.build(seed: 1)
        assertNoRuntimeOperator(model, layer: "depthwise_conv2d", kind: "depthwise_conv2d with depth multiplier 2")
    }

    // MARK: Recurrent dropout

    /// A gradient check in training mode with the masks held fixed: `prepare` rewinds the
    /// layer's dropout generator before every forward.
    private func checkDroppedRecurrent(_ layer: StatefulLayer, input: Tensor) -> GradientCheckResult {
        let state = layer.trainingState
        return GradientCheck.run(layer: layer, input: input, training: true, prepare: {
            try! layer.restoreTrainingState(state)
        })
    }

    func testLSTMAndGRUDropoutGradientChecks() throws {
        for (rate, recurrent) in [(Float(0.4), Float(0)), (0, 0.4), (0.3, 0.3)] {
            for sequences in [false, true] {
                let lstm = try built(LSTM(units: 4, returnSequences: sequences, dropout: rate, recurrentDropout: recurrent), [5, 3])
                let gru = try built(GRU(units: 4, returnSequences: sequences, dropout: rate, recurrentDropout: recurrent), [5, 3])
                let x = random([3, 5, 3], seed: 11)
                for layer in [lstm as StatefulLayer, gru] {
                    let result = checkDroppedRecurrent(layer, input: x)
                    XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(layer.kind) dropout \(rate)/\(recurrent) sequences \(sequences): \(result)")
                }
            }
        }
    }

    func testRecurrentDropoutMasksTrainingOnly() throws {
        for make in [{ LSTM(units: 6, dropout: 0.5, recurrentDropout: 0.5) as Layer }, { GRU(units: 6, dropout: 0.5, recurrentDropout: 0.5) }] {
            let dropped = try built(make(), [4, 5], seed: 3)
            let plain: Layer = dropped is LSTM ? try built(LSTM(units: 6), [4, 5], seed: 3) : try built(GRU(units: 6), [4, 5], seed: 3)
            // Same weights: the dropout generator is split off after them.
            XCTAssertEqual(dropped.parameters.map(\.value), plain.parameters.map(\.value))
            let x = random([8, 4, 5], seed: 12)
            XCTAssertEqual(dropped.forward(x, training: false), plain.forward(x, training: false), "inference uses no mask")
            let a = dropped.forward(x, training: true), b = dropped.forward(x, training: true)
            XCTAssertNotEqual(a, plain.forward(x, training: false), "training masks")
            XCTAssertNotEqual(a, b, "a new mask per batch")
        }
    }

    func testRecurrentDropoutModelsExportWithoutMasks() throws {
        let model = Sequential(inputShape: [5, 3], layers: [
            GRU(units: 4, returnSequences: true, dropout: 0.2, recurrentDropout: 0.2), LSTM(units: 3, dropout: 0.5), Dense(units: 2),
        ])
        try model.build(seed: 2)
        try assertRuntimeAgrees(model, seed: 2)
    }

    // MARK: Batch norm settings

    func testBatchNormMomentumAndEpsilonAreUsed() throws {
        let norm = try built(BatchNorm(momentum: 0.5, epsilon: 0.1), [2])
        let x = Tensor(shape: [4, 2], data: [1, 10, 3, 10, 5, 10, 7, 10])
        _ = norm.forward(x, training: true)
        XCTAssertEqual(norm.movingMean, [0.5 * 0 + 0.5 * 4, 0.5 * 0 + 0.5 * 10])
        XCTAssertEqual(norm.movingVariance[0], 0.5 * 1 + 0.5 * 5, accuracy: 1e-6)
        let y = norm.forward(x, training: false)
        XCTAssertEqual(y.data[0], (1 - 2) / (3 + 0.1).squareRoot(), accuracy: 1e-5)
    }

    func testFrozenBatchNormTrainsLikeInference() throws {
        let norm = try built(BatchNorm(epsilon: 1.0 / 1024), [3])
        try norm.setFolded(scale: [2, 0.5, -1], offset: [0.1, 0.2, 0.3])
        let x = random([5, 3], seed: 14)
        XCTAssertEqual(norm.forward(x, training: true), norm.forward(x, training: false))
        XCTAssertEqual(norm.movingMean, [0, 0, 0], "frozen statistics do not move")
        XCTAssertEqual(norm.foldedScaleAndOffset.scale, [2, 0.5, -1], "exactly the folded values")
        XCTAssertEqual(norm.foldedScaleAndOffset.offset, [0.1, 0.2, 0.3])
        let result = GradientCheck.run(layer: norm, input: x, training: true)
        XCTAssertLessThan(result.maxRelativeError, 1e-3, "\(result)")
    }

    // MARK: Runtime twins

    func testRescalingConv1DAndReshapeRunInTheRuntime() throws {
        let model = Sequential(inputShape: [12, 3], layers: [
            Rescaling(scale: 1.0 / 255, offset: -0.5),
            Conv1D(filters: 4, kernelSize: 3, padding: .same, activation: .relu),
            Conv1D(filters: 5, kernelSize: 2, stride: 2, activation: .tanh),
            Reshape([6, 5, 1]),
            Conv2D(filters: 2, kernelSize: (2, 2)),
            Flatten(),
            Dense(units: 3),
        ])
        try model.build(seed: 4)
        try assertRuntimeAgrees(model, seed: 4, low: 0, high: 255)
    }
}

/// The exported file, run in MinnowRuntime, gives what the trainer computes in inference mode.
func assertRuntimeAgrees(_ model: FunctionalModel, seed: UInt64, items: Int = 5, low: Float = -1, high: Float = 1,
                         file: StaticString = #filePath, line: UInt = #line) throws {
    var generator = SeededGenerator(seed: seed + 50)
    let shape = [items] + model.inputShape
    let input = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.uniform(low, high) })
    let expected = model.forward(input, training: false)
    let bytes = try model.modelFileBytes()
    try bytes.withUnsafeBytes { raw in
        let runtimeModel = try Model(bytes: raw)
        try Interpreter.withHeapArena(for: runtimeModel, startFailure: { $0 }) { interpreter in
            let size = input.itemCount
            for item in 0..<items {
                input.data.withUnsafeBufferPointer { interpreter.setInput(0, from: $0.baseAddress! + item * size) }
                try interpreter.invoke()
                XCTAssertEqual(interpreter.outputCount(0), expected.itemCount, file: file, line: line)
                for j in 0..<expected.itemCount {
                    let want = expected.data[item * expected.itemCount + j]
                    XCTAssertEqual(interpreter.outputValue(0, j), want, accuracy: 1e-4 * max(1, abs(want)),
                                   "item \(item) output \(j)", file: file, line: line)
                }
            }
        }
    }
}


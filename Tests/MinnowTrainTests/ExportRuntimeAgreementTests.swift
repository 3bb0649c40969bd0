import MinnowData
import MinnowRuntime
import MinnowTrain
import XCTest

/// Every trainer layer, exported and run in MinnowRuntime, computes what the trainer computes.
/// This pins the conventions the two sides share (NHWC, OHWI, gate order, 'same' padding).
final class ExportRuntimeAgreementTests: XCTestCase {
    private func assertAgreement(_ model: Sequential, seed: UInt64 = 1, trainSteps: Int = 3,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        try model.build(seed: seed)
        var generator = SeededGenerator(seed: seed + 100)
        let itemSize = model.inputShape.reduce(1, *)
        let batch = 6
        let input = Tensor(shape: [batch] + model.inputShape, data: (0..<(batch * itemSize)).map { _ in generator.uniform(-1, 1) })
        // A few optimizer steps so that batch-norm statistics and weights are not at their initial values.
        let optimizer = Adam(learningRate: 0.01)
        for _ in 0..<trainSteps {
            for p in model.parameters { p.zeroGradient() }
            let out = model.forward(input, training: true)
            model.backward(Tensor(shape: out.shape, data: (0..<out.count).map { _ in generator.uniform(-1, 1) }))
            optimizer.step(model.parameters)
        }
        let expected = model.forward(input, training: false)
        let bytes = try model.modelFileBytes()
        try bytes.withUnsafeBytes { raw in
            let runtimeModel = try Model(bytes: raw)
            let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: Interpreter.requiredArenaBytes(for: runtimeModel), alignment: 64)
            defer { arena.deallocate() }
            var interpreter = try Interpreter(model: runtimeModel, arena: arena)
            for item in 0..<batch {
                let inputBuffer = interpreter.inputFloats(0)
                XCTAssertEqual(inputBuffer.count, itemSize, file: file, line: line)
                for i in 0..<itemSize { inputBuffer[i] = input.data[item * itemSize + i] }
                try interpreter.invoke()
                let output = interpreter.outputFloats(0)
                XCTAssertEqual(output.count, expected.itemCount, file: file, line: line)
                for j in 0..<output.count {
                    let want = expected.data[item * expected.itemCount + j]
                    XCTAssertEqual(output[j], want, accuracy: 1e-4 * max(1, abs(want)),
                                   "item \(item) output \(j)", file: file, line: line)
                }
            }
        }
    }

    func testDenseStackWithEveryActivation() throws {
        try assertAgreement(Sequential(inputShape: [3, 4], layers: [
            Flatten(), Dense(units: 9, activation: .relu), Dense(units: 7, activation: .relu6),
            Dense(units: 6, activation: .sigmoid), Dense(units: 5, activation: .tanh), BatchNorm(), Dropout(rate: 0.3),
            Dense(units: 4), Softmax(),
        ]))
    }

    func testConvolutionsAndPooling() throws {
        try assertAgreement(Sequential(inputShape: [9, 7, 2], layers: [
            Conv2D(filters: 5, kernelSize: (3, 3), padding: .same, activation: .relu),
            Conv2D(filters: 4, kernelSize: (2, 3), strides: (2, 2), padding: .same),
            ReLU6(),
            DepthwiseConv2D(kernelSize: (3, 3), strides: (1, 1), padding: .same, activation: .relu),
            MaxPool2D(poolSize: (2, 2), strides: (1, 1), padding: .same),
            AveragePool2D(poolSize: (2, 2), strides: (2, 2), padding: .same),
            BatchNorm(),
            Conv2D(filters: 3, kernelSize: (2, 2), padding: .valid, activation: .tanh),
            GlobalAveragePool(),
            Dense(units: 4),
        ]))
    }

    func testPresetShapedCNN() throws {
        try assertAgreement(Preset.fashionCNN.makeModel(), trainSteps: 1)
    }

    func testRecurrentLayers() throws {
        try assertAgreement(Sequential(inputShape: [5, 3], layers: [
            GRU(units: 6, returnSequences: true), LSTM(units: 4, returnSequences: true), LSTM(units: 5), Dense(units: 3),
        ]))
    }

    func testLSTMPreset() throws {
        try assertAgreement(Preset.fashionLSTM.makeModel(), trainSteps: 1)
    }
}

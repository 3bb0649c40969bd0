import MinnowData
import MinnowExport
import MinnowQuantize
import MinnowRuntime
import MinnowTrain
import XCTest

/// A model file with its arena, ready to run (16-byte aligned copies of both).
final class LoadedModel {
    let bytes: UnsafeMutableRawBufferPointer
    let arena: UnsafeMutableRawBufferPointer
    let interpreter: Interpreter

    init(_ file: [UInt8], streaming: Bool = false) throws {
        bytes = .allocate(byteCount: file.count, alignment: 16)
        bytes.copyBytes(from: file)
        let model = try Model(bytes: UnsafeRawBufferPointer(bytes))
        arena = .allocate(byteCount: Interpreter.requiredArenaBytes(for: model, streaming: streaming), alignment: 16)
        interpreter = try Interpreter(model: model, arena: arena, streaming: streaming)
    }

    deinit {
        bytes.deallocate()
        arena.deallocate()
    }

    /// Runs on float values (quantized for int8 inputs); returns output 0's raw bytes.
    func run(_ input: [Float]) throws -> [UInt8] {
        XCTAssertEqual(input.count, interpreter.inputCount(0))
        input.withUnsafeBufferPointer { interpreter.setInput(0, from: $0.baseAddress!) }
        try interpreter.invoke()
        let t = interpreter.model.outputs[0]
        if interpreter.model.tensorType(t) == .int8 { return interpreter.outputInt8(0).map { UInt8(bitPattern: $0) } }
        return interpreter.outputFloats(0).flatMap { value -> [UInt8] in
            let b = value.bitPattern
            return [UInt8(truncatingIfNeeded: b), UInt8(truncatingIfNeeded: b >> 8), UInt8(truncatingIfNeeded: b >> 16), UInt8(truncatingIfNeeded: b >> 24)]
        }
    }
}

/// Deterministic values in [−1, 1].
func values(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Float(state >> 40) / Float(1 << 23) - 1
    }
}

final class ExportTests: XCTestCase {
    static let steps = 7, features = 5

    /// A float recurrent model with random weights: `layers` then Dense(4).
    func floatModel(_ layers: [Layer]) throws -> [UInt8] {
        let model = Sequential(inputShape: [Self.steps, Self.features], layers: layers + [Dense(units: 4)])
        try model.build(seed: 3)
        return try model.modelFileBytes()
    }

    func int8Model(_ floatBytes: [UInt8]) throws -> [UInt8] {
        let count = 64
        let data = try LabeledDataset(features: values(count * Self.steps * Self.features, seed: 11),
                                      itemShape: [Self.steps, Self.features],
                                      labels: (0..<count).map { Int32($0 % 4) }, classCount: 4, sourceDescription: "random")
        return try Quantizer.quantize(modelBytes: floatBytes, calibration: data, dataName: "random", sampleCount: count)
            .builder.serializedBytes()
    }

    /// Streams sequences through the one-step model (one invoke per time step, reset between
    /// sequences) and checks every sequence's final output against the full model, bit for bit.
    func assertStreamingMatches(_ full: [UInt8], _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let step = try StreamingExport.oneStepModel(full)
        let whole = try LoadedModel(full)
        let streamed = try LoadedModel(step, streaming: true)
        let stepInput = streamed.interpreter.model.tensorShape(streamed.interpreter.model.inputs[0]).dimensions
        XCTAssertEqual(stepInput, [1, 1, Self.features], "\(label): step model input", file: file, line: line)
        for sequence in 0..<3 {
            let x = values(Self.steps * Self.features, seed: 100 + UInt64(sequence))
            let expected = try whole.run(x)
            streamed.interpreter.resetState()
            var last: [UInt8] = []
            for t in 0..<Self.steps {
                last = try streamed.run(Array(x[t * Self.features..<(t + 1) * Self.features]))
            }
            XCTAssertEqual(last, expected, "\(label): sequence \(sequence) streamed one step per invoke", file: file, line: line)
        }
        // Without a reset the state of the previous sequence carries over: the same steps give
        // other outputs (so the test above really depends on the state being kept and reset).
        let x = values(Self.steps * Self.features, seed: 100)
        var carried: [UInt8] = []
        for t in 0..<Self.steps { carried = try streamed.run(Array(x[t * Self.features..<(t + 1) * Self.features])) }
        XCTAssertNotEqual(carried, try whole.run(x), "\(label): state must carry over between invokes", file: file, line: line)
        // A non-streaming interpreter of the step model starts from zero state every invoke.
        let fresh = try LoadedModel(step)
        let first = Array(x[0..<Self.features])
        XCTAssertEqual(try fresh.run(first), try fresh.run(first), "\(label): non-streaming step model", file: file, line: line)
    }

    func testStreamingFloatAndInt8LSTMEqualsTheFullSequence() throws {
        let full = try floatModel([LSTM(units: 6)])
        try assertStreamingMatches(full, "float LSTM")
        try assertStreamingMatches(try int8Model(full), "int8 LSTM")
    }

    func testStreamingFloatAndInt8GRUEqualsTheFullSequence() throws {
        let full = try floatModel([GRU(units: 6)])
        try assertStreamingMatches(full, "float GRU")
        try assertStreamingMatches(try int8Model(full), "int8 GRU")
    }

    func testStreamingStackedRecurrentLayers() throws {
        let full = try floatModel([LSTM(units: 6, returnSequences: true, name: "first"), GRU(units: 5, name: "second")])
        try assertStreamingMatches(full, "float LSTM(return_sequences) → GRU")
        try assertStreamingMatches(try int8Model(full), "int8 LSTM(return_sequences) → GRU")
    }

    func testStreamingRefusesModelsThatReadTheWholeSequence() throws {
        let noRecurrence = Sequential(inputShape: [Self.steps, Self.features], layers: [Flatten(), Dense(units: 4)])
        try noRecurrence.build(seed: 1)
        XCTAssertThrowsError(try StreamingExport.oneStepModel(try noRecurrence.modelFileBytes())) { error in
            XCTAssertTrue("\(error)".contains("no LSTM or GRU"), "\(error)")
        }
        let sequenceToDense = Sequential(inputShape: [Self.steps, Self.features],
                                         layers: [LSTM(units: 6, returnSequences: true), Flatten(), Dense(units: 4)])
        try sequenceToDense.build(seed: 1)
        XCTAssertThrowsError(try StreamingExport.oneStepModel(try sequenceToDense.modelFileBytes())) { error in
            XCTAssertTrue("\(error)".contains("reads the whole sequence"), "\(error)")
        }
        let oneStep = try StreamingExport.oneStepModel(try floatModel([LSTM(units: 3)]))
        XCTAssertThrowsError(try StreamingExport.oneStepModel(oneStep)) { error in
            XCTAssertTrue("\(error)".contains("already takes one time step"), "\(error)")
        }
    }

    func testRewritingWithoutChangesGivesTheSameBytes() throws {
        let lstm = try floatModel([LSTM(units: 6)])
        let cnn = Sequential(inputShape: [8, 8, 1], layers: [
            Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, activation: .relu), MaxPool2D(poolSize: (2, 2)),
            Flatten(), Dense(units: 3),
        ])
        try cnn.build(seed: 5)
        let cnnFloat = try cnn.modelFileBytes()
        let data = try LabeledDataset(features: values(32 * 64, seed: 2).map { abs($0) }, itemShape: [8, 8, 1],
                                      labels: (0..<32).map { Int32($0 % 3) }, classCount: 3, sourceDescription: "random")
        let cnnInt8 = try Quantizer.quantize(modelBytes: cnnFloat, calibration: data, dataName: "random", sampleCount: 32)
            .builder.serializedBytes()
        for (label, file) in [("float LSTM", lstm), ("int8 LSTM", try int8Model(lstm)), ("float CNN", cnnFloat), ("int8 CNN", cnnInt8)] {
            XCTAssertEqual(try MinnowFileExport.rewritten(file), file, label)
        }
    }

    func testCHeaderHoldsTheModelAndItsInputOutputConstants() throws {
        let full = try floatModel([LSTM(units: 6)])
        let int8 = try int8Model(full)
        let text = try CHeaderExport.header(modelBytes: int8, name: "tiny_lstm", source: "tiny.minnow")
        // The array: every byte of the file, in order.
        guard let open = text.range(of: "static const unsigned char tiny_lstm[TINY_LSTM_BYTES] = {"),
              let close = text.range(of: "};", range: open.upperBound..<text.endIndex) else {
            return XCTFail("no array in the header")
        }
        let bytes = text[open.upperBound..<close.lowerBound].split(whereSeparator: { $0 == "," || $0.isWhitespace })
            .map { UInt8($0.dropFirst(2), radix: 16) }
        XCTAssertEqual(bytes.compactMap { $0 }, int8)
        XCTAssertFalse(bytes.contains(nil))
        func define(_ name: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix("#define \(name) ") }
                .map { String($0.dropFirst("#define \(name) ".count)).components(separatedBy: " /*")[0] }
        }
        let model = try LoadedModel(int8).interpreter.model
        let input = model.inputs[0], output = model.outputs[0]
        XCTAssertEqual(define("TINY_LSTM_BYTES"), "\(int8.count)")
        XCTAssertEqual(define("TINY_LSTM_INPUT0_TYPE"), "2")
        XCTAssertEqual(define("TINY_LSTM_INPUT0_DIMS"), "{ 1, \(Self.steps), \(Self.features) }")
        XCTAssertEqual(define("TINY_LSTM_INPUT0_ELEMENTS"), "\(Self.steps * Self.features)")
        XCTAssertEqual(define("TINY_LSTM_OUTPUT0_DIMS"), "{ 1, 4 }")
        // Scales read back as exactly the model's floats.
        let scale = try XCTUnwrap(define("TINY_LSTM_INPUT0_SCALE"))
        XCTAssertEqual(Float(scale.dropLast()), model.quantization(input)?.scale())
        XCTAssertEqual(define("TINY_LSTM_INPUT0_ZERO_POINT"), "\(model.quantization(input)!.zeroPoint())")
        XCTAssertEqual(Float(try XCTUnwrap(define("TINY_LSTM_OUTPUT0_SCALE")).dropLast()), model.quantization(output)?.scale())
        XCTAssertTrue(text.contains("#define TINY_LSTM_ALIGN _Alignas(16)"))
        XCTAssertThrowsError(try CHeaderExport.header(modelBytes: int8, name: "9lives", source: "x"))
        XCTAssertEqual(CHeaderExport.identifier(fromPath: "out/fashion-cnn-int8.h"), "fashion_cnn_int8")
        XCTAssertEqual(CHeaderExport.identifier(fromPath: "3d.h"), "model_3d")
    }
}

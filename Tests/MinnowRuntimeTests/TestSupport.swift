import Foundation
import MinnowRuntime
import XCTest

/// A 16-byte aligned heap copy of some bytes (model files and arenas in tests).
final class AlignedBuffer {
    let raw: UnsafeMutableRawBufferPointer

    init(count: Int, offset: Int = 0) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count + offset, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0xAB)
        base = storage
        raw = UnsafeMutableRawBufferPointer(rebasing: storage[offset..<(offset + count)])
    }

    convenience init(_ bytes: [UInt8]) {
        self.init(count: bytes.count)
        raw.copyBytes(from: bytes)
    }

    private let base: UnsafeMutableRawBufferPointer
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(raw) }
    deinit { base.deallocate() }
}

/// Deterministic pseudo-random floats for test data (64-bit LCG).
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(state >> 40) / Float(1 << 24) * 2 - 1 // [-1, 1)
    }
    mutating func floats(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in next() * scale }
    }
}

/// Runs a built model once through the public API and returns every model output.
/// Keeps the model bytes and arena alive for the duration of the call only.
func runModel(_ builder: ModelBuilder, inputs: [[Float]], file: StaticString = #filePath,
              line: UInt = #line) throws -> [[Float]] {
    let modelBytes = AlignedBuffer(builder.serializedBytes())
    let model = try Model(bytes: modelBytes.bytes)
    let arena = AlignedBuffer(count: Interpreter.requiredArenaBytes(for: model))
    let interpreter = try Interpreter(model: model, arena: arena.raw)
    XCTAssertEqual(inputs.count, model.inputs.count, "input count", file: file, line: line)
    for (i, values) in inputs.enumerated() {
        let buffer = interpreter.inputFloats(i)
        XCTAssertEqual(buffer.count, values.count, "input \(i) size", file: file, line: line)
        for k in 0..<min(buffer.count, values.count) { buffer[k] = values[k] }
    }
    try interpreter.invoke()
    return (0..<model.outputs.count).map { Array(interpreter.outputFloats($0)) }
}

func assertClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-5,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count \(message)", file: file, line: line)
    guard actual.count == expected.count else { return }
    for i in 0..<actual.count {
        let scale = max(1, abs(expected[i]))
        if !(abs(actual[i] - expected[i]) <= tolerance * scale) {
            XCTFail("element \(i): \(actual[i]) vs expected \(expected[i]) \(message)", file: file, line: line)
            return
        }
    }
}

func sigmoidRef(_ x: Float) -> Float { Float(1 / (1 + Foundation.exp(-Double(x)))) }
func tanhRef(_ x: Float) -> Float { Float(Foundation.tanh(Double(x))) }

import Foundation
import MinnowRuntime
import XCTest

/// Golden int8 outputs for committed models and inputs: any change of numerics (kernels,
/// rounding, planner, format reader) shows up here byte for byte.
///
/// `Golden/` holds int8 models of the CNN and LSTM presets (made with `minnow quantize`), 50
/// int8 inputs each (the first 50 Fashion-MNIST test images, quantized), and the outputs of the
/// REFERENCE kernels (`RuntimeTesting.usesReferenceKernels`), written once with
/// `MINNOW_WRITE_GOLDEN=1 swift test --filter GoldenOutputTests`. The optimized kernels must
/// reproduce them exactly.
final class GoldenOutputTests: XCTestCase {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let itemCount = 50

    func testOptimizedKernelsReproduceGoldenOutputs() throws {
        for name in ["fashion-cnn-int8", "fashion-lstm-int8"] {
            let outputs = try run(name)
            if ProcessInfo.processInfo.environment["MINNOW_WRITE_GOLDEN"] == "1" {
                RuntimeTesting.usesReferenceKernels = true
                defer { RuntimeTesting.usesReferenceKernels = false }
                try Data(try run(name).map { UInt8(bitPattern: $0) })
                    .write(to: Self.directory.appendingPathComponent("\(name).outputs"))
                continue
            }
            let golden = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("\(name).outputs"))).map { Int8(bitPattern: $0) }
            XCTAssertEqual(golden.count, Self.itemCount * 10, name)
            XCTAssertEqual(outputs, golden, "\(name): optimized int8 outputs differ from the golden reference outputs")
        }
    }

    /// Proof that the golden test can fail: a deliberately broken rounding changes outputs.
    func testBrokenRoundingChangesGoldenOutputs() throws {
        RuntimeTesting.breaksRounding = true
        defer { RuntimeTesting.breaksRounding = false }
        for name in ["fashion-cnn-int8", "fashion-lstm-int8"] {
            let outputs = try run(name)
            let golden = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("\(name).outputs"))).map { Int8(bitPattern: $0) }
            XCTAssertNotEqual(outputs, golden, "\(name): truncating requantization must change some output")
        }
    }

    /// Runs the first `itemCount` committed inputs and returns the concatenated int8 outputs.
    private func run(_ name: String) throws -> [Int8] {
        let model = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("\(name).minnow")))
        let inputs = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("\(name).inputs")))
        return try model.withUnsafeBytes { raw in
            let m = try Model(bytes: raw)
            let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: Interpreter.requiredArenaBytes(for: m), alignment: 16)
            defer { arena.deallocate() }
            let interpreter = try Interpreter(model: m, arena: arena)
            let input = interpreter.inputInt8(0)
            XCTAssertEqual(inputs.count, Self.itemCount * input.count)
            var outputs: [Int8] = []
            for i in 0..<Self.itemCount {
                for j in 0..<input.count { input[j] = Int8(bitPattern: inputs[i * input.count + j]) }
                try interpreter.invoke()
                outputs += Array(interpreter.outputInt8(0))
            }
            return outputs
        }
    }
}

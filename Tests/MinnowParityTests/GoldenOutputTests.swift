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

    func testEveryKernelPathReproducesGoldenOutputs() throws {
        for name in ["fashion-cnn-int8", "fashion-lstm-int8"] {
            let model = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("\(name).minnow")))
            if ProcessInfo.processInfo.environment["MINNOW_WRITE_GOLDEN"] == "1" {
                try Data(try run(name, model: model, kernels: .reference).map { UInt8(bitPattern: $0) })
                    .write(to: Self.directory.appendingPathComponent("\(name).outputs"))
                continue
            }
            let golden = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("\(name).outputs"))).map { Int8(bitPattern: $0) }
            XCTAssertEqual(golden.count, Self.itemCount * 10, name)
            for path in KernelPath.available {
                let outputs = try run(name, model: model, kernels: path)
                XCTAssertEqual(outputs, golden, "\(name): \(path) int8 outputs differ from the golden reference outputs")
            }
        }
    }

    /// Proof that the golden test can fail: the same file with one requantization multiplier of
    /// its first operator changed (checksum re-sealed, so it still loads) gives other outputs.
    func testChangedRequantizationChangesGoldenOutputs() throws {
        for name in ["fashion-cnn-int8", "fashion-lstm-int8"] {
            var model = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("\(name).minnow")))
            try model.withUnsafeMutableBytes { raw in
                let m = try Model(bytes: UnsafeRawBufferPointer(raw))
                // The constant of operator 0 with the most int32 values: its requantization or
                // fixed-point parameters. Scale the second value (a multiplier in both files).
                let constants = m.operatorInputs(0).filter { m.isConstant($0) && m.tensorType($0) == .int32 }
                let t = try XCTUnwrap(constants.max { m.tensorShape($0).elementCount < m.tensorShape($1).elementCount })
                let data = try XCTUnwrap(m.constantData(t))
                let offset = data.baseAddress! - UnsafeRawPointer(raw.baseAddress!) + 4 * (m.tensorShape(t).elementCount / 2 - 1)
                let value = raw.load(fromByteOffset: offset, as: Int32.self)
                raw.storeBytes(of: value / 4 * 3, toByteOffset: offset, as: Int32.self)
                let crc = crc32(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(raw)[16..<m.byteCount]))
                raw.storeBytes(of: crc.littleEndian, toByteOffset: 12, as: UInt32.self)
            }
            let outputs = try run(name, model: model, kernels: .native)
            let golden = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("\(name).outputs"))).map { Int8(bitPattern: $0) }
            XCTAssertNotEqual(outputs, golden, "\(name): a changed requantization multiplier must change some output")
        }
    }

    /// Runs the first `itemCount` committed inputs on `kernels` and returns the concatenated int8 outputs.
    private func run(_ name: String, model: [UInt8], kernels: KernelPath) throws -> [Int8] {
        let inputs = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("\(name).inputs")))
        return try model.withUnsafeBytes { raw in
            let m = try Model(bytes: raw)
            let arena = UnsafeMutableRawBufferPointer.allocate(
                byteCount: Interpreter.requiredArenaBytes(for: m, kernels: kernels), alignment: 16)
            defer { arena.deallocate() }
            let interpreter = try Interpreter(model: m, arena: arena, kernels: kernels)
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

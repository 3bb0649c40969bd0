import Foundation
import MinnowRuntime
import XCTest

/// Files written in format versions 1 (float) and 2 (int8) before the per-operator options of
/// version 3 must keep loading and computing the same bytes.
///
/// `Fixtures/legacy/` holds small models trained and quantized from the specs beside them
/// (`minnow train --spec … --epochs 1`, `minnow quantize`, one with `--float-io`), the raw input
/// tensors of the first Fashion-MNIST test images, and the outputs the runtime of that time
/// gave (`minnow-sim-host prepare`, lines `out ITEM HEX`). Every operator the trainer and
/// quantizer emit appears in at least one file, on the float and on the int8 path.
final class LegacyFormatTests: XCTestCase {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/legacy")

    static let fixtures = [
        ("spatial-v1", 1), ("gap-v1", 1), ("recurrent-v1", 1),
        ("spatial-v2-int8", 2), ("gap-v2-int8", 2), ("recurrent-v2-int8", 2), ("spatial-v2-floatio", 2),
    ]

    func testLegacyFilesLoadAndReproduceTheirOutputs() throws {
        for (name, version) in Self.fixtures {
            let bytes = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("\(name).minnow")))
            XCTAssertEqual(Int(bytes[4]) | Int(bytes[5]) << 8, version, "\(name): format version of the fixture")
            let inputs = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent("\(name).inputs")))
            let expected = try String(contentsOf: Self.directory.appendingPathComponent("\(name).outputs"), encoding: .utf8)
                .split(separator: "\n").map { line -> String in
                    let fields = line.split(separator: " ")
                    return String(fields[2])
                }
            let buffer = AlignedBuffer(bytes)
            let model = try Model(bytes: buffer.bytes)
            let arena = AlignedBuffer(count: Interpreter.requiredArenaBytes(for: model))
            let interpreter = try Interpreter(model: model, arena: arena.raw)
            let input = model.inputs[0], output = model.outputs[0]
            let inputBytes = model.tensorByteCount(input)
            XCTAssertEqual(inputs.count, expected.count * inputBytes, "\(name): input blob size")
            for (item, hex) in expected.enumerated() {
                let chunk = Array(inputs[item * inputBytes..<(item + 1) * inputBytes])
                if model.tensorType(input) == .int8 {
                    let destination = interpreter.inputInt8(0)
                    for i in 0..<destination.count { destination[i] = Int8(bitPattern: chunk[i]) }
                } else {
                    let destination = interpreter.inputFloats(0)
                    chunk.withUnsafeBytes { raw in
                        for i in 0..<destination.count { destination[i] = raw.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
                    }
                }
                try interpreter.invoke()
                var got: [UInt8] = []
                if model.tensorType(output) == .int8 {
                    got = interpreter.outputInt8(0).map { UInt8(bitPattern: $0) }
                } else {
                    for v in interpreter.outputFloats(0) { withUnsafeBytes(of: v.bitPattern.littleEndian) { got += $0 } }
                }
                XCTAssertEqual(got.map { String(format: "%02x", $0) }.joined(), hex, "\(name): item \(item)")
            }
        }
    }
}

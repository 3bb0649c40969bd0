import Foundation
import MinnowRuntime
import XCTest

/// Replays the fuzzing corpus (Tests/MinnowRuntimeTests/Fuzz: seeds, and every crasher
/// `tools/fuzz` found, minimized) and pins the loader fixes those crashers led to.
///
/// Like the fuzz target, the replay rewrites each file's CRC-32 before loading, so a mutated file
/// reaches the validators instead of stopping at the checksum.
final class FuzzRegressionTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fuzz")
    /// Models whose arena exceeds this are loaded and planned but not run.
    static let arenaLimit = 64 << 20

    /// Every corpus file either fails to load with a `ModelError` or loads, plans, and runs.
    func testEveryCorpusFileLoadsOrIsRejected() throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.corpus, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "minnow" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        XCTAssertGreaterThanOrEqual(files.count, 10, "the corpus folder \(Self.corpus.path) is missing or nearly empty")
        var loaded = 0, ran = 0, rejected = 0
        for url in files {
            let name = url.lastPathComponent
            let buffer = AlignedBuffer(Array(try Data(contentsOf: url)))
            Self.repairChecksum(buffer.raw)
            let model: Model
            do {
                model = try Model(bytes: buffer.bytes)
            } catch {
                rejected += 1
                // Files named bad-* must be rejected; `error` is a ModelError by the typed throw.
                XCTAssertFalse(error.description.isEmpty, name)
                continue
            }
            XCTAssertFalse(name.hasPrefix("bad-"), "\(name) loads, but it is a known-bad file")
            loaded += 1
            let required = Interpreter.requiredArenaBytes(for: model)
            XCTAssertGreaterThan(required, 0, name)
            guard required <= Self.arenaLimit else { continue }
            let arena = AlignedBuffer(count: required)
            let interpreter = try Interpreter(model: model, arena: arena.raw)
            for i in 0..<model.inputs.count {
                let values = (0..<interpreter.inputCount(i)).map { Float($0 % 13) * 0.3 - 2 }
                values.withUnsafeBufferPointer { interpreter.setInput(i, from: $0.baseAddress!) }
            }
            try interpreter.invoke()
            for i in 0..<model.outputs.count {
                let argmax = interpreter.outputArgmax(i)
                XCTAssertTrue((0..<interpreter.outputCount(i)).contains(argmax), name)
            }
            ran += 1
        }
        XCTAssertGreaterThan(loaded, 0, "no corpus file loads: the replay checks nothing")
        XCTAssertGreaterThan(rejected, 0, "no corpus file is rejected: the crashers are missing")
        XCTAssertGreaterThan(ran, 0)
    }

    // MARK: The fixes, one test each (models built here, expected errors written out)

    /// An int16 model input nothing reads used to load; `setInput` then wrote floats into it.
    func testModelInputMustBeFloatOrInt8() {
        var b = ModelBuilder()
        let unused = b.addTensor(name: "unused", type: .int16, shape: [1, 64])
        let x = b.addTensor(name: "x", shape: [1, 4])
        let y = b.addTensor(name: "y", shape: [1, 4])
        b.addOperator(.relu, inputs: [x], outputs: [y])
        b.inputs = [unused, x]
        b.outputs = [y]
        XCTAssertEqual(Self.loadError(b), .badModelInput(position: 0, found: unused))
        b.inputs = [x]
        b.outputs = [y, unused]
        XCTAssertEqual(Self.loadError(b), .badModelOutput(position: 1, found: unused))
    }

    /// An int8 model input without quantization: `setInput` fell back to writing floats.
    func testInt8ModelInputNeedsPerTensorQuantization() {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", type: .int8, shape: [1, 64])
        let y = b.addTensor(name: "y", shape: [1, 4])
        let z = b.addTensor(name: "z", shape: [1, 4])
        b.addOperator(.relu, inputs: [y], outputs: [z])
        b.inputs = [x, y]
        b.outputs = [z]
        XCTAssertEqual(Self.loadError(b), .badQuantization(tensor: x, detail: .missing))
    }

    /// A model without inputs (or outputs): `inputCount(0)` read past the index list.
    func testModelNeedsAnInputAndAnOutput() {
        var b = ModelBuilder()
        let c = b.addConstant(name: "c", shape: [1, 4], floats: [1, -2, 3, -4])
        let y = b.addTensor(name: "y", shape: [1, 4])
        b.addOperator(.relu, inputs: [c], outputs: [y])
        b.outputs = [y]
        XCTAssertEqual(Self.loadError(b), .badModelInput(position: 0, found: -1))
        XCTAssertEqual("\(ModelError.badModelInput(position: 0, found: -1))", "the model has no inputs")

        var noOutputs = ModelBuilder()
        let x = noOutputs.addTensor(name: "x", shape: [1, 4])
        noOutputs.inputs = [x]
        XCTAssertEqual(Self.loadError(noOutputs), .badModelOutput(position: 0, found: -1))
    }

    /// Activations summing to 2 GiB or more: the planner's Int32 offsets would wrap, whatever the
    /// limits say. Below that, `ModelLimits.maxArenaBytes` decides.
    func testArenaTotalMustFitInt32() throws {
        func model(elements: Int) -> ModelBuilder {
            var b = ModelBuilder()
            let x0 = b.addTensor(name: "a", shape: [1, elements])
            let x1 = b.addTensor(name: "b", shape: [1, elements])
            let y = b.addTensor(name: "y", shape: [1, elements])
            b.addOperator(.add, inputs: [x0, x1], outputs: [y])
            b.inputs = [x0, x1]
            b.outputs = [y]
            return b
        }
        // 1 GiB + 1 GiB (+ planner work area) > Int32.max: rejected even with no arena limit.
        let unlimited = ModelLimits(maxArenaBytes: .max, maxOperations: .max)
        let huge = AlignedBuffer(model(elements: 1 << 28).serializedBytes())
        XCTAssertThrowsError(try Model(bytes: huge.bytes, limits: unlimited)) { error in
            XCTAssertEqual(error as? ModelError, .limitExceeded(.arenaBytes, limit: Int(Int32.max)))
        }
        // 3 × 256 MiB loads when the limit allows it, and plans to 768 MiB plus bookkeeping (no
        // overlap possible: all live at once); the default 64 MiB limit refuses it.
        let fits = AlignedBuffer(model(elements: 1 << 26).serializedBytes())
        let loaded = try Model(bytes: fits.bytes, limits: unlimited)
        XCTAssertEqual(Interpreter.requiredArenaBytes(for: loaded), 16 + (3 << 28))
        XCTAssertEqual(Self.loadError(model(elements: 1 << 26)), .limitExceeded(.arenaBytes, limit: 64 << 20))
    }

    // MARK: Helpers

    /// The `ModelError` loading `builder`'s bytes throws, or `nil` when it loads.
    static func loadError(_ builder: ModelBuilder) -> ModelError? {
        let buffer = AlignedBuffer(builder.serializedBytes())
        do {
            _ = try Model(bytes: buffer.bytes)
            return nil
        } catch {
            return error
        }
    }

    /// Rewrites the header CRC-32 when the declared length fits (as the fuzz target does).
    static func repairChecksum(_ buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count >= ModelFormat.headerSize, let base = buffer.baseAddress else { return }
        let length = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        guard length >= ModelFormat.headerSize, length <= buffer.count else { return }
        let crc = crc32(UnsafeRawBufferPointer(start: base + ModelFormat.headerSize, count: length - ModelFormat.headerSize))
        base.storeBytes(of: crc.littleEndian, toByteOffset: 12, as: UInt32.self)
    }
}

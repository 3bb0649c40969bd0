import MinnowRuntime
import XCTest

/// Arena sizing and activation memory reuse.
final class MemoryPlanTests: XCTestCase {
    /// x → relu → tanh → relu → … (`length` operators), every tensor `[1, width]`.
    func chain(length: Int, width: Int) -> ModelBuilder {
        var b = ModelBuilder()
        var previous = b.addTensor(name: "x", shape: [1, width])
        b.inputs = [previous]
        for i in 0..<length {
            let next = b.addTensor(name: "t\(i)", shape: [1, width])
            b.addOperator(i % 2 == 0 ? .relu : .tanh, inputs: [previous], outputs: [next])
            previous = next
        }
        b.outputs = [previous]
        return b
    }

    func load(_ builder: ModelBuilder) throws -> (Model, AlignedBuffer) {
        let file = AlignedBuffer(builder.serializedBytes())
        return (try Model(bytes: file.bytes), file)
    }

    func testArenaOneByteTooSmallReportsExactRequirement() throws {
        let (model, file) = try load(chain(length: 5, width: 33))
        let required = Interpreter.requiredArenaBytes(for: model)
        let short = AlignedBuffer(count: required - 1)
        XCTAssertThrowsError(try Interpreter(model: model, arena: short.raw)) { error in
            XCTAssertEqual(error as? RuntimeError, .arenaTooSmall(required: required, provided: required - 1))
        }
        let exact = AlignedBuffer(count: required)
        let interpreter = try Interpreter(model: model, arena: exact.raw)
        XCTAssertEqual(interpreter.usedArenaBytes, required)
        withExtendedLifetime(file) {}
    }

    func testTinyAndMisalignedArenasReportTheFullRequirement() throws {
        let (model, file) = try load(chain(length: 3, width: 10))
        let required = Interpreter.requiredArenaBytes(for: model)
        let tiny = AlignedBuffer(count: 8)
        XCTAssertThrowsError(try Interpreter(model: model, arena: tiny.raw)) { error in
            XCTAssertEqual(error as? RuntimeError, .arenaTooSmall(required: required, provided: 8))
        }
        // An arena starting 4 bytes past a 16-byte boundary loses 12 bytes to alignment.
        let shifted = AlignedBuffer(count: required + 11, offset: 4)
        XCTAssertThrowsError(try Interpreter(model: model, arena: shifted.raw)) { error in
            XCTAssertEqual(error as? RuntimeError, .arenaTooSmall(required: required + 12, provided: required + 11))
        }
        let enough = AlignedBuffer(count: required + 12, offset: 4)
        let interpreter = try Interpreter(model: model, arena: enough.raw)
        _ = interpreter.inputFloats(0).update(from: (0..<10).map { Float($0) - 4.5 })
        try interpreter.invoke()
        // relu, tanh, relu
        // The runtime's portable tanh is within a few ULP of libm's (PortableMathTests).
        let expected = (0..<10).map { max(tanhRef(max(Float($0) - 4.5, 0)), 0) }
        for (got, want) in zip(Array(interpreter.outputFloats(0)), expected) { XCTAssertEqual(got, want, accuracy: 1e-6) }
        withExtendedLifetime(file) {}
    }

    func testChainReusesTwoBuffers() throws {
        let width = 1024, bufferBytes = width * 4
        let (long, f1) = try load(chain(length: 12, width: width))
        let (short, f2) = try load(chain(length: 2, width: width))
        let longBytes = Interpreter.requiredArenaBytes(for: long)
        let shortBytes = Interpreter.requiredArenaBytes(for: short)
        // 13 tensors of 4 KiB each, but only two are ever live at once.
        XCTAssertGreaterThanOrEqual(longBytes, 2 * bufferBytes)
        XCTAssertLessThan(longBytes, 3 * bufferBytes)
        XCTAssertLessThan(longBytes - shortBytes, bufferBytes / 4, "only bookkeeping should grow")
        let preserved = Interpreter.requiredArenaBytes(for: long, preservingAllTensors: true)
        XCTAssertGreaterThanOrEqual(preserved, 13 * bufferBytes)

        // And the reused memory still computes the right thing.
        let input = (0..<width).map { Float($0 % 17) * 0.25 - 2 }
        var expected = input
        for i in 0..<12 { expected = expected.map { i % 2 == 0 ? max($0, 0) : tanhRef($0) } }
        assertClose(try runModel(chain(length: 12, width: width), inputs: [input])[0], expected, tolerance: 1e-6)
        withExtendedLifetime((f1, f2)) {}
    }

    func testLongLivedSkipConnectionIsNotOverwritten() throws {
        // x → a = relu(x) → b = tanh(a) → c = logistic(b) → d = relu6(c) → out = a + d
        var bld = ModelBuilder()
        let x = bld.addTensor(name: "x", shape: [1, 64])
        let a = bld.addTensor(name: "a", shape: [1, 64])
        let bt = bld.addTensor(name: "b", shape: [1, 64])
        let c = bld.addTensor(name: "c", shape: [1, 64])
        let d = bld.addTensor(name: "d", shape: [1, 64])
        let out = bld.addTensor(name: "out", shape: [1, 64])
        bld.addOperator(.relu, inputs: [x], outputs: [a])
        bld.addOperator(.tanh, inputs: [a], outputs: [bt])
        bld.addOperator(.logistic, inputs: [bt], outputs: [c])
        bld.addOperator(.relu6, inputs: [c], outputs: [d])
        bld.addOperator(.add, inputs: [a, d], outputs: [out])
        bld.inputs = [x]
        bld.outputs = [out]
        let input = (0..<64).map { Float($0) * 0.2 - 6 }
        let expected = input.map { v -> Float in
            let a = max(v, 0)
            return a + min(max(sigmoidRef(tanhRef(a)), 0), 6)
        }
        assertClose(try runModel(bld, inputs: [input])[0], expected, tolerance: 1e-6)
        let (model, file) = try load(bld)
        // At most three tensors are live at once (a, b, c at op 2; a, d, out at op 4), so the plan
        // needs three 256-byte buffers where keeping all six needs six.
        let planned = Interpreter.requiredArenaBytes(for: model)
        let preserved = Interpreter.requiredArenaBytes(for: model, preservingAllTensors: true)
        XCTAssertEqual(preserved - planned, 3 * 256)
        withExtendedLifetime(file) {}
    }

    func testPreservingAllTensorsKeepsIntermediatesForInspection() throws {
        let (model, file) = try load(chain(length: 4, width: 8))
        let arena = AlignedBuffer(count: Interpreter.requiredArenaBytes(for: model, preservingAllTensors: true))
        let interpreter = try Interpreter(model: model, arena: arena.raw, preservingAllTensors: true)
        let input: [Float] = [-2, -1, -0.5, 0, 0.5, 1, 2, 3]
        _ = interpreter.inputFloats(0).update(from: input)
        try interpreter.invoke()
        var expected = input
        XCTAssertEqual(Array(interpreter.tensorFloats(0)), input)
        for i in 0..<4 {
            expected = expected.map { i % 2 == 0 ? max($0, 0) : tanhRef($0) }
            assertClose(Array(interpreter.tensorFloats(i + 1)), expected, tolerance: 1e-6, "tensor \(i + 1)")
        }
        withExtendedLifetime(file) {}
    }

    func testTensorFloatsExposesConstantsInPlace() throws {
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 2])
        let w = b.addConstant(name: "w", shape: [1, 2], floats: [3, 4])
        let bias = b.addConstant(name: "b", shape: [1], floats: [0.5])
        let y = b.addTensor(name: "y", shape: [1, 1])
        b.addOperator(.fullyConnected, inputs: [x, w, bias], outputs: [y])
        b.inputs = [x]
        b.outputs = [y]
        let (model, file) = try load(b)
        let arena = AlignedBuffer(count: Interpreter.requiredArenaBytes(for: model))
        let interpreter = try Interpreter(model: model, arena: arena.raw)
        XCTAssertEqual(Array(interpreter.tensorFloats(w)), [3, 4])
        XCTAssertEqual(interpreter.tensorFloats(w).baseAddress, model.constantFloats(w)?.baseAddress)
        _ = interpreter.inputFloats(0).update(from: [1, 2])
        try interpreter.invoke()
        XCTAssertEqual(Array(interpreter.outputFloats(0)), [11.5])
        withExtendedLifetime(file) {}
    }
    func testMixedSizesWithSkipConnectionsComputeCorrectly() throws {
        // t_i = relu(dense(t_{i−1})) with widths cycling 16, 40, 8; every step from 3 on also adds
        // t_{i−3} (same width), so buffers of three sizes with lifetimes of 1–4 ops interleave.
        let widths = [16, 40, 8]
        var rng = TestRandom(seed: 30)
        var b = ModelBuilder()
        let x = b.addTensor(name: "x", shape: [1, 8])
        b.inputs = [x]
        var tensors = [x], values: [[Float]] = [rng.floats(8)]
        let input = values[0]
        for i in 1...15 {
            let width = widths[i % 3], previous = values[i - 1]
            let w = rng.floats(width * previous.count, scale: 0.5), bias = rng.floats(width, scale: 0.1)
            let wt = b.addConstant(name: "w\(i)", shape: [width, previous.count], floats: w)
            let bt = b.addConstant(name: "b\(i)", shape: [width], floats: bias)
            let dense = b.addTensor(name: "dense\(i)", shape: [1, width])
            b.addOperator(.fullyConnected, inputs: [tensors[i - 1], wt, bt], outputs: [dense],
                          options: OperatorOptions(activation: .relu))
            var value = referenceDense(previous, weights: w, bias: bias, outputs: width).map { max($0, 0) }
            var tensor = dense
            if i >= 3 && widths[i % 3] == values[i - 3].count {
                let sum = b.addTensor(name: "sum\(i)", shape: [1, width])
                b.addOperator(.add, inputs: [dense, tensors[i - 3]], outputs: [sum])
                value = zip(value, values[i - 3]).map { $0 + $1 }
                tensor = sum
            }
            tensors.append(tensor)
            values.append(value)
        }
        b.outputs = [tensors.last!]
        assertClose(try runModel(b, inputs: [input])[0], values.last!, tolerance: 1e-4)
        let (model, file) = try load(b)
        XCTAssertLessThan(Interpreter.requiredArenaBytes(for: model),
                          Interpreter.requiredArenaBytes(for: model, preservingAllTensors: true) - 500)
        withExtendedLifetime(file) {}
    }
}

import XCTest
import MinnowRuntime
import MinnowTrain

final class PoolingTests: XCTestCase {
    // MARK: - Shapes

    func testPoolOutputShapes() throws {
        // input [7, 5, 2]; (pool, strides, padding) → hand-computed (outH, outW).
        let cases: [((Int, Int), (Int, Int)?, Padding, (Int, Int))] = [
            ((2, 2), nil, .valid, (3, 2)),
            ((2, 2), nil, .same, (4, 3)),
            ((3, 3), (2, 2), .valid, (3, 2)),
            ((3, 3), (1, 1), .same, (7, 5)),
            ((2, 3), (1, 2), .valid, (6, 2)),
        ]
        for (pool, strides, padding, expected) in cases {
            var generator = SeededGenerator(seed: 1)
            let maxPool = MaxPool2D(poolSize: pool, strides: strides, padding: padding)
            let averagePool = AveragePool2D(poolSize: pool, strides: strides, padding: padding)
            XCTAssertEqual(try maxPool.build(inputShape: [7, 5, 2], generator: &generator), [expected.0, expected.1, 2])
            XCTAssertEqual(try averagePool.build(inputShape: [7, 5, 2], generator: &generator), [expected.0, expected.1, 2])
            XCTAssertEqual(maxPool.forward(Tensor(zeros: [3, 7, 5, 2]), training: false).shape, [3, expected.0, expected.1, 2])
            XCTAssertEqual(averagePool.forward(Tensor(zeros: [3, 7, 5, 2]), training: false).shape, [3, expected.0, expected.1, 2])
        }
        var generator = SeededGenerator(seed: 1)
        XCTAssertEqual(try GlobalAveragePool().build(inputShape: [4, 3, 6], generator: &generator), [6])
        XCTAssertThrowsError(try GlobalAveragePool().build(inputShape: [4, 6], generator: &generator))
        XCTAssertThrowsError(try MaxPool2D(poolSize: (3, 3)).build(inputShape: [2, 2, 1], generator: &generator))
    }

    // MARK: - Forward values by hand

    func testMaxPoolForwardAndBackwardByHand() throws {
        // 4×4, one channel, 2×2 windows: maxima 6, 8, 14, 16 (values 1…16 row-major).
        let pool = MaxPool2D()
        var generator = SeededGenerator(seed: 1)
        _ = try pool.build(inputShape: [4, 4, 1], generator: &generator)
        let y = pool.forward(Tensor(shape: [1, 4, 4, 1], data: (1...16).map(Float.init)), training: true)
        XCTAssertEqual(y.data, [6, 8, 14, 16])
        let dx = pool.backward(Tensor(shape: [1, 2, 2, 1], data: [1, 2, 3, 4]))
        var expected = [Float](repeating: 0, count: 16)
        expected[5] = 1; expected[7] = 2; expected[13] = 3; expected[15] = 4
        XCTAssertEqual(dx.data, expected)
    }

    func testMaxPoolTiesRouteToTheFirstMaximumAndChannelsAreIndependent() throws {
        // 2×2 window, two channels: channel 0 all equal (tie → first cell), channel 1 max at (1,0).
        let pool = MaxPool2D()
        var generator = SeededGenerator(seed: 1)
        _ = try pool.build(inputShape: [2, 2, 2], generator: &generator)
        let x: [Float] = [5, 1, 5, 2, 5, 9, 5, 3] // (y,x,c) order
        XCTAssertEqual(pool.forward(Tensor(shape: [1, 2, 2, 2], data: x), training: true).data, [5, 9])
        let dx = pool.backward(Tensor(shape: [1, 1, 1, 2], data: [10, 20]))
        XCTAssertEqual(dx.data, [10, 0, 0, 0, 0, 20, 0, 0])
    }

    func testMaxPoolTiesInWideChannelBlocksRouteToTheFirstMaximum() throws {
        // 17 channels (two SIMD blocks + one scalar) in a 2×2 window: channel c holds the value 1
        // in cells (c mod 4) and every later cell, 0 elsewhere — the first 1 must win.
        let channels = 17
        let pool = MaxPool2D()
        var generator = SeededGenerator(seed: 1)
        _ = try pool.build(inputShape: [2, 2, channels], generator: &generator)
        var x = [Float](repeating: 0, count: 4 * channels)
        for c in 0..<channels { for cell in (c % 4)..<4 { x[cell * channels + c] = 1 } }
        XCTAssertEqual(pool.forward(Tensor(shape: [1, 2, 2, channels], data: x), training: true).data,
                       [Float](repeating: 1, count: channels))
        let dy = (0..<channels).map { Float($0 + 1) }
        let dx = pool.backward(Tensor(shape: [1, 1, 1, channels], data: dy))
        var expected = [Float](repeating: 0, count: 4 * channels)
        for c in 0..<channels { expected[(c % 4) * channels + c] = dy[c] }
        XCTAssertEqual(dx.data, expected)
    }

    func testMaxPoolSamePaddingNeverPicksPadding() throws {
        // All-negative 3×3 input; 'same' 2×2 stride 2 pads one row and column after: the
        // last window holds only x[2][2] = −9, which must win over the (implicit) padding.
        let pool = MaxPool2D(poolSize: (2, 2), padding: .same)
        var generator = SeededGenerator(seed: 1)
        _ = try pool.build(inputShape: [3, 3, 1], generator: &generator)
        let y = pool.forward(Tensor(shape: [1, 3, 3, 1], data: (1...9).map { -Float($0) }), training: true)
        XCTAssertEqual(y.data, [-1, -3, -7, -9])
    }

    func testAveragePoolSamePaddingDividesByValidCells() throws {
        // 3×3 input 1…9, 2×2 stride 2 'same': windows {1,2,4,5}, {3,6}, {7,8}, {9}.
        let pool = AveragePool2D(poolSize: (2, 2), padding: .same)
        var generator = SeededGenerator(seed: 1)
        _ = try pool.build(inputShape: [3, 3, 1], generator: &generator)
        let y = pool.forward(Tensor(shape: [1, 3, 3, 1], data: (1...9).map(Float.init)), training: true)
        XCTAssertEqual(y.data, [3, 4.5, 7.5, 9])
        let dx = pool.backward(Tensor(shape: [1, 2, 2, 1], data: [4, 2, 2, 1]))
        XCTAssertEqual(dx.data, [1, 1, 1, 1, 1, 1, 1, 1, 1])
    }

    func testAveragePoolOverlappingWindowsMatchesDirectAverage() throws {
        let pool = AveragePool2D(poolSize: (3, 2), strides: (1, 2), padding: .same)
        var generator = SeededGenerator(seed: 2)
        _ = try pool.build(inputShape: [5, 4, 3], generator: &generator)
        let x = randomTensor([2, 5, 4, 3], &generator)
        let y = pool.forward(x, training: false)
        // 'same': out 5×2; rows padTotal = 2 → 1 above, columns padTotal = 0.
        XCTAssertEqual(y.shape, [2, 5, 2, 3])
        for n in 0..<2 {
            for oy in 0..<5 {
                for ox in 0..<2 {
                    for c in 0..<3 {
                        var sum = 0.0, cells = 0.0
                        for iy in (oy - 1)...(oy + 1) where iy >= 0 && iy < 5 {
                            for ix in (2 * ox)...(2 * ox + 1) {
                                sum += Double(x.data[((n * 5 + iy) * 4 + ix) * 3 + c]); cells += 1
                            }
                        }
                        XCTAssertEqual(Double(y.data[((n * 5 + oy) * 2 + ox) * 3 + c]), sum / cells, accuracy: 1e-6)
                    }
                }
            }
        }
    }

    func testGlobalAveragePoolByHand() throws {
        let pool = GlobalAveragePool()
        var generator = SeededGenerator(seed: 1)
        _ = try pool.build(inputShape: [2, 2, 2], generator: &generator)
        // Item 0: channel 0 = 1,2,3,4 and channel 1 = 10,20,30,40; item 1 all 8.
        let x: [Float] = [1, 10, 2, 20, 3, 30, 4, 40] + [Float](repeating: 8, count: 8)
        let y = pool.forward(Tensor(shape: [2, 2, 2, 2], data: x), training: true)
        XCTAssertEqual(y.shape, [2, 2])
        XCTAssertEqual(y.data, [2.5, 25, 8, 8])
        let dx = pool.backward(Tensor(shape: [2, 2], data: [4, 8, 12, 16]))
        XCTAssertEqual(dx.data, [1, 2, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 3, 4])
    }

    // MARK: - Gradients

    func testPoolGradientsMatchFiniteDifferences() throws {
        let configs: [((Int, Int), (Int, Int)?, Padding)] = [
            ((2, 2), nil, .valid), ((2, 2), nil, .same), ((3, 3), (2, 2), .same),
            ((3, 2), (1, 1), .valid), ((2, 3), (2, 1), .same),
        ]
        for (index, (pool, strides, padding)) in configs.enumerated() {
            // 9 channels: one 8-wide SIMD block plus a scalar tail in max pooling.
            for channels in [1, 3, 9] {
                var generator = SeededGenerator(seed: UInt64(50 + index))
                // Distinct values 0.05 apart: no ties and no argmax change under a 1e-2 step.
                let count = 2 * 7 * 5 * channels
                var values = (0..<count).map { Float($0) * 0.05 - 1 }
                values.shuffle(using: &generator)
                let x = Tensor(shape: [2, 7, 5, channels], data: values)
                let layers: [Layer] = [
                    MaxPool2D(poolSize: pool, strides: strides, padding: padding),
                    AveragePool2D(poolSize: pool, strides: strides, padding: padding),
                ]
                for layer in layers {
                    _ = try layer.build(inputShape: [7, 5, channels], generator: &generator)
                    let result = GradientCheck.run(layer: layer, input: x, samplesPerTensor: count)
                    XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(layer.kind) \(pool) \(String(describing: strides)) \(padding) C=\(channels): \(result)")
                    XCTAssertEqual(result.checkedEntries, count)
                }
            }
        }
        var generator = SeededGenerator(seed: 9)
        let global = GlobalAveragePool()
        _ = try global.build(inputShape: [3, 4, 5], generator: &generator)
        let result = GradientCheck.run(layer: global, input: randomTensor([2, 3, 4, 5], &generator))
        XCTAssertLessThan(result.maxRelativeError, 1e-2, "\(result)")
    }

    // MARK: - Determinism

    func testPoolingIsBitIdenticalForOneAndTwoWorkers() throws {
        let saved = Parallel.workerCount
        defer { Parallel.workerCount = saved }
        func run(workers: Int) throws -> [[Float]] {
            Parallel.workerCount = workers
            var generator = SeededGenerator(seed: 11)
            let maxPool = MaxPool2D(poolSize: (3, 3), strides: (2, 2), padding: .same)
            let averagePool = AveragePool2D(poolSize: (2, 2), strides: (1, 1), padding: .same)
            let global = GlobalAveragePool()
            var shape = try maxPool.build(inputShape: [9, 7, 9], generator: &generator)
            shape = try averagePool.build(inputShape: shape, generator: &generator)
            _ = try global.build(inputShape: shape, generator: &generator)
            let x = randomTensor([5, 9, 7, 9], &generator)
            let y = global.forward(averagePool.forward(maxPool.forward(x, training: true), training: true), training: true)
            let dx = maxPool.backward(averagePool.backward(global.backward(randomTensor(y.shape, &generator))))
            return [y.data, dx.data]
        }
        let one = try run(workers: 1)
        let two = try run(workers: 2)
        XCTAssertEqual(one[0].map(\.bitPattern), two[0].map(\.bitPattern))
        XCTAssertEqual(one[1].map(\.bitPattern), two[1].map(\.bitPattern))
        XCTAssertTrue(one[1].contains { $0 != 0 })
    }

    // MARK: - Export

    func testPoolExports() throws {
        var generator = SeededGenerator(seed: 1)
        let maxPool = MaxPool2D(poolSize: (3, 3), strides: (2, 2), padding: .same, name: "mp")
        let averagePool = AveragePool2D(poolSize: (2, 2), name: "ap")
        let global = GlobalAveragePool(name: "gap")
        var shape = try maxPool.build(inputShape: [9, 8, 4], generator: &generator)
        XCTAssertEqual(shape, [5, 4, 4])
        shape = try averagePool.build(inputShape: shape, generator: &generator)
        XCTAssertEqual(shape, [2, 2, 4])
        _ = try global.build(inputShape: shape, generator: &generator)

        var builder = ModelBuilder()
        let input = builder.addTensor(name: "x", shape: [1, 9, 8, 4])
        let a = try maxPool.export(to: &builder, input: input)
        let b = try averagePool.export(to: &builder, input: a)
        let c = try global.export(to: &builder, input: b)
        XCTAssertEqual(builder.operators.map(\.code), [.maxPool2D, .averagePool2D, .globalAveragePool])
        XCTAssertEqual(builder.operators.map(\.inputs), [[input], [a], [b]])
        XCTAssertEqual(builder.operators.map(\.outputs), [[a], [b], [c]])
        XCTAssertEqual(builder.operators[0].options, OperatorOptions(
            kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padding: .same))
        XCTAssertEqual(builder.operators[1].options, OperatorOptions(
            kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2, padding: .valid))
        XCTAssertEqual(builder.tensors[a].shape, [1, 5, 4, 4])
        XCTAssertEqual(builder.tensors[b].shape, [1, 2, 2, 4])
        XCTAssertEqual(builder.tensors[c].shape, [1, 4])
        XCTAssertEqual([a, b, c].map { builder.tensors[$0].name }, ["mp", "ap", "gap"])
        XCTAssertTrue(builder.tensors.allSatisfy { $0.constantBytes == nil })

        var wrong = ModelBuilder()
        let bad = wrong.addTensor(name: "x", shape: [1, 8, 9, 4])
        XCTAssertThrowsError(try maxPool.export(to: &wrong, input: bad))
    }

    private func randomTensor(_ shape: [Int], _ generator: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.uniform(-1, 1) })
    }
}

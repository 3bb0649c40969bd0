import MinnowProfile
import MinnowRuntime
import MinnowTrain
import XCTest

final class ProfileTests: XCTestCase {
    private func withPresetModel(_ preset: Preset, _ body: (Model, [UInt8]) throws -> Void) throws {
        let sequential = preset.makeModel()
        try sequential.build(seed: 1)
        let bytes = try sequential.modelFileBytes()
        try bytes.withUnsafeBytes { raw in try body(try Model(bytes: raw), bytes) }
    }

    func testMACsOfTheCNNPresetMatchHandCounts() throws {
        try withPresetModel(.fashionCNN) { model, _ in
            let inspection = ModelInspection(model)
            // conv1: 28·28·16 outputs × 3·3·1; conv2: 14·14·32 × 3·3·16; dense: 1568·64; 64·10.
            XCTAssertEqual(inspection.operators.map(\.macs), [112_896, 0, 903_168, 0, 0, 100_352, 640])
            XCTAssertEqual(inspection.parameterCount, 105_866)
        }
    }

    func testLSTMMACsCountEveryStep() throws {
        try withPresetModel(.fashionLSTM) { model, _ in
            let inspection = ModelInspection(model)
            // 28 steps × 4 gates × 64 units × (28 + 64) inputs, then 64·10.
            XCTAssertEqual(inspection.operators.map(\.macs), [28 * 4 * 64 * 92, 640])
        }
    }

    func testFlashBreakdownAddsUpAndSeparatesWeightsFromBiases() throws {
        try withPresetModel(.fashionMLP) { model, bytes in
            let flash = FlashBreakdown(model)
            XCTAssertEqual(flash.totalBytes, bytes.count)
            XCTAssertEqual(flash.weightBytes, (784 * 128 + 128 * 10) * 4)
            XCTAssertEqual(flash.biasBytes, (128 + 10) * 4)
            XCTAssertEqual(flash.quantizationBytes, 0)
            XCTAssertGreaterThan(flash.graphBytes, 0)
        }
    }

    func testPercentilesAndLatencyBookkeeping() throws {
        XCTAssertEqual(LatencyProfiler.percentile([5, 1, 3, 2, 4], 0.5), 3)
        XCTAssertEqual(LatencyProfiler.percentile([4, 1, 3, 2], 0.5), 2.5)
        XCTAssertEqual(LatencyProfiler.percentile((1...10).map(Double.init), 0.9), 9)
        var calls = [Int]()
        let profile = LatencyProfiler.measure(operatorCount: 3, runs: 4, warmup: 2,
                                              invoke: { calls.append(-1) }, invokeOperator: { calls.append($0) })
        // 2 warm-up invokes, then 4 × (one whole invoke + operators 0, 1, 2 in order).
        XCTAssertEqual(calls, [-1, -1] + Array(repeating: [-1, 0, 1, 2], count: 4).flatMap { $0 })
        XCTAssertEqual(profile.operatorMedianMicroseconds.count, 3)
        XCTAssertEqual(profile.runs, 4)
    }

    func testBoardFitMargins() {
        let board = Board.named("nrf52840")!
        XCTAssertEqual(board.ramBytes, 256 * 1024)
        let fit = board.fit(ramBytes: 100_000, flashBytes: 2_000_000)
        XCTAssertEqual(fit.ramMargin, 256 * 1024 - 100_000)
        XCTAssertEqual(fit.flashMargin, 1024 * 1024 - 2_000_000)
        XCTAssertFalse(fit.fits)
        XCTAssertNil(Board.named("pdp-11"))
    }
}

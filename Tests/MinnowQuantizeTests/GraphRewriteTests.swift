import MinnowQuantize
import MinnowRuntime
import XCTest

final class GraphRewriteTests: XCTestCase {
    /// conv → BN → ReLU folded into one conv with a fused ReLU computes the same function in
    /// the float runtime.
    func testBatchNormFoldingMatchesConvThenBatchNorm() throws {
        let original = FloatModels.cnn()
        var graph = try FloatGraph(builder: original)
        XCTAssertEqual(graph.foldBatchNorms(), ["bn"])
        XCTAssertEqual(graph.fuseActivations(), ["relu"])
        XCTAssertEqual(graph.operators.map(\.code), [.conv2D, .maxPool2D, .depthwiseConv2D, .reshape, .fullyConnected, .softmax])
        XCTAssertEqual(graph.operators[0].options.activation, .relu)
        XCTAssertEqual(graph.tensors[graph.operators[0].outputs[0]].name, "relu", "the conv writes the post-activation tensor")

        // Compare the conv block's output (pool input) in both graphs: make it the model output.
        var before = original
        before.outputs = [original.tensors.firstIndex { $0.name == "relu" }!]
        var after = graph.floatBuilder()
        after.outputs = before.outputs
        var r = TestRandom(7)
        for _ in 0..<5 {
            let x = r.array(72, 0, 1)
            let a = try runFloatModel(before.serializedBytes(), x)
            let b = try runFloatModel(after.serializedBytes(), x)
            XCTAssertEqual(a.count, 144)
            for i in a.indices { XCTAssertEqual(a[i], b[i], accuracy: 1e-5) }
            XCTAssert(a.contains { $0 > 0 } && a.contains { $0 == 0 }, "test data should exercise the ReLU")
        }
    }

    func testBatchNormAfterActivatedProducerIsNotFolded() throws {
        var b = FloatModels.mlp()
        let scale = b.addConstant(name: "bn/scale", shape: [3], floats: [1, 2, 3])
        let offset = b.addConstant(name: "bn/offset", shape: [3], floats: [0, 0, 0])
        let y = b.addTensor(name: "bn", shape: [1, 3])
        b.addOperator(.batchNorm, inputs: [b.outputs[0], scale, offset], outputs: [y])
        b.outputs = [y]
        // Make the producer activated: BN can no longer fold through the ReLU.
        var graph = try FloatGraph(builder: b)
        graph.operators[1].options.activation = .relu
        XCTAssertEqual(graph.foldBatchNorms(), [])
        XCTAssertEqual(graph.operators.count, 3)
    }
}

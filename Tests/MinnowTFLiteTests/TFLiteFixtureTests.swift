import Foundation
import XCTest
import MinnowTFLite

/// Every committed fixture decodes, and the IR equals what TFLite's own generated schema code
/// (Python, at generation time) read from the same file: the manifest.
final class TFLiteFixtureTests: XCTestCase {
    func testEveryFixtureMatchesTheManifest() throws {
        let models = try Fixtures.manifest()
        XCTAssertGreaterThanOrEqual(models.count, 50, "fixtures missing")
        var seenOperators = Set<String>()
        for entry in models {
            let name = try XCTUnwrap(entry["name"] as? String)
            let file = try XCTUnwrap(entry["file"] as? String)
            let bytes = try Fixtures.bytes(file)
            XCTAssertEqual(bytes.count, entry["bytes"] as? Int, name)
            let model: TFLiteModel
            do {
                model = try TFLiteModel(bytes: bytes)
            } catch {
                XCTFail("\(name): \(error)")
                continue
            }
            let expected = try XCTUnwrap(entry["model"] as? [String: Any])
            try check(model, against: expected, name)
            let ops = model.subgraphs[0].operators.map { model.operatorCodes[Int($0.opcodeIndex)].builtin.name }
            XCTAssertEqual(ops, entry["operators"] as? [String], name)
            seenOperators.formUnion(ops)
        }
        // The operator list, each present in at least one fixture.
        let required = ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D", "MEAN",
                        "ADD", "MUL", "CONCATENATION", "RESHAPE", "SQUEEZE", "PAD", "SOFTMAX", "LOGISTIC", "TANH",
                        "RELU", "RELU6", "QUANTIZE", "DEQUANTIZE", "UNIDIRECTIONAL_SEQUENCE_LSTM"]
        XCTAssertEqual(Set(required).subtracting(seenOperators), [], "operators without a fixture")
    }

    func check(_ model: TFLiteModel, against expected: [String: Any], _ name: String) throws {
        XCTAssertEqual(Int(model.version), expected["version"] as? Int, name)
        XCTAssertEqual(model.description, expected["description"] as? String, name)
        XCTAssertEqual(model.buffers.count, expected["buffers"] as? Int, name)
        let codes = try XCTUnwrap(expected["operator_codes"] as? [[String: Any]])
        XCTAssertEqual(model.operatorCodes.count, codes.count, name)
        for (code, want) in zip(model.operatorCodes, codes) {
            XCTAssertEqual(code.builtin.name, want["builtin"] as? String, name)
            XCTAssertEqual(Int(code.builtin.rawValue), want["builtin_code"] as? Int, name)
            XCTAssertEqual(Int(code.version), want["version"] as? Int, name)
        }
        let graph = model.subgraphs[0]
        XCTAssertEqual(graph.inputs.map(Int.init), expected["subgraph_inputs"] as? [Int], name)
        XCTAssertEqual(graph.outputs.map(Int.init), expected["subgraph_outputs"] as? [Int], name)

        let tensors = try XCTUnwrap(expected["tensors"] as? [[String: Any]])
        XCTAssertEqual(graph.tensors.count, tensors.count, name)
        for (i, (t, want)) in zip(graph.tensors, tensors).enumerated() {
            let at = "\(name) tensor \(i)"
            XCTAssertEqual(t.name, want["name"] as? String, at)
            XCTAssertEqual(t.shape.map(Int.init), want["shape"] as? [Int], at)
            XCTAssertEqual(t.shapeSignature?.map(Int.init), want["shape_signature"] as? [Int], at)
            XCTAssertEqual(t.type.description, want["dtype"] as? String, at)
            XCTAssertEqual(Int(t.buffer), want["buffer"] as? Int, at)
            XCTAssertEqual(model.buffers[Int(t.buffer)].data.count, want["data_bytes"] as? Int, at)
            XCTAssertEqual(t.isVariable, want["is_variable"] as? Bool, at)
            let q = want["quantization"] as? [String: Any]
            XCTAssertEqual(t.quantization?.scale.isEmpty == false, q != nil, "\(at) quantization presence")
            if let q, let tq = t.quantization {
                XCTAssertEqual(tq.scale.count, q["scale_count"] as? Int, at)
                XCTAssertEqual(Int(tq.quantizedDimension), q["quantized_dimension"] as? Int, at)
                XCTAssertEqual(Set(tq.zeroPoint.map(Int.init)).sorted(), (q["zero_point"] as? [Int]).map { Set($0).sorted() }, at)
                let sum = tq.scale.reduce(0.0) { $0 + Double($1) }
                let wantSum = try XCTUnwrap(q["scale_sum"] as? Double)
                XCTAssertEqual(sum, wantSum, accuracy: 1e-9 * max(1, abs(wantSum)), at)
                if let scales = q["scale"] as? [Double] {
                    XCTAssertEqual(tq.scale, scales.map { Float($0) }, at)  // JSON doubles may be off in the last bit; their float is exact
                    XCTAssertEqual(tq.zeroPoint.map(Int.init), q["zero_point"] as? [Int], at)
                }
            }
        }

        let operators = try XCTUnwrap(expected["operators"] as? [[String: Any]])
        XCTAssertEqual(graph.operators.count, operators.count, name)
        for (i, (op, want)) in zip(graph.operators, operators).enumerated() {
            let at = "\(name) operator \(i)"
            XCTAssertEqual(Int(op.opcodeIndex), want["opcode_index"] as? Int, at)
            XCTAssertEqual(op.inputs.map(Int.init), want["inputs"] as? [Int], at)
            XCTAssertEqual(op.outputs.map(Int.init), want["outputs"] as? [Int], at)
            XCTAssertEqual(op.intermediates.map(Int.init), want["intermediates"] as? [Int], at)
            let wantOptions = want["options"] as? [String: Any] ?? [:]
            for (key, value) in manifestOptions(op.options) {
                guard let other = wantOptions[key] else {
                    XCTFail("\(at): option \(key) missing from the manifest")
                    continue
                }
                XCTAssertTrue(jsonEqual(value, other), "\(at): option \(key) is \(value), TFLite read \(other)")
            }
        }
    }

    /// The manifest's I/O entries agree with the IR and with the .npy files beside them.
    func testInputOutputFilesMatchTheModels() throws {
        for entry in try Fixtures.manifest() {
            let name = try XCTUnwrap(entry["name"] as? String)
            let model = try Fixtures.model(name)
            let items = try XCTUnwrap(entry["items"] as? Int)
            XCTAssertGreaterThanOrEqual(items, 100, name)
            for (role, indices) in [("inputs", model.subgraphs[0].inputs), ("outputs", model.subgraphs[0].outputs)] {
                let list = try XCTUnwrap(entry[role] as? [[String: Any]])
                XCTAssertEqual(list.count, indices.count, name)
                for (io, index) in zip(list, indices) {
                    let tensor = model.subgraphs[0].tensors[Int(index)]
                    XCTAssertEqual(io["tensor"] as? Int, Int(index), name)
                    XCTAssertEqual(io["dtype"] as? String, tensor.type.description, name)
                    let file = try XCTUnwrap(io["file"] as? String)
                    let npy = try Fixtures.bytes(file)
                    // .npy header: magic, version, header length, then a dict with 'descr' and 'shape'.
                    XCTAssertEqual(Array(npy.prefix(6)), [0x93] + Array("NUMPY".utf8), file)
                    let headerLength = Int(npy[8]) | Int(npy[9]) << 8
                    let header = String(decoding: npy[10..<(10 + headerLength)], as: UTF8.self)
                    let descr = tensor.type == .int8 ? "'|i1'" : "'<f4'"
                    XCTAssertTrue(header.contains("'descr': \(descr)"), "\(file): \(header)")
                    let elements = (tensor.elementCount ?? 0) * items
                    XCTAssertEqual(npy.count - 10 - headerLength, elements * tensor.type.byteWidth, file)
                }
            }
        }
    }

    /// Details the importer relies on, spelled out for the files where they matter.
    func testSpecificFeaturesAreDecoded() throws {
        let lstm = try Fixtures.model("lstm_int8")
        let graph = lstm.subgraphs[0]
        guard let op = graph.operators.first(where: { lstm.operatorCodes[Int($0.opcodeIndex)].builtin == .unidirectionalSequenceLSTM }) else {
            return XCTFail("no LSTM operator")
        }
        XCTAssertEqual(op.inputs.count, 24)
        XCTAssertEqual(op.inputs.filter { $0 == -1 }.count, 9, "omitted peephole, projection and layer-norm inputs")
        XCTAssertEqual(op.intermediates.count, 5)
        let cell = graph.tensors[Int(op.inputs[19])]
        XCTAssertEqual(cell.type, .int16, "the int8 LSTM keeps an int16 cell state")
        XCTAssertTrue(cell.isVariable)
        guard case let .unidirectionalSequenceLSTM(o) = op.options else { return XCTFail("options \(op.options)") }
        XCTAssertEqual(o.activation, .tanh)
        XCTAssertFalse(o.timeMajor)

        let keep = try Fixtures.model("fully_connected_keep_num_dims_int8")
        XCTAssertEqual(keep.subgraphs[0].operators[0].options, .fullyConnected(.init(activation: .none, keepNumDims: true)))

        let perTensor = try Fixtures.model("fully_connected_per_tensor_int8")
        let weights = perTensor.subgraphs[0].tensors[Int(perTensor.subgraphs[0].operators[0].inputs[1])]
        XCTAssertEqual(weights.quantization?.scale.count, 1, "per-tensor FC weights")
        let perChannel = try Fixtures.model("fully_connected_relu_int8")
        let channelWeights = perChannel.subgraphs[0].tensors[Int(perChannel.subgraphs[0].operators[0].inputs[1])]
        XCTAssertEqual(channelWeights.quantization?.scale.count, 16, "per-channel FC weights")

        let dw = try Fixtures.model("depthwise_dm2_s2_same_relu_int8")
        guard case let .depthwiseConv2D(d) = dw.subgraphs[0].operators[0].options else { return XCTFail() }
        XCTAssertEqual(d.depthMultiplier, 2)
        XCTAssertEqual(d.padding, .same)
        XCTAssertEqual(d.strideW, 2)
        XCTAssertEqual(d.activation, .relu)

        let dil = try Fixtures.model("conv2d_dil2_valid_relu6_int8")
        XCTAssertEqual(dil.subgraphs[0].operators[0].options,
                       .conv2D(.init(padding: .valid, strideW: 1, strideH: 1, dilationW: 2, dilationH: 2, activation: .relu6)))

        let squeeze = try Fixtures.model("squeeze_int8")
        XCTAssertEqual(squeeze.subgraphs[0].operators[0].options, .squeeze(squeezeDims: [1, 2]))
    }
}

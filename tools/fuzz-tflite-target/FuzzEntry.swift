// libFuzzer entry for the TFLite reader: FlatBuffer checks, the IR decoder and the writer.
//
// Compiled by tools/fuzz-tflite together with every file of Sources/MinnowTFLite into one module
// (swiftc -sanitize=fuzzer,address, -O with Swift's overflow and bounds traps on). Not a SwiftPM
// target: libFuzzer supplies `main`.
//
// Each input is decoded with `TFLiteModel(bytes:)`. A decoded model must write and read back
// as the same model; a mismatch is a bug and traps, so the fuzzer also checks the writer.

@_cdecl("LLVMFuzzerTestOneInput")
public func minnowTFLiteFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let model = try? TFLiteModel(bytes: bytes) else { return 0 }
    for subgraph in model.subgraphs {
        for tensor in subgraph.tensors { _ = tensor.elementCount }
        for op in subgraph.operators { _ = model.operatorCodes[Int(op.opcodeIndex)].builtin.name }
    }
    let written = model.encodedWithoutValidation()
    guard let reread = try? TFLiteModel(bytes: written) else {
        preconditionFailure("a decoded model wrote a file the decoder rejects")
    }
    precondition(reread == model, "round trip changed the model")
    return 0
}
